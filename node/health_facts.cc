#include "node/health_facts.h"

#include <sys/statvfs.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "federation/state_store.h"
#include "kuaguan/v1/request.pb.h"
#include "seal/certs.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

std::string MonthOf(int64_t micros) {
  return absl::FormatTime("%Y-%m", absl::FromUnixMicros(micros), absl::FixedTimeZone(8 * 3600));
}

}  // namespace

v1::HealthReport CollectHealth(const HealthSources& s) {
  v1::HealthReport r;
  std::string errors;
  auto note = [&](const std::string& what, const absl::Status& st) {
    absl::StrAppend(&errors, errors.empty() ? "" : "; ", what, ": ", st.message());
  };
  const int64_t now = s.store->clock()->NowMicros();
  r.set_version(s.version);
  r.set_uptime_seconds((now - s.started_micros) / 1000000);
  struct statvfs fs {};
  if (::statvfs(s.config->data_dir.c_str(), &fs) == 0) {
    r.set_disk_free_bytes(static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize);
  }
  r.set_store_bytes(s.store->SizeBytes());
  if (s.index != nullptr) r.set_index_bytes(s.index->SizeBytes());
  r.set_records(s.store->Counts().records);
  if (s.link != nullptr && s.link->enrolled()) {
    const v1::DirectoryInfo info = s.link->Info();
    r.set_directory_version(info.version());
    r.set_directory_age_seconds(static_cast<int64_t>(info.age_s()));
    const std::string chain = s.link->identity().chain_pem;
    if (auto cert = seal::ParseCert(chain.substr(0, chain.find("-----END CERTIFICATE-----") + 25)); cert.ok()) {
      r.set_cert_expires_micros(
          std::chrono::duration_cast<std::chrono::microseconds>(cert->not_after.time_since_epoch()).count());
    }
  }
  if (s.requests != nullptr) {
    if (auto stats = s.requests->book()->Stats(); stats.ok()) {
      const std::string month = MonthOf(now);
      uint64_t issued = 0, not_found = 0, refused = 0, open = 0, total = 0;
      for (const auto& row : stats->rows()) {
        issued += row.issued();
        not_found += row.not_found();
        refused += row.refused();
        open += row.open();
        total += row.accepted();
        if (row.side() == "back" && row.month() == month) {
          r.set_answered_this_month(r.answered_this_month() + row.on_time() + row.late());
          r.set_answered_in_time_this_month(r.answered_in_time_this_month() + row.on_time());
        }
      }
      (*r.mutable_requests_by_state())["issued"] = issued;
      (*r.mutable_requests_by_state())["not_found"] = not_found;
      (*r.mutable_requests_by_state())["refused"] = refused;
      (*r.mutable_requests_by_state())["open"] = open;
      r.set_requests_total(total);
    } else {
      note("request statistics", stats.status());
    }
    if (auto overdue = s.requests->book()->Overdue(""); overdue.ok()) {
      r.set_overdue(static_cast<uint64_t>(overdue->requests_size()));
    } else {
      note("overdue requests", overdue.status());
    }
    if (auto backlog = s.store->Scan(federation::Family::kOutbox, ""); backlog.ok()) {
      r.set_outbox_backlog(backlog->size());
    } else {
      note("outbox", backlog.status());
    }
    if (auto dead = s.requests->outbox()->DeadLetters(); dead.ok()) {
      r.set_dead_letters(static_cast<uint64_t>(dead->items_size()));
    } else {
      note("dead letters", dead.status());
    }
  }
  r.set_last_error(errors);
  return r;
}

}  // namespace kuaguan::node
