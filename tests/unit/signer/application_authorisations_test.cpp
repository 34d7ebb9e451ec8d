// Authorisations given on Firma's page and redeemed with a code: PKCE (RFC 7636 S256), the exact redirect URI,
// single-use and short-lived codes bound to their client, the credential bound to the citizen who signs in, and
// the SAD they give signing exactly what the citizen confirmed.
#include "signer/application_authorisations.h"

#include <gtest/gtest.h>

#include "certs/credentials.h"
#include "pki_fixture.h"
#include "signer/citizen_key_signer.h"
#include "store/audit_log.h"
#include "support/citizen_world.h"

namespace firma::signer {
namespace {

using namespace std::chrono_literals;

const std::string kRedirect = "https://sede.example.gob.es/oauth/callback";
const std::string kVerifier = "dBjftJeZ4CVP-mJ92K9rCeyQo3VLJtGpaTzg6iiW3vIxWm0";  // 47 unreserved characters

class ApplicationAuthorisationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki.open();
    world = std::make_unique<testing::CitizenWorld>(*pki.db, pki.clock, pki.random);
    alice = world->make_active_citizen("12345678Z", "+34600111222", password);
    bob = world->make_active_citizen("X1234567L", "+34600333444", password);
    auto alices = pki.credentials->issue(testing::advanced_citizen("12345678Z"), std::nullopt, "operator:test");
    auto bobs = pki.credentials->issue(testing::advanced_citizen("X1234567L"), std::nullopt, "operator:test");
    ASSERT_TRUE(alices && bobs);
    alice_credential = *alices;
    bob_credential = *bobs;
    applications = std::make_unique<ApplicationService>(*pki.db, pki.clock, pki.random);
    auto registered = applications->register_application(
        {"Sede de Ejemplo", {"https://sede.example.gob.es/"}, {"raw"}, {kRedirect}, {}}, "operator:test");
    ASSERT_TRUE(registered) << registered.error().message;
    app = registered->id;
    auto other = applications->register_application(
        {"Otra Sede", {"https://otra.example.gob.es/"}, {"raw"}, {kRedirect}, {}}, "operator:test");
    ASSERT_TRUE(other);
    other_app = other->id;
    tokens = std::make_unique<AccessTokens>(*pki.db, pki.clock, pki.random);
    service = std::make_unique<ApplicationAuthorisations>(*pki.db, *applications, world->citizens(), *pki.credentials,
                                                          *tokens, pki.clock, pki.random, AuthorisationLimits{});
  }

  AuthorisationAsked signing(const certs::Credential& credential, std::vector<std::string> texts) {
    AuthorisationAsked a;
    a.application = app;
    a.redirect_uri = kRedirect;
    a.client_state = "st-123";
    a.proof_challenge = *proof_challenge_of(kVerifier);
    a.kind = AuthorisationKind::signing;
    a.credential = credential.serial;
    for (const auto& t : texts) a.digests.push_back({sha256(t), "Documento " + t});
    a.description = "Contrato de prueba";
    return a;
  }

  // The page's two steps for Alice: NIF + password, then the code from the SMS.
  Result<AuthorisationAnswer> give(const std::string& id) {
    auto signed_in = service->sign_in(id, "12345678z", password);
    if (!signed_in) return std::move(signed_in).error();
    EXPECT_TRUE(signed_in->otp_sent_to);
    return service->confirm(id, Secret(world->last_otp("+34600111222")));
  }

  Result<RedeemedAuthorisation> redeem(const AuthorisationAnswer& answer, std::string verifier = kVerifier,
                                       std::optional<AppId> who = std::nullopt, std::string redirect = kRedirect) {
    return service->redeem(*answer.code, who.value_or(app), redirect, Secret(verifier));
  }

  SadBinding binding(const certs::Credential& credential) const { return {alice->id, credential.key_id, app}; }

  testing::PkiFixture pki;
  std::unique_ptr<testing::CitizenWorld> world;
  Secret password{"Clave-Segura-2026"};
  std::optional<identity::Citizen> alice, bob;
  certs::Credential alice_credential, bob_credential;
  std::unique_ptr<ApplicationService> applications;
  AppId app, other_app;
  std::unique_ptr<AccessTokens> tokens;
  std::unique_ptr<ApplicationAuthorisations> service;
};

