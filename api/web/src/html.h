// Safe HTML fragments: text is escaped on the way in, so a page cannot carry unescaped citizen or application data.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace firma::api::web {

// Markup that is safe to send. Built only by escaping text or from the code's own markup (its literals and the
// templates of api/web/resources); a template is filled only with other Html values, so every byte of outside data
// has passed through escape().
class Html {
 public:
  Html() = default;
  // HTML 5 13.1.2 character references for & < > " ' (enough in text and in quoted attribute values).
  static Html escape(std::string_view text);
  // The code's own markup (string literals and templates of this module); never data from a request, a service or
  // the catalogue.
  static Html trusted(std::string_view markup) { return Html(std::string(markup)); }

  Html& operator+=(const Html& more) {
    markup_ += more.markup_;
    return *this;
  }
  friend Html operator+(Html a, const Html& b) { return a += b; }
  const std::string& str() const noexcept { return markup_; }
  bool empty() const noexcept { return markup_.empty(); }

 private:
  explicit Html(std::string markup) : markup_(std::move(markup)) {}
  std::string markup_;
};

// Shorthand for Html::escape.
inline Html text(std::string_view plain) {
  return Html::escape(plain);
}

// Fills a template (a literal or a page_template()): each "{name}" is replaced by the Html of that name. A name that
// is not given is left as it is (tests look for stray braces); "{{" is a literal "{".
Html fill(std::string_view tmpl, std::initializer_list<std::pair<std::string_view, Html>> values);

}  // namespace firma::api::web
