// The message catalogues of the web pages: every string a citizen reads, one table per language.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace firma::api::web {

enum class Lang { es, en };

inline constexpr Lang kDefaultLang = Lang::es;
inline constexpr Lang kAllLangs[] = {Lang::es, Lang::en};

// BCP 47 tag ("es", "en") for <html lang> and Content-Language.
std::string_view lang_tag(Lang lang) noexcept;
// "es", "en" (case-insensitive); nullopt otherwise.
std::optional<Lang> parse_lang(std::string_view tag) noexcept;

// The text of `key` in `lang`, plain text (the page escapes it). "{name}" marks a value filled in by the page.
// A key missing from the catalogue comes back as "[[missing message]]", which the tests look for in every page.
std::string_view message(Lang lang, std::string_view key) noexcept;
// Every key of one language's catalogue, in its order (for the completeness test).
std::vector<std::string_view> catalogue_keys(Lang lang);

}  // namespace firma::api::web