TEST_F(ApplicationAuthorisationsTest, TheRedeemedSadSignsExactlyTheConfirmedDigests) {
  auto asked = service->request(signing(alice_credential, {"a", "b"}));
  ASSERT_TRUE(asked) << asked.error().message;
  EXPECT_EQ(asked->app_name, "Sede de Ejemplo");
  EXPECT_EQ(asked->signatures, 2u);
  auto answer = give(asked->id);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->redirect_uri, kRedirect);
  EXPECT_EQ(answer->client_state, "st-123");
  ASSERT_TRUE(answer->code);
  // The SMS named the application and how many signatures.
  auto sms = world->outbox().messages(std::string("+34600111222"));
  ASSERT_TRUE(sms && !sms->empty());
  EXPECT_NE(sms->back().text.find("2 firmas a Sede de Ejemplo (Contrato de prueba)"), std::string::npos)
      << sms->back().text;

  auto redeemed = redeem(*answer);
  ASSERT_TRUE(redeemed) << redeemed.error().message;
  ASSERT_TRUE(redeemed->sad);
  EXPECT_EQ(redeemed->kind, AuthorisationKind::signing);
  EXPECT_EQ(redeemed->credential, alice_credential.serial);
  EXPECT_EQ(redeemed->signatures, 2u);
  ASSERT_EQ(redeemed->digests.size(), 2u);
  EXPECT_EQ(redeemed->digests[1].label, "Documento b");

  CitizenKeySigner signer(pki.hsm.token(), *pki.db, pki.clock);
  const SadEntry a{hsm::DigestAlgorithm::sha256, sha256("a"), hsm::RsaPadding::pkcs1v15};
  const SadEntry z{hsm::DigestAlgorithm::sha256, sha256("z"), hsm::RsaPadding::pkcs1v15};
  EXPECT_FALSE(signer.sign(redeemed->sad->value, binding(alice_credential), z));  // not confirmed
  auto signature = signer.sign(redeemed->sad->value, binding(alice_credential), a);
  ASSERT_TRUE(signature) << signature.error().message;
  EXPECT_FALSE(signer.sign(redeemed->sad->value, binding(alice_credential), a));  // once
  // Another application cannot use it.
  EXPECT_FALSE(signer.sign(redeemed->sad->value, {alice->id, alice_credential.key_id, other_app},
                           SadEntry{hsm::DigestAlgorithm::sha256, sha256("b"), hsm::RsaPadding::pkcs1v15}));

  // The code again: refused, and the SAD it gave ends (RFC 6749 4.1.2), so "b" can no longer be signed.
  auto again = redeem(*answer);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::forbidden);
  EXPECT_FALSE(signer.sign(redeemed->sad->value, binding(alice_credential),
                           SadEntry{hsm::DigestAlgorithm::sha256, sha256("b"), hsm::RsaPadding::pkcs1v15}));
}

TEST_F(ApplicationAuthorisationsTest, TheCodeNeedsTheVerifierTheClientAndTheRedirectUriAndExpires) {
  auto asked = service->request(signing(alice_credential, {"a"}));
  ASSERT_TRUE(asked);
  auto answer = give(asked->id);
  ASSERT_TRUE(answer) << answer.error().message;
  const std::string other_verifier(50, 'x');
  auto wrong_verifier = redeem(*answer, other_verifier);
  ASSERT_FALSE(wrong_verifier);
  EXPECT_EQ(wrong_verifier.error().code, ErrorCode::forbidden);
  auto short_verifier = redeem(*answer, "abc");
  ASSERT_FALSE(short_verifier);
  EXPECT_EQ(short_verifier.error().code, ErrorCode::invalid_request);
  EXPECT_FALSE(redeem(*answer, kVerifier, other_app));
  EXPECT_FALSE(redeem(*answer, kVerifier, std::nullopt, kRedirect + "/"));
  pki.clock.advance(AuthorisationLimits{}.code_lifetime);
  auto late = redeem(*answer);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::forbidden);
}

TEST_F(ApplicationAuthorisationsTest, OnlyARegisteredRedirectUriExactlyAndAnS256Challenge) {
  auto asked = signing(alice_credential, {"a"});
  for (const std::string& uri :
       std::vector<std::string>{kRedirect + "/", kRedirect + "?x=1", "https://sede.example.gob.es/oauth/",
                                "https://SEDE.example.gob.es/oauth/callback"}) {
    SCOPED_TRACE(uri);
    asked.redirect_uri = uri;
    auto refused = service->request(asked);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_request);
  }
  asked.redirect_uri = kRedirect;
  asked.application = AppId("app-unknown");
  auto unknown = service->request(asked);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  asked.application = app;
  asked.proof_challenge = kVerifier;  // a plain challenge is not the 43-character S256 one
  EXPECT_FALSE(service->request(asked));
  asked.proof_challenge = *proof_challenge_of(kVerifier);
  asked.digests[0].digest.pop_back();  // 31 bytes for SHA-256
  EXPECT_FALSE(service->request(asked));
  asked.digests[0].digest = sha256("a");
  asked.signatures = 2;  // more signatures than digests
  EXPECT_FALSE(service->request(asked));
  asked.signatures = 1;
  asked.description = std::string(501, 'd');
  EXPECT_FALSE(service->request(asked));
  asked.description = "ok";
  EXPECT_TRUE(service->request(asked));
}

