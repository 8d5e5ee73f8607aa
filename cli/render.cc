#include "cli/render.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "base/utf8.h"
#include "proto/record_fields.h"
#include "seal/digest.h"

namespace kuaguan::cli {
namespace v1 = kuaguan::v1;

constexpr size_t kShownChars = 120;  // longer values are cut in readable output

Json JStr(const std::string& s) {
  Json v;
  v.set_string_value(s);
  return v;
}

Json JNum(double n) {
  Json v;
  v.set_number_value(n);
  return v;
}

Json JBool(bool b) {
  Json v;
  v.set_bool_value(b);
  return v;
}

Json JObj(std::vector<std::pair<std::string, Json>> fields) {
  Json v;
  auto* s = v.mutable_struct_value()->mutable_fields();
  for (auto& [k, val] : fields) (*s)[k] = std::move(val);
  return v;
}

Json JArr(std::vector<Json> items) {
  Json v;
  auto* l = v.mutable_list_value();
  for (auto& i : items) *l->add_values() = std::move(i);
  return v;
}

std::string ToJson(const Json& value) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  (void)google::protobuf::util::MessageToJsonString(value, &out, opts);
  return out + "\n";
}

std::string ProtoJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, opts);
  return out + "\n";
}

Json RecordJson(const v1::Record& record) {
  std::vector<std::pair<std::string, Json>> fields;
  for (const auto& f : proto::CatalogFields()) {
    fields.emplace_back(std::string(f.key), JStr(f.get(record)));
  }
  const auto& ref = record.reference();
  std::vector<Json> parts;
  for (const auto& p : ref.parts()) parts.push_back(JStr(p));
  std::vector<Json> units;
  for (const auto& u : ref.units()) units.push_back(JStr(u));
  std::vector<std::pair<std::string, Json>> extra;
  for (const auto& [k, v] : record.extra()) extra.emplace_back(k, JStr(v));
  fields.emplace_back("extra", JObj(std::move(extra)));
  std::vector<Json> hashes;  // keyed hashes of identity numbers (never the numbers)
  for (const auto& p : record.persons()) {
    if (!p.id_hash().empty()) hashes.push_back(JStr(seal::ToHex(p.id_hash())));
  }
  fields.emplace_back("person_hashes", JArr(std::move(hashes)));
  fields.emplace_back("reference", JObj({{"fonds", JStr(ref.fonds())},
                                         {"category", JStr(ref.category())},
                                         {"year", JStr(ref.year())},
                                         {"retention", JStr(ref.retention())},
                                         {"units", JArr(std::move(units))},
                                         {"item", JStr(ref.item())},
                                         {"parts", JArr(std::move(parts))}}));
  return JObj(std::move(fields));
}

Json StoredRecordJson(const v1::StoredRecord& s) {
  std::vector<std::pair<std::string, Json>> fields = {{"code", JStr(s.record().code())},
                                                      {"version", JNum(s.version())},
                                                      {"state", JStr(StateName(s.state()))},
                                                      {"created", JStr(FormatMicros(s.created_micros()))},
                                                      {"updated", JStr(FormatMicros(s.updated_micros()))},
                                                      {"sm3", JStr(seal::ToHex(s.content_sm3()))},
                                                      {"sha256", JStr(seal::ToHex(s.content_sha256()))},
                                                      {"record", RecordJson(s.record())}};
  if (!s.origin().archive().empty()) {  // a read-only copy received by direct exchange (直接交换)
    fields.emplace_back("origin", JObj({{"archive", JStr(s.origin().archive())},
                                        {"package", JStr(s.origin().package())},
                                        {"imported", JStr(FormatMicros(s.origin().imported_micros()))},
                                        {"record_sm3", JStr(seal::ToHex(s.origin().record_sm3()))}}));
  }
  if (s.appraisal().outcome() != v1::APPRAISAL_OUTCOME_UNSPECIFIED) {  // the open appraisal in force (开放鉴定)
    const v1::AppraisalOutcome o = s.appraisal().outcome();
    fields.emplace_back("appraisal", JObj({{"outcome", JStr(o == v1::APPRAISAL_OUTCOME_OPEN         ? "open"
                                                            : o == v1::APPRAISAL_OUTCOME_CONTROLLED ? "controlled"
                                                                                                    : "deferred")},
                                           {"reason", JStr(s.appraisal().reason())},
                                           {"until", JStr(s.appraisal().until())},
                                           {"plan", JStr(s.appraisal().plan())},
                                           {"announcement", JStr(s.appraisal().announcement())},
                                           {"announced", JStr(FormatMicros(s.appraisal().announced_micros()))}}));
  }
  return JObj(std::move(fields));
}

