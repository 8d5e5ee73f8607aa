#include "tests/bench/bench_flags.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace kuaguan::bench {
namespace {

std::string Usage(const BenchUsage& usage, const std::vector<BenchFlag>& flags) {
  size_t width = std::string_view("--help, -h").size();
  for (const BenchFlag& f : flags) width = std::max(width, f.name.size() + 1 + f.value.size());
  std::string text = absl::StrCat(usage.program, ": ", usage.measures, "\n\nusage: ",
                                  usage.program, " [FLAG VALUE]...  (or FLAG=VALUE)\n");
  auto line = [&](const std::string& left, const std::string& help) {
    absl::StrAppend(&text, "  ", left, std::string(width + 2 - left.size(), ' '), help, "\n");
  };
  for (const BenchFlag& f : flags) line(absl::StrCat(f.name, " ", f.value), f.help);
  line("--help, -h", "this text");
  absl::StrAppend(&text, "\nexample: ", usage.example, "\n");
  return text;
}

int Refuse(const BenchUsage& usage, const std::string& message) {
  std::fprintf(stderr, "%s: %s (%s --help lists the flags)\n", usage.program.c_str(),
               message.c_str(), usage.program.c_str());
  return 2;
}

}  // namespace

std::optional<int> ParseBenchFlags(int argc, char** argv, const BenchUsage& usage,
                                   const std::vector<BenchFlag>& flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--help" || word == "-h") {
      std::fputs(Usage(usage, flags).c_str(), stdout);
      return 0;
    }
  }
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.size() < 2 || word[0] != '-') {
      return Refuse(usage, absl::StrCat("unexpected argument '", word, "'"));
    }
    const size_t eq = word.find('=');
    const std::string name = word.substr(0, eq);
    const auto flag = std::find_if(flags.begin(), flags.end(),
                                   [&](const BenchFlag& f) { return f.name == name; });
    if (flag == flags.end()) return Refuse(usage, absl::StrCat("unknown flag ", name));
    std::string value;
    if (eq != std::string::npos) {
      value = word.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Refuse(usage, absl::StrCat(name, " needs a value"));
    }
    if (absl::Status st = flag->set(value); !st.ok()) {
      return Refuse(usage, absl::StrCat(name, ": ", st.message()));
    }
  }
  return std::nullopt;
}

}  // namespace kuaguan::bench
