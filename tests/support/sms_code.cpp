// Reading the one-time code out of an SMS text.
#include "support/sms_code.h"

#include <cctype>

namespace firma::testing {

std::string code_in(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j - i >= 6 && j - i <= 8) return std::string(text.substr(i, j - i));
    i = j;
  }
  return {};
}

}  // namespace firma::testing
