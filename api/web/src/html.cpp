// HTML escaping and the one-line template filler of the web pages.
#include "html.h"

namespace firma::api::web {

Html Html::escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;  // HTML 5 13.2.5: a NUL in text is a parse error; U+FFFD instead
      default: out += c;
    }
  }
  return Html(std::move(out));
}

Html fill(std::string_view tmpl, std::initializer_list<std::pair<std::string_view, Html>> values) {
  std::string out;
  out.reserve(tmpl.size() * 2);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{' && i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    if (tmpl[i] == '{') {
      auto close = tmpl.find('}', i);
      if (close != std::string_view::npos) {
        const auto name = tmpl.substr(i + 1, close - i - 1);
        const std::pair<std::string_view, Html>* found = nullptr;
        for (const auto& v : values)
          if (v.first == name) found = &v;
        if (found != nullptr) {
          out += found->second.str();
          i = close + 1;
          continue;
        }
      }
    }
    out += tmpl[i++];
  }
  return Html::trusted(out);
}

}  // namespace firma::api::web
