// OAuth2 end to end over HTTP against the whole service (in-process firmad on SQLite): an application asks on
// /oauth2/authorize (CSC's parameters, or RAR's authorization_details pushed first), the citizen confirms on the
// page (NIF + password, then the SMS code read from the outbox), the application redeems the code at /oauth2/token
// and the SAD it gets signs exactly the authorised hashes through CitizenKeySigner, checked with OpenSSL. And
// every refusal: PKCE, the code's single use, the redirect URI, the client's secret, the credential's owner.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <map>
#include <string>

#include "certs/credentials.h"
#include "core/encoding.h"
#include "identity/citizens.h"
#include "policies/nif.h"
#include "signer/access_tokens.h"
#include "signer/citizen_key_signer.h"
#include "signing_stack.h"
#include "support/postgres.h"
#include "web_browser.h"

namespace firma::testing {
namespace {

using json = nlohmann::json;

constexpr const char* kNif = "12345678Z";
constexpr const char* kMobile = "+34600111222";
constexpr const char* kOtherNif = "X1234567L";
constexpr const char* kOtherMobile = "+34600333444";
constexpr const char* kPassword = "Firma-Segura-2024";
const std::string kRedirect = "https://sede.example.gob.es/oauth/callback";
const std::string kVerifier = "M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag";
const std::string kSha256Oid = "2.16.840.1.101.3.4.2.1";

std::string url_encode(const std::string& value) {
  std::string out = form_encode({{"v", value}});
  return out.substr(2);
}

std::string query(const std::map<std::string, std::string>& parameters) {
  return form_encode(parameters);
}

// The parameters of a redirect's query (the code, the state or the error).
std::map<std::string, std::string> query_of(const std::string& location) {
  std::map<std::string, std::string> out;
  const auto q = location.find('?');
  if (q == std::string::npos) return out;
  std::string rest = location.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    std::string decoded;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '%' && i + 2 < value.size()) {
        decoded += static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        decoded += value[i] == '+' ? ' ' : value[i];
      }
    }
    out[pair.substr(0, eq)] = decoded;
    rest = amp == std::string::npos ? "" : rest.substr(amp + 1);
  }
  return out;
}

