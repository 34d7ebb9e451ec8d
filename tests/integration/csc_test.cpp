// A CSC client of our own against the whole service in-process: every endpoint of /csc/v1 and /csc/v2 in explicit
// mode (API key, sendOTP or getChallenge, authorize with PIN + OTP, signHash, signDoc), each refusal, and every
// signature checked with OpenSSL against the certificate's public key, signDoc's with openssl cms, pdfsig and xmlsec1.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/encoding.h"
#include "sample_documents.h"
#include "signing_stack.h"
#include "support/process.h"

namespace firma::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kNif = "12345678Z";
const std::string kMobile = "+34600111222";
const std::string kPassword = "Firma-Segura-2026";

const std::string kSha256 = "2.16.840.1.101.3.4.2.1";
const std::string kSha384 = "2.16.840.1.101.3.4.2.2";
const std::string kEcdsaSha256 = "1.2.840.10045.4.3.2";
const std::string kEcdsaSha384 = "1.2.840.10045.4.3.3";
const std::string kRsaEncryption = "1.2.840.113549.1.1.1";
const std::string kSha256Rsa = "1.2.840.113549.1.1.11";
const std::string kPss = "1.2.840.113549.1.1.10";

// RSASSA-PSS-params (RFC 4055 3.1) for SHA-256, MGF1-SHA-256, salt 32: what pyHanko sends.
const std::string kPssSha256Params =
    "3034"
    "a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120";

std::string b64(const Bytes& bytes) {
  return to_base64(bytes);
}
Bytes digest_of(std::string_view text) {
  return sha256(as_bytes(text));
}

class CscTest : public ::testing::Test {
 protected:
  void start(const std::string& algorithm = "", const std::string& custody = "") {
    stack_ = std::make_unique<SigningStack>("", [algorithm, custody](app::Settings& config) {
      if (!algorithm.empty()) config.pki.certificate_algorithm = algorithm;
      if (!custody.empty()) config.hsm.key_custody = custody;
    });
    key_ = stack_->register_application("Sede de ejemplo");
    stack_->make_citizen(kNif, kMobile, kPassword);
  }

  Reply csc(const std::string& path, const json& body, const std::string& bearer) {
    return stack_->post("/csc/" + path, body, bearer);
  }

  std::string credential(const std::string& version = "v1") {
    auto listed = csc(version + "/credentials/list", {{"userID", kNif}}, key_);
    EXPECT_EQ(listed.status, 200) << listed.raw;
    EXPECT_EQ(listed.body["credentialIDs"].size(), 1u) << listed.raw;
    return listed.body["credentialIDs"].at(0);
  }

  // sendOTP (v1) or getChallenge (v2), then the code from the SMS outbox.
  std::string send_code(const std::string& version, const std::string& id, const std::string& bearer = "") {
    auto sent = version == "v1" ? csc("v1/credentials/sendOTP", {{"credentialID", id}}, bearer.empty() ? key_ : bearer)
                                : csc("v2/credentials/getChallenge", {{"credentialID", id}, {"authObjectID", "OTP"}},
                                      bearer.empty() ? key_ : bearer);
    EXPECT_EQ(sent.status, 204) << sent.raw;
    return stack_->last_otp(kMobile);
  }

  Reply authorize_v1(const std::string& id, const std::vector<Bytes>& hashes, int count, const std::string& pin,
                     const std::string& otp, const std::string& bearer = "") {
    json list = json::array();
    for (const auto& h : hashes) list.push_back(b64(h));
    return csc("v1/credentials/authorize",
               {{"credentialID", id}, {"numSignatures", count}, {"hash", list}, {"PIN", pin}, {"OTP", otp}},
               bearer.empty() ? key_ : bearer);
  }

  std::string public_key_pem(const std::string& id) {
    auto info = csc("v2/credentials/info", {{"credentialID", id}, {"certificates", "single"}}, key_);
    const auto der = *from_base64(info.body["cert"]["certificates"][0].get<std::string>());
    const auto dir = stack_->dir().path();
    write_file(dir / "cert.der", to_string(der));
    EXPECT_EQ(run_command("openssl x509 -inform DER -in " + (dir / "cert.der").string() + " -pubkey -noout > " +
                          (dir / "pub.pem").string())
                  .status,
              0);
    return (dir / "pub.pem").string();
  }

  // openssl pkeyutl -verify of one signature over one digest, with the padding options given.
  bool verifies(const std::string& pub, const Bytes& digest, const std::string& signature_b64,
                const std::string& options) {
    const auto dir = stack_->dir().path();
    write_file(dir / "d.bin", to_string(digest));
    write_file(dir / "s.bin", to_string(*from_base64(signature_b64)));
    return run_command("openssl pkeyutl -verify -pubin -inkey " + pub + " -in " + (dir / "d.bin").string() +
                       " -sigfile " + (dir / "s.bin").string() + " " + options)
               .output.find("Signature Verified Successfully") != std::string::npos;
  }

  std::unique_ptr<SigningStack> stack_;
  std::string key_;
};

TEST_F(CscTest, InfoAnswersBothVersionsOnGetAndPost) {
  start();
  for (const std::string v : {"v1", "v2"}) {
    auto got = stack_->get("/csc/" + v + "/info");
    auto posted = csc(v + "/info", json::object(), "");
    ASSERT_EQ(got.status, 200) << got.raw;
    EXPECT_EQ(got.body, posted.body);
    for (const char* field :
         {"specs", "name", "logo", "region", "lang", "description", "authType", "methods", "oauth2"})
      EXPECT_TRUE(got.body.contains(field)) << v << " " << field;
    EXPECT_EQ(got.body["oauth2"].get<std::string>().rfind("http", 0), 0u);
    const auto& methods = got.body["methods"];
    EXPECT_NE(std::find(methods.begin(), methods.end(), "credentials/extendTransaction"), methods.end()) << v;
  }
  auto v2 = stack_->get("/csc/v2/info");
  for (const char* field : {"signAlgorithms", "signature_formats", "conformance_levels", "supportedHashTypes"})
    EXPECT_TRUE(v2.body.contains(field)) << field;
  EXPECT_EQ(v2.body["specs"], "2.0.0.2");
  EXPECT_EQ(stack_->get("/csc/v1/info").body["specs"], "1.0.4.0");
}

