#include "tests/testing/chromium.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace kuaguan::testing {

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last `n` bytes of a log, for error messages.
std::string Tail(const std::string& log, size_t n = 2000) {
  return log.size() <= n ? log : "…" + log.substr(log.size() - n);
}

// The parent of process `pid` (from /proc), or -1.
pid_t ParentOf(pid_t pid) {
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 1));
  std::string state;
  long ppid = -1;
  rest >> state >> ppid;
  return static_cast<pid_t>(ppid);
}

// SIGKILLs `root` and every process descended from it (the browser's zygote and renderers).
void KillTree(pid_t root) {
  std::vector<pid_t> tree = {root};
  bool grew = true;
  while (grew) {
    grew = false;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      pid_t pid = 0;
      if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
      if (std::find(tree.begin(), tree.end(), pid) != tree.end()) continue;
      if (std::find(tree.begin(), tree.end(), ParentOf(pid)) != tree.end()) {
        tree.push_back(pid);
        grew = true;
      }
    }
  }
  for (pid_t pid : tree) ::kill(pid, SIGKILL);
}

struct BrowserRun {
  std::string out;  // what it printed on stdout
  std::string err;  // its log (stderr)
};

// Runs chromium headless with `args` after the common flags, its stdout and stderr kept apart,
// killing it (and its children) past `timeout`.
absl::StatusOr<BrowserRun> RunChromium(const std::vector<std::string>& args, std::chrono::seconds timeout) {
  if (!HaveChromium()) return absl::FailedPreconditionError(absl::StrCat("no browser at ", kChromiumPath));
  TempDir dir;
  const std::filesystem::path out_path = dir.path() / "stdout";
  const std::filesystem::path err_path = dir.path() / "stderr";
  const std::filesystem::path profile = dir.path() / "profile";
  std::filesystem::create_directory(profile);
  // The shell only sends stderr to a file of its own, then becomes the browser (same pid).
  std::vector<std::string> argv = {"/bin/sh",
                                   "-c",
                                   "err=\"$1\"; shift; exec \"$@\" 2>\"$err\"",
                                   "sh",
                                   err_path.string(),
                                   kChromiumPath,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  int code = -1;
  {
    Process browser(argv, out_path.string());
    code = browser.Wait(timeout);
    if (code == -1) {
      KillTree(browser.pid());
      browser.Wait(std::chrono::seconds(10));
      return absl::DeadlineExceededError(absl::StrCat("chromium did not finish within ", timeout.count(),
                                                      " s; its log: ", Tail(ReadFile(err_path))));
    }
  }
  BrowserRun run{ReadFile(out_path), ReadFile(err_path)};
  if (code != 0) {
    return absl::InternalError(absl::StrCat("chromium exited with ", code, "; its log: ", Tail(run.err)));
  }
  return run;
}

}  // namespace

bool HaveChromium() { return ::access(kChromiumPath, X_OK) == 0; }

absl::StatusOr<std::string> DumpDom(const std::string& url, std::chrono::seconds timeout,
                                    std::chrono::milliseconds virtual_time) {
  std::vector<std::string> args = {"--dump-dom", url};
  if (virtual_time.count() > 0) {
    args.insert(args.begin(), absl::StrCat("--virtual-time-budget=", virtual_time.count()));
  }
  absl::StatusOr<BrowserRun> run = RunChromium(args, timeout);
  if (!run.ok()) return run.status();
  if (run->out.find("<html") == std::string::npos) {
    return absl::InternalError(absl::StrCat("chromium printed no document for ", url, "; its log: ", Tail(run->err)));
  }
  return std::move(run->out);
}

absl::Status Screenshot(const std::string& url, const std::string& png_path, int width, int height) {
  std::error_code ec;
  std::filesystem::remove(png_path, ec);
  absl::StatusOr<BrowserRun> run = RunChromium(
      {"--hide-scrollbars", absl::StrCat("--window-size=", width, ",", height), "--screenshot=" + png_path, url},
      std::chrono::seconds(60));
  if (!run.ok()) return run.status();
  if (!std::filesystem::exists(png_path, ec) || std::filesystem::file_size(png_path, ec) == 0) {
    return absl::InternalError(absl::StrCat("chromium wrote no screenshot to ", png_path, "; its log: ", Tail(run->err)));
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::testing
