// Runs the built binaries for black-box tests: a command to completion with its output, or a
// daemon in the background that can be signalled. Thread-compatible.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace kuaguan::testing {

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with the arguments, waits, and returns what it printed.
RunResult Run(const std::vector<std::string>& argv);
// Like Run, as Unix account `user` (its uid, gid and groups; the caller must be root). An empty
// `user` runs as this process.
RunResult RunAs(const std::string& user, const std::vector<std::string>& argv);

// A process started in the background (its output appended to a log); killed with SIGKILL when destroyed if still running.
class Process {
 public:
  // Runs as Unix account `user` when given (see RunAs).
  Process(const std::vector<std::string>& argv, const std::string& log_path, const std::string& user = "");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits for the process to end (up to `timeout`); returns its exit code, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// The directory of the built binaries.
std::string BinDir();
// Where the test accounts run the CLI from (test_accounts.sh copies it there), with the
// passphrase file for staff keys beside it.
std::string SharedBinDir();

}  // namespace kuaguan::testing
