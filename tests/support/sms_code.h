// Reading the one-time code out of an SMS text, as a citizen would: one helper for every suite.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace firma::testing {

// The first run of digits in `text` whose length is an OTP's (6 to 8 digits, the range otp.digits allows);
// "" when there is none. Longer or shorter runs (a year, an amount) are skipped.
std::string code_in(std::string_view text);

}  // namespace firma::testing
