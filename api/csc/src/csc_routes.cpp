// Handlers of the CSC API, v1 (1.0.4.0) and v2 (2.0.0.2): parse -> check the bearer -> call the signer -> render.
#include "api/csc/csc_routes.h"

#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "algorithms.h"
#include "certs/timestamp.h"
#include "core/encoding.h"
#include "identity/citizens.h"
#include "policies/nif.h"
#include "signer/access_tokens.h"
#include "signer/applications.h"
#include "signer/citizen_key_signer.h"
#include "signer/signing_credentials.h"
#include "wire.h"

namespace firma::api::csc {
namespace {

using nlohmann::json;

// What a handler returns: the answer, or the CSC error it became.
using Answer = Result<Response>;

std::string_view prefix(Version v) {
  return v == Version::v1 ? "/csc/v1/" : "/csc/v2/";
}

// The DN of a certificate's subject or issuer in RFC 4514 form, as clients parse it (X500Principal).
std::string distinguished_name(const Bytes& der, bool issuer) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (!cert) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), issuer ? X509_get_issuer_name(cert.get()) : X509_get_subject_name(cert.get()), 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// CSC's GeneralizedTime form, YYYYMMDDHHMMSSZ (v2 11.5 validFrom/validTo).
std::string generalized_time(Instant at) {
  const std::string t = to_rfc3339(at);  // YYYY-MM-DDTHH:MM:SSZ
  std::string out;
  for (char c : t)
    if (c >= '0' && c <= '9') out.push_back(c);
  return out.substr(0, 14) + "Z";
}

class Front {
 public:
  explicit Front(CscServices s) : s_(std::move(s)) {}

  Response info(const Request& r, Version v) const {
    auto body = body_of(r);
    if (!body && r.method == "POST") return from_error(body.error(), v);
    const std::string logo = s_.settings.logo.empty() ? s_.public_url : s_.settings.logo;
    json out = {{"name", s_.settings.name},
                {"logo", logo},
                {"region", s_.settings.region},
                {"lang", s_.settings.lang},
                {"description", s_.settings.description},
                {"authType", json::array({"external", "basic", "oauth2code"})},
                {"oauth2", s_.public_url}};
    std::vector<std::string> methods = {"auth/login",          "auth/revoke",           "credentials/list",
                                        "credentials/info",    "credentials/authorize", "credentials/extendTransaction",
                                        "signatures/signHash", "signatures/timestamp"};
    if (v == Version::v1) {
      out["specs"] = "1.0.4.0";
      methods.push_back("credentials/sendOTP");
    } else {
      out["specs"] = "2.0.0.2";
      methods.push_back("credentials/getChallenge");
      methods.push_back("signatures/signDoc");
      json algos = json::array();
      for (auto k : {hsm::KeyAlgorithm::rsa2048, hsm::KeyAlgorithm::ec_p256})
        for (const auto& a : key_algorithms(k)) algos.push_back(a);
      out["signAlgorithms"] = {{"algos", algos}};
      out["signature_formats"] = {
          {"formats", json::array({"C", "P", "X"})},
          {"envelope_properties", json::array({json::array({"Attached", "Detached"}), json::array({"Revision"}),
                                               json::array({"Enveloped"})})}};
      out["conformance_levels"] = json::array({"Ades-B-B", "Ades-B-T", "Ades-B-LT", "Ades-B-LTA"});
      out["supportedHashTypes"] = json::array({"SHA-256", "SHA-384", "SHA-512"});
    }
    out["methods"] = methods;
    return json_response(200, out);
  }

  Answer list(const Request& r, Version v) const {
    auto call = call_of(r);
    if (!call) return std::move(call).error();
    auto& [body, bearer] = *call;
    if (body.contains("pageToken") && !body["pageToken"].is_null())
      return make_error(ErrorCode::invalid_request, "Invalid parameter pageToken");
    auto user = optional_field<std::string>(body, "userID");
    if (!user) return std::move(user).error();
    const std::string actor = "application:" + bearer.app.id.str();
    Result<std::vector<signer::SigningCredential>> found = std::vector<signer::SigningCredential>{};
    switch (bearer.kind) {
      case Bearer::Kind::application: {
        if (!*user) return make_error(ErrorCode::invalid_request, "Missing (or invalid type) string parameter userID");
        auto nif = policies::Nif::parse(**user);
        if (!nif) return make_error(ErrorCode::invalid_request, "Invalid parameter userID");
        found = s_.credentials.list(*nif, actor);
        break;
      }
      case Bearer::Kind::citizen:
        if (*user) return make_error(ErrorCode::invalid_request, "userID parameter MUST be null");
        found = s_.credentials.list(*bearer.citizen, actor);
        break;
      case Bearer::Kind::sad: return make_error(ErrorCode::unauthorized, "a SAD does not list credentials");
    }
    // An unknown NIF lists nothing: the answer does not tell which NIFs are registered.
    if (!found && found.error().code != ErrorCode::not_found) return std::move(found).error();
    json ids = json::array();
    json infos = json::array();
    auto with_info = optional_field<bool>(body, "credentialInfo");
    if (!with_info) return std::move(with_info).error();
    if (found)
      for (const auto& c : *found) {
        ids.push_back(c.serial.str());
        if (with_info->value_or(false)) {
          json info = describe(c, body, v);
          info["credentialID"] = c.serial.str();
          infos.push_back(std::move(info));
        }
      }
    json out = {{"credentialIDs", ids}};
    if (v == Version::v2 && with_info->value_or(false)) out["credentialInfos"] = infos;
    return json_response(200, out);
  }

