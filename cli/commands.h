// The kuaguan commands. Each reads its own arguments, talks to the node, prints its result
// (one JSON document on stdout with --json, readable text otherwise) and returns OK, or a
// status whose message main prints as the one line on stderr.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace kuaguan::cli {

using Argv = std::vector<std::string>;

absl::Status InitCommand(const Argv& argv);
absl::Status StatusCommand(const Argv& argv);
absl::Status StatsCommand(const Argv& argv);
absl::Status ImportCommand(const Argv& argv);
absl::Status GetCommand(const Argv& argv);
absl::Status SearchCommand(const Argv& argv);
absl::Status ModifyCommand(const Argv& argv);
absl::Status WithdrawCommand(const Argv& argv);
absl::Status ExportCommand(const Argv& argv);
absl::Status ReindexCommand(const Argv& argv);
absl::Status AuditCommand(const Argv& argv);
absl::Status IngestCommand(const Argv& argv);
absl::Status PageCommand(const Argv& argv);
absl::Status CaCommand(const Argv& argv);
absl::Status EnrollCommand(const Argv& argv);
absl::Status DirectoryCommand(const Argv& argv);
absl::Status PeersCommand(const Argv& argv);
absl::Status CertCommand(const Argv& argv);
absl::Status StaffCommand(const Argv& argv);
absl::Status RequestsCommand(const Argv& argv);
absl::Status RequestStatsCommand(const Argv& argv);
absl::Status VerifyCommand(const Argv& argv);
absl::Status WhoAmICommand(const Argv& argv);
absl::Status RolesCommand(const Argv& argv);
absl::Status HubCommand(const Argv& argv);
absl::Status FederationCommand(const Argv& argv);
absl::Status LogCommand(const Argv& argv);
absl::Status BackupCommand(const Argv& argv);
absl::Status RestoreCommand(const Argv& argv);
absl::Status CheckCommand(const Argv& argv);
absl::Status AppraisalCommand(const Argv& argv);
absl::Status PolicyCommand(const Argv& argv);
absl::Status DigitizeCommand(const Argv& argv);
absl::Status ExchangeCommand(const Argv& argv);

// Usage text for all commands.
std::string Usage();

}  // namespace kuaguan::cli
