// Anticipated failures as values: Result<T> holds either a T or an Error{code, message}.
#pragma once

#include <cassert>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace firma {

// The one error vocabulary of the project. api/ maps each code to an HTTP status in one place;
// the snake_case spelling (to_string) is the stable `code` of a problem+json body.
enum class ErrorCode {
  invalid_request,
  unauthorized,
  forbidden,
  not_found,
  conflict,
  password_policy,
  invalid_credentials,
  account_locked,
  password_expired,
  registration_level,
  account_not_active,
  otp_invalid,
  otp_expired,
  otp_exhausted,
  transaction_expired,
  payload_too_large,
  rate_limited,
  unavailable,
  internal,
};

std::string_view to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code;
  std::string message;
  // invalid_credentials (a wrong password) and otp_invalid (a wrong code): how many tries are left before the
  // account is locked or the code is used up, when the service knows.
  std::optional<int> attempts_left{};
  // rate_limited: when trying again makes sense, for Retry-After (RFC 9110 10.2.3), when the service knows.
  std::optional<std::chrono::seconds> retry_after{};
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const& {
    assert(failed_);
    return error_;
  }
  Error&& error() && {
    assert(failed_);
    return std::move(error_);
  }

 private:
  Error error_{ErrorCode::internal, {}};
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace firma
