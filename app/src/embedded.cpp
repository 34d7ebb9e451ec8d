// First-start initialisation of the data directory: SoftHSM2 token, PIN files, database location.
#include "embedded.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "hsm/module.h"
#include "hsm/token.h"

namespace firma::app {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";

Error io_error(const std::string& what, const fs::path& path) {
  return make_error(ErrorCode::unavailable, what + " " + path.string() + ": " + std::strerror(errno));
}

Result<Secret> hsm_pin(const Config& config) {
  if (!config.hsm.pin_file.empty()) return read_secret_file(config.hsm.pin_file);
  if (!config.hsm.pin_env.empty()) {
    const char* value = std::getenv(config.hsm.pin_env.c_str());
    if (value == nullptr || *value == '\0')
      return make_error(ErrorCode::invalid_request, "hsm.pin_env names " + config.hsm.pin_env + ", which is not set");
    return Secret(std::string_view(value));
  }
  return make_error(ErrorCode::invalid_request, "hsm.module is set: set hsm.pin_file or hsm.pin_env too");
}

}  // namespace

Status prepare_data_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir / "secrets", ec);
  if (ec) return make_error(ErrorCode::unavailable, "cannot create data directory " + dir.string() + ": " + ec.message());
  if (::chmod((dir / "secrets").c_str(), 0700) != 0) return io_error("cannot protect", dir / "secrets");
  return {};
}

Status write_secret_file(const fs::path& path, const Secret& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create", path);
  std::string_view v = value.reveal();
  bool written = ::write(fd, v.data(), v.size()) == static_cast<ssize_t>(v.size()) && ::write(fd, "\n", 1) == 1;
  bool closed = ::close(fd) == 0;
  if (!written || !closed) return io_error("cannot write", path);
  return {};
}

Result<Secret> read_secret_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::invalid_request, "cannot read " + path.string());
  std::string value;
  std::getline(in, value);
  while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
  if (value.empty()) return make_error(ErrorCode::invalid_request, path.string() + " is empty");
  return Secret(std::move(value));
}

Result<OpenedToken> open_token(const Config& config, Random& random) {
  OpenedToken opened;
  if (!config.hsm.module.empty()) {
    auto pin = hsm_pin(config);
    if (!pin) return std::move(pin).error();
    auto module = hsm::Module::load(config.hsm.module);
    if (!module) return std::move(module).error();
    opened.module = *module;
    auto token = hsm::Token::open(opened.module, config.hsm.token_label, *pin, config.hsm.sessions);
    if (!token) return std::move(token).error();
    opened.token = std::move(*token);
    return opened;
  }

  // Embedded default: DIR/hsm holds the SoftHSM2 configuration and token; the PINs live in DIR/secrets.
  const fs::path dir(config.data_dir);
  auto conf = hsm::prepare_softhsm((dir / "hsm").string());
  if (!conf) return std::move(conf).error();
  auto module = hsm::Module::load(kSoftHsmModule);
  if (!module) return std::move(module).error();
  opened.module = *module;

  const fs::path user_pin_file = dir / "secrets" / "hsm-user-pin";
  if (!hsm::token_exists(*opened.module, config.hsm.token_label)) {
    // PIN files left by an initialisation that did not finish protect nothing: start again.
    fs::remove(dir / "secrets" / "hsm-so-pin");
    fs::remove(user_pin_file);
    Secret so_pin(random.hex_token(16)), user_pin(random.hex_token(16));
    if (Status s = write_secret_file(dir / "secrets" / "hsm-so-pin", so_pin); !s) return std::move(s).error();
    if (Status s = write_secret_file(user_pin_file, user_pin); !s) return std::move(s).error();
    if (Status s = hsm::initialize_token(*opened.module, config.hsm.token_label, so_pin, user_pin); !s)
      return std::move(s).error();
  }
  auto pin = read_secret_file(user_pin_file);
  if (!pin) return std::move(pin).error();
  auto token = hsm::Token::open(opened.module, config.hsm.token_label, *pin, config.hsm.sessions);
  if (!token) return std::move(token).error();
  opened.token = std::move(*token);
  return opened;
}

std::string database_url(const Config& config) {
  if (!config.database.url.empty()) return config.database.url;
  return "sqlite:" + (fs::path(config.data_dir) / "firma.db").string();
}

}  // namespace firma::app
