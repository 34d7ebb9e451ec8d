// Operators running the PKI: issuing citizens' certificates, listing and revoking them, the HSM key inventory.
#pragma once

#include <vector>

#include "api/http/routes.h"
#include "certs/credentials.h"
#include "certs/key_custody.h"

namespace firma::api {

// Roles: admin or pki_officer.
// POST /v1/admin/citizens/{nif}/certificate {algorithm?} -> 201 {serial, certificate (PEM), key_id, algorithm,
//      not_before, not_after}; the citizen is found with `citizens` (not_found, account_not_active,
//      registration_level).
// GET  /v1/admin/certificates?nif=&limit= -> 200 {certificates: [{serial, nif, subject, not_before, not_after,
//      status, algorithm, key_id, revoked_at?, revocation_reason?}]}
// POST /v1/admin/certificates/{serial}/revoke {reason} -> 200 {serial, status: "revoked", revoked_at, reason}
// GET  /v1/admin/keys -> 200 {keys: [{key_id, owner, purpose, algorithm, created_at, extractable, sensitive,
//      has_certificate}]}
std::vector<Route> admin_pki_routes(certs::CredentialService& credentials, certs::CitizenLookup citizens);

// Wrapped key custody's key-encryption keys (hsm.key_custody = wrapped). Roles: admin or pki_officer.
// GET  /v1/admin/keks -> 200 {key_custody: "token"|"wrapped", keks: [{kek_id, state, created_at, keys}]}
// POST /v1/admin/keks/rotate -> 201 {kek_id, retiring}: a new current KEK; the upkeep rewraps the keys of the one
//      before and destroys it once none is left. 400 invalid_request in token custody.
std::vector<Route> admin_custody_routes(certs::KeyCustody& custody);

}  // namespace firma::api