// OpenSSL's word on a raw signature (DER for ECDSA) of `digest` by the certificate's key.
bool verifies(const Bytes& certificate, const Bytes& digest, const Bytes& signature) {
  const unsigned char* p = certificate.data();
  X509* x509 = d2i_X509(nullptr, &p, static_cast<long>(certificate.size()));
  if (x509 == nullptr) return false;
  EVP_PKEY* key = X509_get_pubkey(x509);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  const bool ok = ctx != nullptr && EVP_PKEY_verify_init(ctx) == 1 &&
                  EVP_PKEY_verify(ctx, signature.data(), signature.size(), digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(key);
  X509_free(x509);
  return ok;
}

// On SQLite and on PostgreSQL: the same flows, the same answers.
class OAuth2 : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      pg_ = std::make_unique<PostgresDatabase>();
      ASSERT_TRUE(pg_->ok()) << pg_->error();
    }
    stack_ = std::make_unique<SigningStack>(pg_ ? pg_->url() : "");
    auto registered = stack_->post("/v1/admin/apps",
                                   {{"name", "Sede de Pruebas"},
                                    {"return_url_prefixes", {"https://sede.example.gob.es/"}},
                                    {"allowed_formats", {"raw"}},
                                    {"redirect_uris", {kRedirect}}},
                                   stack_->admin_token());
    ASSERT_EQ(registered.status, 201) << registered.raw;
    app_id_ = registered.body["app_id"];
    app_key_ = registered.body["api_key"];
    stack_->make_citizen(kNif, kMobile, kPassword);
    stack_->make_citizen(kOtherNif, kOtherMobile, kPassword);
    credential_ = issue(kNif);
    other_credential_ = issue(kOtherNif);
    api::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 2;
    server_ = std::make_unique<api::Server>(options, stack_->services().routes("openapi: 3.0.3\n"),
                                            stack_->services().authenticator());
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override {
    if (server_) server_->shutdown();
  }

  certs::Credential issue(const std::string& nif) {
    auto citizen = stack_->services().citizens().find_by_nif(*policies::Nif::parse(nif));
    EXPECT_TRUE(citizen);
    auto credential = stack_->services().credentials().ensure_certificate(
        {nif, citizen->given_name, citizen->surname1, citizen->surname2, citizen->status, citizen->registration_level},
        "operator:test");
    EXPECT_TRUE(credential) << credential.error().message;
    return *credential;
  }

  Browser browser() { return Browser(server_->port()); }

  // The parameters of a credential-scope request in CSC's form (v2 names).
  std::map<std::string, std::string> credential_request(const std::vector<Bytes>& hashes,
                                                        const std::string& credential) {
    std::string list;
    for (const auto& h : hashes) list += (list.empty() ? "" : ",") + to_base64url(h);
    return {{"response_type", "code"},
            {"client_id", app_id_},
            {"redirect_uri", kRedirect},
            {"scope", "credential"},
            {"state", "estado-42"},
            {"code_challenge", to_base64url(sha256(kVerifier))},
            {"code_challenge_method", "S256"},
            {"credentialID", credential},
            {"numSignatures", std::to_string(hashes.size())},
            {"hashes", list},
            {"hashAlgorithmOID", kSha256Oid},
            {"description", "Contrato de arrendamiento"}};
  }

  // The citizen on the page: NIF + password, then (signing) the SMS code; the redirect back to the application.
  std::string consent(Browser& b, const std::string& page_path, const std::string& nif = kNif,
                      const std::string& mobile = kMobile, bool with_code = true) {
    Page page = b.get(page_path);
    EXPECT_EQ(page.status, 200) << page.body;
    Page signed_in =
        b.post(page_path + "/authenticate", {{"csrf", page.csrf()}, {"nif", nif}, {"password", kPassword}});
    if (!with_code) return signed_in.header("Location");
    EXPECT_EQ(signed_in.status, 303) << signed_in.body;
    EXPECT_EQ(signed_in.header("Location"), page_path);
    Page otp_page = b.get(page_path);
    EXPECT_TRUE(otp_page.has(R"(id="otp-form")")) << otp_page.body;
    Page confirmed = b.post(page_path + "/confirm", {{"csrf", otp_page.csrf()}, {"otp", stack_->last_otp(mobile)}});
    EXPECT_EQ(confirmed.status, 303) << confirmed.body;
    return confirmed.header("Location");
  }

  // GET /oauth2/authorize: the page the request leads to.
  std::string authorize(Browser& b, const std::map<std::string, std::string>& parameters) {
    Page started = b.get("/oauth2/authorize?" + query(parameters));
    EXPECT_EQ(started.status, 303) << started.body;
    const std::string location = started.header("Location");
    EXPECT_EQ(location.rfind("/oauth2/authorize/", 0), 0u) << location;
    return location;
  }

  struct TokenReply {
    int status = 0;
    json body;
    std::string www_authenticate;
  };
  // POST a form to an OAuth endpoint with client_secret_basic (or, `post_secret`, client_secret_post).
  TokenReply post_form(const std::string& path, std::map<std::string, std::string> fields, const std::string& secret,
                       bool post_secret = false) {
    httplib::Client client("127.0.0.1", server_->port());
    httplib::Headers headers;
    if (post_secret) {
      fields["client_id"] = app_id_;
      fields["client_secret"] = secret;
    } else {
      headers.emplace("Authorization", "Basic " + to_base64(as_bytes(app_id_ + ":" + secret)));
    }
    auto r = client.Post(path, headers, form_encode(fields), "application/x-www-form-urlencoded");
    if (!r) throw std::runtime_error("POST " + path + ": no answer");
    EXPECT_EQ(r->get_header_value("Content-Type").find("problem"), std::string::npos);
    return {r->status, json::parse(r->body, nullptr, false), r->get_header_value("WWW-Authenticate")};
  }
  TokenReply token(const std::string& code, const std::string& verifier = kVerifier,
                   const std::string& redirect = kRedirect, const std::string& secret = "") {
    return post_form(
        "/oauth2/token",
        {{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect}, {"code_verifier", verifier}},
        secret.empty() ? app_key_ : secret);
  }

  signer::SadBinding binding(const std::string& nif, const certs::Credential& credential) {
    auto citizen = stack_->services().citizens().find_by_nif(*policies::Nif::parse(nif));
    return {citizen->id, credential.key_id, AppId(app_id_)};
  }
  Result<hsm::Signature> sign(const std::string& sad, const Bytes& digest, const certs::Credential& credential) {
    return stack_->services().key_signer().sign(
        Secret(sad), binding(kNif, credential),
        signer::SadEntry{hsm::DigestAlgorithm::sha256, digest, hsm::RsaPadding::pkcs1v15});
  }

  std::unique_ptr<PostgresDatabase> pg_;
  std::unique_ptr<SigningStack> stack_;
  std::unique_ptr<api::Server> server_;
  std::string app_id_, app_key_;
  certs::Credential credential_, other_credential_;
};

