// The identity services over a real database with the SMS outbox, and a citizen made active through them.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "core/secret.h"
#include "identity/citizens.h"
#include "identity/otp_service.h"
#include "identity/password_hasher.h"
#include "identity/sms_gateway.h"
#include "store/database.h"

namespace firma::testing {

// Argon2id with small parameters (tests stay fast), OTPs through the outbox gateway, an injected clock.
class CitizenWorld {
 public:
  CitizenWorld(store::Database& db, const Clock& clock, Random& random);

  // Registers (advanced by default) and activates a citizen through the service, reading the OTP from the outbox.
  identity::Citizen make_active_citizen(const std::string& nif, const std::string& mobile, const Secret& password,
                                        const std::string& level = "advanced");

  // The code in the SMS sent to `mobile` since the last call (the first run of 6 to 8 digits); empty when none.
  std::string last_otp(const std::string& mobile);

  identity::CitizenService& citizens() { return *citizens_; }
  identity::OtpService& otp() { return *otp_; }
  identity::OutboxSmsGateway& outbox() { return *outbox_; }

 private:
  std::unique_ptr<identity::OutboxSmsGateway> outbox_;
  std::unique_ptr<identity::OtpService> otp_;
  std::unique_ptr<identity::PasswordHasher> hasher_;
  std::unique_ptr<identity::CitizenService> citizens_;
  std::set<std::string> seen_;
};

}  // namespace firma::testing
