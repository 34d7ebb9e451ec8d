// Looks up the pages' resource files by name.
#include "resources.h"

#include <algorithm>
#include <string>

namespace firma::api::web {

std::string_view resource(std::string_view name) noexcept {
  const auto files = resource_files();
  const auto found = std::lower_bound(files.begin(), files.end(), name,
                                      [](const EmbeddedFile& file, std::string_view n) { return file.name < n; });
  if (found == files.end() || found->name != name) return {};
  return found->content;
}

std::string_view page_template(std::string_view name) noexcept {
  // The names are the code's own literals, a handful of characters: no allocation worth failing on.
  char path[64];
  constexpr std::string_view kSuffix = ".html";
  if (name.size() + kSuffix.size() > sizeof path) return "[[missing template]]";
  std::copy(name.begin(), name.end(), path);
  std::copy(kSuffix.begin(), kSuffix.end(), path + name.size());
  const auto markup = resource(std::string_view(path, name.size() + kSuffix.size()));
  return markup.empty() ? std::string_view("[[missing template]]") : markup;
}

}  // namespace firma::api::web