  Answer credential_info(const Request& r, Version v) const {
    auto call = call_of(r);
    if (!call) return std::move(call).error();
    auto& [body, bearer] = *call;
    auto credential = credential_for(bearer, body, true);
    if (!credential) return std::move(credential).error();
    return json_response(200, describe(*credential, body, v));
  }

  // sendOTP (v1) and getChallenge (v2): the SMS code for this application and credential; 204.
  Answer send_code(const Request& r, Version v) const {
    auto call = call_of(r);
    if (!call) return std::move(call).error();
    auto& [body, bearer] = *call;
    if (bearer.kind == Bearer::Kind::sad)
      return make_error(ErrorCode::unauthorized, "a SAD does not authorise another signature");
    if (v == Version::v2) {
      auto object = required_field<std::string>(body, "authObjectID");
      if (!object) return std::move(object).error();
      if (*object != "OTP") return make_error(ErrorCode::invalid_request, "Invalid parameter authObjectID");
    }
    auto credential = credential_for(bearer, body, false);
    if (!credential) return std::move(credential).error();
    if (auto refused = throttled(r, credential->nif)) return std::move(*refused);
    auto sent = s_.credentials.send_code(*credential, bearer.app);
    if (!sent) return std::move(sent).error();
    return Response{204, "", "", {}};
  }

  Answer authorize(const Request& r) const {
    auto call = call_of(r);
    if (!call) return std::move(call).error();
    auto& [body, bearer] = *call;
    if (bearer.kind == Bearer::Kind::sad)
      return make_error(ErrorCode::unauthorized, "a SAD does not authorise another signature");
    auto credential = credential_for(bearer, body, false);
    if (!credential) return std::move(credential).error();
    auto count = required_field<std::int64_t>(body, "numSignatures");
    if (!count) return std::move(count).error();
    if (*count < 1) return make_error(ErrorCode::invalid_request, "Invalid parameter numSignatures");
    if (static_cast<std::uint64_t>(*count) > s_.settings.multisign)
      return make_error(ErrorCode::invalid_request, "Numbers of signatures is too high");
    auto entries = authorised_entries(body, *credential);
    if (!entries) return std::move(entries).error();
    if (static_cast<std::size_t>(*count) > entries->size())
      return make_error(ErrorCode::invalid_request, "numSignatures is more than the hashes given (SCAL 2)");
    auto description = optional_field<std::string>(body, "description");
    if (!description) return std::move(description).error();
    if (*description && (*description)->size() > 500)
      return make_error(ErrorCode::invalid_request, "Invalid parameter description");
    auto factors = factors_of(body);
    if (!factors) return std::move(factors).error();
    // Per address only: the password's lockout and the code's tries bound the guesses per citizen.
    if (auto refused = throttled(r, std::nullopt)) return std::move(*refused);
    auto sad = s_.credentials.authorise(*credential, bearer.app.id, factors->first, factors->second,
                                        std::move(*entries), static_cast<std::size_t>(*count));
    if (!sad) return std::move(sad).error();
    return sad_answer(*sad);
  }

  // credentials/extendTransaction (v1 11.8, v2 11.8): a new SAD for hashes the SAD given still authorises and has
  // not signed; the old one ends. No citizen step: nothing new is authorised (docs/csc.md).
  Answer extend_transaction(const Request& r) const {
    auto call = signing_call_of(r);
    if (!call) return std::move(call).error();
    auto& [body, bearer, credential, sad] = *call;
    auto client_data = optional_field<std::string>(body, "clientData");
    if (!client_data) return std::move(client_data).error();
    auto entries = authorised_entries(body, credential);
    if (!entries) return std::move(entries).error();
    auto fresh = s_.credentials.reissue(sad, credential, bearer.app.id, *entries);
    if (!fresh) return std::move(fresh).error();
    return sad_answer(*fresh);
  }

  Answer sign_hash(const Request& r, Version) const {
    auto call = signing_call_of(r);
    if (!call) return std::move(call).error();
    auto& [body, bearer, credential, sad] = *call;
    if (Status s = synchronous(body); !s) return std::move(s).error();
    auto hashes = hashes_of(body);
    if (!hashes) return std::move(hashes).error();
    if (!*hashes || (*hashes)->empty()) return make_error(ErrorCode::invalid_request, "Missing parameter hashes");
    auto choice = signature_of(body, credential);
    if (!choice) return std::move(choice).error();
    std::vector<signer::SadEntry> entries;
    entries.reserve((*hashes)->size());
    for (Bytes& h : **hashes) {
      if (h.size() != hsm::digest_size(choice->digest))
        return make_error(ErrorCode::invalid_request, "Invalid digest value length");
      entries.push_back({choice->digest, std::move(h), choice->padding});
    }
    auto signatures = s_.key_signer.sign_all(sad, credential.binding(bearer.app.id), entries);
    if (!signatures) return std::move(signatures).error();
    json out = json::array();
    // ECDSA: the DER ECDSA-Sig-Value that CMS and pyHanko embed as is (CSC.md section 4); RSA: the signature.
    const bool ec = hsm::is_ec(credential.algorithm);
    for (const auto& s : *signatures) out.push_back(to_base64(ec ? s.der : s.raw));
    return json_response(200, {{"signatures", out}});
  }

