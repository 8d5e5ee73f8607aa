// Who did something, as every audit entry records it: the authenticated person, the role they
// acted in, and how they were authenticated ("unix:USER" from the socket's peer credentials, or
// "certificate:SERIAL" from a staff certificate over mutual TLS). Written into the hash-chained
// log as one string, "姓名 (role, via)"; entries written by the node itself or a peer carry a bare
// name ("kuaguand", "peer:410200") and parse with empty role and via.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace kuaguan::base {

struct Actor {
  std::string person;
  std::string role;
  std::string via;

  // "person (role, via)", or the bare person when role and via are empty.
  std::string ToString() const;
};

// The inverse of Actor::ToString for every string it makes; any other string is a bare person.
Actor ParseActor(absl::string_view text);

// Checks a person's name as registered (姓名): 1–64 characters of UTF-8, no control characters,
// no parentheses or commas (they delimit the audit form). INVALID_ARGUMENT naming the problem.
absl::Status CheckPersonName(absl::string_view name);

}  // namespace kuaguan::base
