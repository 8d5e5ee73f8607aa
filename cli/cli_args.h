// Command-line parsing for kuaguan: positionals, boolean flags and (repeatable) value options,
// checked against what the command accepts. Pure; thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kuaguan::cli {

struct ArgSpec {
  std::set<std::string> flags;    // e.g. "--json"
  std::set<std::string> options;  // take a value, e.g. "--config"
};

class Args {
 public:
  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& flag) const { return flags_.contains(flag); }
  std::optional<std::string> Get(const std::string& option) const;
  std::vector<std::string> All(const std::string& option) const;

  // Parses `argv` (without the program and command words). INVALID_ARGUMENT names an unknown
  // flag or an option without its value. Accepts --opt=value and --opt value.
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv, const ArgSpec& spec);

 private:
  std::vector<std::string> positional_;
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>> options_;
};

}  // namespace kuaguan::cli