  // signatures/signDoc (CSC v2 11.11): documents, or their digests, signed as CAdES, PAdES or XAdES baseline B
  // under a SAD that authorised each document's digest (SCAL 2). Firma builds the structure the key signs
  // (CitizenKeySigner::sign_documents), so the SAD's hashes are the documents', not the structures'.
  Answer sign_doc(const Request& r) const {
    auto call = signing_call_of(r);
    if (!call) return std::move(call).error();
    auto& [body, bearer, credential, sad] = *call;
    if (Status s = synchronous(body); !s) return std::move(s).error();
    auto validation_info = optional_field<bool>(body, "returnValidationInfo");
    if (!validation_info) return std::move(validation_info).error();
    if (validation_info->value_or(false))
      return make_error(ErrorCode::invalid_request,
                        "returnValidationInfo is not supported: the signatures are level B");
    const auto digests = body.find("documentDigests");
    const auto documents = body.find("documents");
    const bool by_digest = digests != body.end() && !digests->is_null();
    const bool by_document = documents != body.end() && !documents->is_null();
    if (by_digest == by_document)
      return make_error(ErrorCode::invalid_request, "Give either documentDigests or documents");
    const json& items = by_digest ? *digests : *documents;
    const char* items_name = by_digest ? "documentDigests" : "documents";
    if (!items.is_array() || items.empty())
      return make_error(ErrorCode::invalid_request, std::string("Invalid parameter ") + items_name);

    std::vector<signer::DocumentRequest> requests;
    std::vector<bool> detached;  // per request: answered in SignatureObject rather than DocumentWithSignature
    for (const json& item : items) {
      if (!item.is_object())
        return make_error(ErrorCode::invalid_request, std::string("Invalid parameter ") + items_name);
      auto shape = signed_shape(item, by_digest);
      if (!shape) return std::move(shape).error();
      auto choice = signature_of(item, credential);
      if (!choice) return std::move(choice).error();
      if (choice->padding != hsm::RsaPadding::pkcs1v15)
        return make_error(ErrorCode::invalid_request, "signDoc signs with RSASSA-PKCS1-v1_5; use signHash for PSS");
      signer::DocumentRequest request;
      request.format = shape->format;
      request.digest_algorithm = choice->digest;
      request.attached = shape->attached;
      request.level = shape->level;
      request.for_pdf = by_digest && shape->format == signer::Format::pades;
      if (request.for_pdf) request.format = signer::Format::cades;
      if (by_digest) {
        auto hashes = hashes_of(item);
        if (!hashes) return std::move(hashes).error();
        if (!*hashes || (*hashes)->empty()) return make_error(ErrorCode::invalid_request, "Missing parameter hashes");
        for (Bytes& h : **hashes) {
          if (h.size() != hsm::digest_size(choice->digest))
            return make_error(ErrorCode::invalid_request, "Invalid digest value length");
          signer::DocumentRequest one = request;
          one.content = std::move(h);
          one.content_is_digest = true;
          requests.push_back(std::move(one));
          detached.push_back(true);
        }
      } else {
        auto document = required_field<std::string>(item, "document");
        if (!document) return std::move(document).error();
        auto content = from_base64(*document);
        if (!content) return make_error(ErrorCode::invalid_request, "Invalid parameter document: not Base64");
        request.content = std::move(*content);
        requests.push_back(std::move(request));
        detached.push_back(shape->format == signer::Format::cades && !shape->attached);
      }
    }
    const signer::CredentialView view{credential.certificate, credential.chain, credential.algorithm};
    auto signed_documents =
        s_.key_signer.sign_documents(sad, credential.binding(bearer.app.id), requests, view, s_.long_term);
    if (!signed_documents) {
      // CSC v2 11.11: a document that does not match the authorised hashes is 403 invalid_hash.
      if (signed_documents.error().code == ErrorCode::forbidden &&
          signed_documents.error().message.find("not authorised") != std::string::npos)
        return error_response(403, "invalid_hash", "A document does not match the hashes the SAD authorised");
      return std::move(signed_documents).error();
    }
    json with_signature = json::array(), signature_objects = json::array();
    for (std::size_t i = 0; i < signed_documents->size(); ++i)
      (detached[i] ? signature_objects : with_signature).push_back(to_base64((*signed_documents)[i].output));
    json out = json::object();
    if (!with_signature.empty()) out["DocumentWithSignature"] = with_signature;
    if (!signature_objects.empty()) out["SignatureObject"] = signature_objects;
    return json_response(200, out);
  }

