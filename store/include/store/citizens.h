// Citizen accounts (Cl@ve Permanente): registration data, status, password hash and the atomic failure count.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/ids.h"
#include "core/result.h"
#include "core/statuses.h"
#include "store/database.h"

namespace firma::store {

// A row of `citizens` (migration 0002). Texts are already validated and normalised by identity/.
struct CitizenRow {
  CitizenId id;
  std::string nif;
  std::string given_name;
  std::string surname1;
  std::string surname2;  // "" when there is none
  std::string email;
  std::string mobile;  // E.164
  RegistrationLevel registration_level = RegistrationLevel::basic;
  CitizenStatus status = CitizenStatus::pending_activation;
  std::string activation_code_hash;
  std::optional<std::string> password_hash;
  std::optional<Instant> password_expires_at;
  int failed_attempts = 0;
  Instant created_at{};
  Instant updated_at{};
};

// What a counted password failure left behind.
struct FailureCount {
  int failed_attempts = 0;
  CitizenStatus status = CitizenStatus::active;  // locked when this failure reached the limit
};

class CitizenRows {
 public:
  // conflict when the id is taken or the NIF has a live (not deregistered) account.
  static Status insert(Tx& tx, const CitizenRow& row);
  // The live account of a NIF or, when there is none, its most recent deregistered one.
  // Both finds answer internal for a row holding a status or level this build does not know.
  static Result<std::optional<CitizenRow>> find_by_nif(Tx& tx, std::string_view nif);
  static Result<std::optional<CitizenRow>> find_by_id(Tx& tx, const CitizenId& id);

  // Counts one failed password check, atomically in one statement, only while the account is active:
  // failed_attempts + 1, and status 'locked' once that reaches `lock_at`. Concurrent callers on any number of nodes
  // are serialised by the row lock, and an account that is locked is never counted again, so the count never
  // passes `lock_at`. nullopt when the account was not active (locked or deregistered meanwhile).
  static Result<std::optional<FailureCount>> count_failure(Tx& tx, const CitizenId& id, int lock_at, Instant now);
  // A successful password check: failed_attempts back to 0, only while active (false when it is not any more,
  // e.g. parallel failures locked it first). A new hash (rehash after a parameter change) replaces the stored one.
  static Result<bool> record_success(Tx& tx, const CitizenId& id, const std::optional<std::string>& new_hash,
                                     Instant now);

  // Sets the password and makes the account active with no failures, from one of the `from` states
  // (activation: pending_activation; reset: active or locked; change: active). False when the account is in none.
  static Result<bool> set_password(Tx& tx, const CitizenId& id, std::string_view password_hash, Instant expires_at,
                                   std::initializer_list<CitizenStatus> from, Instant now);
  // A new activation code hash (the old one stops working); false for a deregistered or unknown account.
  static Result<bool> set_activation_code(Tx& tx, const CitizenId& id, std::string_view code_hash, Instant now);
  // Status deregistered; the password and activation code hashes are wiped. False when already deregistered.
  static Result<bool> deregister(Tx& tx, const CitizenId& id, Instant now);
};

}  // namespace firma::store
