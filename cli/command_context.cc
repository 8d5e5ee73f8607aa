#include "cli/command_context.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "base/printable.h"
#include "base/status_macros.h"

namespace kuaguan::cli {

absl::StatusOr<CommandContext> OpenContext(const Argv& argv, ArgSpec spec) {
  spec.flags.insert("--json");
  spec.options.insert("--config");
  spec.options.insert("--profile");
  spec.options.insert("--passphrase-file");
  CommandContext ctx;
  ASSIGN_OR_RETURN(ctx.args, Args::Parse(argv, spec));
  ctx.json = ctx.args.Has("--json");
  if (auto profile = ctx.args.Get("--profile")) {
    ASSIGN_OR_RETURN(const Profile p, LoadProfile(*profile, ctx.args.Get("--passphrase-file")));
    ctx.client.emplace(AdminClient::ConnectProfile(p));
    return ctx;
  }
  std::string path;
  if (auto c = ctx.args.Get("--config")) {
    path = *c;
  } else if (const char* env = std::getenv("KUAGUAN_CONFIG"); env != nullptr && *env != '\0') {
    path = env;
  } else if (std::error_code ec; std::filesystem::exists("kuaguan.toml", ec)) {
    path = "kuaguan.toml";
  } else {
    return absl::InvalidArgumentError(
        "no node config: pass --config FILE or set KUAGUAN_CONFIG (kuaguan init writes one)");
  }
  ASSIGN_OR_RETURN(ctx.config, base::LoadConfig(path));
  ASSIGN_OR_RETURN(auto client, AdminClient::Connect(ctx.config));
  ctx.client.emplace(std::move(client));
  return ctx;
}

void Print(const std::string& text) {
  // On a terminal, what came from peers and files cannot move the cursor, recolour or reorder
  // the screen; piped, the bytes are exact (scripts, JSON).
  static const bool terminal = isatty(STDOUT_FILENO) == 1;
  const std::string shown = terminal ? base::Printable(text, text.size() * 3 + 16, /*keep_newlines=*/true) : text;
  std::fwrite(shown.data(), 1, shown.size(), stdout);
  std::fflush(stdout);
}

}  // namespace kuaguan::cli
