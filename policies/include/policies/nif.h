// Nif: a valid Spanish DNI or NIE (the citizen's user code in Cl@ve), checked by its control letter.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace firma::policies {

enum class NifKind { dni, nie };

// The control letter of a DNI number (or of a NIE number once its X/Y/Z became 0/1/2):
// "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23], the Ministry of the Interior's rule (design/REFERENCES.md, "DNI / NIE").
char nif_control_letter(std::uint32_t number) noexcept;

// A DNI (8 digits + control letter) or NIE (X, Y or Z + 7 digits + control letter), stored upper case.
// Only parse() makes one, so holding a Nif means the control letter has been checked.
class Nif {
 public:
  // Accepts lower case and surrounding white space ("  12345678z "); nothing else is forgiven (no inner
  // spaces or hyphens). Errors are invalid_request and say whether the format or the control letter is wrong.
  static Result<Nif> parse(std::string_view input);

  const std::string& str() const noexcept { return value_; }
  // The NIF without its control letter ("12345678", "X1234567"): the password rule looks for it too.
  std::string digits() const { return value_.substr(0, value_.size() - 1); }
  char control_letter() const noexcept { return value_.back(); }
  NifKind kind() const noexcept;

  friend bool operator==(const Nif&, const Nif&) = default;
  friend std::strong_ordering operator<=>(const Nif&, const Nif&) = default;

 private:
  explicit Nif(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

// The NIF as rate limits count it: the canonical NIF when `typed` is one ("  12345678z\t" -> "12345678Z"),
// otherwise the text trimmed and upper-cased, so that every spelling of the same thing shares one bucket.
std::string nif_key(std::string_view typed);

}  // namespace firma::policies

template <>
struct std::hash<firma::policies::Nif> {
  std::size_t operator()(const firma::policies::Nif& nif) const noexcept { return std::hash<std::string>{}(nif.str()); }
};