// pyHanko's path: v1 names, sendOTP, authorize with PIN and OTP, signHash in pieces; ECDSA answers DER.
TEST_F(CscTest, ExplicitModeV1SignsExactlyTheAuthorisedHashesOnceEach) {
  start();
  const std::string id = credential("v1");
  EXPECT_EQ(id.find_first_not_of("0123456789ABCDEF"), std::string::npos) << id;

  auto info = csc("v1/credentials/info", {{"credentialID", id}, {"certificates", "chain"}}, key_);
  ASSERT_EQ(info.status, 200) << info.raw;
  EXPECT_EQ(info.body["authMode"], "explicit");
  EXPECT_EQ(info.body["OTP"]["type"], "online");
  EXPECT_EQ(info.body["PIN"]["presence"], "true");
  EXPECT_EQ(info.body["SCAL"], "2");
  EXPECT_EQ(info.body["multisign"], 1000);
  EXPECT_EQ(info.body["key"]["len"], 256);
  EXPECT_EQ(info.body["key"]["curve"], "1.2.840.10045.3.1.7");
  EXPECT_EQ(info.body["key"]["algo"],
            json::array({"1.2.840.10045.2.1", kEcdsaSha256, kEcdsaSha384, "1.2.840.10045.4.3.4"}));
  EXPECT_EQ(info.body["cert"]["certificates"].size(), 3u);  // end entity, issuing CA, root
  EXPECT_EQ(info.body["cert"]["serialNumber"], id);
  EXPECT_EQ(info.body["cert"]["status"], "valid");
  EXPECT_EQ(info.body["cert"]["validFrom"].get<std::string>().size(), 15u);
  EXPECT_NE(info.body["cert"]["subjectDN"].get<std::string>().find("12345678Z"), std::string::npos);

  const std::string otp = send_code("v1", id);
  ASSERT_EQ(otp.size(), 6u);
  auto outbox = stack_->get("/v1/admin/sms/outbox?to=%2B34600111222", stack_->outbox_token());
  const std::string sms = outbox.body["messages"].back()["text"];
  EXPECT_NE(sms.find("Sede de ejemplo"), std::string::npos) << sms;
  EXPECT_NE(sms.find("hasta 1000 firmas"), std::string::npos) << sms;

  const Bytes a = digest_of("a"), b = digest_of("b"), c = digest_of("c");
  auto authorized = authorize_v1(id, {a, b, a}, 3, kPassword, otp);
  ASSERT_EQ(authorized.status, 200) << authorized.raw;
  const std::string sad = authorized.body["SAD"];
  EXPECT_EQ(authorized.body["expiresIn"], 300);

  // Not authorised: nothing signed, nothing spent.
  auto foreign =
      csc("v1/signatures/signHash",
          {{"credentialID", id}, {"SAD", sad}, {"hash", {b64(a), b64(c)}}, {"signAlgo", kEcdsaSha256}}, key_);
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(foreign.body["error"], "invalid_request");
  EXPECT_EQ(foreign.body["error_description"], "Hash is not authorized by the SAD");

  auto first = csc("v1/signatures/signHash",
                   {{"credentialID", id},
                    {"SAD", sad},
                    {"hash", {b64(a), b64(b)}},
                    {"hashAlgo", kSha256},
                    {"signAlgo", kEcdsaSha256}},
                   key_);
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_EQ(first.body["signatures"].size(), 2u);
  const std::string pub = public_key_pem(id);
  EXPECT_TRUE(verifies(pub, a, first.body["signatures"][0], ""));
  EXPECT_TRUE(verifies(pub, b, first.body["signatures"][1], ""));
  EXPECT_FALSE(verifies(pub, a, first.body["signatures"][1], "")) << "signatures come in the order asked";

  // `a` was authorised twice (a multiset): once more, then never again; `b` is spent.
  auto spent = csc("v1/signatures/signHash",
                   {{"credentialID", id}, {"SAD", sad}, {"hash", {b64(b)}}, {"signAlgo", kEcdsaSha256}}, key_);
  EXPECT_EQ(spent.status, 400);
  EXPECT_EQ(spent.body["error_description"], "Hash already signed with this SAD");
  auto second =
      csc("v1/signatures/signHash",
          {{"credentialID", id}, {"SAD", sad}, {"hash", {to_base64url(a)}}, {"signAlgo", kEcdsaSha256}}, key_);
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_TRUE(verifies(pub, a, second.body["signatures"][0], ""));
  auto third = csc("v1/signatures/signHash",
                   {{"credentialID", id}, {"SAD", sad}, {"hash", {b64(a)}}, {"signAlgo", kEcdsaSha256}}, key_);
  EXPECT_EQ(third.status, 400) << third.raw;
}

