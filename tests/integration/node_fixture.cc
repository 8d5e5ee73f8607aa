#include "tests/integration/node_fixture.h"

#include <catch2/catch.hpp>
#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "google/protobuf/util/json_util.h"

namespace kuaguan::testing {

RunningNode::RunningNode(const std::string& archive_id, const std::string& name, const std::string& role) {
  auto r = Run({BinDir() + "/kuaguan", "init", dir_.path().string(), "--archive-id", archive_id,
                "--name", name, "--listen", "127.0.0.1:0", "--role", role});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

RunningNode::~RunningNode() {
  if (daemon_) Stop(SIGTERM);
}

void RunningNode::Start() {
  daemon_ = std::make_unique<Process>(
      std::vector<std::string>{BinDir() + "/kuaguand", "--config", config()},
      (dir_.path() / "kuaguand.log").string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Cli({"status"}).exit_code == 0) return;
    if (daemon_->Wait(std::chrono::milliseconds(0)) != -1) break;  // it died
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("kuaguand did not come up: " << daemon_log());
}

int RunningNode::Stop(int sig) {
  if (!daemon_) return -1;
  daemon_->Signal(sig);
  const int code = daemon_->Wait(std::chrono::seconds(30));
  daemon_.reset();
  return code;
}

RunResult RunningNode::Cli(std::vector<std::string> args) const {
  args.insert(args.begin(), BinDir() + "/kuaguan");
  args.push_back("--config");
  args.push_back(config());
  return Run(args);
}

google::protobuf::Struct RunningNode::CliJson(std::vector<std::string> args) const {
  args.push_back("--json");
  const RunResult r = Cli(args);
  INFO("stderr: " << r.err << "\nstdout: " << r.out);
  REQUIRE(r.exit_code == 0);
  google::protobuf::Struct s;
  REQUIRE(google::protobuf::util::JsonStringToMessage(r.out, &s).ok());
  return s;
}

std::string RunningNode::daemon_log() const {
  std::ifstream in(dir_.path() / "kuaguand.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double Num(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? 0 : it->second.number_value();
}

std::string Str(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace kuaguan::testing