TEST_P(OAuth2, CredentialParametersThroughThePageToASadThatSignsTheAuthorisedHashes) {
  const Bytes h1 = sha256(as_bytes("contrato.pdf")), h2 = sha256(as_bytes("anexo.pdf"));
  Browser b = browser();
  const std::string page_path = authorize(b, credential_request({h1, h2}, credential_.serial.str()));
  Page page = b.get(page_path);
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(page.has(R"(id="app-name">Sede de Pruebas<)"));
  EXPECT_TRUE(page.has("2 firmas con su certificado"));
  EXPECT_TRUE(page.has("Contrato de arrendamiento"));
  EXPECT_TRUE(page.has(to_hex_upper(h1).substr(0, 4) + " " + to_hex_upper(h1).substr(4, 4)));
  EXPECT_TRUE(page.has(credential_.serial.str()));
  EXPECT_NE(page.header("Content-Security-Policy").find("form-action 'self' https://sede.example.gob.es"),
            std::string::npos);

  const std::string back = consent(b, page_path);
  ASSERT_EQ(back.rfind(kRedirect + "?", 0), 0u) << back;
  auto answer = query_of(back);
  EXPECT_EQ(answer["state"], "estado-42");
  ASSERT_FALSE(answer["code"].empty());
  // The SMS named the application and how many signatures.
  auto outbox = stack_->get("/v1/admin/sms/outbox?to=%2B34600111222", stack_->outbox_token());
  EXPECT_NE(outbox.raw.find("2 firmas a Sede de Pruebas (Contrato de arrendamiento)"), std::string::npos);

  auto wrong_verifier = token(answer["code"], std::string(60, 'v'));
  EXPECT_EQ(wrong_verifier.status, 400);
  EXPECT_EQ(wrong_verifier.body["error"], "invalid_grant");
  auto wrong_redirect = token(answer["code"], kVerifier, kRedirect + "/");
  EXPECT_EQ(wrong_redirect.body["error"], "invalid_grant");
  auto wrong_secret = token(answer["code"], kVerifier, kRedirect, "fak_" + std::string(64, '0'));
  EXPECT_EQ(wrong_secret.status, 401);
  EXPECT_EQ(wrong_secret.body["error"], "invalid_client");
  EXPECT_NE(wrong_secret.www_authenticate.find("Basic"), std::string::npos);

  auto granted = token(answer["code"]);
  ASSERT_EQ(granted.status, 200) << granted.body.dump();
  EXPECT_EQ(granted.body["token_type"], "Bearer");
  EXPECT_EQ(granted.body["credentialID"], credential_.serial.str());
  EXPECT_GT(granted.body["expires_in"].get<int>(), 0);
  EXPECT_FALSE(granted.body.contains("refresh_token"));
  const auto& details = granted.body["authorization_details"][0];
  EXPECT_EQ(details["type"], "credential");
  EXPECT_EQ(details["numSignatures"], 2);
  EXPECT_EQ(details["hashAlgorithmOID"], kSha256Oid);
  EXPECT_EQ(details["documentDigests"][1]["hash"], to_base64(h2));
  const std::string sad = granted.body["access_token"];

  // The SAD signs exactly the authorised hashes, once each; OpenSSL checks the HSM's signature.
  EXPECT_FALSE(sign(sad, sha256(as_bytes("otro.pdf")), credential_));
  auto signature = sign(sad, h1, credential_);
  ASSERT_TRUE(signature) << signature.error().message;
  EXPECT_TRUE(verifies(credential_.certificate, h1, signature->der));
  EXPECT_FALSE(sign(sad, h1, credential_));

  // The code again: invalid_grant, and the SAD it gave ends (RFC 6749 4.1.2): h2 can no longer be signed.
  auto replayed = token(answer["code"]);
  EXPECT_EQ(replayed.status, 400);
  EXPECT_EQ(replayed.body["error"], "invalid_grant");
  EXPECT_FALSE(sign(sad, h2, credential_));
}

