#include "federation/request_book.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "federation/request_rules.h"
#include "proto/record_fields.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

absl::StatusOr<v1::StoredRequest> RequestBook::Read(const std::string& request_id) {
  ASSIGN_OR_RETURN(auto raw, store_->Get(Family::kRequests, request_id));
  if (!raw) return absl::NotFoundError(absl::StrCat("no request ", request_id));
  v1::StoredRequest r;
  if (!r.ParseFromString(*raw)) {
    return absl::DataLossError(absl::StrCat("request ", request_id, " does not parse"));
  }
  return r;
}

absl::StatusOr<v1::StoredRequest> RequestBook::Get(const std::string& request_id, bool full) {
  ASSIGN_OR_RETURN(auto r, Read(request_id));
  ASSIGN_OR_RETURN(std::string pending, outbox_->Pending(request_id));
  if (!pending.empty()) r.set_delivery(pending);
  return full ? r : Slim(std::move(r));
}

absl::StatusOr<v1::RequestList> RequestBook::List(const v1::ListRequestsRequest& request) {
  ASSIGN_OR_RETURN(auto all, store_->Scan(Family::kRequests, ""));
  std::vector<v1::StoredRequest> out;
  for (const auto& [key, value] : all) {
    v1::StoredRequest r;
    if (!r.ParseFromString(value)) {
      return absl::DataLossError(absl::StrCat("request ", key, " does not parse"));
    }
    if (request.side() == "front" && r.back_office()) continue;
    if (request.side() == "back" && !r.back_office()) continue;
    if (request.state() != v1::REQUEST_STATE_UNSPECIFIED && r.state() != request.state()) continue;
    out.push_back(Slim(std::move(r)));
  }
  std::sort(out.begin(), out.end(), [](const v1::StoredRequest& a, const v1::StoredRequest& b) {
    return a.request().filed_micros() > b.request().filed_micros();
  });
  v1::RequestList list;
  const size_t limit = request.limit() == 0 ? 100 : request.limit();
  for (size_t i = 0; i < out.size() && i < limit; ++i) *list.add_requests() = std::move(out[i]);
  return list;
}

absl::StatusOr<v1::RequestList> RequestBook::Overdue(const std::string& as_of) {
  absl::CivilDay day = DayOf(clock_->NowMicros());
  if (!as_of.empty() && !absl::ParseCivilTime(as_of, &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--as-of \"", as_of, "\" is not a date (YYYY-MM-DD)"));
  }
  v1::ListRequestsRequest all_req;
  all_req.set_limit(UINT32_MAX);
  ASSIGN_OR_RETURN(auto all, List(all_req));
  v1::RequestList out;
  for (const auto& r : all.requests()) {
    absl::CivilDay due;
    if (Closed(r.state()) || r.due_date().empty() || !absl::ParseCivilTime(r.due_date(), &due)) {
      continue;
    }
    if (due < day) *out.add_requests() = r;
  }
  return out;
}

absl::StatusOr<v1::RequestStats> RequestBook::Stats() {
  v1::ListRequestsRequest all_req;
  all_req.set_limit(UINT32_MAX);
  ASSIGN_OR_RETURN(auto all, List(all_req));
  std::map<std::tuple<std::string, std::string, std::string, std::string>, v1::RequestStatsRow> rows;
  const absl::CivilDay today = DayOf(clock_->NowMicros());
  for (const auto& s : all.requests()) {
    const auto& r = s.request();
    const std::string side = s.back_office() ? "back" : "front";
    const std::string other = s.back_office() ? r.from_archive() : r.target_archive();
    const std::string month =
        absl::FormatTime("%Y-%m", absl::FromUnixMicros(r.filed_micros()), Beijing());
    const std::string category = proto::LivelihoodLabel(r.category());
    auto& row = rows[{side, other, category, month}];
    row.set_side(side);
    row.set_archive(other);
    row.set_category(category);
    row.set_month(month);
    row.set_accepted(row.accepted() + 1);
    bool issued = false;
    for (const auto& c : s.history()) issued |= c.state() == v1::REQUEST_STATE_ISSUED;
    if (issued) {
      row.set_issued(row.issued() + 1);
    } else if (s.state() == v1::REQUEST_STATE_NOT_FOUND) {
      row.set_not_found(row.not_found() + 1);
    } else if (s.state() == v1::REQUEST_STATE_REFUSED) {
      row.set_refused(row.refused() + 1);
    } else {
      row.set_open(row.open() + 1);
    }
    absl::CivilDay due;
    if (s.due_date().empty() || !absl::ParseCivilTime(s.due_date(), &due)) continue;
    const absl::CivilDay answered = s.closed_micros() != 0 ? DayOf(s.closed_micros()) : today;
    if (s.closed_micros() != 0 && answered <= due) {
      row.set_on_time(row.on_time() + 1);
    } else if (answered > due) {
      row.set_late(row.late() + 1);
    }
  }
  v1::RequestStats out;
  for (auto& [k, row] : rows) *out.add_rows() = std::move(row);
  return out;
}

absl::Status RequestBook::Commit(v1::StoredRequest* stored, v1::RequestState state,
                                 const std::string& actor, const std::string& reason, bool notify,
                                 std::vector<KeyWrite> extra, std::vector<Outbox::Message> messages) {
  v1::StateChange change;
  change.set_state(state);
  change.set_at_micros(clock_->NowMicros());
  change.set_actor(actor);
  change.set_archive(archive_);
  change.set_reason(reason);
  Merge(stored, change);
  const v1::RemoteRequest& r = stored->request();
  if (notify) {
    v1::OutboxItem item;
    auto* u = item.mutable_update();
    u->set_from(archive_);
    u->set_request_id(r.request_id());
    u->set_state(state);
    *u->mutable_change() = change;
    u->set_due_date(stored->due_date());
    u->set_extension_reason(stored->extension_reason());
    if (state == v1::REQUEST_STATE_ISSUED) *u->mutable_certificate() = stored->certificate();
    messages.push_back({stored->back_office() ? r.from_archive() : r.target_archive(), std::move(item)});
  }
  extra.push_back({Family::kRequests, r.request_id(), stored->SerializeAsString()});
  return outbox_->Commit(std::move(extra), std::move(messages),
                         {actor, absl::StrCat("request.", v1::RequestState_Name(state)), r.request_id(),
                          reason.empty() ? "ok" : absl::StrCat("ok: ", reason)});
}

}  // namespace kuaguan::federation