  // signatures/timestamp (CSC v1 11.10, v2 11.12): an RFC 3161 token over `hash` from Firma's TSA (or the outside
  // one of timestamp.url), echoing `nonce` (hex) when given. Any bearer may ask: a time stamp reveals nothing.
  Answer timestamp(const Request& r) const {
    auto call = call_of(r);
    if (!call) return std::move(call).error();
    const json& body = call->body;
    auto hash = required_field<std::string>(body, "hash");
    if (!hash) return std::move(hash).error();
    auto digest = decode_hash(*hash);
    if (!digest) return make_error(ErrorCode::invalid_request, "Invalid parameter hash: not Base64");
    auto algorithm_oid = required_field<std::string>(body, "hashAlgo");
    if (!algorithm_oid) return std::move(algorithm_oid).error();
    const auto algorithm = digest_of_oid(*algorithm_oid);
    if (!algorithm) return make_error(ErrorCode::invalid_request, "Invalid parameter hashAlgo");
    if (digest->size() != hsm::digest_size(*algorithm))
      return make_error(ErrorCode::invalid_request, "Invalid digest value length");
    auto nonce_text = optional_field<std::string>(body, "nonce");
    if (!nonce_text) return std::move(nonce_text).error();
    Bytes nonce;
    if (*nonce_text) {
      auto decoded = from_hex((*nonce_text)->size() % 2 ? "0" + **nonce_text : **nonce_text);
      // RFC 3161 2.4.1: an INTEGER, large enough to be unique; at most 32 bytes here, and not zero.
      if (!decoded || decoded->empty() || decoded->size() > 32 ||
          std::all_of(decoded->begin(), decoded->end(), [](std::uint8_t b) { return b == 0; }))
        return make_error(ErrorCode::invalid_request, "Invalid parameter nonce");
      nonce = std::move(*decoded);
    }
    auto token = s_.time_stamper.timestamp(*algorithm, *digest, nonce);
    if (!token) return std::move(token).error();
    return json_response(200, {{"timestamp", to_base64(*token)}});
  }

  // auth/login (CSC v1 11.2): NIF and password by HTTP Basic, the normal level of Cl@ve (no OTP), for the
  // application whose API key comes in the X-Api-Key header or as clientData; or a refresh_token to renew.
  Answer login(const Request& r) const {
    auto body = body_of(r);
    if (!body) return std::move(body).error();
    auto client_data = optional_field<std::string>(*body, "clientData");
    if (!client_data) return std::move(client_data).error();
    const auto api_key = r.header("x-api-key");
    if (!api_key && !*client_data)
      return make_error(ErrorCode::unauthorized, "the application's API key is required (X-Api-Key or clientData)");
    auto app = s_.applications.authenticate(api_key ? *api_key : **client_data);
    if (!app) return std::move(app).error();
    const std::chrono::seconds lifetime(s_.settings.access_token_lifetime_seconds);
    auto refresh = optional_field<std::string>(*body, "refresh_token");
    if (!refresh) return std::move(refresh).error();
    Result<signer::IssuedAccessToken> issued = make_error(ErrorCode::internal, "not issued");
    if (*refresh) {
      issued = s_.access_tokens.refresh(Secret(**refresh), app->id, lifetime);
    } else {
      auto remember = optional_field<bool>(*body, "rememberMe");
      if (!remember) return std::move(remember).error();
      auto user = basic_credentials(r);
      if (!user) return std::move(user).error();
      auto nif = policies::Nif::parse(user->first);
      if (!nif) return make_error(ErrorCode::invalid_credentials, "Invalid userID or password");
      if (auto refused = throttled(r, nif->str())) return std::move(*refused);
      auto citizen = s_.citizens.authenticate_password(*nif, user->second, "csc.auth_login");
      if (!citizen) return std::move(citizen).error();
      if (citizen->password_expired)
        return make_error(ErrorCode::invalid_credentials, "the password has expired; change it first");
      issued = s_.access_tokens.issue(citizen->citizen.id, app->id, lifetime, remember->value_or(false),
                                      "application:" + app->id.str());
    }
    if (!issued) return std::move(issued).error();
    json out = {{"access_token", std::string(issued->value.reveal())},
                {"expires_in", s_.settings.access_token_lifetime_seconds}};
    if (issued->refresh_token) out["refresh_token"] = std::string(issued->refresh_token->reveal());
    return json_response(200, out);
  }

  // auth/revoke (CSC v1 11.3): ends an access or refresh token the calling application holds; 204 either way
  // (RFC 7009 2.2).
  Answer revoke(const Request& r) const {
    auto call = call_of(r);
    if (!call) return std::move(call).error();
    auto& [body, bearer] = *call;
    auto token = required_field<std::string>(body, "token");
    if (!token) return std::move(token).error();
    if (Status s = s_.access_tokens.revoke(Secret(*token), bearer.app.id); !s) return std::move(s).error();
    return Response{204, "", "", {}};
  }

