// A file of the source tree compiled into the binary (cmake/embed_files.cmake): migrations, page resources.
#pragma once

#include <string_view>

namespace firma {

struct EmbeddedFile {
  std::string_view name;     // the file name, without its directory
  std::string_view content;  // the file, verbatim
};

}  // namespace firma
