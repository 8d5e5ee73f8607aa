#include "federation/health_board.h"

#include "absl/strings/str_cat.h"
#include "base/printable.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr size_t kMaxSamples = 1440;  // a day of reports a minute apart
constexpr int kMaxStates = 32;
constexpr int kMaxAlarms = 16;
constexpr size_t kMaxReportBytes = 64 * 1024;
constexpr int64_t kExpiryWarningMicros = int64_t{30} * 86400 * 1000000;

}  // namespace

absl::Status HealthBoard::Report(const v1::HealthReport& report) {
  if (report.ByteSizeLong() > kMaxReportBytes || report.requests_by_state_size() > kMaxStates ||
      report.alarms_size() > kMaxAlarms) {
    return absl::InvalidArgumentError("the health report is too large");
  }
  v1::HealthReport kept = report;
  kept.set_last_error(base::Printable(report.last_error(), 500));
  kept.set_version(base::Printable(report.version(), 40));
  for (auto& a : *kept.mutable_alarms()) a = base::Printable(a, 500);
  absl::MutexLock lock(&mu_);
  Member& m = members_[report.from()];
  m.received_micros = clock_->NowMicros();
  kept.set_time_micros(m.received_micros);  // our clock, not the member's
  v1::MemberSample s;
  s.set_time_micros(m.received_micros);
  s.set_requests_total(kept.requests_total());
  s.set_answered_this_month(kept.answered_this_month());
  s.set_answered_in_time_this_month(kept.answered_in_time_this_month());
  s.set_overdue(kept.overdue());
  m.samples.push_back(std::move(s));
  while (m.samples.size() > kMaxSamples) m.samples.pop_front();
  m.last = std::move(kept);
  return absl::OkStatus();
}

v1::FederationView HealthBoard::View(const v1::Directory& directory, const std::map<std::string, AuditHub::Held>& audit,
                                     const std::vector<v1::Alarm>& alarms, uint64_t log_size,
                                     const std::string& archive) {
  const int64_t now = clock_->NowMicros();
  const int64_t interval = report_seconds_ * 1000000;
  v1::FederationView view;
  view.set_provincial(directory.provincial_code());
  view.set_provincial_name(provincial_name_);
  view.set_time_micros(now);
  view.set_log_size(log_size);
  view.set_report_interval_seconds(report_seconds_);
  std::vector<v1::Alarm> derived;
  auto derive = [&](const std::string& code, const std::string& kind, const std::string& detail, int n = 0) {
    v1::Alarm a;
    a.set_id(n == 0 ? absl::StrCat(kind, "-", code) : absl::StrCat(kind, "-", code, "-", n));
    a.set_archive(code);
    a.set_kind(kind);
    a.set_detail(detail);
    a.set_open(true);
    derived.push_back(std::move(a));
  };
  absl::MutexLock lock(&mu_);
  for (const v1::Member& member : directory.members()) {
    const std::string& code = member.code();
    if (code == directory.provincial_code()) continue;
    if (!archive.empty() && code != archive) continue;
    v1::MemberView* mv = view.add_members();
    mv->set_code(code);
    mv->set_name(member.name());
    mv->set_revoked(member.revoked());
    if (auto it = audit.find(code); it != audit.end()) {
      mv->set_audit_entries(it->second.entries);
      mv->set_audit_last_micros(it->second.last_micros);
    }
    auto it = members_.find(code);
    const int64_t age = it == members_.end() ? INT64_MAX : now - it->second.received_micros;
    std::string state = age <= 2 * interval + 5000000 ? "ok" : age <= 5 * interval ? "late" : "down";
    if (member.revoked()) state = "down";
    if (it != members_.end()) {
      const v1::HealthReport& r = it->second.last;
      *mv->mutable_last_report() = r;
      if (!archive.empty()) {
        for (const auto& s : it->second.samples) *mv->add_samples() = s;
      }
      if (r.cert_expires_micros() > 0 && r.cert_expires_micros() - now < kExpiryWarningMicros) {
        derive(code, "certificate-expiring",
               absl::StrCat(member.name(), " (", code, "): its TLS certificate expires in ",
                            (r.cert_expires_micros() - now) / 86400000000, " days"));
      }
      if (r.overdue() > 0) {
        derive(code, "overdue-requests", absl::StrCat(member.name(), " (", code, "): ", r.overdue(),
                                                      " requests past their 3-working-day deadline"));
      }
      int n = 0;
      for (const auto& a : r.alarms()) derive(code, "member-alarm", absl::StrCat(member.name(), " (", code, "): ", a), ++n);
      if (r.alarms_size() > 0) state = "alarm";
    }
    if (state == "down" && !member.revoked()) {
      derive(code, "member-down",
             it == members_.end()
                 ? absl::StrCat(member.name(), " (", code, ") has not reported since the hub started")
                 : absl::StrCat(member.name(), " (", code, ") last reported ", age / 1000000, " s ago"));
    }
    for (const auto& a : alarms) {
      if (a.open() && a.archive() == code) state = "alarm";
    }
    mv->set_state(state);
  }
  for (const auto& a : alarms) {
    if (archive.empty() || a.archive() == archive) *view.add_alarms() = a;
  }
  std::map<std::string, int64_t> seen;
  for (auto& a : derived) {
    auto it = first_seen_.find(a.id());
    a.set_raised_micros(it == first_seen_.end() ? now : it->second);
    seen[a.id()] = a.raised_micros();
    *view.add_alarms() = std::move(a);
  }
  if (archive.empty()) {
    first_seen_ = std::move(seen);
  } else {
    for (auto& [id, at] : seen) first_seen_.emplace(id, at);
  }
  return view;
}

}  // namespace kuaguan::federation