 private:
  // A call's body and bearer: the first two steps of every method but info and auth/login.
  struct Call {
    json body;
    Bearer bearer;
  };
  Result<Call> call_of(const Request& r) const {
    auto body = body_of(r);
    if (!body) return std::move(body).error();
    auto bearer = bearer_of(r);
    if (!bearer) return std::move(bearer).error();
    return Call{std::move(*body), std::move(*bearer)};
  }

  // The first steps of a call that uses a SAD: body, bearer, the credential it names and the SAD (parameter or
  // bearer).
  struct SigningCall {
    json body;
    Bearer bearer;
    signer::SigningCredential credential;
    Secret sad;
  };
  Result<SigningCall> signing_call_of(const Request& r) const {
    auto call = call_of(r);
    if (!call) return std::move(call).error();
    auto credential = credential_for(call->bearer, call->body, true);
    if (!credential) return std::move(credential).error();
    auto sad = sad_of(call->bearer, call->body);
    if (!sad) return std::move(sad).error();
    return SigningCall{std::move(call->body), std::move(call->bearer), std::move(*credential), std::move(*sad)};
  }

  // A SAD as authorize and extendTransaction answer it.
  Response sad_answer(const signer::Sad& sad) const {
    return json_response(200,
                         {{"SAD", std::string(sad.value.reveal())}, {"expiresIn", s_.settings.sad_lifetime_seconds}});
  }

  // NIF and password of an Authorization: Basic header (RFC 7617); unauthorized when malformed.
  static Result<std::pair<std::string, Secret>> basic_credentials(const Request& r) {
    auto header = r.header("authorization");
    if (!header || header->size() < 6 || (header->substr(0, 6) != "Basic " && header->substr(0, 6) != "basic "))
      return make_error(ErrorCode::unauthorized, "HTTP Basic credentials are required");
    auto decoded = from_base64(std::string_view(*header).substr(6));
    if (!decoded) return make_error(ErrorCode::unauthorized, "malformed HTTP Basic credentials");
    std::string pair = to_string(*decoded);
    const auto colon = pair.find(':');
    if (colon == std::string::npos) return make_error(ErrorCode::unauthorized, "malformed HTTP Basic credentials");
    std::pair<std::string, Secret> out{pair.substr(0, colon), Secret(std::string_view(pair).substr(colon + 1))};
    std::fill(pair.begin(), pair.end(), '\0');
    return out;
  }

  Result<Bearer> bearer_of(const Request& r) const {
    auto header = r.header("authorization");
    std::string_view value = header ? std::string_view(*header) : std::string_view();
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    const auto space = value.find(' ');
    std::string scheme(value.substr(0, space));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    if (space == std::string_view::npos || scheme != "bearer")
      return make_error(ErrorCode::unauthorized, "a bearer token is required");
    std::string_view token = value.substr(space + 1);
    while (!token.empty() && (token.front() == ' ' || token.back() == ' '))
      token = token.front() == ' ' ? token.substr(1) : token.substr(0, token.size() - 1);
    if (token.empty()) return make_error(ErrorCode::unauthorized, "a bearer token is required");
    if (auto app = s_.applications.authenticate(token))
      return Bearer{Bearer::Kind::application, std::move(*app), {}, {}, {}};
    else if (app.error().code != ErrorCode::unauthorized)
      return std::move(app).error();
    Secret secret(token);
    if (auto citizen = s_.access_tokens.resolve(secret)) {
      auto app = s_.applications.find(citizen->application);
      if (!app) return make_error(ErrorCode::unauthorized, "the access token is not valid");
      return Bearer{Bearer::Kind::citizen, std::move(*app), citizen->citizen, {}, {}};
    } else if (citizen.error().code != ErrorCode::unauthorized) {
      return std::move(citizen).error();
    }
    auto holder = s_.credentials.sad_holder(secret);
    if (!holder) {
      if (holder.error().code == ErrorCode::unauthorized)
        return make_error(ErrorCode::unauthorized, "the access token is not valid");
      return std::move(holder).error();
    }
    auto app = s_.applications.find(holder->binding.application);
    if (!app) return make_error(ErrorCode::unauthorized, "the access token is not valid");
    return Bearer{Bearer::Kind::sad, std::move(*app), holder->binding.citizen, std::move(secret), holder->binding};
  }

  // The credential a request names, if this bearer may use it: an application any (it names the citizen itself),
  // a citizen its own, a SAD only its own credential, and only where `sad_allowed`.
  Result<signer::SigningCredential> credential_for(const Bearer& bearer, const json& body, bool sad_allowed) const {
    if (bearer.kind == Bearer::Kind::sad && !sad_allowed)
      return make_error(ErrorCode::unauthorized, "this access token does not allow this method");
    auto id = required_field<std::string>(body, "credentialID");
    if (!id) return make_error(ErrorCode::invalid_request, "Missing (or invalid type) string parameter credentialID");
    std::string serial = *id;
    std::transform(serial.begin(), serial.end(), serial.begin(), [](unsigned char c) { return std::toupper(c); });
    if (serial.empty() || serial.size() > 64 || !from_hex(serial.size() % 2 ? "0" + serial : serial))
      return make_error(ErrorCode::invalid_request, "Invalid parameter credentialID");
    auto credential = s_.credentials.find(CertSerial(serial));
    if (!credential) return std::move(credential).error();
    const bool own = (bearer.kind == Bearer::Kind::application) ||
                     (bearer.kind == Bearer::Kind::citizen && bearer.citizen == credential->citizen) ||
                     (bearer.kind == Bearer::Kind::sad && bearer.sad_binding->key == credential->key);
    if (!own) return make_error(ErrorCode::not_found, "Invalid parameter credentialID");
    return credential;
  }

