// The embedded default: what firmad sets up under its data directory on first start, and reuses after.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "settings.h"

namespace firma::hsm {
class Module;
class Token;
}  // namespace firma::hsm

namespace firma::app {

// DIR and DIR/secrets (0700). Files written under secrets/ are 0600.
Status prepare_data_dir(const std::filesystem::path& dir);

// Writes a secret file with mode 0600, refusing to overwrite one that exists.
Status write_secret_file(const std::filesystem::path& path, const Secret& value);
Result<Secret> read_secret_file(const std::filesystem::path& path);

// Renames a secret file that a new one is about to replace to PATH.replaced-<UTC time>, so that no secret is
// ever deleted (an operator token of a database since restored from a backup works again). Nothing to do when
// PATH does not exist.
Status keep_aside(const std::filesystem::path& path, const Clock& clock);

// The HSM token the configuration names; with no hsm.module, a SoftHSM2 token of the data directory's own,
// initialised with random PINs on first start.
struct OpenedToken {
  std::shared_ptr<hsm::Module> module;
  std::unique_ptr<hsm::Token> token;
};
Result<OpenedToken> open_token(const Settings& config, Random& random);

// database.url, or the embedded SQLite database.
std::string database_url(const Settings& config);

}  // namespace firma::app
