#include "tests/testing/process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace kuaguan::testing {

namespace {

std::vector<char*> CArgs(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string Drain(int fd) {
  std::string s;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// A Unix account's ids, looked up before fork so that the child only makes system calls.
struct Account {
  bool ok = true;
  bool switch_to = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

Account LookUp(const std::string& user) {
  Account a;
  if (user.empty()) return a;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) {
    a.ok = false;
    return a;
  }
  a.switch_to = true;
  a.uid = pw->pw_uid;
  a.gid = pw->pw_gid;
  a.groups.resize(64);
  int n = static_cast<int>(a.groups.size());
  if (::getgrouplist(user.c_str(), a.gid, a.groups.data(), &n) < 0) n = 0;
  a.groups.resize(static_cast<size_t>(n));
  return a;
}

// In the child: becomes `a` (or exits 126).
void Become(const Account& a) {
  if (a.switch_to && (::setgroups(a.groups.size(), a.groups.data()) != 0 || ::setgid(a.gid) != 0 ||
                      ::setuid(a.uid) != 0)) {
    ::_exit(126);
  }
}

}  // namespace

std::string BinDir() { return KUAGUAN_BIN_DIR; }

std::string SharedBinDir() { return "/tmp/kuaguan-test-bin"; }

RunResult Run(const std::vector<std::string>& argv) { return RunAs("", argv); }

RunResult RunAs(const std::string& user, const std::vector<std::string>& argv) {
  const Account account = LookUp(user);
  if (!account.ok) return {127, "", "no Unix account " + user + " (tests/testing/test_accounts.sh create)"};
  int out_pipe[2], err_pipe[2];
  // Close-on-exec: a child forked meanwhile by another thread (a daemon started beside a
  // running command) must not hold these pipes open, or this command's output never ends.
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    Become(account);
    auto args = CArgs(argv);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  RunResult r;
  std::thread err_reader([&] { r.err = Drain(err_pipe[0]); });
  r.out = Drain(out_pipe[0]);
  err_reader.join();
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = ExitCode(status);
  return r;
}

Process::Process(const std::vector<std::string>& argv, const std::string& log_path, const std::string& user) {
  const Account account = LookUp(user);
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    Become(account);
    auto args = CArgs(argv);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
}

void Process::Signal(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

int Process::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ExitCode(status_);
}

}  // namespace kuaguan::testing