  // The SAD of a signing call: the SAD parameter, or a SAD bearer (CSC v2 11.9: "MAY also be sent as SAD").
  Result<Secret> sad_of(const Bearer& bearer, const json& body) const {
    auto given = optional_field<std::string>(body, "SAD");
    if (!given) return std::move(given).error();
    if (*given) return Secret(**given);
    if (bearer.sad) return *bearer.sad;
    return make_error(ErrorCode::invalid_request, "Missing (or invalid type) string parameter SAD");
  }

  // The entries an authorisation binds: every hash (SCAL 2 requires them), of the digest its length names or
  // hashAlgorithmOID says; for an RSA key the padding is left to signHash's signAlgo.
  Result<std::vector<signer::SadEntry>> authorised_entries(const json& body,
                                                           const signer::SigningCredential& credential) const {
    auto hashes = hashes_of(body);
    if (!hashes) return std::move(hashes).error();
    if (!*hashes || (*hashes)->empty())
      return make_error(ErrorCode::invalid_request, "Missing parameter hashes: the credential is SCAL 2");
    auto oid_text = hash_algorithm_of(body);
    if (!oid_text) return std::move(oid_text).error();
    std::optional<hsm::DigestAlgorithm> named;
    if (*oid_text) {
      named = digest_of_oid(**oid_text);
      if (!named) return make_error(ErrorCode::invalid_request, "Invalid parameter hashAlgorithmOID");
    }
    std::vector<signer::SadEntry> entries;
    for (Bytes& h : **hashes) {
      const auto digest = digest_of_length(h.size());
      if (!digest || (named && *named != *digest))
        return make_error(ErrorCode::invalid_request, "Invalid digest value length");
      signer::SadEntry e{*digest, std::move(h), hsm::RsaPadding::pkcs1v15};
      e.any_padding = hsm::is_rsa(credential.algorithm);
      entries.push_back(std::move(e));
    }
    return entries;
  }

  // operationMode (CSC v2 11.9): only "S"; Firma has no signPolling.
  static Status synchronous(const json& body) {
    auto mode = optional_field<std::string>(body, "operationMode");
    if (!mode) return std::move(mode).error();
    if (*mode && **mode != "S")
      return make_error(ErrorCode::invalid_request, "Only the synchronous operationMode S is supported");
    return {};
  }

  // How a signing call signs: signAlgo, with hashAlgorithmOID and signAlgoParams when given, for the credential's
  // key; and only with a certificate that is valid.
  static Result<SignatureChoice> signature_of(const json& body, const signer::SigningCredential& credential) {
    auto sign_algo = required_field<std::string>(body, "signAlgo");
    if (!sign_algo) return std::move(sign_algo).error();
    auto hash_oid = hash_algorithm_of(body);
    if (!hash_oid) return std::move(hash_oid).error();
    auto params_text = optional_field<std::string>(body, "signAlgoParams");
    if (!params_text) return std::move(params_text).error();
    std::optional<Bytes> params;
    if (*params_text) {
      params = decode_hash(**params_text);
      if (!params) return make_error(ErrorCode::invalid_request, "signAlgoParams is not Base64");
    }
    const std::optional<std::string_view> params_der =
        params ? std::optional<std::string_view>(
                     std::string_view(reinterpret_cast<const char*>(params->data()), params->size()))
               : std::nullopt;
    auto choice = choose_signature(credential.algorithm, *sign_algo, *hash_oid, params_der);
    if (!choice) return std::move(choice).error();
    if (credential.status != CertificateStatus::valid)
      return make_error(ErrorCode::invalid_request,
                        "Signing certificate is " + std::string(to_string(credential.status)));
    return choice;
  }