TEST_P(OAuth2, PushedAuthorizationDetailsWithLabelsAndTheV22Type) {
  const Bytes h = sha256(as_bytes("solicitud.xml"));
  const json details =
      json::array({{{"type", "https://cloudsignatureconsortium.org/2025/credential"},
                    {"credentialID", credential_.serial.str()},
                    {"numSignatures", 1},
                    {"hashAlgorithmOID", kSha256Oid},
                    {"documentDigests", json::array({{{"hash", to_base64(h)}, {"label", "Solicitud <de> beca"}}})}}});
  auto pushed = post_form("/oauth2/pushed_authorize",
                          {{"response_type", "code"},
                           {"redirect_uri", kRedirect},
                           {"code_challenge", to_base64url(sha256(kVerifier))},
                           {"code_challenge_method", "S256"},
                           {"state", "s-rar"},
                           {"authorization_details", details.dump()}},
                          app_key_, true);
  ASSERT_EQ(pushed.status, 201) << pushed.body.dump();
  const std::string request_uri = pushed.body["request_uri"];
  EXPECT_EQ(request_uri.rfind("urn:ietf:params:oauth:request_uri:", 0), 0u);
  EXPECT_GT(pushed.body["expires_in"].get<int>(), 0);

  Browser b = browser();
  // Another client cannot use the pushed request.
  Page foreign = b.get("/oauth2/authorize?client_id=app-other&request_uri=" + url_encode(request_uri));
  EXPECT_EQ(foreign.status, 404);
  Page started = b.get("/oauth2/authorize?client_id=" + app_id_ + "&request_uri=" + url_encode(request_uri));
  ASSERT_EQ(started.status, 303);
  const std::string page_path = started.header("Location");
  Page page = b.get(page_path);
  EXPECT_TRUE(page.has("Solicitud &lt;de&gt; beca"));
  EXPECT_TRUE(page.has("1 firma con su certificado"));
  auto answer = query_of(consent(b, page_path));
  EXPECT_EQ(answer["state"], "s-rar");
  auto granted = token(answer["code"]);
  ASSERT_EQ(granted.status, 200) << granted.body.dump();
  EXPECT_EQ(granted.body["authorization_details"][0]["type"], "https://cloudsignatureconsortium.org/2025/credential");
  EXPECT_EQ(granted.body["authorization_details"][0]["documentDigests"][0]["label"], "Solicitud <de> beca");
  EXPECT_EQ(granted.body["authorization_details"][0]["documentDigests"][0]["hash"], to_base64(h));
  auto signature = sign(granted.body["access_token"], h, credential_);
  ASSERT_TRUE(signature) << signature.error().message;
  EXPECT_TRUE(verifies(credential_.certificate, h, signature->der));
}

