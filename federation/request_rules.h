// The rules of a remote request that both ends apply: how far along each state is (a request's
// state is the furthest of its history, whatever order the two ends' messages arrive in), which
// states close it, their names in English and Chinese, what an attachment may be, and the day
// arithmetic of deadlines (Beijing time, 3 working days from the day after receipt).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "kuaguan/v1/request.pb.h"

namespace kuaguan::federation {

inline constexpr size_t kMaxAttachments = 10;
inline constexpr size_t kMaxAttachmentBytes = 8u << 20;
inline constexpr size_t kMaxAttachmentsTotal = 16u << 20;
// Working days to answer, and to extend once.
inline constexpr int kDeadlineDays = 3;

// UTC+8, in which request days are counted.
const absl::TimeZone& Beijing();
// The Beijing day of a time in microseconds since the epoch.
absl::CivilDay DayOf(int64_t micros);
// YYYY-MM-DD.
std::string DayString(absl::CivilDay day);

// Issued, not found, refused or delivered: nothing more happens to the request.
bool Closed(kuaguan::v1::RequestState state);
// "issued 已出证" and so on.
std::string StateName(kuaguan::v1::RequestState state);
// The same change (state, time and archive), as both ends record it.
bool SameChange(const kuaguan::v1::StateChange& a, const kuaguan::v1::StateChange& b);
// Adds `change` unless the history has it (false then); the state becomes the furthest one and
// a closing change sets closed_micros.
bool Merge(kuaguan::v1::StoredRequest* stored, const kuaguan::v1::StateChange& change);
// What a list shows: no attachment bytes, no PDF.
kuaguan::v1::StoredRequest Slim(kuaguan::v1::StoredRequest request);
// What each end may report about a request to the other: the back office its own answers
// (received, in review, extended, issued, not found, refused); the front desk only delivery.
bool BackOfficeReports(kuaguan::v1::RequestState state);
bool FrontDeskReports(kuaguan::v1::RequestState state);
// A change archive `from` reported, as this end records it: the reported state and reason (made
// printable, at most 1 KiB), `from` as archive and actor ("archive:FROM"), `now` as the time;
// the sender's time kept only in sender_micros, to recognise a redelivery.
kuaguan::v1::StateChange Reported(const kuaguan::v1::StateChange& change, const std::string& from,
                                  int64_t now);
// Whether `stored` already holds what `from` reported as `change` (a redelivery).
bool HasReported(const kuaguan::v1::StoredRequest& stored, const kuaguan::v1::StateChange& change,
                 const std::string& from);
// The closing answer (issued, not found, refused) archive `from` already gave, or UNSPECIFIED.
kuaguan::v1::RequestState AnswerFrom(const kuaguan::v1::StoredRequest& stored, const std::string& from);

// The one answer for a request id that is unknown and for one that is not between this archive
// and `from`: NOT_FOUND, so that a peer cannot tell other requests exist.
absl::Status NoSuchRequest(const std::string& request_id, const std::string& from);

// OK for a plain-named PDF, PNG, JPEG or TIFF of at most kMaxAttachmentBytes whose declared
// media type and SM3 (when given) match its bytes; INVALID_ARGUMENT naming the attachment else.
absl::Status CheckAttachment(const kuaguan::v1::Attachment& attachment);
// Every attachment checked, at most kMaxAttachments of them and kMaxAttachmentsTotal bytes in
// all: the same limits at the front desk that files and the back office that receives.
absl::Status CheckAttachments(
    const google::protobuf::RepeatedPtrField<kuaguan::v1::Attachment>& attachments);

}  // namespace kuaguan::federation