  // What one signDoc item asks to be built (CSC v2 11.11 signature_format, signed_envelope_property,
  // conformance_level): the formats and envelopes Firma makes, each refused by name otherwise.
  struct SignedShape {
    signer::Format format = signer::Format::cades;
    bool attached = false;
    signer::Level level = signer::Level::b;
  };
  static Result<SignedShape> signed_shape(const json& item, bool by_digest) {
    auto format = required_field<std::string>(item, "signature_format");
    if (!format) return std::move(format).error();
    auto envelope = optional_field<std::string>(item, "signed_envelope_property");
    if (!envelope) return std::move(envelope).error();
    auto level = optional_field<std::string>(item, "conformance_level");
    if (!level) return std::move(level).error();
    const auto conformance = conformance_level(level->value_or("Ades-B-B"));
    if (!conformance) return make_error(ErrorCode::invalid_request, "Invalid parameter conformance_level " + **level);
    if (auto props = item.find("signed_props");
        props != item.end() && !props->is_null() && !(props->is_array() && props->empty()))
      return make_error(ErrorCode::invalid_request, "signed_props are not supported");
    const std::string e = envelope->value_or("");
    const auto refuse_envelope = [&] {
      return make_error(ErrorCode::invalid_request,
                        "signed_envelope_property " + e + " is not supported for signature_format " + *format);
    };
    if (*format == "C") {
      // Attached is CSC's default for CAdES; a digest can only be signed detached.
      if (e.empty()) return SignedShape{signer::Format::cades, !by_digest, *conformance};
      if (e == "Attached" && !by_digest) return SignedShape{signer::Format::cades, true, *conformance};
      if (e == "Detached") return SignedShape{signer::Format::cades, false, *conformance};
      return refuse_envelope();
    }
    if (*format == "P") {
      // From a digest Firma returns the CMS for the client's /Contents, whatever signature it makes of it; from
      // the PDF, an approval signature in an incremental update (Revision), never a certification.
      if (by_digest && (e.empty() || e == "Revision" || e == "Certification"))
        return SignedShape{signer::Format::pades, false, *conformance};
      if (!by_digest && (e.empty() || e == "Revision")) return SignedShape{signer::Format::pades, false, *conformance};
      return refuse_envelope();
    }
    if (*format == "X") {
      if (by_digest)
        return make_error(ErrorCode::invalid_request, "XAdES is signed from the document: send it in documents");
      if (e.empty() || e == "Enveloped") return SignedShape{signer::Format::xades, false, *conformance};
      return refuse_envelope();
    }
    return make_error(ErrorCode::invalid_request, "signature_format " + *format + " is not supported (C, P, X)");
  }

  // CSC v2 11.11 conformance_level: AdES-B-B (B), -B-T, -B-LT, -B-LTA, and the older Ades-B, -T, -LT, -LTA.
  static std::optional<signer::Level> conformance_level(std::string_view text) {
    for (const auto& [name, level] : {std::pair{"Ades-B-B", signer::Level::b},
                                      {"Ades-B", signer::Level::b},
                                      {"Ades-B-T", signer::Level::t},
                                      {"Ades-T", signer::Level::t},
                                      {"Ades-B-LT", signer::Level::lt},
                                      {"Ades-LT", signer::Level::lt},
                                      {"Ades-B-LTA", signer::Level::lta},
                                      {"Ades-LTA", signer::Level::lta}})
      if (text == name) return level;
    return std::nullopt;
  }

  // The password (PIN) and the SMS code (OTP): v2 authData [{id, value}], or v1's top-level PIN and OTP.
  static Result<std::pair<Secret, Secret>> factors_of(const json& body) {
    std::optional<std::string> pin, otp;
    if (auto it = body.find("authData"); it != body.end() && !it->is_null()) {
      if (!it->is_array()) return make_error(ErrorCode::invalid_request, "Invalid parameter authData");
      for (const auto& item : *it) {
        if (!item.is_object()) return make_error(ErrorCode::invalid_request, "Invalid parameter authData");
        auto id = required_field<std::string>(item, "id");
        auto value = required_field<std::string>(item, "value");
        if (!id || !value) return make_error(ErrorCode::invalid_request, "Invalid parameter authData");
        if (*id == "PIN")
          pin = std::move(*value);
        else if (*id == "OTP")
          otp = std::move(*value);
        else
          return make_error(ErrorCode::invalid_request, "Invalid parameter authData: unknown id");
      }
    }
    for (auto [name, slot] : {std::pair{"PIN", &pin}, std::pair{"OTP", &otp}}) {
      if (*slot) continue;
      auto given = optional_field<std::string>(body, name);
      if (!given) return std::move(given).error();
      *slot = std::move(*given);
    }
    if (!pin) return make_error(ErrorCode::invalid_request, "Missing parameter PIN");
    if (!otp) return make_error(ErrorCode::invalid_request, "Missing parameter OTP");
    return std::pair{Secret(std::move(*pin)), Secret(std::move(*otp))};
  }

  // The per-address (and, given a NIF, per-NIF) buckets of the citizens' steps; their refusal in CSC's words.
  std::optional<Error> throttled(const Request& r, const std::optional<std::string>& nif) const {
    if (!s_.throttle) return std::nullopt;
    auto refusal = s_.throttle->by_address(r);
    if (!refusal && nif) refusal = s_.throttle->by_nif(*nif);
    if (!refusal) return std::nullopt;
    return make_error(refusal->status == 429 ? ErrorCode::rate_limited : ErrorCode::unavailable,
                      "Too many requests for this credential; try again later");
  }