// The v2 names (getChallenge, authData, hashes, hashAlgorithmOID), an RSA key: PKCS#1 v1.5 over DigestInfo and PSS,
// a SAD as the bearer (credential scope), and the algorithm refusals.
TEST_F(CscTest, ExplicitModeV2WithRsaSignsPkcs1AndPss) {
  start("rsa-2048");
  const std::string id = credential("v2");
  auto info = csc("v2/credentials/info", {{"credentialID", id}, {"certificates", "chain"}, {"authInfo", true}}, key_);
  ASSERT_EQ(info.status, 200) << info.raw;
  EXPECT_EQ(info.body["auth"]["mode"], "explicit");
  EXPECT_EQ(info.body["auth"]["objects"][0]["id"], "PIN");
  EXPECT_EQ(info.body["auth"]["objects"][1]["id"], "OTP");
  EXPECT_EQ(info.body["key"]["len"], 2048);
  EXPECT_FALSE(info.body["key"].contains("curve"));
  EXPECT_EQ(info.body["key"]["algo"],
            json::array({kRsaEncryption, kSha256Rsa, "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", kPss}));

  const Bytes a = digest_of("a"), b = digest_of("b"), c = digest_of("c"), d = digest_of("d");
  const std::string otp = send_code("v2", id);
  auto authorized = csc("v2/credentials/authorize",
                        {{"credentialID", id},
                         {"numSignatures", 4},
                         {"hashes", {b64(a), b64(b), b64(c), b64(d)}},
                         {"hashAlgorithmOID", kSha256},
                         {"authData", {{{"id", "PIN"}, {"value", kPassword}}, {{"id", "OTP"}, {"value", otp}}}}},
                        key_);
  ASSERT_EQ(authorized.status, 200) << authorized.raw;
  const std::string sad = authorized.body["SAD"];
  const std::string pub = public_key_pem(id);
  const std::string params = to_base64(*from_hex(kPssSha256Params));

  auto refused = [&](const json& body, const std::string& why) {
    auto r = csc("v2/signatures/signHash", body, key_);
    EXPECT_EQ(r.status, 400) << why << ": " << r.raw;
    EXPECT_EQ(r.body["error"], "invalid_request") << why;
    EXPECT_FALSE(r.body.contains("type")) << "never problem+json";
  };
  const auto with = [&](const json& more) {
    json body = {{"credentialID", id}, {"SAD", sad}, {"hashes", {b64(a)}}};
    body.update(more);
    return body;
  };
  refused(with({{"signAlgo", kSha256Rsa}, {"hashAlgorithmOID", kSha384}}), "contradicting OIDs");
  refused(with({{"signAlgo", kRsaEncryption}}), "rsaEncryption without a hash");
  refused(with({{"signAlgo", kPss}, {"signAlgoParams", to_base64(*from_hex("3000"))}}), "PSS with the SHA-1 defaults");
  refused(with({{"signAlgo", kEcdsaSha256}}), "an algorithm not of this key");
  refused({{"credentialID", id}, {"SAD", sad}, {"hashes", {b64(Bytes(20, 1))}}, {"signAlgo", kSha256Rsa}},
          "a 20-byte digest");

  auto v15 = csc("v2/signatures/signHash",
                 {{"credentialID", id},
                  {"SAD", sad},
                  {"hashes", {b64(a)}},
                  {"signAlgo", kRsaEncryption},
                  {"hashAlgorithmOID", kSha256}},
                 key_);
  ASSERT_EQ(v15.status, 200) << v15.raw;
  EXPECT_TRUE(verifies(pub, a, v15.body["signatures"][0], "-pkeyopt digest:sha256"));
  auto pss = csc(
      "v2/signatures/signHash",
      {{"credentialID", id}, {"SAD", sad}, {"hashes", {b64(b)}}, {"signAlgo", kPss}, {"signAlgoParams", params}}, key_);
  ASSERT_EQ(pss.status, 200) << pss.raw;
  const std::string pss_options =
      "-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:digest -pkeyopt digest:sha256";
  EXPECT_TRUE(verifies(pub, b, pss.body["signatures"][0], pss_options));
  EXPECT_FALSE(verifies(pub, b, pss.body["signatures"][0], "-pkeyopt digest:sha256"));

  // The SAD itself as the bearer: no SAD parameter, v1 names at /csc/v2 (pyHanko with api_ver v2).
  auto by_sad =
      csc("v2/signatures/signHash", {{"credentialID", id}, {"hash", {b64(c)}}, {"signAlgo", kSha256Rsa}}, sad);
  ASSERT_EQ(by_sad.status, 200) << by_sad.raw;
  EXPECT_TRUE(verifies(pub, c, by_sad.body["signatures"][0], "-pkeyopt digest:sha256"));
  auto info_by_sad = csc("v2/credentials/info", {{"credentialID", id}}, sad);
  EXPECT_EQ(info_by_sad.status, 200) << info_by_sad.raw;
  auto list_by_sad = csc("v2/credentials/list", json::object(), sad);
  EXPECT_EQ(list_by_sad.status, 401);
  EXPECT_EQ(list_by_sad.body["error"], "invalid_token");

  // Expired: the clock passes the SAD's lifetime (csc.sad_lifetime_seconds, 300 s).
  stack_->clock().advance(301s);
  auto late = csc("v2/signatures/signHash",
                  {{"credentialID", id}, {"SAD", sad}, {"hashes", {b64(d)}}, {"signAlgo", kSha256Rsa}}, key_);
  EXPECT_EQ(late.status, 400) << late.raw;
  EXPECT_EQ(late.body["error_description"], "SAD expired");
}

