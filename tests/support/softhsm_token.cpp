// SoftHsmToken: configuration, module, token initialisation with random PINs, and an open Token.
#include "support/softhsm_token.h"

#include <stdexcept>

#include "core/random.h"

namespace firma::testing {
namespace {

template <class T>
T take(Result<T> result, const char* step) {
  if (!result) throw std::runtime_error(std::string("SoftHsmToken: ") + step + ": " + result.error().message);
  return std::move(result).value();
}

}  // namespace

SoftHsmToken::SoftHsmToken(std::size_t sessions, std::string label, std::string module_path)
    : label_(std::move(label)), module_path_(std::move(module_path)) {
  SystemRandom random;
  so_pin_ = Secret(random.hex_token(8));
  user_pin_ = Secret(random.hex_token(8));
  config_path_ = take(hsm::prepare_softhsm(dir_.str()), "prepare_softhsm");
  module_ = take(hsm::Module::load(module_path_), "load module");
  if (Status st = hsm::initialize_token(*module_, label_, so_pin_, user_pin_); !st) {
    throw std::runtime_error("SoftHsmToken: initialize_token: " + st.error().message);
  }
  token_ = take(hsm::Token::open(module_, label_, user_pin_, sessions), "open token");
}

SoftHsmToken::~SoftHsmToken() = default;

hsm::Token& SoftHsmToken::reopen(std::size_t sessions) {
  token_.reset();
  token_ = take(hsm::Token::open(module_, label_, user_pin_, sessions), "reopen token");
  return *token_;
}

}  // namespace firma::testing