TEST_P(OAuth2, V1HashParameterGivesATokenOfTypeSad) {
  const Bytes h = sha256(as_bytes("v1.pdf"));
  auto parameters = credential_request({h}, credential_.serial.str());
  parameters.erase("hashes");
  parameters.erase("hashAlgorithmOID");
  parameters["hash"] = to_base64url(h);
  Browser b = browser();
  auto answer = query_of(consent(b, authorize(b, parameters)));
  auto granted = token(answer["code"]);
  ASSERT_EQ(granted.status, 200) << granted.body.dump();
  EXPECT_EQ(granted.body["token_type"], "SAD");
  EXPECT_TRUE(sign(granted.body["access_token"], h, credential_));
}

TEST_P(OAuth2, RequestsThatCannotBeRedirectedAreShownAndTheRestAreRedirectedWithTheirError) {
  Browser b = browser();
  auto parameters = credential_request({sha256(as_bytes("x"))}, credential_.serial.str());
  // An unknown client, or a redirect URI the application did not register (a prefix of one, or longer): a page,
  // never a redirect (RFC 6749 4.1.2.1).
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"client_id", "app-unknown"},
                                                        {"redirect_uri", "https://sede.example.gob.es/oauth/"},
                                                        {"redirect_uri", kRedirect + "/x"},
                                                        {"redirect_uri", "https://evil.example/cb"}}) {
    auto wrong = parameters;
    wrong[name] = value;
    Page refused = b.get("/oauth2/authorize?" + query(wrong));
    EXPECT_EQ(refused.status, 400) << name << "=" << value;
    EXPECT_TRUE(refused.header("Location").empty());
  }
  // PKCE: plain, or none, is refused by redirection with the state.
  auto plain = parameters;
  plain["code_challenge_method"] = "plain";
  plain["code_challenge"] = kVerifier;
  Page plain_refused = b.get("/oauth2/authorize?" + query(plain));
  ASSERT_EQ(plain_refused.status, 303);
  auto error = query_of(plain_refused.header("Location"));
  EXPECT_EQ(error["error"], "invalid_request");
  EXPECT_EQ(error["state"], "estado-42");
  auto none = parameters;
  none.erase("code_challenge");
  none.erase("code_challenge_method");
  EXPECT_EQ(query_of(b.get("/oauth2/authorize?" + query(none)).header("Location"))["error"], "invalid_request");
  auto scope = parameters;
  scope["scope"] = "everything";
  EXPECT_EQ(query_of(b.get("/oauth2/authorize?" + query(scope)).header("Location"))["error"], "invalid_scope");
  auto response_type = parameters;
  response_type["response_type"] = "token";
  EXPECT_EQ(query_of(b.get("/oauth2/authorize?" + query(response_type)).header("Location"))["error"],
            "unsupported_response_type");
  auto short_hash = parameters;
  short_hash["hashes"] = to_base64url(Bytes(31, 1));
  EXPECT_EQ(query_of(b.get("/oauth2/authorize?" + query(short_hash)).header("Location"))["error"], "invalid_request");
}

TEST_P(OAuth2, ACredentialOfAnotherCitizenOrNoneIsRefusedAfterThePasswordAlike) {
  Browser b = browser();
  std::string bodies[2];
  int i = 0;
  for (const std::string& credential : {other_credential_.serial.str(), std::string("0123456789ABCDEF")}) {
    const std::string page_path = authorize(b, credential_request({sha256(as_bytes("x"))}, credential));
    Page page = b.get(page_path);
    Page refused = b.post(page_path + "/authenticate", {{"csrf", page.csrf()}, {"nif", kNif}, {"password", kPassword}});
    EXPECT_EQ(refused.status, 403);
    EXPECT_TRUE(refused.has("no es uno de sus certificados")) << refused.body;
    bodies[i++] = refused.body.substr(refused.body.find("id=\"error\""), 300);
  }
  EXPECT_EQ(bodies[0], bodies[1]);
  EXPECT_EQ(stack_->last_otp(kMobile), "");  // no SMS went out
}

