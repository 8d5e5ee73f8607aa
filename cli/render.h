// Output for kuaguan: JSON documents (built as protobuf Values, printed compactly with UTF-8
// kept as is) and small readable text layouts. Pure; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"
#include "kuaguan/v1/record.pb.h"
#include "kuaguan/v1/request.pb.h"

namespace kuaguan::cli {

using Json = google::protobuf::Value;

Json JStr(const std::string& s);
Json JNum(double n);
Json JBool(bool b);
Json JObj(std::vector<std::pair<std::string, Json>> fields);
Json JArr(std::vector<Json> items);

// One JSON document, with a trailing newline.
std::string ToJson(const Json& value);

// A protobuf message as one line of JSON with its proto field names (64-bit numbers as strings).
std::string ProtoJson(const google::protobuf::Message& message);

// A record's fields keyed by their English names, plus its parsed reference code.
Json RecordJson(const kuaguan::v1::Record& record);

// A stored record: code, version, state, times, digests and the record; "origin" (archive,
// package, imported, record_sm3) only for a read-only copy received by direct exchange;
// "appraisal" (outcome, reason, until, plan, announcement, announced) once an open appraisal
// was announced for it.
Json StoredRecordJson(const kuaguan::v1::StoredRecord& stored);

// Readable "element: value" lines for a record's non-empty fields (Chinese element names).
std::string RecordText(const kuaguan::v1::Record& record);

// "active" or "withdrawn"; "created", "modified" or "withdrawn".
std::string StateName(kuaguan::v1::RecordState state);
std::string ChangeName(kuaguan::v1::ChangeKind kind);

// "issued 已出证" and so on.
std::string RequestStateText(kuaguan::v1::RequestState state);
// The state a --state word names (filed, received, in-review, extended, issued, not-found,
// refused, delivered); INVALID_ARGUMENT naming the word otherwise.
absl::StatusOr<kuaguan::v1::RequestState> ParseRequestState(const std::string& s);
// A request in a few readable lines: who, what, where, state, deadline, history.
std::string RequestText(const kuaguan::v1::StoredRequest& request, bool history);
// One line per request for lists.
std::string RequestLine(const kuaguan::v1::StoredRequest& request);
// The outbox's dead letters, one entry each with its last error.
std::string DeadLetterText(const kuaguan::v1::DeadLetterList& list);

// Local time of a Unix-microseconds timestamp, "2026-11-22 10:04:05".
std::string FormatMicros(int64_t micros);
// The same in China Standard Time (UTC+8), the archives' own dates, whatever this machine's zone.
std::string FormatChinaTime(int64_t micros);

}  // namespace kuaguan::cli
