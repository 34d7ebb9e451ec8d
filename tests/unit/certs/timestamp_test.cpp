// The time-stamping authority (RFC 3161), checked with `openssl ts` as a relying party would; the outside-TSA client
// against a local HTTP server that answers as a TSA, as a broken one, and not at all.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "core/encoding.h"
#include "pki_fixture.h"
#include "store/certificates.h"

namespace firma::certs {
namespace {

using testing::PkiFixture;

class TimestampTest : public ::testing::Test {
 protected:
  void SetUp() override { f.open(); }

  // `openssl ts -query` over `data` with extra options, answered by the TSA; the reply's path.
  std::filesystem::path stamp(const std::string& name, const std::string& data, const std::string& options = "") {
    const auto file = f.write(name + ".txt", data);
    const auto query = f.dir.path() / (name + ".tsq");
    auto made = f.openssl("ts -query -data " + file.string() + " " + options + " -out " + query.string());
    EXPECT_EQ(made.status, 0) << made.output;
    const std::string request = read(query);
    return f.write_der(name + ".tsr", f.tsa->respond(Bytes(request.begin(), request.end())));
  }

  static std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string reply_text(const std::filesystem::path& reply) {
    return f.openssl("ts -reply -in " + reply.string() + " -text").output;
  }

  PkiFixture f;
};

TEST_F(TimestampTest, TheTsaCertificateHasOnlyTheCriticalTimeStampingPurposeAndChainsToTheRoot) {
  const ServiceKey tsa = f.ca->tsa_signer();
  EXPECT_TRUE(f.hsm.token().has_key(tsa.key_id));
  EXPECT_EQ(f.hsm.token().purpose(tsa.key_id).value(), hsm::KeyPurpose::timestamping);
  const auto cert = f.write_pem("tsa.pem", tsa.certificate);
  auto verified =
      f.openssl("verify -x509_strict -purpose timestampsign -CAfile " + f.chain_file().string() + " " + cert.string());
  EXPECT_EQ(verified.status, 0) << verified.output;
  const std::string text = f.openssl("x509 -noout -text -in " + cert.string()).output;
  EXPECT_NE(text.find("X509v3 Extended Key Usage: critical\n                Time Stamping\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Digital Signature"), std::string::npos) << text;
  EXPECT_NE(text.find("/pki/crl"), std::string::npos) << text;
}

TEST_F(TimestampTest, AGrantedReplyVerifiesAgainstTheDataAndEchoesNonceWithAccuracyAndPolicy) {
  const auto reply = stamp("doc", "Resolución 2026/42\n", "-sha256 -cert");
  const auto data = f.dir.path() / "doc.txt";
  auto verified =
      f.openssl("ts -verify -data " + data.string() + " -in " + reply.string() + " -CAfile " + f.chain_file().string());
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_NE(verified.output.find("Verification: OK"), std::string::npos) << verified.output;
  // Against other data: refused.
  const auto other = f.write("other.txt", "Resolución 2026/43\n");
  auto wrong = f.openssl("ts -verify -data " + other.string() + " -in " + reply.string() + " -CAfile " +
                         f.chain_file().string());
  EXPECT_NE(wrong.status, 0) << wrong.output;

  const std::string text = reply_text(reply);
  EXPECT_NE(text.find("Status: Granted."), std::string::npos) << text;
  EXPECT_NE(text.find("Policy OID: 1.3.6.1.4.1.32473.1.2"), std::string::npos) << text;
  EXPECT_NE(text.find("Accuracy: 0x01 seconds"), std::string::npos) << text;
  EXPECT_EQ(text.find("Nonce: unspecified"), std::string::npos) << text;
  // The query's nonce comes back: openssl ts -verify -queryfile checks nonce, imprint and policy together.
  auto matched = f.openssl("ts -verify -queryfile " + (f.dir.path() / "doc.tsq").string() + " -in " + reply.string() +
                           " -CAfile " + f.chain_file().string());
  EXPECT_NE(matched.output.find("Verification: OK"), std::string::npos) << matched.output;
}

TEST_F(TimestampTest, WithoutCertReqTheTokenLeavesTheCertificateOutAndVerifiesWithItGiven) {
  const auto reply = stamp("bare", "data", "-sha384 -no_nonce");
  const auto data = f.dir.path() / "bare.txt";
  auto alone =
      f.openssl("ts -verify -data " + data.string() + " -in " + reply.string() + " -CAfile " + f.chain_file().string());
  EXPECT_NE(alone.status, 0) << alone.output;
  const auto tsa = f.write_pem("tsa.pem", f.ca->tsa_signer().certificate);
  auto given = f.openssl("ts -verify -data " + data.string() + " -in " + reply.string() + " -CAfile " +
                         f.chain_file().string() + " -untrusted " + tsa.string());
  EXPECT_NE(given.output.find("Verification: OK"), std::string::npos) << given.output;
}

TEST_F(TimestampTest, SerialNumbersDifferForTheSameData) {
  const std::string first = reply_text(stamp("a", "same"));
  const std::string second = reply_text(stamp("b", "same"));
  const auto serial = [](const std::string& text) {
    const auto at = text.find("Serial number: ");
    return at == std::string::npos ? std::string() : text.substr(at, text.find('\n', at) - at);
  };
  ASSERT_FALSE(serial(first).empty()) << first;
  EXPECT_NE(serial(first), serial(second));
}

TEST_F(TimestampTest, BadRequestsAreRejectedWithTheirFailureInfo) {
  struct Case {
    std::string name;
    Bytes request;
    std::string failure;
  };
  std::vector<Case> cases = {
      {"empty", {}, "the data submitted has the wrong format"},
      {"garbage", Bytes{'n', 'o', 't', ' ', 'a', ' ', 'q', 'u', 'e', 'r', 'y'},
       "the data submitted has the wrong format"},
      {"a sequence of nothing", Bytes{0x30, 0x00}, "the data submitted has the wrong format"},
  };
  // Requests openssl makes, then bent.
  const auto query = [&](const std::string& name, const std::string& options) {
    const auto file = f.write(name + ".txt", "data");
    const auto out = f.dir.path() / (name + ".tsq");
    EXPECT_EQ(f.openssl("ts -query -data " + file.string() + " " + options + " -out " + out.string()).status, 0);
    const std::string bytes = read(out);
    return Bytes(bytes.begin(), bytes.end());
  };
  cases.push_back({"sha1", query("sha1", "-sha1"), "unrecognized or unsupported algorithm"});
  cases.push_back(
      {"another policy", query("policy", "-tspolicy 1.2.3.4"), "the requested TSA policy is not supported"});
  Bytes trailing = query("trailing", "-sha256");
  trailing.push_back(0);
  cases.push_back({"trailing bytes", trailing, "the data submitted has the wrong format"});
  Bytes truncated = query("truncated", "-sha256");
  truncated.resize(truncated.size() - 3);
  cases.push_back({"truncated", truncated, "the data submitted has the wrong format"});

  for (const Case& c : cases) {
    const auto reply = f.write_der("rejected.tsr", f.tsa->respond(c.request));
    const std::string text = reply_text(reply);
    EXPECT_NE(text.find("Status: Rejected"), std::string::npos) << c.name << ": " << text;
    EXPECT_NE(text.find(c.failure), std::string::npos) << c.name << ": " << text;
  }
}

TEST_F(TimestampTest, ATokenForTheFormatsVerifiesAgainstItsDigest) {
  const Bytes digest = sha256(Bytes{'s', 'i', 'g'});
  auto token = f.tsa->timestamp(hsm::DigestAlgorithm::sha256, digest);
  ASSERT_TRUE(token.ok()) << token.error().message;
  const auto file = f.write_der("token.der", *token);
  auto verified = f.openssl("ts -verify -digest " + to_hex(digest) + " -token_in -in " + file.string() + " -CAfile " +
                            f.chain_file().string());
  EXPECT_NE(verified.output.find("Verification: OK"), std::string::npos) << verified.output;
  Bytes other = digest;
  other[0] ^= 1;
  auto wrong = f.openssl("ts -verify -digest " + to_hex(other) + " -token_in -in " + file.string() + " -CAfile " +
                         f.chain_file().string());
  EXPECT_EQ(wrong.output.find("Verification: OK"), std::string::npos) << wrong.output;
  EXPECT_EQ(f.tsa->timestamp(hsm::DigestAlgorithm::sha384, digest).error().code, ErrorCode::invalid_request);
}

TEST_F(TimestampTest, TheTsaCertificateIsRenewedBeforeItExpires) {
  const ServiceKey first = f.ca->tsa_signer();
  ASSERT_TRUE(f.ca->maintain().ok());
  EXPECT_EQ(f.ca->tsa_signer().key_id, first.key_id);
  // pki.tsa_validity_days 1095, renewed 30 days before.
  f.clock.advance(std::chrono::days(1070));
  ASSERT_TRUE(f.ca->maintain().ok());
  const ServiceKey second = f.ca->tsa_signer();
  EXPECT_NE(second.key_id, first.key_id);
  auto active = f.db->transact([](store::Tx& tx) { return store::CaCertificateRecords::active(tx, "tsa"); });
  ASSERT_TRUE(active.ok() && active->has_value());
  EXPECT_EQ((*active)->key_id, second.key_id);
  // A second node (another CA object over the same token and database) uses the same TSA.
  auto other = CertificateAuthority::open(f.hsm.token(), *f.db, f.clock, f.random, PkiFixture::default_settings());
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_EQ((*other)->tsa_signer().key_id, second.key_id);
}

// A local HTTP server standing in for an outside TSA.
class OutsideTsa {
 public:
  explicit OutsideTsa(httplib::Server::Handler handler) {
    server_.Post("/tsa", std::move(handler));
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // start-up only
  }
  ~OutsideTsa() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/tsa"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(TimestampTest, AnOutsideTsaStampsThroughTheRemoteTimeStamper) {
  OutsideTsa outside([this](const httplib::Request& request, httplib::Response& response) {
    const Bytes answer = f.tsa->respond(Bytes(request.body.begin(), request.body.end()));
    response.set_content(std::string(answer.begin(), answer.end()), "application/timestamp-reply");
  });
  auto remote = remote_time_stamper({outside.url(), 5}, f.random);
  ASSERT_TRUE(remote.ok() && *remote);
  const Bytes digest = sha256(Bytes{'x'});
  auto token = (*remote)->timestamp(hsm::DigestAlgorithm::sha256, digest);
  ASSERT_TRUE(token.ok()) << token.error().message;
  const auto file = f.write_der("remote.der", *token);
  auto verified = f.openssl("ts -verify -digest " + to_hex(digest) + " -token_in -in " + file.string() + " -CAfile " +
                            f.chain_file().string());
  EXPECT_NE(verified.output.find("Verification: OK"), std::string::npos) << verified.output;
}

TEST_F(TimestampTest, AnOutsideTsaThatIsDownBrokenOrSlowIsUnavailable) {
  const Bytes digest = sha256(Bytes{'x'});
  {
    // Nothing listens.
    std::string url;
    {
      OutsideTsa gone([](const httplib::Request&, httplib::Response&) {});
      url = gone.url();
    }
    auto remote = remote_time_stamper({url, 2}, f.random);
    auto token = (*remote)->timestamp(hsm::DigestAlgorithm::sha256, digest);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, ErrorCode::unavailable);
    EXPECT_NE(token.error().message.find("did not answer"), std::string::npos) << token.error().message;
  }
  {
    OutsideTsa broken([](const httplib::Request&, httplib::Response& response) { response.status = 500; });
    auto token = (*remote_time_stamper({broken.url(), 2}, f.random))->timestamp(hsm::DigestAlgorithm::sha256, digest);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, ErrorCode::unavailable);
    EXPECT_NE(token.error().message.find("HTTP 500"), std::string::npos) << token.error().message;
  }
  {
    // A reply to another request (a replay): refused.
    const Bytes stale = f.tsa->respond(Bytes{0x30, 0x00});
    OutsideTsa replaying([&](const httplib::Request&, httplib::Response& response) {
      response.set_content(std::string(stale.begin(), stale.end()), "application/timestamp-reply");
    });
    auto token =
        (*remote_time_stamper({replaying.url(), 2}, f.random))->timestamp(hsm::DigestAlgorithm::sha256, digest);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, ErrorCode::unavailable);
  }
  {
    OutsideTsa slow([](const httplib::Request&, httplib::Response& response) {
      std::this_thread::sleep_for(std::chrono::seconds(3));
      response.status = 200;
    });
    const auto started = std::chrono::steady_clock::now();
    auto token = (*remote_time_stamper({slow.url(), 1}, f.random))->timestamp(hsm::DigestAlgorithm::sha256, digest);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, ErrorCode::unavailable);
  }
  EXPECT_FALSE(remote_time_stamper({"ftp://tsa.example/", 2}, f.random).ok());
  EXPECT_TRUE(remote_time_stamper({"", 2}, f.random).ok());
}

}  // namespace
}  // namespace firma::certs