TEST_F(CscTest, RefusalsComeInCscShape) {
  start();
  const std::string id = credential();
  const Bytes a = digest_of("a");

  // Bearers: none, unknown.
  for (const std::string& bearer : {std::string(), std::string("not-a-key")}) {
    auto r = csc("v1/credentials/list", {{"userID", kNif}}, bearer);
    EXPECT_EQ(r.status, 401) << r.raw;
    EXPECT_EQ(r.body["error"], "invalid_token");
  }
  // Malformed JSON: CSC's shape, never problem+json.
  auto malformed = stack_->post("/csc/v1/credentials/info", json("not an object"), key_);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body["error"], "invalid_request");
  // The server's own refusals on /csc/: an unknown method, a wrong HTTP method, a body over the limit.
  auto no_method = csc("v1/credentials/nothing", json::object(), key_);
  EXPECT_EQ(no_method.status, 404);
  EXPECT_EQ(no_method.body["error"], "invalid_request") << no_method.raw;
  auto get_list = stack_->get("/csc/v2/credentials/list", key_);
  EXPECT_EQ(get_list.status, 405);
  EXPECT_EQ(get_list.body["error"], "invalid_request") << get_list.raw;
  auto huge = stack_->post("/csc/v1/credentials/info", {{"credentialID", std::string(13u << 20, 'A')}}, key_);
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(huge.body["error"], "invalid_request") << huge.raw.substr(0, 200);
  // Unknown credential; unknown NIF lists nothing.
  auto unknown = csc("v1/credentials/info", {{"credentialID", "ABCDEF"}}, key_);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body["error_description"], "Invalid parameter credentialID");
  auto nobody = csc("v1/credentials/list", {{"userID", "00000000T"}}, key_);
  EXPECT_EQ(nobody.status, 200) << nobody.raw;
  EXPECT_TRUE(nobody.body["credentialIDs"].empty());
  EXPECT_EQ(csc("v2/credentials/list", json::object(), key_).status, 400) << "an application must name the citizen";
  EXPECT_EQ(csc("v2/credentials/list", {{"userID", kNif}, {"pageToken", "x"}}, key_).status, 400);

  // numSignatures beyond multisign, and without hashes (SCAL 2).
  std::string otp = send_code("v1", id);
  auto too_many = authorize_v1(id, {a}, 1001, kPassword, otp);
  EXPECT_EQ(too_many.status, 400);
  EXPECT_EQ(too_many.body["error_description"], "Numbers of signatures is too high");
  auto no_hashes = csc("v1/credentials/authorize",
                       {{"credentialID", id}, {"numSignatures", 1}, {"PIN", kPassword}, {"OTP", otp}}, key_);
  EXPECT_EQ(no_hashes.status, 400);
  // A second SMS within the cooldown is refused: no client floods the phone.
  auto again = csc("v1/credentials/sendOTP", {{"credentialID", id}}, key_);
  EXPECT_EQ(again.status, 429) << again.raw;
  // v1's sendOTP at /csc/v2 (a v1 client pointed at v2) is the same step, under the same cooldown.
  auto again_v2 = csc("v2/credentials/sendOTP", {{"credentialID", id}}, key_);
  EXPECT_EQ(again_v2.status, 429) << again_v2.raw;

  // Wrong code: v1 invalid_otp, v2 invalid_authentication_data; wrong PIN: invalid_pin.
  auto wrong_otp = authorize_v1(id, {a}, 1, kPassword, otp == "000000" ? "111111" : "000000");
  EXPECT_EQ(wrong_otp.status, 400);
  EXPECT_EQ(wrong_otp.body["error"], "invalid_otp");
  auto wrong_pin = authorize_v1(id, {a}, 1, "Wrong-Password-1", otp);
  EXPECT_EQ(wrong_pin.body["error"], "invalid_pin");
  auto wrong_pin_v2 =
      csc("v2/credentials/authorize",
          {{"credentialID", id},
           {"numSignatures", 1},
           {"hashes", {b64(a)}},
           {"authData", {{{"id", "PIN"}, {"value", "Wrong-Password-1"}}, {{"id", "OTP"}, {"value", otp}}}}},
          key_);
  EXPECT_EQ(wrong_pin_v2.body["error"], "invalid_authentication_data");

  // The right code still works after wrong ones (3 tries): a SAD for this application.
  auto authorized = authorize_v1(id, {a}, 1, kPassword, otp);
  ASSERT_EQ(authorized.status, 200) << authorized.raw;
  const std::string sad = authorized.body["SAD"];
  // Another application cannot use it.
  const std::string other = stack_->register_application("Otra sede");
  auto stolen = csc("v1/signatures/signHash",
                    {{"credentialID", id}, {"SAD", sad}, {"hash", {b64(a)}}, {"signAlgo", kEcdsaSha256}}, other);
  EXPECT_EQ(stolen.status, 400) << stolen.raw;
  EXPECT_EQ(stolen.body["error_description"], "SAD is for another credential or application");
  // A code is single use.
  auto reused = authorize_v1(id, {a}, 1, kPassword, otp);
  EXPECT_EQ(reused.status, 400);
  EXPECT_EQ(reused.body["error"], "invalid_otp");

  // Wrong passwords count toward the lockout of every front: the fifth locks, then even the right one fails.
  for (int i = 0; i < 5; ++i) authorize_v1(id, {a}, 1, "Wrong-Password-1", "123456");
  auto locked = authorize_v1(id, {a}, 1, kPassword, "123456");
  EXPECT_EQ(locked.status, 400) << locked.raw;
  EXPECT_EQ(locked.body["error_description"], "Credential locked");
  auto citizen = stack_->get("/v1/admin/citizens/" + kNif, stack_->admin_token());
  EXPECT_EQ(citizen.body["status"], "locked");
}

