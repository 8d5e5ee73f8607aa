#include "federation/request_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/media_type.h"
#include "base/printable.h"
#include "base/status_macros.h"
#include "seal/digest.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

int Rank(v1::RequestState s) {
  switch (s) {
    case v1::REQUEST_STATE_FILED: return 1;
    case v1::REQUEST_STATE_RECEIVED: return 2;
    case v1::REQUEST_STATE_IN_REVIEW: return 3;
    case v1::REQUEST_STATE_EXTENDED: return 4;
    case v1::REQUEST_STATE_ISSUED:
    case v1::REQUEST_STATE_NOT_FOUND:
    case v1::REQUEST_STATE_REFUSED: return 5;
    case v1::REQUEST_STATE_DELIVERED: return 6;
    default: return 0;
  }
}

}  // namespace

const absl::TimeZone& Beijing() {
  static const absl::TimeZone tz = absl::FixedTimeZone(8 * 3600);
  return tz;
}

absl::CivilDay DayOf(int64_t micros) {
  return absl::ToCivilDay(absl::FromUnixMicros(micros), Beijing());
}

std::string DayString(absl::CivilDay day) { return absl::FormatCivilTime(day); }

bool Closed(v1::RequestState s) {
  return s == v1::REQUEST_STATE_ISSUED || s == v1::REQUEST_STATE_NOT_FOUND ||
         s == v1::REQUEST_STATE_REFUSED || s == v1::REQUEST_STATE_DELIVERED;
}

std::string StateName(v1::RequestState s) {
  switch (s) {
    case v1::REQUEST_STATE_FILED: return "filed 已受理";
    case v1::REQUEST_STATE_RECEIVED: return "received 已接收";
    case v1::REQUEST_STATE_IN_REVIEW: return "in review 审核中";
    case v1::REQUEST_STATE_EXTENDED: return "extended 已延期";
    case v1::REQUEST_STATE_ISSUED: return "issued 已出证";
    case v1::REQUEST_STATE_NOT_FOUND: return "not found 查无档案";
    case v1::REQUEST_STATE_REFUSED: return "refused 不予提供";
    case v1::REQUEST_STATE_DELIVERED: return "delivered 已送达";
    default: return "unknown";
  }
}

bool SameChange(const v1::StateChange& a, const v1::StateChange& b) {
  return a.state() == b.state() && a.at_micros() == b.at_micros() && a.archive() == b.archive();
}

bool Merge(v1::StoredRequest* stored, const v1::StateChange& change) {
  for (const auto& c : stored->history()) {
    if (SameChange(c, change)) return false;
  }
  *stored->add_history() = change;
  std::stable_sort(stored->mutable_history()->begin(), stored->mutable_history()->end(),
                   [](const v1::StateChange& a, const v1::StateChange& b) {
                     return a.at_micros() < b.at_micros();
                   });
  if (Rank(change.state()) >= Rank(stored->state())) stored->set_state(change.state());
  if (Closed(change.state()) && stored->closed_micros() == 0) {
    stored->set_closed_micros(change.at_micros());
  }
  return true;
}

bool BackOfficeReports(v1::RequestState s) {
  return s == v1::REQUEST_STATE_RECEIVED || s == v1::REQUEST_STATE_IN_REVIEW ||
         s == v1::REQUEST_STATE_EXTENDED || s == v1::REQUEST_STATE_ISSUED ||
         s == v1::REQUEST_STATE_NOT_FOUND || s == v1::REQUEST_STATE_REFUSED;
}

bool FrontDeskReports(v1::RequestState s) { return s == v1::REQUEST_STATE_DELIVERED; }

v1::StateChange Reported(const v1::StateChange& change, const std::string& from, int64_t now) {
  v1::StateChange out;
  out.set_state(change.state());
  out.set_at_micros(now);
  out.set_actor(absl::StrCat("archive:", from));
  out.set_archive(from);
  out.set_reason(base::Printable(change.reason(), 1024));
  out.set_sender_micros(change.at_micros());
  return out;
}

bool HasReported(const v1::StoredRequest& stored, const v1::StateChange& change, const std::string& from) {
  for (const auto& c : stored.history()) {
    if (c.archive() == from && c.state() == change.state() && c.sender_micros() == change.at_micros()) {
      return true;
    }
  }
  return false;
}

v1::RequestState AnswerFrom(const v1::StoredRequest& stored, const std::string& from) {
  for (const auto& c : stored.history()) {
    if (c.archive() == from && Closed(c.state()) && c.state() != v1::REQUEST_STATE_DELIVERED) return c.state();
  }
  return v1::REQUEST_STATE_UNSPECIFIED;
}

absl::Status NoSuchRequest(const std::string& request_id, const std::string& from) {
  return absl::NotFoundError(absl::StrCat("no request ", base::Printable(request_id, 80), " between us and ", from));
}

v1::StoredRequest Slim(v1::StoredRequest r) {
  for (auto& a : *r.mutable_request()->mutable_attachments()) a.clear_data();
  r.mutable_certificate()->clear_pdf();
  return r;
}

absl::Status CheckAttachment(const v1::Attachment& a) {
  const std::string& d = a.data();
  if (a.name().empty() || a.name().find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("attachment \"", a.name(), "\": a plain file name is required"));
  }
  if (d.empty()) return absl::InvalidArgumentError(absl::StrCat("attachment ", a.name(), " is empty"));
  if (d.size() > kMaxAttachmentBytes) {
    return absl::InvalidArgumentError(absl::StrCat("attachment ", a.name(), " is ", d.size(),
                                                   " bytes; the limit is ",
                                                   kMaxAttachmentBytes >> 20, " MiB"));
  }
  const std::string type = base::SniffMediaType(d);
  if (type.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attachment ", a.name(),
        " is not a PDF, PNG, JPEG or TIFF file (its first bytes say otherwise)"));
  }
  if (!a.media_type().empty() && a.media_type() != type) {
    return absl::InvalidArgumentError(
        absl::StrCat("attachment ", a.name(), " says ", a.media_type(), " but is ", type));
  }
  if (!a.sm3().empty() && a.sm3() != seal::Sm3(d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("attachment ", a.name(), ": its SM3 does not match its bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckAttachments(const google::protobuf::RepeatedPtrField<v1::Attachment>& attachments) {
  if (attachments.size() > static_cast<int>(kMaxAttachments)) {
    return absl::InvalidArgumentError(
        absl::StrCat(attachments.size(), " attachments; at most ", kMaxAttachments, " are allowed"));
  }
  size_t total = 0;
  for (const auto& a : attachments) {
    RETURN_IF_ERROR(CheckAttachment(a));
    total += a.data().size();
  }
  if (total > kMaxAttachmentsTotal) {
    return absl::InvalidArgumentError(absl::StrCat("the attachments total ", total, " bytes; the limit is ",
                                                   kMaxAttachmentsTotal >> 20, " MiB"));
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::federation
