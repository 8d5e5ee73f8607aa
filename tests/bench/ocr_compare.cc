#include "tests/bench/ocr_compare.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"

namespace kuaguan::bench {

std::vector<char32_t> HanOnly(const std::string& s) {
  std::vector<char32_t> out;
  for (char32_t cp : base::DecodeUtf8(s)) {
    if (base::IsHan(cp)) out.push_back(cp);
  }
  return out;
}

size_t Levenshtein(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

void HanAccuracy::Add(const std::string& truth, const std::string& got) {
  const auto t = HanOnly(truth);
  errors += Levenshtein(t, HanOnly(got));
  chars += t.size();
}

double HanAccuracy::Percent() const {
  return chars == 0 ? 0 : 100.0 * (1.0 - double(errors) / double(chars));
}

double RunCli(const std::vector<std::string>& pages, int procs, bool single_thread,
              const std::string& out_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  size_t next = 0;
  int running = 0;
  while (next < pages.size() || running > 0) {
    while (running < procs && next < pages.size()) {
      const std::string in = pages[next];
      const std::string out = absl::StrCat(out_dir, "/cli-", next);
      ++next;
      const pid_t pid = fork();
      if (pid == 0) {
        if (single_thread) setenv("OMP_THREAD_LIMIT", "1", 1); else unsetenv("OMP_THREAD_LIMIT");
        if (freopen("/dev/null", "w", stderr) == nullptr) _exit(126);
        execlp("tesseract", "tesseract", in.c_str(), out.c_str(), "-l", "chi_sim", nullptr);
        _exit(127);
      }
      ++running;
    }
    int status = 0;
    if (wait(&status) > 0) --running;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string TextOfCli(const std::string& out_dir, size_t i) {
  std::ifstream in(absl::StrCat(out_dir, "/cli-", i, ".txt"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace kuaguan::bench