// auth/login (NIF and password by HTTP Basic, for the application of X-Api-Key), the citizen's token as bearer
// (its own credentials only, no userID), refresh, and auth/revoke.
TEST_F(CscTest, LoginGivesACitizenTokenForItsOwnCredentialsUntilRevoked) {
  start();
  stack_->make_citizen("00000000T", "+34600999888", kPassword);
  const std::string other_id = [&] {
    auto listed = csc("v2/credentials/list", {{"userID", "00000000T"}}, key_);
    return listed.body["credentialIDs"].at(0).get<std::string>();
  }();
  const std::string id = credential("v2");

  auto login = [&](const std::string& user, const json& body, bool with_key = true) {
    httplib::Client client("127.0.0.1", stack_->port());
    httplib::Headers headers{{"Authorization", "Basic " + to_base64(as_bytes(user))}};
    if (with_key) headers.emplace("X-Api-Key", key_);
    auto r = client.Post("/csc/v1/auth/login", headers, body.dump(), "application/json");
    Reply reply{r->status, json::parse(r->body, nullptr, false), r->body, {}};
    return reply;
  };
  auto wrong = login(kNif + ":Wrong-Password-1", json::object());
  EXPECT_EQ(wrong.status, 400) << wrong.raw;
  EXPECT_EQ(wrong.body["error"], "authentication_error");
  EXPECT_EQ(login(kNif + ":" + kPassword, json::object(), false).status, 401) << "the application must be named";
  auto logged = login(kNif + ":" + kPassword, {{"rememberMe", true}});
  ASSERT_EQ(logged.status, 200) << logged.raw;
  const std::string token = logged.body["access_token"];
  EXPECT_EQ(logged.body["expires_in"], 3600);
  ASSERT_TRUE(logged.body.contains("refresh_token"));

  auto own = csc("v1/credentials/list", json::object(), token);
  ASSERT_EQ(own.status, 200) << own.raw;
  EXPECT_EQ(own.body["credentialIDs"], json::array({id}));
  auto named = csc("v1/credentials/list", {{"userID", kNif}}, token);
  EXPECT_EQ(named.status, 400);
  EXPECT_EQ(named.body["error_description"], "userID parameter MUST be null");
  auto theirs = csc("v1/credentials/info", {{"credentialID", other_id}}, token);
  EXPECT_EQ(theirs.status, 400) << "another citizen's credential";

  // The citizen's token signs through explicit mode like the API key.
  const Bytes a = digest_of("a");
  const std::string otp = send_code("v1", id, token);
  auto authorized = authorize_v1(id, {a}, 1, kPassword, otp, token);
  ASSERT_EQ(authorized.status, 200) << authorized.raw;
  auto signed_ = csc(
      "v1/signatures/signHash",
      {{"credentialID", id}, {"SAD", authorized.body["SAD"]}, {"hash", {b64(a)}}, {"signAlgo", kEcdsaSha256}}, token);
  ASSERT_EQ(signed_.status, 200) << signed_.raw;
  EXPECT_TRUE(verifies(public_key_pem(id), a, signed_.body["signatures"][0], ""));

  // Refresh: a new token; then revoke it, and it stops working.
  auto refreshed = csc("v1/auth/login", {{"refresh_token", logged.body["refresh_token"]}, {"clientData", key_}}, "");
  ASSERT_EQ(refreshed.status, 200) << refreshed.raw;
  const std::string renewed = refreshed.body["access_token"];
  EXPECT_EQ(csc("v1/credentials/list", json::object(), renewed).status, 200);
  auto revoked = csc("v1/auth/revoke", {{"token", renewed}}, key_);
  EXPECT_EQ(revoked.status, 204) << revoked.raw;
  auto after = csc("v1/credentials/list", json::object(), renewed);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.body["error"], "invalid_token");
}

// extendTransaction (CSC v1 and v2 11.8): a new SAD for hashes the old one authorised and has not signed, within its
// remaining budget; the old SAD ends with it. v1 sends `hash` as one string (Laverca), v2 `hashes`.
TEST_F(CscTest, ExtendTransactionNarrowsTheSadAndEndsTheOldOne) {
  start();
  const std::string id = credential("v1");
  const Bytes a = digest_of("a"), b = digest_of("b"), c = digest_of("c"), never = digest_of("never");
  auto authorized = authorize_v1(id, {a, b, c}, 3, kPassword, send_code("v1", id));
  ASSERT_EQ(authorized.status, 200) << authorized.raw;
  const std::string sad = authorized.body["SAD"];
  auto sign = [&](const std::string& version, const std::string& with, const Bytes& hash) {
    return csc(version + "/signatures/signHash",
               {{"credentialID", id}, {"SAD", with}, {"hashes", {b64(hash)}}, {"signAlgo", kEcdsaSha256}}, key_);
  };
  ASSERT_EQ(sign("v1", sad, a).status, 200);
  auto extend = [&](const std::string& version, const std::string& with, const json& hashes,
                    const std::string& bearer = "") {
    json body = {{"credentialID", id}, {"SAD", with}, {"hashAlgorithmOID", kSha256}, {"clientData", "nested"}};
    body[version == "v1" ? "hash" : "hashes"] = hashes;
    return csc(version + "/credentials/extendTransaction", body, bearer.empty() ? key_ : bearer);
  };
  auto refused = [&](const Reply& reply, const std::string& why) {
    EXPECT_EQ(reply.status, 400) << reply.raw;
    EXPECT_EQ(reply.body["error"], "invalid_request") << reply.raw;
    EXPECT_EQ(reply.body["error_description"], why) << reply.raw;
  };

  // Refused, and the old SAD is untouched by each refusal: a spent hash, one never authorised, another application.
  refused(extend("v2", sad, {b64(a)}), "Hash already signed with this SAD");
  refused(extend("v2", sad, {b64(b), b64(never)}), "Hash is not authorized by the SAD");
  refused(extend("v2", sad, {b64(b), b64(b)}), "Hash already signed with this SAD");  // b authorised once
  const std::string other = stack_->register_application("Otra sede");
  auto stolen = extend("v2", sad, {b64(b)}, other);
  EXPECT_EQ(stolen.status, 400) << stolen.raw;
  EXPECT_EQ(stolen.body["error_description"], "SAD is for another credential or application");
  auto no_hash = csc("v2/credentials/extendTransaction", {{"credentialID", id}, {"SAD", sad}}, key_);
  EXPECT_EQ(no_hash.status, 400) << no_hash.raw;

  // v1, `hash` as one string: the new SAD releases `b` only; the old one no longer signs `c`, nor extends again.
  auto extended = extend("v1", sad, b64(b));
  ASSERT_EQ(extended.status, 200) << extended.raw;
  EXPECT_EQ(extended.body["expiresIn"], 300);
  const std::string narrowed = extended.body["SAD"];
  EXPECT_NE(narrowed, sad);
  refused(sign("v1", sad, c), "SAD expired");
  refused(extend("v1", sad, b64(c)), "SAD expired");
  refused(sign("v1", narrowed, c), "Hash is not authorized by the SAD");
  auto signed_b = sign("v1", narrowed, b);
  ASSERT_EQ(signed_b.status, 200) << signed_b.raw;
  EXPECT_TRUE(verifies(public_key_pem(id), b, signed_b.body["signatures"][0], ""));
  refused(sign("v1", narrowed, b), "Hash already signed with this SAD");

  // v2, with the SAD as the bearer: the budget left (2 of 3 entries) carries over, the lifetime restarts, and an
  // expired SAD is not extended.
  auto again = authorize_v1(id, {a, b, c}, 2, kPassword, send_code("v1", id));
  ASSERT_EQ(again.status, 200) << again.raw;
  const std::string second = again.body["SAD"];
  stack_->clock().advance(200s);
  auto by_bearer =
      csc("v2/credentials/extendTransaction",
          {{"credentialID", id}, {"hashes", {b64(a), b64(b), b64(c)}}, {"hashAlgorithmOID", kSha256}}, second);
  ASSERT_EQ(by_bearer.status, 200) << by_bearer.raw;
  const std::string third = by_bearer.body["SAD"];
  stack_->clock().advance(200s);  // 400 s after the authorisation, 200 s after the extension
  ASSERT_EQ(sign("v2", third, a).status, 200);
  ASSERT_EQ(sign("v2", third, c).status, 200);
  refused(sign("v2", third, b), "Numbers of signatures is too high for this SAD");
  refused(extend("v2", third, {b64(b)}), "Numbers of signatures is too high for this SAD");
  stack_->clock().advance(101s);
  refused(extend("v2", third, {b64(b)}), "SAD expired");
}

