// First-start initialisation of the data directory: SoftHSM2 token, PIN files, database location.
#include "embedded.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/log.h"
#include "hsm/module.h"
#include "hsm/token.h"

namespace firma::app {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";

Error io_error(const std::string& what, const fs::path& path) {
  return make_error(ErrorCode::unavailable, what + " " + path.string() + ": " + std::strerror(errno));
}

Result<Secret> hsm_pin(const Settings& config) {
  if (!config.hsm.pin_file.empty()) return read_secret_file(config.hsm.pin_file);
  if (!config.hsm.pin_env.empty()) {
    const char* value = std::getenv(config.hsm.pin_env.c_str());
    if (value == nullptr || *value == '\0')
      return make_error(ErrorCode::invalid_request, "hsm.pin_env names " + config.hsm.pin_env + ", which is not set");
    return Secret(std::string_view(value));
  }
  return make_error(ErrorCode::invalid_request, "hsm.module is set: set hsm.pin_file or hsm.pin_env too");
}

bool file_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

// A PIN file written before the token is initialised, or the one kept from a start cut short before it was
// published: read it back rather than make another.
Result<Secret> pending_pin(const fs::path& path, Random& random) {
  if (file_exists(path)) return read_secret_file(path);
  Secret pin(random.hex_token(16));
  if (Status s = write_secret_file(path, pin); !s) return std::move(s).error();
  return pin;
}

// Gives a secret file a new name without ever replacing a file there (link, then unlink the old name: the
// secret itself is never deleted).
Status rename_secret(const fs::path& from, const fs::path& to) {
  if (::link(from.c_str(), to.c_str()) != 0) return io_error("cannot create", to);
  if (::unlink(from.c_str()) != 0) return io_error("cannot remove", from);
  return {};
}

// The user PIN of the embedded token. A first start (no PIN files, no token) writes the PINs as *.pending,
// initialises the token with them, then publishes them, so a start cut short at any point is finished by the
// next. A secret is never overwritten or deleted, and no token is initialised while PIN files exist: a token
// that cannot be found or read (a damaged token.object, a missing directory) stops firmad with one line.
Result<Secret> embedded_user_pin(const Settings& config, hsm::Module& module, Random& random) {
  const fs::path dir = fs::absolute(fs::path(config.data_dir));
  const fs::path secrets = dir / "secrets", tokens = dir / "hsm" / "tokens";
  const fs::path so_file = secrets / "hsm-so-pin", user_file = secrets / "hsm-user-pin";
  const fs::path so_pending = secrets / "hsm-so-pin.pending", user_pending = secrets / "hsm-user-pin.pending";
  const std::string& label = config.hsm.token_label;

  auto present = hsm::token_present(module, label);
  if (!present)
    return make_error(ErrorCode::unavailable, "cannot read the PKCS#11 token labelled '" + label + "' in " +
                                                  tokens.string() + " (" + present.error().message +
                                                  "): not initialising another; restore the token directory " +
                                                  "from a backup");
  if (*present) {
    // A first start cut short after the token was initialised: publish what it left.
    for (const auto& [pending, final_path] : {std::pair{so_pending, so_file}, std::pair{user_pending, user_file}})
      if (!file_exists(final_path) && file_exists(pending))
        if (Status s = rename_secret(pending, final_path); !s) return std::move(s).error();
    if (!file_exists(user_file))
      return make_error(ErrorCode::unavailable, "the PKCS#11 token labelled '" + label + "' in " + tokens.string() +
                                                    " has no user PIN file " + user_file.string() +
                                                    ": restore hsm-so-pin and hsm-user-pin from a backup");
    return read_secret_file(user_file);
  }
  if (file_exists(so_file) || file_exists(user_file))
    return make_error(ErrorCode::unavailable,
                      "no readable PKCS#11 token labelled '" + label + "' in " + tokens.string() + ", but " +
                          secrets.string() + " holds the PINs of one: not initialising another over them; " +
                          "restore the token directory from a backup (or move the PIN files away to start afresh)");

  auto so_pin = pending_pin(so_pending, random);
  if (!so_pin) return std::move(so_pin).error();
  auto user_pin = pending_pin(user_pending, random);
  if (!user_pin) return std::move(user_pin).error();
  if (Status s = hsm::initialize_token(module, label, *so_pin, *user_pin); !s) return std::move(s).error();
  if (Status s = rename_secret(so_pending, so_file); !s) return std::move(s).error();
  if (Status s = rename_secret(user_pending, user_file); !s) return std::move(s).error();
  return user_pin;
}

}  // namespace

Status prepare_data_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir / "secrets", ec);
  if (ec)
    return make_error(ErrorCode::unavailable, "cannot create data directory " + dir.string() + ": " + ec.message());
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

Result<OpenedToken> open_token(const Settings& config, Random& random) {
  OpenedToken opened;
  if (!config.hsm.module.empty()) {
    auto pin = hsm_pin(config);
    if (!pin) return std::move(pin).error();
    // What was looked for, in the one line a node that cannot find its token prints (a SoftHSM2 module finds its
    // tokens through SOFTHSM2_CONF).
    auto looked_for = [&config](const Error& e) {
      const char* conf = std::getenv("SOFTHSM2_CONF");
      return make_error(e.code, "no usable token labelled '" + config.hsm.token_label + "' on module " +
                                    config.hsm.module + " (SOFTHSM2_CONF=" + (conf != nullptr ? conf : "unset") +
                                    "): " + e.message);
    };
    auto module = hsm::Module::load(config.hsm.module);
    if (!module) return looked_for(module.error());
    opened.module = *module;
    auto token = hsm::Token::open(opened.module, config.hsm.token_label, *pin, config.hsm.sessions);
    if (!token) return looked_for(token.error());
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

  auto pin = embedded_user_pin(config, *opened.module, random);
  if (!pin) return std::move(pin).error();
  auto token = hsm::Token::open(opened.module, config.hsm.token_label, *pin, config.hsm.sessions);
  if (!token) return std::move(token).error();
  opened.token = std::move(*token);
  return opened;
}

Status keep_aside(const fs::path& path, const Clock& clock) {
  if (!file_exists(path)) return {};
  const fs::path aside = path.string() + ".replaced-" + to_rfc3339(clock.now());
  if (Status s = rename_secret(path, aside); !s) return s;
  log::warn("secret.kept_aside", {{"file", path.string()}, {"kept_as", aside.string()}});
  return {};
}

std::string database_url(const Settings& config) {
  if (!config.database.url.empty()) return config.database.url;
  return "sqlite:" + (fs::path(config.data_dir) / "firma.db").string();
}

}  // namespace firma::app