TEST_F(ApplicationAuthorisationsTest, ACredentialOfAnotherCitizenIsRefusedAfterThePasswordAsAnUnknownOne) {
  auto bobs = service->request(signing(bob_credential, {"a"}));
  auto unknown_credential = signing(alice_credential, {"a"});
  unknown_credential.credential = CertSerial("ABCDEF0123");
  auto unknown = service->request(unknown_credential);
  ASSERT_TRUE(bobs && unknown);
  auto as_alice = service->sign_in(bobs->id, "12345678Z", password);
  ASSERT_FALSE(as_alice);
  EXPECT_EQ(as_alice.error().code, ErrorCode::forbidden);
  auto no_such = service->sign_in(unknown->id, "12345678Z", password);
  ASSERT_FALSE(no_such);
  EXPECT_EQ(no_such.error().code, ErrorCode::forbidden);
  EXPECT_EQ(no_such.error().message, as_alice.error().message);
  // A wrong password is a wrong password first, and counts toward the lockout.
  auto wrong = service->sign_in(bobs->id, "12345678Z", Secret("Otra-Clave-2026"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::invalid_credentials);
  EXPECT_EQ(wrong.error().attempts_left, 4);
  EXPECT_EQ(world->last_otp("+34600111222"), "");  // no SMS went out
}

TEST_F(ApplicationAuthorisationsTest, AccessIsGivenWithThePasswordAndRedeemedForAnAccessToken) {
  AuthorisationAsked asked;
  asked.application = app;
  asked.redirect_uri = kRedirect;
  asked.proof_challenge = *proof_challenge_of(kVerifier);
  auto request = service->request(asked);
  ASSERT_TRUE(request) << request.error().message;
  auto signed_in = service->sign_in(request->id, "12345678Z", password);
  ASSERT_TRUE(signed_in) << signed_in.error().message;
  ASSERT_TRUE(signed_in->answer && signed_in->answer->code);
  EXPECT_FALSE(signed_in->otp_sent_to);
  auto redeemed = redeem(*signed_in->answer);
  ASSERT_TRUE(redeemed) << redeemed.error().message;
  ASSERT_TRUE(redeemed->access && redeemed->access->refresh_token);
  auto holder = tokens->resolve(redeemed->access->value);
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->citizen, alice->id);
  EXPECT_EQ(holder->application, app);
  // A replay revokes the token it gave.
  EXPECT_FALSE(redeem(*signed_in->answer));
  EXPECT_FALSE(tokens->resolve(redeemed->access->value));
}

TEST_F(ApplicationAuthorisationsTest, DeclinedOrExpiredRequestsGiveNothing) {
  auto declined = service->request(signing(alice_credential, {"a"}));
  ASSERT_TRUE(declined);
  auto answer = service->decline(declined->id);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_FALSE(answer->code);
  EXPECT_EQ(answer->client_state, "st-123");
  auto late_sign_in = service->sign_in(declined->id, "12345678Z", password);
  ASSERT_FALSE(late_sign_in);
  EXPECT_EQ(late_sign_in.error().code, ErrorCode::conflict);

  auto expiring = service->request(signing(alice_credential, {"a"}));
  ASSERT_TRUE(expiring);
  pki.clock.advance(AuthorisationLimits{}.request_lifetime);
  auto view = service->view(expiring->id);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->status, AuthorisationStatus::expired);
  auto expired = service->sign_in(expiring->id, "12345678Z", password);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::transaction_expired);
}

TEST_F(ApplicationAuthorisationsTest, TheUpkeepForgetsWhatEndedADayAgo) {
  auto asked = service->request(signing(alice_credential, {"a"}));
  ASSERT_TRUE(asked);
  auto answer = give(asked->id);
  ASSERT_TRUE(answer);
  auto fresh = service->request(signing(alice_credential, {"b"}));
  ASSERT_TRUE(fresh);
  auto none = service->purge_ended();
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
  pki.clock.advance(AccessTokens::kRefreshLifetime + AuthorisationLimits{}.request_lifetime + std::chrono::seconds(1));
  auto later = service->request(signing(alice_credential, {"c"}));
  ASSERT_TRUE(later);
  auto purged = service->purge_ended();
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(*purged, 2);
  EXPECT_FALSE(service->view(asked->id));
  EXPECT_FALSE(service->view(fresh->id));
  EXPECT_TRUE(service->view(later->id));
  EXPECT_FALSE(redeem(*answer));
}

TEST_F(ApplicationAuthorisationsTest, AWrongSmsCodeMintsNothing) {
  auto asked = service->request(signing(alice_credential, {"a"}));
  ASSERT_TRUE(asked);
  ASSERT_TRUE(service->sign_in(asked->id, "12345678Z", password));
  auto wrong = service->confirm(asked->id, Secret("000000"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::otp_invalid);
  auto view = service->view(asked->id);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->status, AuthorisationStatus::signed_in);
}

}  // namespace
}  // namespace firma::signer
