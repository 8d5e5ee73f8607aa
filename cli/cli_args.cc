#include "cli/cli_args.h"

#include "absl/strings/str_cat.h"

namespace kuaguan::cli {

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
    if (only_positional || s.size() < 2 || s[0] != '-' || s == "-") {
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

}  // namespace kuaguan::cli
