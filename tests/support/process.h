// Child processes for integration tests: start a binary, read what it prints, stop it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace firma::testing {

class Process {
 public:
  // Starts `program` with `args`; `env` entries are added to (or replace in) the current environment.
  Process(const std::string& program, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env = {});
  ~Process();  // kills the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Waits until stdout+stderr so far contain `text`; false on timeout or exit.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Waits for the exit status; nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void signal(int sig);
  pid_t pid() const { return pid_; }

  // Everything read so far (stdout and stderr interleaved as they arrived).
  const std::string& output();

 private:
  void pump(std::chrono::milliseconds timeout);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string output_;
  std::optional<int> exit_status_;
};

// Runs a command to completion (via /bin/sh -c); returns exit status and combined output.
struct CommandResult {
  int status;
  std::string output;
};
CommandResult run_command(const std::string& command);

// The port in "listening on http://HOST:PORT" printed by firmad, or 0.
int listening_port(const std::string& output);

}  // namespace firma::testing