std::string RecordText(const v1::Record& record) {
  std::string out;
  for (const auto& f : proto::CatalogFields()) {
    std::string v = f.get(record);
    if (v.empty()) continue;
    const size_t chars = base::CodePointCount(v);
    if (chars > kShownChars) {
      auto cps = base::DecodeUtf8(v);
      cps.resize(kShownChars);
      v = absl::StrCat(base::EncodeUtf8(cps), "… (", chars, " characters; --json shows all)");
    }
    absl::StrAppend(&out, "  ", f.chinese, " (", f.key, "): ", v, "\n");
  }
  for (const auto& [k, v] : record.extra()) absl::StrAppend(&out, "  ", k, " (extra): ", v, "\n");
  return out;
}

std::string StateName(v1::RecordState state) {
  return state == v1::RECORD_STATE_WITHDRAWN ? "withdrawn" : "active";
}

std::string ChangeName(v1::ChangeKind kind) {
  switch (kind) {
    case v1::CHANGE_KIND_CREATED:
      return "created";
    case v1::CHANGE_KIND_MODIFIED:
      return "modified";
    case v1::CHANGE_KIND_WITHDRAWN:
      return "withdrawn";
    default:
      return "unknown";
  }
}

std::string FormatMicros(int64_t micros) {
  if (micros == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(micros), absl::LocalTimeZone());
}

std::string FormatChinaTime(int64_t micros) {
  if (micros == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(micros), absl::FixedTimeZone(8 * 3600));
}

std::string RequestStateText(kuaguan::v1::RequestState state) {
  switch (state) {
    case kuaguan::v1::REQUEST_STATE_FILED: return "filed 已受理";
    case kuaguan::v1::REQUEST_STATE_RECEIVED: return "received 已接收";
    case kuaguan::v1::REQUEST_STATE_IN_REVIEW: return "in review 审核中";
    case kuaguan::v1::REQUEST_STATE_EXTENDED: return "extended 已延期";
    case kuaguan::v1::REQUEST_STATE_ISSUED: return "issued 已出证";
    case kuaguan::v1::REQUEST_STATE_NOT_FOUND: return "not found 查无档案";
    case kuaguan::v1::REQUEST_STATE_REFUSED: return "refused 不予提供";
    case kuaguan::v1::REQUEST_STATE_DELIVERED: return "delivered 已送达";
    default: return "unknown";
  }
}

std::string RequestLine(const kuaguan::v1::StoredRequest& s) {
  const auto& r = s.request();
  return absl::StrCat(r.request_id(), "  ", s.back_office() ? "back " : "front", "  ",
                      s.back_office() ? absl::StrCat("from ", r.from_archive()) : absl::StrCat("to ", r.target_archive()),
                      "  ", r.person_name(), "  ", RequestStateText(s.state()),
                      s.due_date().empty() ? "" : absl::StrCat("  due ", s.due_date()),
                      s.certificate().serial().empty() ? "" : absl::StrCat("  ", s.certificate().serial()), "\n");
}

