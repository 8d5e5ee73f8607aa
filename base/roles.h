// The one declarative role table (三员分离 and the working roles): which role may run which
// command. The daemon authorizes every call against it (by the command the call serves), the CLI
// prints it (`kuaguan roles`), and the role tests are generated from it. A command lists the gRPC
// methods that serve it ("Service/Method"); a method serving several commands (Requests/Decide)
// is authorized by the command its request names.
#pragma once

#include "absl/strings/string_view.h"
#include <vector>

namespace kuaguan::base {

struct RoleSpec {
  absl::string_view id;       // e.g. "security-officer"
  absl::string_view name_zh;  // e.g. "安全保密管理员"
  absl::string_view duty;     // one line, English
  bool three_role;           // one of 三员: nobody holds two of these
  absl::string_view node;     // "archive", "provincial" or "any": where the role exists
};

struct CommandRule {
  absl::string_view command;                // as typed after `kuaguan`, e.g. "staff grant"
  std::vector<absl::string_view> methods;   // the gRPC methods serving it
  std::vector<absl::string_view> roles;     // who may run it
};

// Every role, the three 三员 roles first.
const std::vector<RoleSpec>& Roles();
// Every command that reaches a node, in the order `kuaguan --help` gives them.
const std::vector<CommandRule>& Commands();

// The role `id`, or nullptr.
const RoleSpec* FindRole(absl::string_view id);
// The command `command`, or nullptr.
const CommandRule* FindCommand(absl::string_view command);
// Whether `role` may run `command` (false for an unknown command).
bool RoleMay(absl::string_view role, absl::string_view command);
// The commands `role` may run, in table order.
std::vector<absl::string_view> CommandsOf(absl::string_view role);

}  // namespace kuaguan::base
