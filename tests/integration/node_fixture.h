// A real node for black-box tests: `kuaguan init` into a temp dir, `kuaguand` started as a
// process (as root: the service account, so the system administrator), `kuaguan` commands run
// against it as real people: on first start the service account registers the security officer
// (kgtest-so), who grants the operator kgtest-op every working role of the node and kgtest-aud
// the auditor's. Cli runs each command as the first of op, so, aud, root whose role may run it
// (from the role table). Accounts come from tests/testing/test_accounts.sh.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace kuaguan::testing {

class RunningNode {
 public:
  explicit RunningNode(const std::string& archive_id = "410100",
                       const std::string& name = "郑州市档案馆", const std::string& role = "archive");
  ~RunningNode();

  // Starts kuaguand and waits until `kuaguan status` answers (fails the test otherwise).
  void Start();
  // SIGTERM (clean) or SIGKILL; returns the daemon's exit code.
  int Stop(int sig);

  // Runs `kuaguan ARGS --config CONFIG` as a person whose role may run it.
  RunResult Cli(std::vector<std::string> args) const;
  // Runs `kuaguan ARGS --config CONFIG` as Unix account `user` ("root": the service account).
  RunResult CliAs(const std::string& user, std::vector<std::string> args) const;
  // Runs with --json and parses stdout; fails the test when the command fails.
  google::protobuf::Struct CliJson(std::vector<std::string> args) const;

  const std::filesystem::path& dir() const { return dir_.path(); }
  std::string config() const { return (dir_.path() / "kuaguan.toml").string(); }
  std::string daemon_log() const;

 private:
  TempDir dir_;
  std::string role_;
  bool people_made_ = false;
  std::unique_ptr<Process> daemon_;
};

// The number at `key` of a parsed JSON object (0 when absent).
double Num(const google::protobuf::Struct& s, const std::string& key);
std::string Str(const google::protobuf::Struct& s, const std::string& key);

// Polls `condition` every 100 ms until it holds (true) or `timeout` passes (false): tests wait
// on what they expect to see, never for a fixed time.
bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// Enrolls archive `member` (`code`, `name`) with `provincial`, a one-time token from its CA
// operator; fails the test when enrollment fails.
void Enroll(const RunningNode& provincial, const RunningNode& member, const std::string& code,
            const std::string& name);

// `n` audited searches over `node`'s local socket as the operator kgtest-op (raw gRPC from
// Python: a process per call would take minutes).
void AuditedSearches(const RunningNode& node, int n);

// kuaguan-desk with one clerk's profile (written by `kuaguan staff add`). The identity number
// never goes on the command line: "--id-number N" in a test's arguments is written to a file
// beside the profile and passed as --id-number-file.
struct DeskClient {
  std::string profile;
  RunResult Run(std::vector<std::string> args) const;
  // The command line as given, the number on it if so (kuaguan-desk refuses it).
  RunResult RunRaw(std::vector<std::string> args) const;
  // Runs with --json; fails the test unless it succeeds and prints one JSON object.
  google::protobuf::Struct Json(std::vector<std::string> args) const;
  // Files a request (`args` after "request") and returns its id.
  std::string File(std::vector<std::string> args) const;
  // Waits (up to 30 s) until request `id` reaches `state`; returns its last status.
  google::protobuf::Struct WaitFor(const std::string& id, const std::string& state) const;
  mutable int counter = 0;
};

// Writes `content` to `path`.
void WriteFile(const std::filesystem::path& path, const std::string& content);

}  // namespace kuaguan::testing
