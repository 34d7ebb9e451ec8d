// OAuth 2.0's authorisation request on the wire (RFC 6749 4.1.1, RFC 7636, RFC 9396, CSC v2 8.4.2): what is read
// into the signer's words, and each refusal with OAuth's error code.
#include <gtest/gtest.h>

#include "api/oauth2/authorization_request.h"
#include "core/encoding.h"

namespace firma::api::oauth2 {
namespace {

const std::string kChallenge = to_base64url(sha256("verifier"));

Parameters credential_request() {
  return {{"response_type", "code"},
          {"client_id", "app-1"},
          {"redirect_uri", "https://sede.example.gob.es/cb"},
          {"scope", "credential"},
          {"state", "s"},
          {"code_challenge", kChallenge},
          {"code_challenge_method", "S256"},
          {"credentialID", "ABC123"},
          {"hashes", to_base64url(sha256("a")) + "," + to_base64url(sha256("b"))},
          {"numSignatures", "2"},
          {"hashAlgorithmOID", "2.16.840.1.101.3.4.2.1"}};
}

std::string refusal(const Parameters& p) {
  auto read = read_authorization_request(p);
  auto* error = std::get_if<OAuthError>(&read);
  return error ? error->error : "";
}

TEST(OAuth2Request, CredentialParametersInTheSignersWords) {
  auto read = read_authorization_request(credential_request());
  auto* asked = std::get_if<signer::AuthorisationAsked>(&read);
  ASSERT_NE(asked, nullptr) << std::get<OAuthError>(read).description;
  EXPECT_EQ(asked->kind, signer::AuthorisationKind::signing);
  EXPECT_EQ(asked->application.str(), "app-1");
  EXPECT_EQ(asked->credential.str(), "ABC123");
  ASSERT_EQ(asked->digests.size(), 2u);
  EXPECT_EQ(asked->digests[1].digest, sha256("b"));
  EXPECT_EQ(asked->signatures, 2u);
  EXPECT_EQ(asked->proof_challenge, kChallenge);
  EXPECT_EQ(asked->front_context.find("\"v1\":true"), std::string::npos);
}

TEST(OAuth2Request, V1HashWithoutOidTakesTheAlgorithmFromTheLength) {
  auto p = credential_request();
  p.erase("hashes");
  p.erase("hashAlgorithmOID");
  p["hash"] = to_base64url(sha384(as_bytes("a")));
  p["numSignatures"] = "1";
  auto read = read_authorization_request(p);
  auto* asked = std::get_if<signer::AuthorisationAsked>(&read);
  ASSERT_NE(asked, nullptr);
  EXPECT_EQ(asked->digest_algorithm, hsm::DigestAlgorithm::sha384);
  EXPECT_NE(asked->front_context.find("\"v1\":true"), std::string::npos);
}

TEST(OAuth2Request, AuthorizationDetailsOfEitherTypeWithLabelsAndEitherAlphabet) {
  for (const std::string type : {"credential", "https://cloudsignatureconsortium.org/2025/credential"}) {
    auto p = credential_request();
    for (const char* name : {"hashes", "numSignatures", "hashAlgorithmOID", "credentialID", "scope"}) p.erase(name);
    const Bytes digest = sha256("a");
    // Standard base64 with padding, as RAR sends it; the URL alphabet is accepted too.
    p["authorization_details"] =
        nlohmann::json::array(
            {{{"type", type},
              {"credentialID", "ABC123"},
              {"documentDigests",
               {{{"hash", to_base64(digest)}, {"label", "Contrato"}}, {{"hash", to_base64url(digest)}}}}}})
            .dump();
    auto read = read_authorization_request(p);
    auto* asked = std::get_if<signer::AuthorisationAsked>(&read);
    ASSERT_NE(asked, nullptr) << type;
    ASSERT_EQ(asked->digests.size(), 2u);
    EXPECT_EQ(asked->digests[0].label, "Contrato");
    EXPECT_EQ(asked->digests[1].digest, digest);
    signer::RedeemedAuthorisation redeemed;
    redeemed.kind = signer::AuthorisationKind::signing;
    redeemed.credential = CertSerial("ABC123");
    redeemed.digests = asked->digests;
    redeemed.signatures = 2;
    redeemed.front_context = asked->front_context;
    const auto echoed = authorization_details(redeemed);
    EXPECT_EQ(echoed[0]["type"], type);
    EXPECT_EQ(echoed[0]["documentDigests"][0]["hash"], to_base64(digest));
    EXPECT_EQ(echoed[0]["hashAlgorithmOID"], "2.16.840.1.101.3.4.2.1");
  }
}

TEST(OAuth2Request, RefusalsCarryOAuthsCodes) {
  struct Case {
    std::string name, value, error;  // value "-" removes the parameter
  };
  const Case cases[] = {
      {"response_type", "token", "unsupported_response_type"},
      {"code_challenge", "-", "invalid_request"},
      {"code_challenge_method", "plain", "invalid_request"},
      {"code_challenge_method", "-", "invalid_request"},
      {"scope", "all", "invalid_scope"},
      {"credentialID", "-", "invalid_request"},
      {"hashes", "-", "invalid_request"},
      {"hashes", "not*base64", "invalid_request"},
      {"numSignatures", "3", "invalid_request"},
      {"numSignatures", "0", "invalid_request"},
      {"hashAlgorithmOID", "1.2.3", "invalid_request"},
      {"authorization_details", R"([{"type":"other"}])", "invalid_authorization_details"},
      {"authorization_details", "not json", "invalid_request"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + "=" + c.value);
    auto p = credential_request();
    if (c.value == "-") {
      p.erase(c.name);
    } else {
      p[c.name] = c.value;
    }
    EXPECT_EQ(refusal(p), c.error);
  }
}

TEST(OAuth2Form, PlusIsASpaceAndARepeatedParameterIsRefused) {
  auto form = parse_form("a=Contrato+de+alquiler&b=%2B1&c=");
  ASSERT_TRUE(form);
  EXPECT_EQ((*form)["a"], "Contrato de alquiler");
  EXPECT_EQ((*form)["b"], "+1");
  EXPECT_EQ((*form)["c"], "");
  EXPECT_FALSE(parse_form("a=1&a=2"));
  EXPECT_FALSE(parse_form("a=%4"));
  EXPECT_EQ(with_query("https://x.es/cb?t=1", {{"code", "a b"}, {"state", ""}}), "https://x.es/cb?t=1&code=a%20b");
}

}  // namespace
}  // namespace firma::api::oauth2