  json describe(const signer::SigningCredential& c, const json& body, Version v) const {
    const bool valid = c.status == CertificateStatus::valid;
    json key = {{"status", valid ? "enabled" : "disabled"},
                {"algo", key_algorithms(c.algorithm)},
                {"len", key_length(c.algorithm)}};
    if (const auto curve = key_curve(c.algorithm); !curve.empty()) key["curve"] = curve;
    std::string wanted = "single";
    if (auto it = body.find("certificates"); it != body.end() && it->is_string()) wanted = it->get<std::string>();
    json certificates = json::array();
    if (wanted != "none") certificates.push_back(to_base64(c.certificate));
    if (wanted == "chain")
      for (const auto& ca : c.chain) certificates.push_back(to_base64(ca));
    json cert = {{"status", std::string(to_string(c.status))},
                 {"certificates", certificates},
                 {"issuerDN", distinguished_name(c.certificate, true)},
                 {"subjectDN", distinguished_name(c.certificate, false)},
                 {"serialNumber", c.serial.str()},
                 {"validFrom", generalized_time(c.not_before)},
                 {"validTo", generalized_time(c.not_after)}};
    json out = {{"description", "Certificado de firma Cl@ve " + c.nif},
                {"key", key},
                {"cert", cert},
                {"SCAL", "2"},
                {"multisign", s_.settings.multisign},
                {"lang", s_.settings.lang}};
    if (v == Version::v1) {
      out["authMode"] = "explicit";
      out["PIN"] = {{"presence", "true"},
                    {"format", "A"},
                    {"label", "PIN"},
                    {"description", "La contrase\u00F1a de Cl@ve Permanente"}};
      out["OTP"] = {{"presence", "true"},
                    {"type", "online"},
                    {"ID", "sms"},
                    {"provider", "Firma"},
                    {"format", "N"},
                    {"label", "OTP"},
                    {"description", "El c\u00F3digo enviado por SMS (credentials/sendOTP)"}};
    } else {
      out["auth"] = {{"mode", "explicit"},
                     {"expression", "PIN AND OTP"},
                     {"objects", json::array({{{"type", "Password"},
                                               {"id", "PIN"},
                                               {"format", "A"},
                                               {"label", "PIN"},
                                               {"description", "La contrase\u00F1a de Cl@ve Permanente"}},
                                              {{"type", "ChallengeResponse"},
                                               {"id", "OTP"},
                                               {"format", "N"},
                                               {"label", "OTP"},
                                               {"description",
                                                "El c\u00F3digo enviado por SMS "
                                                "(credentials/getChallenge)"}}})}};
    }
    return out;
  }

  CscServices s_;
};

// An Answer as the response: a CSC error body for a refusal.
Response render(Answer answer, Version v, Step step = Step::other) {
  if (!answer) return from_error(answer.error(), v, step);
  return std::move(*answer);
}

}  // namespace

ErrorDialect csc_error_dialect() {
  return {"/csc/", [](int status, const Error& e) {
            if (status == 401) return error_response(401, "invalid_token", e.message);
            if (status == 503) return error_response(503, "temporarily_unavailable", e.message);
            if (status >= 500) return error_response(status, "server_error", "internal error");
            return error_response(status, "invalid_request", e.message);
          }};
}

std::vector<Route> csc_routes(CscServices services) {
  auto front = std::make_shared<const Front>(std::move(services));
  std::vector<Route> routes;
  for (Version v : {Version::v1, Version::v2}) {
    const std::string base(prefix(v));
    const std::string tag = v == Version::v1 ? "csc_v1_" : "csc_v2_";
    auto add = [&](std::string method, std::string path, std::function<Response(const Request&)> handler) {
      std::string name = tag + path;
      std::replace(name.begin(), name.end(), '/', '_');
      routes.push_back(Route{std::move(method), base + path, Access::anyone, {}, std::move(handler), name, {}});
    };
    add("GET", "info", [front, v](const Request& r) { return front->info(r, v); });
    add("POST", "info", [front, v](const Request& r) { return front->info(r, v); });
    add("POST", "auth/login", [front, v](const Request& r) { return render(front->login(r), v, Step::login); });
    add("POST", "auth/revoke", [front, v](const Request& r) { return render(front->revoke(r), v); });
    add("POST", "credentials/list", [front, v](const Request& r) { return render(front->list(r, v), v); });
    add("POST", "credentials/info", [front, v](const Request& r) { return render(front->credential_info(r, v), v); });
    add("POST", v == Version::v1 ? "credentials/sendOTP" : "credentials/getChallenge",
        [front, v](const Request& r) { return render(front->send_code(r, v), v); });
    // A client written for v1 and pointed at /csc/v2 (pyHanko changes only the URL) still asks with sendOTP.
    if (v == Version::v2)
      add("POST", "credentials/sendOTP",
          [front, v](const Request& r) { return render(front->send_code(r, Version::v1), v); });
    add("POST", "credentials/authorize",
        [front, v](const Request& r) { return render(front->authorize(r), v, Step::authorize); });
    add("POST", "credentials/extendTransaction",
        [front, v](const Request& r) { return render(front->extend_transaction(r), v); });
    add("POST", "signatures/signHash", [front, v](const Request& r) { return render(front->sign_hash(r, v), v); });
    if (v == Version::v2)
      add("POST", "signatures/signDoc", [front, v](const Request& r) { return render(front->sign_doc(r), v); });
    add("POST", "signatures/timestamp", [front, v](const Request& r) { return render(front->timestamp(r), v); });
  }
  return routes;
}

}  // namespace firma::api::csc