// signDoc (v2): the SAD authorises the documents' digests; Firma builds CAdES (attached and detached), PAdES and
// XAdES from the documents, and CAdES CMSs from bare digests (one for a PDF's /Contents, with no signing-time).
// The citizen's key is on the token, or kept wrapped (hsm.key_custody).
class CscSignDoc : public CscTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(CscSignDoc, BuildsEachFormatFromTheAuthorisedDocumentsOnly) {
  start("", GetParam());
  const std::string id = credential("v2");
  const std::string attached_text = "Resolución 1/2026", detached_text = "Anexo II", xml = "<expediente n=\"7\"/>";
  const std::string pdf = minimal_pdf();
  const std::string cms_content = "los rangos de bytes de un PDF", pdf_ranges = "otro PDF preparado por el cliente";
  const std::vector<std::string> documents = {attached_text, detached_text, pdf, xml};
  std::vector<Bytes> hashes;
  for (const auto& d : documents) hashes.push_back(digest_of(d));
  hashes.push_back(digest_of(cms_content));
  hashes.push_back(digest_of(pdf_ranges));
  json authorised = json::array();
  for (const auto& h : hashes) authorised.push_back(b64(h));
  const std::string otp = send_code("v2", id);
  auto authorized = csc("v2/credentials/authorize",
                        {{"credentialID", id},
                         {"numSignatures", 6},
                         {"hashes", authorised},
                         {"hashAlgorithmOID", kSha256},
                         {"authData", {{{"id", "PIN"}, {"value", kPassword}}, {{"id", "OTP"}, {"value", otp}}}}},
                        key_);
  ASSERT_EQ(authorized.status, 200) << authorized.raw;
  const std::string sad = authorized.body["SAD"];
  const auto item = [](const std::string& document, const std::string& format, const std::string& envelope) {
    json i = {{"document", b64(Bytes(document.begin(), document.end()))},
              {"signature_format", format},
              {"conformance_level", "Ades-B-B"},
              {"signAlgo", kEcdsaSha256}};
    if (!envelope.empty()) i["signed_envelope_property"] = envelope;
    return i;
  };
  const auto sign_doc = [&](const json& more) {
    json body = {{"credentialID", id}, {"SAD", sad}};
    body.update(more);
    return csc("v2/signatures/signDoc", body, key_);
  };
  const auto refused = [&](const json& more, int status, const std::string& error, const std::string& why) {
    auto r = sign_doc(more);
    EXPECT_EQ(r.status, status) << why << ": " << r.raw;
    EXPECT_EQ(r.body["error"], error) << why << ": " << r.raw;
  };

  // Refused before anything is spent: a document not authorised (403 invalid_hash), shapes Firma does not make.
  refused({{"documents", {item("otro documento", "C", "")}}}, 403, "invalid_hash", "not authorised");
  refused({{"documents", {item(attached_text, "C", "Parallel")}}}, 400, "invalid_request", "Parallel");
  refused({{"documents", {item(pdf, "P", "Certification")}}}, 400, "invalid_request", "certification");
  refused({{"documents", {item(xml, "X", "Enveloping")}}}, 400, "invalid_request", "enveloping");
  refused({{"documents", {item(xml, "J", "")}}}, 400, "invalid_request", "JAdES");
  json level = item(attached_text, "C", "");
  level["conformance_level"] = "Ades-B-XL";
  refused({{"documents", {level}}}, 400, "invalid_request", "not a conformance level");
  refused({{"documents", {item(attached_text, "C", "")}}, {"documentDigests", json::array()}}, 400, "invalid_request",
          "both forms");
  refused(json::object(), 400, "invalid_request", "neither form");
  refused({{"documentDigests",
            {{{"hashes", {b64(digest_of(xml))}},
              {"hashAlgorithmOID", kSha256},
              {"signature_format", "X"},
              {"signAlgo", kEcdsaSha256}}}}},
          400, "invalid_request", "XAdES from a digest");

