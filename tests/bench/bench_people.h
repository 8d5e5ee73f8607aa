// The people a benchmark acts as on real nodes (三员分离): a node takes calls only from registered
// people in roles, and knows a local caller only by SO_PEERCRED. The benchmarks act as the test
// accounts (tests/testing/test_accounts.sh create BIN_DIR; needs root): kgtest-so, the security
// officer the service account registers, and kgtest-op, the operator the officer registers in the
// roles the benchmark needs. Start nodes with `--socket-group kgtest` (the accounts' group) in a
// directory the accounts may traverse (OpenToAccounts). Thread-compatible: no shared state.
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "seal/tls.h"
#include "tests/testing/process.h"

namespace kuaguan::bench {

// The test accounts and their group (tests/testing/test_accounts.sh).
inline constexpr char kOfficer[] = "kgtest-so";   // security-officer
inline constexpr char kOperator[] = "kgtest-op";  // the working roles
inline constexpr char kAccountsGroup[] = "kgtest";

// True when kgtest-so, kgtest-op and group kgtest exist.
bool TestAccountsPresent();

// Empty when this process can act as the test accounts through the CLI (root, the accounts, the
// CLI copied to testing::SharedBinDir()); else why not, with how to fix it, one line.
std::string PeopleUnavailable();

// A channel to a node's local socket whose calls the node takes for Unix account `user` ("": this
// process, the service account when root). The node knows callers only by SO_PEERCRED, which
// holds the credentials of the process that connected: a child takes the account's uid, gid and
// groups, connects, and hands the connected descriptor back over a socketpair (SCM_RIGHTS); the
// channel runs over it (no reconnection). Null when the account is unknown or it cannot connect.
std::shared_ptr<grpc::Channel> ChannelAs(const std::string& user,
                                         const std::filesystem::path& socket);

// Registers Unix account `user` as `name` in `roles` at the node of `socket`, as `by` ("": the
// service account). Empty on success, else what failed.
std::string Grant(const std::filesystem::path& socket, const std::string& by,
                  const std::string& user, const std::string& name,
                  const std::vector<std::string>& roles);

// The usual people of a node: kgtest-so (王保密) as security officer, registered by the service
// account, and kgtest-op (李操作) in `operator_roles`, registered by the officer. Empty on success,
// else what failed.
std::string RegisterPeople(const std::filesystem::path& socket,
                           const std::vector<std::string>& operator_roles);

// The CLI (`kuaguan ARGS --config CONFIG`) as Unix account `user`: "" runs the built CLI as this
// process (the service account), an account runs the copy in testing::SharedBinDir().
testing::RunResult CliAs(const std::string& user, const std::string& config,
                         std::vector<std::string> args);

// Makes `path` readable by everyone, so the test accounts reach the sockets and files inside: adds
// read for group and others, and traverse to a directory (created when missing); with `recursive`,
// to everything below a directory too. A node's own directories keep their modes: do not open them.
void OpenToAccounts(const std::filesystem::path& path, bool recursive = false);

// One node of a benchmark's federation, run as a process.
struct BenchNode {
  std::filesystem::path dir;
  std::unique_ptr<testing::Process> daemon;
  std::string config() const { return (dir / "kuaguan.toml").string(); }
  std::filesystem::path socket() const { return dir / "run" / "kuaguand.sock"; }
  // The CLI as the service account (system-admin: status, enroll, directory refresh).
  testing::RunResult Cli(std::vector<std::string> args) const { return CliAs("", std::move(args)); }
  // The CLI as Unix account `user`.
  testing::RunResult CliAs(const std::string& user, std::vector<std::string> args) const {
    return bench::CliAs(user, config(), std::move(args));
  }
};

// `kuaguan init` in `dir` (socket group kgtest), kuaguand started and answering, its people
// registered (RegisterPeople: kgtest-op in `operator_roles`). False, with why on stderr.
// A front-desk clerk's staff certificate from `front`, registered by its security officer
// (kgtest-so) as `staff add` does: the key made here, the CSR sent over the local socket. The
// clerk's mutual-TLS identity; empty key_pem, with what failed on stderr, on failure.
seal::TlsIdentity DeskClerk(const BenchNode& front, const std::string& name);

bool StartBenchNode(BenchNode* n, const std::filesystem::path& dir, const std::string& code, const std::string& name,
                    const std::string& role, const std::vector<std::string>& operator_roles);

}  // namespace kuaguan::bench
