// Command-line flags of the benchmark programs: `--flag VALUE` or `--flag=VALUE`, --help with
// what the program measures, and a refusal naming any flag the program does not take.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kuaguan::bench {

// One flag a benchmark takes; each takes a value.
struct BenchFlag {
  std::string name;   // e.g. "--records"
  std::string value;  // the value's placeholder in --help, e.g. "N"
  std::string help;   // one line for --help, with the default
  // Stores the value; an error says what is wrong with it (the caller names the flag).
  std::function<absl::Status(const std::string&)> set;
};

// What --help prints besides the flags.
struct BenchUsage {
  std::string program;   // e.g. "search_bench"
  std::string measures;  // what the program measures, one or more lines
  std::string example;   // a command line, e.g. "search_bench --records 1000000"
};

// A flag storing a whole number into `*out`; --help shows `*out` as the default.
template <typename T>
BenchFlag NumberFlag(std::string name, std::string value, const std::string& help, T* out) {
  return {std::move(name), std::move(value), absl::StrCat(help, " (default ", *out, ")"),
          [out](const std::string& v) {
            return absl::SimpleAtoi(v, out)
                       ? absl::OkStatus()
                       : absl::InvalidArgumentError(absl::StrCat("'", v, "' is not a number"));
          }};
}

// Parses argv[1..argc) against `flags`; a flag may repeat, the last value counts. Returns
// nullopt when the benchmark should run; otherwise main should return the value: 0 after --help
// or -h printed the usage on stdout, 2 after one line on stderr naming an unknown flag, a flag
// without its value or with an invalid one, or a word that is not a flag.
std::optional<int> ParseBenchFlags(int argc, char** argv, const BenchUsage& usage,
                                   const std::vector<BenchFlag>& flags);

}  // namespace kuaguan::bench
