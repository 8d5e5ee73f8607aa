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

// A process started in the background; killed with SIGKILL when destroyed if still running.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv, const std::string& log_path);
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

}  // namespace kuaguan::testing