TEST_P(OAuth2, ServiceScopeGivesARefreshableRevocableAccessToken) {
  Browser b = browser();
  const std::string page_path = authorize(b, {{"response_type", "code"},
                                              {"client_id", app_id_},
                                              {"redirect_uri", kRedirect},
                                              {"scope", "service"},
                                              {"state", "svc"},
                                              {"code_challenge", to_base64url(sha256(kVerifier))},
                                              {"code_challenge_method", "S256"}});
  Page page = b.get(page_path);
  EXPECT_TRUE(page.has("Acceso a su cuenta de firma"));
  auto answer = query_of(consent(b, page_path, kNif, kMobile, false));
  EXPECT_EQ(answer["state"], "svc");
  auto granted = token(answer["code"]);
  ASSERT_EQ(granted.status, 200) << granted.body.dump();
  EXPECT_EQ(granted.body["token_type"], "Bearer");
  ASSERT_TRUE(granted.body.contains("refresh_token"));
  auto holder = stack_->services().access_tokens().resolve(Secret(granted.body["access_token"].get<std::string>()));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->application.str(), app_id_);

  auto renewed =
      post_form("/oauth2/token", {{"grant_type", "refresh_token"}, {"refresh_token", granted.body["refresh_token"]}},
                app_key_, true);
  ASSERT_EQ(renewed.status, 200) << renewed.body.dump();
  EXPECT_NE(renewed.body["access_token"], granted.body["access_token"]);
  auto revoked = post_form("/oauth2/revoke", {{"token", renewed.body["access_token"]}}, app_key_);
  EXPECT_EQ(revoked.status, 204);
  EXPECT_FALSE(stack_->services().access_tokens().resolve(Secret(renewed.body["access_token"].get<std::string>())));
  auto after = post_form("/oauth2/token",
                         {{"grant_type", "refresh_token"}, {"refresh_token", renewed.body["refresh_token"]}}, app_key_);
  EXPECT_EQ(after.status, 400);
  EXPECT_EQ(after.body["error"], "invalid_grant");
  EXPECT_EQ(post_form("/oauth2/revoke", {{"token", "unknown"}}, app_key_).status, 204);
  EXPECT_EQ(post_form("/oauth2/token", {{"grant_type", "client_credentials"}}, app_key_).body["error"],
            "unsupported_grant_type");
}

TEST_P(OAuth2, TheCitizenMayDecline) {
  Browser b = browser();
  const std::string page_path = authorize(b, credential_request({sha256(as_bytes("x"))}, credential_.serial.str()));
  Page page = b.get(page_path);
  Page declined = b.post(page_path + "/reject", {{"csrf", page.csrf()}});
  ASSERT_EQ(declined.status, 303);
  auto error = query_of(declined.header("Location"));
  EXPECT_EQ(error["error"], "access_denied");
  EXPECT_EQ(error["state"], "estado-42");
  EXPECT_TRUE(b.get(page_path).has(R"(id="final-status")"));
}

TEST_P(OAuth2, MetadataAndRegistration) {
  auto r = httplib::Client("127.0.0.1", server_->port()).Get("/.well-known/oauth-authorization-server");
  ASSERT_TRUE(r);
  auto metadata = json::parse(r->body);
  const std::string issuer = stack_->services().public_url();
  EXPECT_EQ(metadata["issuer"].get<std::string>() + "/", issuer.back() == '/' ? issuer : issuer + "/");
  EXPECT_EQ(metadata["token_endpoint"], metadata["issuer"].get<std::string>() + "/oauth2/token");
  EXPECT_EQ(metadata["code_challenge_methods_supported"], json::array({"S256"}));
  EXPECT_EQ(metadata["authorization_details_types_supported"].size(), 2u);
  // redirect_uris: https, or http to a loopback host; no fragment.
  for (const std::string uri : {"http://sede.example.gob.es/cb", "https://sede.example.gob.es/cb#x", "/relative"}) {
    auto refused = stack_->post("/v1/admin/apps",
                                {{"name", "Otra " + uri},
                                 {"return_url_prefixes", {"https://sede.example.gob.es/"}},
                                 {"allowed_formats", {"raw"}},
                                 {"redirect_uris", {uri}}},
                                stack_->admin_token());
    EXPECT_EQ(refused.status, 400) << uri;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, OAuth2, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace firma::testing
