#include "federation/authorization.h"

#include <algorithm>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"
#include "base/utf8.h"
#include "federation/request_rules.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr size_t kMaxText = 1000;
constexpr int kMaxCodes = 50;

absl::Status Text(const char* field, const std::string& v, bool required) {
  if (required && v.empty()) return absl::InvalidArgumentError(absl::StrCat("authorization.", field, ": required"));
  if (v.size() > kMaxText || !base::IsValidUtf8(v) || base::FirstControlChar(v) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("authorization.", field, ": at most ", kMaxText,
                                                   " bytes of UTF-8 without control characters"));
  }
  return absl::OkStatus();
}

absl::Status Day(const char* field, const std::string& v, absl::CivilDay* day) {
  if (v.size() != 10 || !absl::ParseCivilTime(v, day)) {
    return absl::InvalidArgumentError(absl::StrCat("authorization.", field, ": \"", v.substr(0, 40),
                                                   "\" is not a date YYYY-MM-DD"));
  }
  return absl::OkStatus();
}

const char* KindLabel(v1::AuthorizerKind k) {
  return k == v1::AUTHORIZER_DEPARTMENT ? "主管部门 competent department" : "权利人 rights holder";
}

}  // namespace

bool HasAuthorization(const v1::RemoteRequest& r) { return r.has_authorization(); }

absl::Status CheckAuthorizationForm(const v1::Authorization& a) {
  if (a.ByteSizeLong() == 0) return absl::OkStatus();
  RETURN_IF_ERROR(Text("body", a.body(), true));
  if (a.kind() != v1::AUTHORIZER_DEPARTMENT && a.kind() != v1::AUTHORIZER_RIGHTS_HOLDER) {
    return absl::InvalidArgumentError(
        "authorization.kind: the competent department (主管部门) or the rights holder (权利人)");
  }
  RETURN_IF_ERROR(Text("scope", a.scope(), true));
  RETURN_IF_ERROR(Text("document_number", a.document_number(), false));
  absl::CivilDay from, until;
  RETURN_IF_ERROR(Day("valid_from", a.valid_from(), &from));
  RETURN_IF_ERROR(Day("valid_until", a.valid_until(), &until));
  if (until < from) return absl::InvalidArgumentError("authorization.valid_until: before valid_from");
  if (a.record_codes_size() > kMaxCodes) {
    return absl::InvalidArgumentError(absl::StrCat("authorization.record_codes: at most ", kMaxCodes));
  }
  for (const auto& code : a.record_codes()) {
    if (code.empty() || code.size() > 128 || !base::IsValidUtf8(code) || base::FirstControlChar(code) != 0) {
      return absl::InvalidArgumentError("authorization.record_codes: a code is empty, too long or not printable");
    }
  }
  if (!a.has_document() || a.document().data().empty()) {
    return absl::InvalidArgumentError("authorization.document: the authorization document is required");
  }
  if (absl::Status st = CheckAttachment(a.document()); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("authorization.document: ", st.message()));
  }
  return absl::OkStatus();
}

absl::Status AuthorizationCovers(const v1::StoredRequest& stored, const std::string& code, const std::string& today) {
  const v1::Authorization& a = stored.request().authorization();
  if (!stored.request().has_authorization()) return absl::FailedPreconditionError("the request carries no authorization");
  const v1::AuthorizationCheck& check = stored.authorization_check();
  if (check.by().empty()) return absl::FailedPreconditionError("its authorization is not yet checked (requests authorize)");
  if (!check.accepted()) {
    return absl::FailedPreconditionError(absl::StrCat("its authorization was refused: ", check.reason()));
  }
  if (today < a.valid_from() || today > a.valid_until()) {
    return absl::FailedPreconditionError(
        absl::StrCat("its authorization is valid ", a.valid_from(), " to ", a.valid_until(), ", not on ", today));
  }
  const auto& codes = a.record_codes().empty() ? stored.request().record_codes() : a.record_codes();
  if (std::find(codes.begin(), codes.end(), code) == codes.end()) {
    return absl::FailedPreconditionError(absl::StrCat("its authorization does not cover ", code));
  }
  return absl::OkStatus();
}

std::string DescribeAuthorization(const v1::Authorization& a) {
  return absl::StrCat(a.body(), " (", KindLabel(a.kind()), ")",
                      a.document_number().empty() ? "" : absl::StrCat(", ", a.document_number()), ": ", a.scope(),
                      "; valid ", a.valid_from(), " to ", a.valid_until());
}

absl::StatusOr<v1::AuthorizerKind> ParseAuthorizerKind(const std::string& text) {
  if (text == "department" || text == "主管部门") return v1::AUTHORIZER_DEPARTMENT;
  if (text == "rights-holder" || text == "权利人") return v1::AUTHORIZER_RIGHTS_HOLDER;
  return absl::InvalidArgumentError(
      absl::StrCat("authorizer kind \"", text, "\": department (主管部门) or rights-holder (权利人)"));
}

}  // namespace kuaguan::federation
