// Command-line parsing for kuaguan: positionals, boolean flags and (repeatable) value options,
// checked against what the command accepts, and the split of a command line at its command word
// with global flags on either side of it. Pure; thread-compatible.
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

// A command line split at its command word by SplitCommandLine.
struct CommandLine {
  bool help = false;              // --help or -h came before any "--"
  std::string command;            // the first word that is not a global flag; empty if none
  std::vector<std::string> args;  // the words after the command, with the global flags that
                                  // came before it moved in among them
};

// True when `argv` holds --help or -h before any "--".
bool WantsHelp(const std::vector<std::string>& argv);

// Splits `argv` (without the program word) at its command word, so that the global flags and
// options of `global` may come before the command as well as after it: `--config F status` is
// command "status" with args {"--config=F"}, as `status --config F` is command "status" with
// args {"--config", "F"}. Global flags from before the command go into `args` after the
// command's leading words (a sub-command, positionals) and before its first flag, each as one
// word (--option=value), so they neither take a neighbour's value nor give theirs away. With
// --help or -h before any "--", returns only help = true. INVALID_ARGUMENT names a flag before
// the command that is not global, a global option without its value, or a global flag given one.
absl::StatusOr<CommandLine> SplitCommandLine(const std::vector<std::string>& argv,
                                             const ArgSpec& global);

}  // namespace kuaguan::cli