  auto by_document = sign_doc({{"documents",
                                {item(attached_text, "C", "Attached"), item(detached_text, "C", "Detached"),
                                 item(pdf, "P", "Revision"), item(xml, "X", "")}}});
  ASSERT_EQ(by_document.status, 200) << by_document.raw;
  ASSERT_EQ(by_document.body["DocumentWithSignature"].size(), 3u) << by_document.raw;
  ASSERT_EQ(by_document.body["SignatureObject"].size(), 1u) << by_document.raw;
  refused({{"documents", {item(attached_text, "C", "")}}}, 400, "invalid_request", "each authorised once");

  const auto dir = stack_->dir().path();
  const auto save = [&](const std::string& name, const json& base64) {
    write_file(dir / name, to_string(*from_base64(base64.get<std::string>())));
    return (dir / name).string();
  };
  const auto verify_cms = [&](const std::string& file, const std::string& content) {
    std::string command = "openssl cms -verify -binary -inform DER -in " + file;
    if (!content.empty()) command += " -content " + content;
    return run_command(command + " -CAfile " + stack_->ca_pem_path() + " -purpose any -cades -out " +
                       (dir / "out.bin").string() + " 2>&1")
        .output;
  };
  const auto attached = save("attached.p7s", by_document.body["DocumentWithSignature"][0]);
  EXPECT_NE(verify_cms(attached, "").find("CAdES Verification successful"), std::string::npos);
  EXPECT_EQ(read_file(dir / "out.bin"), attached_text) << "the document travels inside";
  write_file(dir / "detached.txt", detached_text);
  const auto detached = save("detached.p7s", by_document.body["SignatureObject"][0]);
  EXPECT_NE(verify_cms(detached, (dir / "detached.txt").string()).find("CAdES Verification successful"),
            std::string::npos);
  write_file(dir / "detached.txt", detached_text + ".");
  EXPECT_EQ(verify_cms(detached, (dir / "detached.txt").string()).find("CAdES Verification successful"),
            std::string::npos)
      << "another document does not verify";

  const std::string ca = stack_->ca_pem_path();
  const auto nss = dir / "nss";
  std::filesystem::create_directories(nss);
  ASSERT_EQ(run_command("certutil -N -d sql:" + nss.string() + " --empty-password").status, 0);
  ASSERT_EQ(run_command("certutil -A -d sql:" + nss.string() + " -n ca -t CT,C,C -i " + ca).status, 0);
  auto pdfsig = run_command("pdfsig -nssdir sql:" + nss.string() + " " +
                            save("signed.pdf", by_document.body["DocumentWithSignature"][1]));
  EXPECT_NE(pdfsig.output.find("Signature is Valid."), std::string::npos) << pdfsig.output;
  const std::string chain = read_file(ca);
  const auto split = chain.find("-----BEGIN CERTIFICATE-----", 1);
  write_file(dir / "issuing.pem", chain.substr(0, split));
  write_file(dir / "root.pem", chain.substr(split));
  auto xmlsec = run_command("xmlsec1 --verify --trusted-pem " + (dir / "root.pem").string() + " --untrusted-pem " +
                            (dir / "issuing.pem").string() + " " +
                            save("signed.xml", by_document.body["DocumentWithSignature"][2]) + " 2>&1");
  EXPECT_EQ(xmlsec.status, 0) << xmlsec.output;

  // From digests: a CAdES detached CMS (with signing-time) and the CMS for a PDF's /Contents (without: PAdES
  // states the time in /M), both over content whose digest was authorised.
  auto by_digest = sign_doc({{"documentDigests",
                              {{{"hashes", {b64(digest_of(cms_content))}},
                                {"hashAlgorithmOID", kSha256},
                                {"signature_format", "C"},
                                {"signAlgo", kEcdsaSha256}},
                               {{"hashes", {b64(digest_of(pdf_ranges))}},
                                {"hashAlgorithmOID", kSha256},
                                {"signature_format", "P"},
                                {"signAlgo", kEcdsaSha256}}}}});
  ASSERT_EQ(by_digest.status, 200) << by_digest.raw;
  ASSERT_EQ(by_digest.body["SignatureObject"].size(), 2u) << by_digest.raw;
  EXPECT_FALSE(by_digest.body.contains("DocumentWithSignature"));
  const std::vector<std::pair<std::string, bool>> expected = {{cms_content, true}, {pdf_ranges, false}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& [content, with_signing_time] = expected[i];
    write_file(dir / "content.bin", content);
    const auto cms = save("digest.p7s", by_digest.body["SignatureObject"][i]);
    EXPECT_NE(verify_cms(cms, (dir / "content.bin").string()).find("CAdES Verification successful"), std::string::npos)
        << i;
    const auto printed = run_command("openssl cms -cmsout -print -inform DER -in " + cms).output;
    EXPECT_EQ(printed.find("signingTime") != std::string::npos, with_signing_time) << i;
  }
  // Six signatures authorised, six made: the budget is spent.
  refused({{"documentDigests",
            {{{"hashes", {b64(digest_of(cms_content))}},
              {"hashAlgorithmOID", kSha256},
              {"signature_format", "C"},
              {"signAlgo", kEcdsaSha256}}}}},
          400, "invalid_request", "spent");
}

