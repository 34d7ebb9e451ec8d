// Credentials as fronts name them (one per valid certificate) and their explicit authorisation: password, then the
// code sent for that application and credential, then a SAD over the exact entries.
#include "signer/signing_credentials.h"

#include "certs/authority.h"
#include "certs/credentials.h"
#include "identity/citizens.h"
#include "identity/otp_service.h"
#include "policies/nif.h"
#include "signer/signature_activation.h"
#include "store/database.h"
#include "store/sads.h"

namespace firma::signer {
namespace {

certs::CitizenForIssuance for_issuance(const identity::Citizen& c) {
  return {c.nif.str(), c.given_name, c.surname1, c.surname2, c.status, c.registration_level};
}

// The words of the SMS: the code first, then who asks and for how much. sendOTP names neither the documents nor
// their number (CSC sends no hashes with it), so the SMS says the most one authorisation may allow and which
// certificate; the SAD binds the exact digests given with the password.
std::string credential_sms(const std::string& app_name, std::size_t max_signatures, const CertSerial& serial) {
  const std::string& s = serial.str();
  return "Cl@ve Firma: su c\u00F3digo es {otp} para autorizar a " + identity::sms_template_literal(app_name) +
         " hasta " + std::to_string(max_signatures) + " firmas con su certificado " +
         s.substr(s.size() > 8 ? s.size() - 8 : 0) + ". No lo comparta con nadie.";
}

}  // namespace

SigningCredentials::SigningCredentials(store::Database& db, identity::CitizenService& citizens,
                                       certs::CredentialService& credentials, certs::CertificateAuthority& authority,
                                       const Clock& clock, Random& random, CredentialLimits limits)
    : db_(db),
      citizens_(citizens),
      credentials_(credentials),
      authority_(authority),
      clock_(clock),
      random_(random),
      limits_(limits) {}

Result<std::vector<SigningCredential>> SigningCredentials::valid_credentials(std::string_view nif) {
  auto parsed = policies::Nif::parse(nif);
  if (!parsed) return make_error(ErrorCode::not_found, "no such citizen");
  auto citizen = citizens_.find_by_nif(*parsed);
  if (!citizen) return std::move(citizen).error();
  auto certificates = credentials_.list(nif);
  if (!certificates) return std::move(certificates).error();
  std::vector<SigningCredential> out;
  for (const certs::CertificateInfo& info : *certificates) {
    if (info.status != CertificateStatus::valid) continue;
    out.push_back(SigningCredential{info.serial, citizen->id, info.nif, info.key_id,
                                    hsm::parse_key_algorithm(info.algorithm).value_or(hsm::KeyAlgorithm::ec_p256),
                                    info.status, info.certificate, authority_.chain_der(), info.not_before,
                                    info.not_after});
  }
  return out;
}

Result<std::vector<SigningCredential>> SigningCredentials::list(const policies::Nif& nif, std::string_view actor) {
  auto citizen = citizens_.find_by_nif(nif);
  if (!citizen) return std::move(citizen).error();
  if (citizen->status != CitizenStatus::active || citizen->registration_level != RegistrationLevel::advanced)
    return std::vector<SigningCredential>{};
  auto found = valid_credentials(nif.str());
  if (!found || !found->empty()) return found;
  auto issued = credentials_.ensure_certificate(for_issuance(*citizen), actor);
  if (!issued) return std::move(issued).error();
  return valid_credentials(nif.str());
}

Result<std::vector<SigningCredential>> SigningCredentials::list(const CitizenId& id, std::string_view actor) {
  auto citizen = citizens_.find_by_id(id);
  if (!citizen) return std::move(citizen).error();
  return list(citizen->nif, actor);
}

Result<SigningCredential> SigningCredentials::find(const CertSerial& serial) {
  auto info = credentials_.find(serial);
  if (!info) return std::move(info).error();
  if (!*info) return make_error(ErrorCode::not_found, "no such credential");
  const certs::CertificateInfo& i = **info;
  auto nif = policies::Nif::parse(i.nif);
  if (!nif) return make_error(ErrorCode::not_found, "no such credential");
  auto citizen = citizens_.find_by_nif(*nif);
  if (!citizen) return std::move(citizen).error();
  return SigningCredential{i.serial,
                           citizen->id,
                           i.nif,
                           i.key_id,
                           hsm::parse_key_algorithm(i.algorithm).value_or(hsm::KeyAlgorithm::ec_p256),
                           i.status,
                           i.certificate,
                           authority_.chain_der(),
                           i.not_before,
                           i.not_after};
}

Result<CodeSent> SigningCredentials::send_code(const SigningCredential& credential, const Application& app) {
  if (credential.status != CertificateStatus::valid)
    return make_error(ErrorCode::conflict,
                      "the credential's certificate is " + std::string(to_string(credential.status)));
  auto citizen = citizens_.find_by_id(credential.citizen);
  if (!citizen) return std::move(citizen).error();
  auto sent =
      citizens_.send_otp_before_password(*citizen, kCredentialPurpose, credential_context(credential.binding(app.id)),
                                         credential_sms(app.name, limits_.max_signatures, credential.serial));
  if (!sent) return std::move(sent).error();
  return CodeSent{sent->masked_mobile, sent->expires_at};
}

Result<Sad> SigningCredentials::authorise(const SigningCredential& credential, const AppId& app, const Secret& password,
                                          const Secret& otp, std::vector<SadEntry> entries, std::size_t budget) {
  if (budget == 0 || budget > limits_.max_signatures)
    return make_error(ErrorCode::invalid_request,
                      "the number of signatures must be between 1 and " + std::to_string(limits_.max_signatures));
  if (entries.empty()) return make_error(ErrorCode::invalid_request, "the digests to sign are required");
  if (budget > entries.size())
    return make_error(ErrorCode::invalid_request, "more signatures asked than digests authorised");
  // Reinforced mode as Cl@ve has it: the password first (a wrong one counts toward the lockout whatever the
  // code), then the code.
  auto nif = policies::Nif::parse(credential.nif);
  if (!nif) return make_error(ErrorCode::not_found, "no such credential");
  auto verified = citizens_.verify_reinforced_password(*nif, password);
  if (!verified) return std::move(verified).error();
  if (verified->citizen().id != credential.citizen)
    return make_error(ErrorCode::invalid_credentials, "the NIF or the password is not correct");
  if (credential.status != CertificateStatus::valid || clock_.now() >= credential.not_after)
    return make_error(ErrorCode::conflict, "the credential's certificate is not valid");
  const SadBinding binding = credential.binding(app);
  auto challenge = citizens_.open_challenge(credential.citizen, kCredentialPurpose, credential_context(binding));
  if (!challenge) return std::move(challenge).error();
  if (!*challenge) return make_error(ErrorCode::otp_expired, "no code is open for this credential: ask for one");
  SignatureActivation activation(db_, citizens_, clock_, random_, limits_.sad_lifetime);
  return activation.authorise_credential(**challenge, otp, SadRequest{binding, std::move(entries), budget, {}});
}

Result<Sad> SigningCredentials::reissue(const Secret& sad, const SigningCredential& credential, const AppId& app,
                                        const std::vector<SadEntry>& entries) {
  SignatureActivation activation(db_, citizens_, clock_, random_, limits_.sad_lifetime);
  return activation.reissue(sad, credential.binding(app), entries);
}

Result<SadHolder> SigningCredentials::sad_holder(const Secret& sad) {
  auto record = db_.transact([&](store::Tx& tx) { return store::SadRecords::find_by_value(tx, sad_value_hash(sad)); });
  if (!record) return std::move(record).error();
  if (!*record || clock_.now() >= (*record)->expires_at)
    return make_error(ErrorCode::unauthorized, "the SAD is unknown or has expired");
  const store::SadRecord& r = **record;
  return SadHolder{SadBinding{r.citizen_id, r.key_id, r.app_id}, r.expires_at};
}

}  // namespace firma::signer
