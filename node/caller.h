// The authenticated person behind a call: who (from the kernel or a staff certificate, never from
// the client's word), every role they hold, the one they act in for this call, and the staff
// certificate when that is how they came in.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/actor.h"
#include "seal/certs.h"

namespace kuaguan::node {

struct Caller {
  base::Actor actor;               // person, the role acted in, via (unix:USER | certificate:SERIAL)
  std::vector<std::string> roles;  // every role the person holds here
  std::optional<seal::StaffInfo> certificate;

  // The audit log's form of the actor.
  std::string Audit() const { return actor.ToString(); }
};

}  // namespace kuaguan::node
