// The provincial node's view of the federation: each member's last health report and a day of
// samples (in memory: after a restart the board fills again within one report interval), each
// member's state — ok (reported within two intervals), late (within five), down (longer, or
// never), alarm (an open alarm on it) — and the alarms: those the audit hub and the
// transparency log raised, with those read off the reports (member down, certificate expiring
// within 30 days, overdue requests, a member's own alarm).
// Thread-safe: one mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "federation/audit_hub.h"
#include "kuaguan/v1/federation.pb.h"
#include "kuaguan/v1/hub.pb.h"

namespace kuaguan::federation {

class HealthBoard {
 public:
  // Reports are expected every `report_seconds`; `provincial_name` names the hub's archive in
  // the view. `clock` must outlive the board.
  HealthBoard(const base::Clock* clock, int64_t report_seconds, std::string provincial_name = "")
      : clock_(clock), report_seconds_(report_seconds), provincial_name_(std::move(provincial_name)) {}

  // Keeps `report` as member `report.from()`'s latest (the caller checked who sent it).
  // INVALID_ARGUMENT for a report too large or with too many states or alarms.
  absl::Status Report(const kuaguan::v1::HealthReport& report) ABSL_LOCKS_EXCLUDED(mu_);

  // The federation as `directory` lists it, with the hub's audit holdings, its alarms and the
  // log's size; `archive` not empty: that member alone, with its samples.
  kuaguan::v1::FederationView View(const kuaguan::v1::Directory& directory,
                                   const std::map<std::string, AuditHub::Held>& audit,
                                   const std::vector<kuaguan::v1::Alarm>& alarms, uint64_t log_size,
                                   const std::string& archive) ABSL_LOCKS_EXCLUDED(mu_);

  int64_t report_seconds() const { return report_seconds_; }

 private:
  struct Member {
    kuaguan::v1::HealthReport last;
    int64_t received_micros = 0;
    std::deque<kuaguan::v1::MemberSample> samples;
  };
  const base::Clock* const clock_;
  const int64_t report_seconds_;
  const std::string provincial_name_;

  absl::Mutex mu_;
  std::map<std::string, Member> members_ ABSL_GUARDED_BY(mu_);
  // Alarms read off the reports, by id: when each was first seen (they keep that time while
  // they last, and are forgotten when they clear).
  std::map<std::string, int64_t> first_seen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kuaguan::federation
