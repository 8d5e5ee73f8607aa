// Open appraisal (开放鉴定, R3.5, HN-12/13): work plans over records whose open period has come,
// a decision item by item (开放 / 控制 with a reason / 延期 until a date, on catalog, content,
// completeness and value), then 初审 (the appraiser who decided), 复审 (a reviewer) and 终审 (an
// approver) by three different people: a person who acted at one step of an item may act at no
// other step of it (PERMISSION_DENIED naming the earlier act). Any step may send an item back
// with a reason; the appraiser decides again and the steps start over, the history kept. The
// approver approves the report once every item passed 终审; the announcement (signed with the
// node's key) follows, and only then do the records change: each item a new version (opened:
// 开放 with unconditional share classes for what was opened; every item its AppraisalMark).
// State lives in the store's meta family (appraisal.proto); every change is one atomic write with
// its audit entry, nothing deleted. While a plan is unfinished each of its records has
// AppraisalActiveKey(code) = plan id, "" afterwards. Commands over many items are one call, written
// in chunks. Thread-safe: changes are serialized, reads run concurrently.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "kuaguan/v1/appraisal.pb.h"
#include "node/caller.h"
#include "node/store.h"

namespace kuaguan::node {

// Signs bytes with the node's key: the DER signature and the certificate (chain, PEM) to check
// it with. FAILED_PRECONDITION when the node has no key yet (not enrolled).
struct NodeSignature {
  std::string signature;
  std::string cert_pem;
};
using NodeSigner = std::function<absl::StatusOr<NodeSignature>(const std::string& data)>;

class Appraisal {
 public:
  struct Options {
    std::string archive_id;
    std::string archive_name;
    int open_years = 25;
    size_t chunk = 2000;  // items per write
  };
  // `store` and `clock` must outlive this object; `changed` is called after records changed (the
  // index catches up).
  Appraisal(Store* store, const base::Clock* clock, Options options, NodeSigner signer,
            std::function<void()> changed);

  // A plan over the records of `spec.scope` still controlled and in no unfinished plan (with
  // from_queue only those whose open period has come, as Queue). INVALID_ARGUMENT naming the
  // field; FAILED_PRECONDITION when the scope holds no such record.
  absl::StatusOr<kuaguan::v1::AppraisalPlan> CreatePlan(const kuaguan::v1::PlanSpec& spec, const Caller& by);
  absl::StatusOr<kuaguan::v1::PlanList> ListPlans(const std::string& actor);
  // NOT_FOUND for an unknown plan.
  absl::StatusOr<kuaguan::v1::AppraisalPlan> ShowPlan(const std::string& id, bool items, const std::string& actor);
  // Active, not held, not open records whose open period has come (formation year + open_years
  // <= this year, Beijing time), not in an unfinished plan, neither kept controlled by an
  // appraisal nor deferred to a date still to come; the first `limit` in code order.
  absl::StatusOr<kuaguan::v1::AppraisalQueue> Queue(uint32_t limit, const std::string& actor);

  // 初审: the appraiser's decisions. PERMISSION_DENIED when `by` is not named in the plan or acted
  // at another step of an item; FAILED_PRECONDITION when an item does not await a decision.
  // All or nothing: nothing is written when any item is refused.
  absl::StatusOr<kuaguan::v1::StepResult> Decide(const kuaguan::v1::DecideCommand& command, const Caller& by);
  // 复审 (SECOND) or 终审 (FINAL), or sending back; same rules as Decide.
  absl::StatusOr<kuaguan::v1::StepResult> Review(kuaguan::v1::AppraisalStep step,
                                                 const kuaguan::v1::ReviewCommand& command, const Caller& by);

  // The report PDF as of now, and the SM3 of its content.
  absl::StatusOr<kuaguan::v1::ReportDocument> Report(const std::string& id, const std::string& actor);
  // FAILED_PRECONDITION until every item passed 终审.
  absl::StatusOr<kuaguan::v1::AppraisalPlan> ApproveReport(const std::string& id, const Caller& by);
  // Issues the announcement and changes the records (resumable after a crash: records already
  // changed are not changed twice); an announced plan's announcement is given again.
  // FAILED_PRECONDITION before the report is approved or without a node key.
  absl::StatusOr<kuaguan::v1::Announcement> Announce(const std::string& id, const Caller& by);

 private:
  struct Loaded {
    kuaguan::v1::AppraisalPlan plan;
    std::vector<kuaguan::v1::AppraisalItem> items;  // in code order
  };
  absl::StatusOr<Loaded> Load(const std::string& id);
  // Writes `items` (and `extra` meta keys) in chunks, each with an audit entry.
  absl::Status WriteItems(const std::vector<kuaguan::v1::AppraisalItem>& items,
                          std::vector<std::pair<std::string, std::string>> first,
                          const AuditNote& note);
  std::string Today() const;
  absl::Status Refused(const std::string& actor, const std::string& action, const std::string& object,
                       const absl::Status& status);

  Store* const store_;
  const base::Clock* const clock_;
  const Options options_;
  const NodeSigner signer_;
  const std::function<void()> changed_;
  absl::Mutex mu_;  // changes, one at a time
};

// The meta keys of a plan, an item, and a plan's announcement.
std::string AppraisalPlanKey(const std::string& plan);
std::string AppraisalItemKey(const std::string& plan, const std::string& code);
std::string AppraisalAnnouncementKey(const std::string& plan);

// "初审", "复审", "终审".
std::string StepName(kuaguan::v1::AppraisalStep step);

}  // namespace kuaguan::node
