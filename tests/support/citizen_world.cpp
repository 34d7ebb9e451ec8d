// Identity services for tests: real database and services, the outbox as the SMS gateway.
#include "support/citizen_world.h"

#include <stdexcept>

#include "support/sms_code.h"

namespace firma::testing {

CitizenWorld::CitizenWorld(store::Database& db, const Clock& clock, Random& random) {
  outbox_ = std::make_unique<identity::OutboxSmsGateway>(db, clock);
  otp_ = std::make_unique<identity::OtpService>(db, *outbox_, clock, random);
  auto parameters = identity::Argon2Parameters::make(1024, 1, 1);
  if (!parameters) throw std::runtime_error(parameters.error().message);
  hasher_ = std::make_unique<identity::PasswordHasher>(*parameters, random);
  citizens_ = std::make_unique<identity::CitizenService>(db, *otp_, *hasher_, clock, random);
}

std::string CitizenWorld::last_otp(const std::string& mobile) {
  auto messages = outbox_->messages(mobile);
  if (!messages) return {};
  // Each step sends one SMS: the new one is the message not seen before.
  std::string code;
  for (const auto& m : *messages) {
    if (seen_.insert(m.text).second && code.empty()) code = code_in(m.text);
  }
  return code;
}

identity::Citizen CitizenWorld::make_active_citizen(const std::string& nif, const std::string& mobile,
                                                    const Secret& password, const std::string& level) {
  const std::string email = "ciudadano." + nif + "@example.es";
  auto registered =
      citizens_->register_citizen({nif, "Juan", "Español", "Pérez", email, mobile, level}, "operator:test");
  if (!registered) throw std::runtime_error("register: " + registered.error().message);
  auto started = citizens_->start_activation(registered->citizen.nif, email, registered->activation_code);
  if (!started) throw std::runtime_error("activation: " + started.error().message);
  auto done = citizens_->complete_activation(started->challenge_id, Secret(last_otp(mobile)), password);
  if (!done) throw std::runtime_error("activation: " + done.error().message);
  auto citizen = citizens_->find_by_nif(registered->citizen.nif);
  if (!citizen) throw std::runtime_error("find: " + citizen.error().message);
  return *citizen;
}

}  // namespace firma::testing
