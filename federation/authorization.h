// The authorization a request brings for conditionally shared records (有条件共享, R3.3): who
// authorizes (the competent department or the rights holder), what and until when, with the
// document itself. The front desk checks its form before filing, the back office again on
// receipt (hostile bytes); a clerk then accepts or refuses it, and only an accepted authorization,
// valid on the day and covering the record, lets the record reach that requester.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kuaguan/v1/request.pb.h"

namespace kuaguan::federation {

// OK for no authorization at all (an empty message), or one whose every field is present and
// bounded: INVALID_ARGUMENT naming the field otherwise ("authorization.valid_until: …").
absl::Status CheckAuthorizationForm(const kuaguan::v1::Authorization& a);

// Whether the request carries an authorization.
bool HasAuthorization(const kuaguan::v1::RemoteRequest& r);

// OK when the clerk accepted the request's authorization, `today` (YYYY-MM-DD) is within its
// validity and it covers `code` (its own list, or else the records the request names); else
// FAILED_PRECONDITION saying which of these fails.
absl::Status AuthorizationCovers(const kuaguan::v1::StoredRequest& stored, const std::string& code,
                                 const std::string& today);

// One line naming the authorization, for the certificate and the clerk: body (kind), 文号,
// scope, validity.
std::string DescribeAuthorization(const kuaguan::v1::Authorization& a);

// Parses a kind in English or Chinese: department / 主管部门, rights-holder / 权利人.
absl::StatusOr<kuaguan::v1::AuthorizerKind> ParseAuthorizerKind(const std::string& text);

}  // namespace kuaguan::federation
