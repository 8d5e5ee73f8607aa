#include "cli/cli_args.h"

#include <algorithm>
#include <cstddef>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kuaguan::cli {
namespace {

// A flag, an option or "--"; "-" alone is a positional.
bool IsFlagWord(const std::string& s) { return s.size() >= 2 && s[0] == '-'; }

}  // namespace

std::optional<std::string> Args::Get(const std::string& option) const {
  auto it = options_.find(option);
  if (it == options_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::All(const std::string& option) const {
  auto it = options_.find(option);
  return it == options_.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv, const ArgSpec& spec) {
  Args a;
  bool only_positional = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (only_positional || !IsFlagWord(s)) {
      a.positional_.push_back(s);
      continue;
    }
    if (s == "--") {
      only_positional = true;
      continue;
    }
    std::string name = s, value;
    bool has_value = false;
    if (const size_t eq = s.find('='); eq != std::string::npos) {
      name = s.substr(0, eq);
      value = s.substr(eq + 1);
      has_value = true;
    }
    if (spec.flags.contains(name)) {
      if (has_value) return absl::InvalidArgumentError(absl::StrCat(name, " takes no value"));
      a.flags_.insert(name);
    } else if (spec.options.contains(name)) {
      if (!has_value) {
        if (i + 1 >= argv.size()) {
          return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
        }
        value = argv[++i];
      }
      a.options_[name].push_back(value);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", name));
    }
  }
  return a;
}

bool WantsHelp(const std::vector<std::string>& argv) {
  for (const std::string& s : argv) {
    if (s == "--") return false;
    if (s == "--help" || s == "-h") return true;
  }
  return false;
}

absl::StatusOr<CommandLine> SplitCommandLine(const std::vector<std::string>& argv,
                                             const ArgSpec& global) {
  CommandLine line;
  if (WantsHelp(argv)) {
    line.help = true;
    return line;
  }
  std::vector<std::string> leading;
  size_t i = 0;
  for (; i < argv.size() && IsFlagWord(argv[i]) && argv[i] != "--"; ++i) {
    const std::string& s = argv[i];
    const size_t eq = s.find('=');
    const std::string name = s.substr(0, eq);
    if (global.flags.contains(name)) {
      if (eq != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(name, " takes no value"));
      }
      leading.push_back(name);
    } else if (global.options.contains(name)) {
      if (eq != std::string::npos) {
        leading.push_back(s);
      } else if (i + 1 < argv.size()) {
        leading.push_back(absl::StrCat(name, "=", argv[++i]));
      } else {
        return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      }
    } else {
      std::set<std::string> all = global.flags;
      all.insert(global.options.begin(), global.options.end());
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", name,
                                                     " before the command (only ",
                                                     absl::StrJoin(all, ", "), " may go there)"));
    }
  }
  if (i == argv.size()) return line;
  line.command = argv[i];
  const auto words = argv.begin() + static_cast<std::ptrdiff_t>(i) + 1;
  const auto first_flag = std::find_if(words, argv.end(), IsFlagWord);
  line.args.assign(words, first_flag);
  line.args.insert(line.args.end(), std::make_move_iterator(leading.begin()),
                   std::make_move_iterator(leading.end()));
  line.args.insert(line.args.end(), first_flag, argv.end());
  return line;
}

}  // namespace kuaguan::cli
