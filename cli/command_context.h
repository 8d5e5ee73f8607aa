// What every command but init shares: its parsed arguments (with --config and --json), the
// node's configuration, and a connected client.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cli/admin_client.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "base/node_config.h"

namespace kuaguan::cli {

struct CommandContext {
  Args args;
  bool json = false;
  base::NodeConfig config;
  std::optional<AdminClient> client;
};

// Parses `argv` with `spec` plus --config/--profile/--json and connects to the node: over mutual
// TLS with the staff certificate of --profile, else over the local socket of the config
// (--config, KUAGUAN_CONFIG, or ./kuaguan.toml).
absl::StatusOr<CommandContext> OpenContext(const Argv& argv, ArgSpec spec);

// Prints `text` to stdout; on a terminal, control characters become U+FFFD (base/printable.h).
void Print(const std::string& text);

}  // namespace kuaguan::cli
