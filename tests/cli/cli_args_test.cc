// The command line split at its command word: global flags before or after it, --help anywhere.
#include "cli/cli_args.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "absl/status/status.h"

using kuaguan::cli::Args;
using kuaguan::cli::ArgSpec;
using kuaguan::cli::CommandLine;
using kuaguan::cli::SplitCommandLine;
using kuaguan::cli::WantsHelp;
using Words = std::vector<std::string>;

namespace {

// kuaguan's global options.
const ArgSpec kGlobal = {{"--json"}, {"--config"}};

// The command's arguments parsed as `spec` plus the global options, as OpenContext does.
Args ParseCommand(const CommandLine& line, ArgSpec spec) {
  spec.flags.insert(kGlobal.flags.begin(), kGlobal.flags.end());
  spec.options.insert(kGlobal.options.begin(), kGlobal.options.end());
  auto args = Args::Parse(line.args, spec);
  INFO(args.status().message());
  REQUIRE(args.ok());
  return *args;
}

}  // namespace

TEST_CASE("global options before the command word are taken out before it is picked") {
  auto line = SplitCommandLine({"--config", "n/kuaguan.toml", "--json", "status"}, kGlobal);
  REQUIRE(line.ok());
  CHECK_FALSE(line->help);
  CHECK(line->command == "status");
  CHECK(line->args == Words{"--config=n/kuaguan.toml", "--json"});
  const Args args = ParseCommand(*line, {});
  CHECK(args.Get("--config") == "n/kuaguan.toml");
  CHECK(args.Has("--json"));
  CHECK(args.positional().empty());
}

TEST_CASE("global options after the command word pass through unchanged") {
  const Words after = {"status", "--config", "n/kuaguan.toml", "--json"};
  auto line = SplitCommandLine(after, kGlobal);
  REQUIRE(line.ok());
  CHECK(line->command == "status");
  CHECK(line->args == Words(after.begin() + 1, after.end()));
  const Args args = ParseCommand(*line, {});
  CHECK(args.Get("--config") == "n/kuaguan.toml");
  CHECK(args.Has("--json"));
}

TEST_CASE("the --option=value form works before the command, values with '=' kept whole") {
  auto line = SplitCommandLine({"--config=a=b.toml", "status"}, kGlobal);
  REQUIRE(line.ok());
  CHECK(line->command == "status");
  CHECK(line->args == Words{"--config=a=b.toml"});
  CHECK(ParseCommand(*line, {}).Get("--config") == "a=b.toml");
}

TEST_CASE("before or after, the command sees the same arguments") {
  const ArgSpec spec = {{}, {"--state", "--side"}};
  auto before = SplitCommandLine({"--json", "--config", "c.toml", "requests", "list", "--state",
                                  "open"},
                                 kGlobal);
  auto after = SplitCommandLine({"requests", "list", "--state", "open", "--json", "--config",
                                 "c.toml"},
                                kGlobal);
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  CHECK(before->command == "requests");
  // The sub-command stays first, for commands that look at it before parsing.
  CHECK(before->args.front() == "list");
  const Args b = ParseCommand(*before, spec), a = ParseCommand(*after, spec);
  CHECK(b.positional() == a.positional());
  CHECK(b.positional() == Words{"list"});
  CHECK(b.Get("--state") == a.Get("--state"));
  CHECK(b.Get("--config") == a.Get("--config"));
  CHECK(b.Has("--json") == a.Has("--json"));
}

TEST_CASE("moved global options neither take nor give a value") {
  // `withdraw X --reason` lacks its value: the moved --json must not become it.
  auto line = SplitCommandLine({"--json", "withdraw", "X", "--reason"}, kGlobal);
  REQUIRE(line.ok());
  CHECK(line->args == Words{"X", "--json", "--reason"});
  auto parsed = Args::Parse(line->args, {{"--json"}, {"--reason"}});
  REQUIRE_FALSE(parsed.ok());
  CHECK(std::string(parsed.status().message()) == "--reason needs a value");

  // Words after "--" stay positional, so the global options go before it.
  line = SplitCommandLine({"--json", "get", "--", "-Z1"}, kGlobal);
  REQUIRE(line.ok());
  CHECK(line->args == Words{"--json", "--", "-Z1"});
}

TEST_CASE("an unknown flag before the command is refused by name") {
  auto line = SplitCommandLine({"--bogus", "status"}, kGlobal);
  REQUIRE_FALSE(line.ok());
  CHECK(line.status().code() == absl::StatusCode::kInvalidArgument);
  const std::string message(line.status().message());
  CHECK(message.find("--bogus") != std::string::npos);
  CHECK(message.find("--config") != std::string::npos);

  // A command's own flag is not global: it goes after the command.
  CHECK_FALSE(SplitCommandLine({"--history", "get", "X"}, kGlobal).ok());
  // After the command word, flags are the command's to check.
  line = SplitCommandLine({"get", "X", "--bogus"}, kGlobal);
  REQUIRE(line.ok());
  CHECK(line->args == Words{"X", "--bogus"});
}

TEST_CASE("a global option without its value, or a flag given one, is refused") {
  auto missing = SplitCommandLine({"--config"}, kGlobal);
  REQUIRE_FALSE(missing.ok());
  CHECK(std::string(missing.status().message()) == "--config needs a value");
  auto valued = SplitCommandLine({"--json=yes", "status"}, kGlobal);
  REQUIRE_FALSE(valued.ok());
  CHECK(std::string(valued.status().message()) == "--json takes no value");
}

TEST_CASE("--help and -h are seen anywhere before --") {
  for (const Words& argv : {Words{"--help"}, Words{"-h"}, Words{"status", "--help"},
                            Words{"--config", "c.toml", "requests", "list", "-h"},
                            Words{"--bogus", "--help"}}) {
    INFO(argv.size() << " words, first " << argv[0]);
    CHECK(WantsHelp(argv));
    auto line = SplitCommandLine(argv, kGlobal);
    REQUIRE(line.ok());
    CHECK(line->help);
  }
  CHECK_FALSE(WantsHelp({"get", "--", "--help"}));
  auto line = SplitCommandLine({"get", "--", "--help"}, kGlobal);
  REQUIRE(line.ok());
  CHECK_FALSE(line->help);
  CHECK(line->command == "get");
}

TEST_CASE("no command word leaves the command empty") {
  auto none = SplitCommandLine({}, kGlobal);
  REQUIRE(none.ok());
  CHECK(none->command.empty());
  auto only_flags = SplitCommandLine({"--json", "--config", "c.toml"}, kGlobal);
  REQUIRE(only_flags.ok());
  CHECK(only_flags->command.empty());
  CHECK_FALSE(only_flags->help);
}
