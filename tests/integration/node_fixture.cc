#include "tests/integration/node_fixture.h"

#include <catch2/catch.hpp>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <tuple>
#include <sstream>
#include <thread>

#include "absl/strings/str_join.h"
#include "base/roles.h"
#include "google/protobuf/util/json_util.h"

namespace kuaguan::testing {

namespace {

// The test accounts, in the order Cli prefers them, and the roles each is given.
struct Account {
  const char* user;
  const char* name;
};
constexpr Account kOperator{"kgtest-op", "李操作"};
constexpr Account kOfficer{"kgtest-so", "王保密"};
constexpr Account kAuditor{"kgtest-aud", "赵审计"};

// The working roles the operator account is given at a node of `role`.
std::vector<std::string> OperatorRoles(const std::string& role) {
  if (role == "provincial") return {"ca-operator", "monitor"};
  return {"cataloguer", "digitizer", "back-office", "approver"};
}

// The command of `args` as the role table names it: "search --federated", two words, or one.
std::string CommandOf(std::vector<std::string> args) {
  while (!args.empty() && args[0].rfind("--", 0) == 0) {  // global options before the command
    const bool takes_value = args[0] == "--config" || args[0] == "--profile" || args[0] == "--passphrase-file";
    args.erase(args.begin(), args.begin() + (takes_value && args.size() > 1 ? 2 : 1));
  }
  if (args.empty()) return "";
  if (args[0] == "search" && std::find(args.begin(), args.end(), "--federated") != args.end()) {
    return "search --federated";
  }
  if (args.size() > 1 && base::FindCommand(args[0] + " " + args[1]) != nullptr) return args[0] + " " + args[1];
  return args[0];
}

}  // namespace

RunningNode::RunningNode(const std::string& archive_id, const std::string& name, const std::string& role)
    : role_(role) {
  ::setenv("KUAGUAN_PASSPHRASE_FILE", (SharedBinDir() + "/passphrase").c_str(), 0);
  // The test accounts write their outputs here; the daemon's data directory inside stays private.
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::all | std::filesystem::perms::sticky_bit);
  auto r = Run({BinDir() + "/kuaguan", "init", dir_.path().string(), "--archive-id", archive_id,
                "--name", name, "--listen", "127.0.0.1:0", "--role", role, "--socket-group", "kgtest"});
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
  bool up = false;
  while (!up && std::chrono::steady_clock::now() < deadline) {
    if (CliAs("root", {"status"}).exit_code == 0) up = true;
    else if (daemon_->Wait(std::chrono::milliseconds(0)) != -1) break;  // it died
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!up) FAIL("kuaguand did not come up: " << daemon_log());
  if (people_made_) return;
  const std::string working = absl::StrJoin(OperatorRoles(role_), ",");
  for (const auto& [as, account, roles] :
       {std::tuple{std::string("root"), kOfficer, std::string("security-officer")},
        std::tuple{std::string(kOfficer.user), kOperator, working},
        std::tuple{std::string(kOfficer.user), kAuditor, std::string("auditor")}}) {
    const RunResult g = CliAs(as, {"staff", "grant", account.user, "--name", account.name, "--role", roles});
    INFO("grant " << account.user << ": " << g.err);
    REQUIRE(g.exit_code == 0);
  }
  people_made_ = true;
}

int RunningNode::Stop(int sig) {
  if (!daemon_) return -1;
  daemon_->Signal(sig);
  const int code = daemon_->Wait(std::chrono::seconds(30));
  daemon_.reset();
  return code;
}

RunResult RunningNode::Cli(std::vector<std::string> args) const {
  const std::string command = CommandOf(args);
  std::string user = kOperator.user;
  if (const base::CommandRule* rule = base::FindCommand(command); rule != nullptr) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> people = {
        {kOperator.user, OperatorRoles(role_)},
        {kOfficer.user, {"security-officer"}},
        {kAuditor.user, {"auditor"}},
        {"root", {"system-admin"}}};
    for (auto it = people.rbegin(); it != people.rend(); ++it) {  // the last that may wins: op first
      for (const std::string& r : it->second) {
        if (base::RoleMay(r, command)) user = it->first;
      }
    }
  }
  return CliAs(user, std::move(args));
}

RunResult RunningNode::CliAs(const std::string& user, std::vector<std::string> args) const {
  args.insert(args.begin(), user == "root" ? BinDir() + "/kuaguan" : SharedBinDir() + "/kuaguan");
  args.push_back("--config");
  args.push_back(config());
  return RunAs(user == "root" ? "" : user, args);
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

void Enroll(const RunningNode& provincial, const RunningNode& member, const std::string& code,
            const std::string& name) {
  const std::string token =
      Str(provincial.CliJson({"ca", "token", "--archive", code, "--name", name}), "token");
  const RunResult r = member.Cli(
      {"enroll", "--provincial", Str(provincial.CliJson({"status"}), "enroll_listen"), "--token", token});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

void AuditedSearches(const RunningNode& node, int n) {
  const std::filesystem::path script = node.dir() / "searches.py";
  WriteFile(script,
            "import sys, grpc\n"
            "ch = grpc.insecure_channel('unix:' + sys.argv[1])\n"
            "call = ch.unary_unary('/kuaguan.v1.Admin/Search', request_serializer=lambda b: b,\n"
            "                      response_deserializer=lambda b: b)\n"
            "q = '婚姻登记'.encode()\n"
            "req = b'\\x0a' + bytes([len(q)]) + q\n"
            "for i in range(int(sys.argv[2])):\n"
            "    call(req, timeout=20)\n");
  REQUIRE(std::system(("chmod a+r " + script.string()).c_str()) == 0);
  const RunResult r = RunAs("kgtest-op", {"/usr/bin/python3", script.string(),
                                          (node.dir() / "run" / "kuaguand.sock").string(), std::to_string(n)});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

RunResult DeskClient::Run(std::vector<std::string> args) const {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != "--id-number") continue;
    const std::string file = profile + ".id-" + std::to_string(i) + "-" + std::to_string(counter++);
    std::ofstream(file) << args[i + 1] << "\n";
    args[i] = "--id-number-file";
    args[i + 1] = file;
  }
  return RunRaw(std::move(args));
}

RunResult DeskClient::RunRaw(std::vector<std::string> args) const {
  args.insert(args.begin(), {BinDir() + "/kuaguan-desk", "--profile", profile});
  return kuaguan::testing::Run(args);
}

google::protobuf::Struct DeskClient::Json(std::vector<std::string> args) const {
  args.push_back("--json");
  auto r = Run(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  google::protobuf::Struct s;
  REQUIRE(google::protobuf::util::JsonStringToMessage(r.out, &s).ok());
  return s;
}

std::string DeskClient::File(std::vector<std::string> args) const {
  args.insert(args.begin(), "request");
  auto s = Json(args);
  const std::string id = Str(s, "request_id");
  CHECK(id == Str(s.fields().at("request").struct_value(), "request_id"));
  return id;
}

google::protobuf::Struct DeskClient::WaitFor(const std::string& id, const std::string& state) const {
  google::protobuf::Struct s;
  for (int i = 0; i < 300; ++i) {
    s = Json({"status", id});
    if (Str(s, "state") == state) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("request " << id << " never reached " << state << "; it is " << Str(s, "state") << ": "
                  << Run({"status", id}).out);
  return s;
}

}  // namespace kuaguan::testing