std::string RequestText(const kuaguan::v1::StoredRequest& s, bool history) {
  const auto& r = s.request();
  std::string out = absl::StrCat("request ", r.request_id(), "  ", RequestStateText(s.state()), "\n");
  absl::StrAppend(&out, "  from      ", r.from_archive(), " ", r.from_name(), " (clerk ", r.filed_by(), ", ",
                  FormatMicros(r.filed_micros()), ")\n");
  absl::StrAppend(&out, "  to        ", r.target_archive(), "\n");
  absl::StrAppend(&out, "  person    ", r.person_name(), " ", r.person_id_masked(), "\n");
  absl::StrAppend(&out, "  purpose   ", r.purpose(), "\n");
  for (const auto& c : r.record_codes()) absl::StrAppend(&out, "  record    ", c, "\n");
  for (const auto& a : r.attachments()) absl::StrAppend(&out, "  attached  ", a.name(), " (", a.media_type(), ")\n");
  if (r.has_authorization()) {
    const auto& a = r.authorization();
    absl::StrAppend(&out, "  授权      ", a.body(), a.kind() == kuaguan::v1::AUTHORIZER_DEPARTMENT ? " (主管部门)" : " (权利人)",
                    a.document_number().empty() ? "" : absl::StrCat(" ", a.document_number()), ": ", a.scope(), "; valid ",
                    a.valid_from(), " to ", a.valid_until(), "; document ", a.document().name(), "\n");
    const auto& c = s.authorization_check();
    if (!c.by().empty()) {
      absl::StrAppend(&out, "            ", c.accepted() ? "accepted (已核验)" : "refused (不予认可)", " by ", c.by(),
                      c.reason().empty() ? "" : absl::StrCat(": ", c.reason()), "\n");
    }
  }
  if (!s.digitizing().empty()) {
    absl::StrAppend(&out, "  digitizing ", absl::StrJoin(s.digitizing(), ", "), " (正在数字化)\n");
  }
  if (!s.due_date().empty()) absl::StrAppend(&out, "  due       ", s.due_date(), " (received ", s.received_date(), ")\n");
  if (!s.extension_reason().empty()) absl::StrAppend(&out, "  extended  ", s.extension_reason(), "\n");
  if (!s.prepared_records().empty()) {
    absl::StrAppend(&out, "  prepared  ", absl::StrJoin(s.prepared_records(), ", "), " by ", s.prepared_by(),
                    ": awaiting the approver (requests approve)\n");
  }
  if (!s.certificate().serial().empty()) {
    absl::StrAppend(&out, "  certificate ", s.certificate().serial(), ", ", s.certificate().pages(), " pages\n");
  }
  if (!s.verify_error().empty()) absl::StrAppend(&out, "  CERTIFICATE REFUSED: ", s.verify_error(), "\n");
  if (!s.delivery().empty()) absl::StrAppend(&out, "  delivery  ", s.delivery(), "\n");
  if (!s.review_note().empty()) absl::StrAppend(&out, "  found     ", s.review_note(), " (this archive's note; not sent)\n");
  if (history) {
    for (const auto& c : s.history()) {
      absl::StrAppend(&out, "  ", FormatMicros(c.at_micros()), "  ", c.archive(), "  ", RequestStateText(c.state()), "  ",
                      c.actor(), c.reason().empty() ? "" : absl::StrCat("  ", c.reason()), "\n");
    }
  }
  return out;
}

std::string DeadLetterText(const v1::DeadLetterList& list) {
  if (list.items().empty()) return "no dead letters: every message was delivered or is still being tried\n";
  std::string out = "messages given up on (死信), oldest first; kuaguan requests retry SEQ queues one again:\n";
  for (const auto& m : list.items()) {
    const bool submit = m.has_submit();
    absl::StrAppend(&out, "  ", m.seq(), "  to ", m.target(), "  ",
                    submit ? m.submit().request_id() : m.update().request_id(), "  ",
                    submit ? "request" : absl::StrCat("update ", RequestStateText(m.update().state())), "  ",
                    m.attempts(), " attempts, given up ", FormatMicros(m.dead_micros()),
                    m.permanent() ? " (refused for good)" : " (too many attempts)", "\n    last: ", m.last_error(),
                    "\n");
  }
  return out;
}

absl::StatusOr<v1::RequestState> ParseRequestState(const std::string& s) {
  static const std::map<std::string, v1::RequestState> names = {
      {"filed", v1::REQUEST_STATE_FILED},         {"received", v1::REQUEST_STATE_RECEIVED},
      {"in-review", v1::REQUEST_STATE_IN_REVIEW}, {"extended", v1::REQUEST_STATE_EXTENDED},
      {"issued", v1::REQUEST_STATE_ISSUED},       {"not-found", v1::REQUEST_STATE_NOT_FOUND},
      {"refused", v1::REQUEST_STATE_REFUSED},     {"delivered", v1::REQUEST_STATE_DELIVERED}};
  auto it = names.find(s);
  if (it == names.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--state '", s, "' is not one of filed, received, in-review, extended, issued, not-found, refused, delivered"));
  }
  return it->second;
}

}  // namespace kuaguan::cli
