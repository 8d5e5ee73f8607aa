#include "federation/federated_search.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "seal/certs.h"
#include "seal/directory.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

absl::Status FederatedSearch::RunInWaves(std::vector<absl::AnyInvocable<void()>> calls) {
  while (!calls.empty()) {
    const size_t n = std::min(calls.size(), kWave);
    std::vector<absl::AnyInvocable<void()>> wave(std::make_move_iterator(calls.end() - n),
                                                 std::make_move_iterator(calls.end()));
    calls.resize(calls.size() - n);
    RETURN_IF_ERROR(pool_->RunAll(std::move(wave)));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PeerList> FederatedSearch::Peers(const v1::PeersRequest& request) {
  if (!members_->enrolled()) {
    return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  }
  const v1::Directory d = members_->Directory();
  v1::PeerList list;
  *list.mutable_directory() = seal::DirectoryInfoOf(d, clock_->NowChrono());
  const absl::Duration timeout =
      absl::Milliseconds(request.timeout_ms() == 0 ? 2000 : request.timeout_ms());
  for (int i = 0; i < d.members_size(); ++i) list.add_peers();
  std::vector<absl::AnyInvocable<void()>> calls;
  for (int i = 0; i < d.members_size(); ++i) {
    const v1::Member& m = d.members(i);
    v1::PeerState* p = list.mutable_peers(i);
    p->set_code(m.code());
    p->set_name(m.name());
    p->set_level(m.level());
    p->set_address(m.address());
    p->set_self(m.code() == archive_);
    p->set_revoked(m.revoked());
    if (auto info = seal::ParseCert(m.tls_cert_pem()); info.ok()) {
      p->set_cert_not_after_micros(std::chrono::duration_cast<std::chrono::microseconds>(
                                       info->not_after.time_since_epoch())
                                       .count());
    }
    if (m.revoked()) continue;
    calls.push_back([this, p, code = m.code(), timeout] {
      v1::PingRequest req;
      req.set_from(archive_);
      const int64_t t0 = clock_->NowMicros();
      auto resp = peers_->Ping(code, req, timeout);
      const int64_t t1 = clock_->NowMicros();
      if (!resp.ok()) {
        p->set_error(std::string(resp.status().message()));
        return;
      }
      p->set_reachable(true);
      p->set_rtt_ms(double(t1 - t0) / 1000);
      p->set_clock_skew_ms(double(resp->time_micros() - (t0 + t1) / 2) / 1000);
    });
  }
  RETURN_IF_ERROR(RunInWaves(std::move(calls)));
  return list;
}

absl::StatusOr<v1::SearchResponse> FederatedSearch::Search(const v1::SearchRequest& request,
                                                           const std::string& actor) {
  if (!members_->enrolled()) {
    return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  }
  if (request.query().empty()) return absl::InvalidArgumentError("a federated search needs a query");
  const absl::Time start = clock_->Now();
  const v1::Directory d = members_->Directory();
  const absl::Duration timeout =
      absl::Milliseconds(request.timeout_ms() == 0 ? 3000 : request.timeout_ms());
  const uint32_t limit = request.limit() == 0 ? 10 : request.limit();
  std::vector<const v1::Member*> targets;
  for (const auto& m : d.members()) {
    if (!m.revoked() && m.code() != archive_) targets.push_back(&m);
  }
  std::vector<v1::PeerSearchResponse> answers(targets.size());
  v1::SearchResponse out;
  for (size_t i = 0; i < targets.size(); ++i) out.add_archives();
  std::vector<absl::AnyInvocable<void()>> calls;
  for (size_t i = 0; i < targets.size(); ++i) {
    calls.push_back([&, i] {
      const v1::Member& m = *targets[i];
      auto* a = out.mutable_archives(static_cast<int>(i));
      a->set_code(m.code());
      a->set_name(m.name());
      v1::PeerSearchRequest req;
      req.set_from(archive_);
      req.set_query(request.query());
      req.set_limit(limit);
      const absl::Time t0 = clock_->Now();
      auto answer = peers_->Search(m.code(), req, timeout);
      a->set_elapsed_ms(absl::ToDoubleMilliseconds(clock_->Now() - t0));
      if (answer.ok()) {
        answers[i] = *std::move(answer);
        a->set_state("ok");
        a->set_hits(static_cast<uint32_t>(answers[i].hits_size()));
        return;
      }
      const absl::StatusCode code = answer.status().code();
      a->set_state(code == absl::StatusCode::kDeadlineExceeded ? "slow"
                   : code == absl::StatusCode::kUnavailable    ? "down"
                                                               : "refused");
      a->set_error(std::string(answer.status().message()));
    });
  }
  RETURN_IF_ERROR(RunInWaves(std::move(calls)));
  for (size_t i = 0; i < targets.size(); ++i) {
    out.set_total(out.total() + answers[i].total());
    for (auto& h : *answers[i].mutable_hits()) {
      h.set_archive(targets[i]->code());
      h.set_archive_name(targets[i]->name());
      *out.add_hits() = std::move(h);
    }
  }
  std::stable_sort(out.mutable_hits()->begin(), out.mutable_hits()->end(),
                   [](const v1::SearchHit& a, const v1::SearchHit& b) { return a.score() > b.score(); });
  while (out.hits_size() > static_cast<int>(limit)) out.mutable_hits()->RemoveLast();
  out.set_elapsed_ms(absl::ToDoubleMilliseconds(clock_->Now() - start));
  RETURN_IF_ERROR(store_->Audit(
      {actor, "federation.search", request.query(),
       absl::StrCat("ok: ", out.hits_size(), " hits from ", targets.size(), " archives")}));
  return out;
}

}  // namespace kuaguan::federation