// Levels past B through signDoc (Ades-B-T): the CMS carries a signature time stamp from Firma's TSA, over a document
// and over a PDF's byte-range digest alike; signatures/timestamp stamps a hash for the client, echoing its nonce.
TEST_F(CscTest, SignDocAtLevelTAndTimestampUseFirmasTsa) {
  start();
  const std::string id = credential("v2");
  const std::string text = "Acta de la sesión", ranges = "rangos de bytes";
  const std::string otp = send_code("v2", id);
  auto authorized = csc("v2/credentials/authorize",
                        {{"credentialID", id},
                         {"numSignatures", 2},
                         {"hashes", {b64(digest_of(text)), b64(digest_of(ranges))}},
                         {"hashAlgorithmOID", kSha256},
                         {"authData", {{{"id", "PIN"}, {"value", kPassword}}, {{"id", "OTP"}, {"value", otp}}}}},
                        key_);
  ASSERT_EQ(authorized.status, 200) << authorized.raw;
  const std::string sad = authorized.body["SAD"];
  auto by_document = csc("v2/signatures/signDoc",
                         {{"credentialID", id},
                          {"SAD", sad},
                          {"documents",
                           {{{"document", b64(Bytes(text.begin(), text.end()))},
                             {"signature_format", "C"},
                             {"conformance_level", "Ades-B-T"},
                             {"signAlgo", kEcdsaSha256}}}}},
                         key_);
  ASSERT_EQ(by_document.status, 200) << by_document.raw;
  auto by_digest = csc("v2/signatures/signDoc",
                       {{"credentialID", id},
                        {"SAD", sad},
                        {"documentDigests",
                         {{{"hashes", {b64(digest_of(ranges))}},
                           {"hashAlgorithmOID", kSha256},
                           {"signature_format", "P"},
                           {"conformance_level", "Ades-B-T"},
                           {"signAlgo", kEcdsaSha256}}}}},
                       key_);
  ASSERT_EQ(by_digest.status, 200) << by_digest.raw;
  const auto dir = stack_->dir().path();
  for (const auto& [cms_b64, content] : {std::pair{by_document.body["DocumentWithSignature"][0], std::string()},
                                         std::pair{by_digest.body["SignatureObject"][0], ranges}}) {
    write_file(dir / "t.p7s", to_string(*from_base64(cms_b64.get<std::string>())));
    std::string verify = "openssl cms -verify -binary -inform DER -in " + (dir / "t.p7s").string();
    if (!content.empty()) {
      write_file(dir / "content.bin", content);
      verify += " -content " + (dir / "content.bin").string();
    }
    auto verified =
        run_command(verify + " -CAfile " + stack_->ca_pem_path() + " -purpose any -cades -out /dev/null 2>&1");
    EXPECT_NE(verified.output.find("CAdES Verification successful"), std::string::npos) << verified.output;
    const auto printed = run_command("openssl cms -cmsout -print -inform DER -in " + (dir / "t.p7s").string()).output;
    EXPECT_NE(printed.find("id-smime-aa-timeStampToken"), std::string::npos) << "a signature time stamp";
  }

  // signatures/timestamp, both versions: a token over the hash, verified against it with openssl ts; the nonce
  // echoed; refusals in CSC's shape.
  write_file(dir / "data.txt", text);
  for (const std::string v : {"v1", "v2"}) {
    auto stamped = csc(v + "/signatures/timestamp",
                       {{"hash", b64(digest_of(text))}, {"hashAlgo", kSha256}, {"nonce", "0a1b2c3d"}}, key_);
    ASSERT_EQ(stamped.status, 200) << stamped.raw;
    write_file(dir / "token.der", to_string(*from_base64(stamped.body["timestamp"].get<std::string>())));
    auto verified = run_command("openssl ts -verify -token_in -in " + (dir / "token.der").string() + " -data " +
                                (dir / "data.txt").string() + " -CAfile " + stack_->ca_pem_path() + " 2>&1");
    EXPECT_NE(verified.output.find("Verification: OK"), std::string::npos) << v << verified.output;
    auto shown = run_command("openssl ts -reply -token_in -in " + (dir / "token.der").string() + " -token_out -text");
    EXPECT_NE(shown.output.find("Nonce: 0x0A1B2C3D"), std::string::npos) << shown.output;
  }
  const auto refused = [&](const json& body, const std::string& why) {
    auto r = csc("v2/signatures/timestamp", body, key_);
    EXPECT_EQ(r.status, 400) << why << ": " << r.raw;
    EXPECT_EQ(r.body["error"], "invalid_request") << why;
  };
  refused({{"hash", b64(digest_of(text))}}, "no hashAlgo");
  refused({{"hash", b64(digest_of(text))}, {"hashAlgo", "1.3.14.3.2.26"}}, "SHA-1");
  refused({{"hash", b64(Bytes(20, 1))}, {"hashAlgo", kSha256}}, "a 20-byte hash");
  refused({{"hash", b64(digest_of(text))}, {"hashAlgo", kSha256}, {"nonce", "zz"}}, "a nonce that is not hex");
  refused({{"hash", b64(digest_of(text))}, {"hashAlgo", kSha256}, {"nonce", "00"}}, "a zero nonce");
  auto anonymous = csc("v2/signatures/timestamp", {{"hash", b64(digest_of(text))}, {"hashAlgo", kSha256}}, "");
  EXPECT_EQ(anonymous.status, 401) << anonymous.raw;
}

INSTANTIATE_TEST_SUITE_P(Custody, CscSignDoc, ::testing::Values("token", "wrapped"));

}  // namespace
}  // namespace firma::testing
