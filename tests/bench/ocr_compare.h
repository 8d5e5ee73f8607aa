// What the OCR benchmarks share: Han-character accuracy of recognized text against the text
// rendered (Levenshtein distance over Han characters only), and the tesseract CLI run on page
// files as the reference (its text read back from CLI-written files). Thread-compatible.
#pragma once

#include <string>
#include <vector>

namespace kuaguan::bench {

// The Han characters of `s`, in order.
std::vector<char32_t> HanOnly(const std::string& s);

// Edit distance between `a` and `b` (insertions, deletions, substitutions).
size_t Levenshtein(const std::vector<char32_t>& a, const std::vector<char32_t>& b);

// Han-character accuracy summed over pages: 100% less the edit distance per rendered character.
struct HanAccuracy {
  size_t errors = 0, chars = 0;
  void Add(const std::string& truth, const std::string& got);
  double Percent() const;
};

// Runs `tesseract PAGE OUT -l chi_sim` on every page with `procs` processes at a time, each
// single-threaded (OMP_THREAD_LIMIT=1) when `single_thread`; page i's text goes to
// TextOfCli(out_dir, i). Returns the wall seconds.
double RunCli(const std::vector<std::string>& pages, int procs, bool single_thread,
              const std::string& out_dir);

// What the CLI recognized on page `i` of the last RunCli into `out_dir` ("" when it failed).
std::string TextOfCli(const std::string& out_dir, size_t i);

}  // namespace kuaguan::bench
