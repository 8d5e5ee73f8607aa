// kuaguan-desk lookup: the records about a person at every member (R6.1), then, in the same step,
// remote requests for the ones the clerk chooses (--file 1,3 or, on a terminal, at a prompt): one
// request per archive and category, through the Desk service's FileRequest, the identity number
// read once. Output (--json): {"lookup_id", "person_id_masked", "answered": [codes], "unanswered":
// [{"archive", "archive_name", "error"}], "truncated": [codes], "records": [{"index", "archive",
// "archive_name", "category", "title", "date", "code"}], "filed": [{"archive", "category",
// "records", "request_id"}], "not_filed": [{"archive", "category", "records", "error"}]}.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "cli/cli_args.h"
#include "cli/profile.h"

namespace kuaguan::cli {

// Reads the person's identity number as `kuaguan-desk request` does (never from argv).
using IdNumberReader = absl::StatusOr<std::string> (*)(const Args& args);

// Runs the command with the clerk's `profile`; returns the exit code (1 when the lookup or a
// chosen filing failed, 2 for a malformed --file).
int DeskLookup(const Args& args, const Profile& profile, bool json, IdNumberReader read_id_number);

}  // namespace kuaguan::cli
