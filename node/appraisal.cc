#include "node/appraisal.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"
#include "document/appraisal_pdf.h"
#include "federation/request_rules.h"
#include "federation/share_policy.h"
#include "node/holdings.h"
#include "proto/record_fields.h"
#include "seal/digest.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

constexpr char kPlanPrefix[] = "appraisal/plan/";
constexpr char kItemPrefix[] = "appraisal/item/";
constexpr char kActivePrefix[] = "appraisal/active/";
constexpr size_t kRecordChunk = 200;  // records per write at the announcement (records carry full text)
constexpr size_t kExamples = 5;       // items named in a refusal

std::string Outcome(const absl::Status& s) {
  return s.ok() ? "ok" : absl::StrCat("refused: ", absl::StatusCodeToString(s.code()), ": ", s.message());
}

// "开放 open", "控制 controlled: REASON", "延期 deferred until DAY: REASON".
std::string DecisionText(const v1::ItemDecision& d) {
  switch (d.outcome()) {
    case v1::APPRAISAL_OUTCOME_OPEN:
      return d.catalog_only() ? absl::StrCat("开放目录 catalog opened, content controlled: ", d.reason()) : "开放 open";
    case v1::APPRAISAL_OUTCOME_CONTROLLED:
      return absl::StrCat("控制 controlled: ", d.reason());
    case v1::APPRAISAL_OUTCOME_DEFERRED:
      return absl::StrCat("延期 deferred until ", d.until(), ": ", d.reason());
    default:
      return "undecided";
  }
}

std::string OutcomeLabel(v1::AppraisalOutcome o) {
  return o == v1::APPRAISAL_OUTCOME_OPEN ? "开放" : o == v1::APPRAISAL_OUTCOME_CONTROLLED ? "控制" : "延期";
}

std::string ItemStateName(v1::AppraisalItemState s) {
  switch (s) {
    case v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION: return "awaiting a decision (待初审)";
    case v1::APPRAISAL_ITEM_STATE_AWAITING_SECOND: return "awaiting 复审";
    case v1::APPRAISAL_ITEM_STATE_AWAITING_FINAL: return "awaiting 终审";
    case v1::APPRAISAL_ITEM_STATE_DONE: return "through 终审";
    default: return "unknown";
  }
}

std::string TimeText(int64_t micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMicros(micros), federation::Beijing());
}

bool ValidDay(const std::string& s) {
  absl::CivilDay day;
  return s.size() == 10 && absl::ParseCivilTime(s, &day) && federation::DayString(day) == s;
}

int ThisYear(const std::string& today) {
  int y = 0;
  (void)absl::SimpleAtoi(today.substr(0, 4), &y);
  return y;
}

std::string Fonds(const v1::Record& r) { return r.fonds_number().empty() ? r.reference().fonds() : r.fonds_number(); }

int YearOf(const v1::Record& r) { return r.year() > 0 ? r.year() : federation::FormationYear(r); }

// Whether `r` is in `scope` (categories as checked by CheckScope).
bool InScope(const v1::Record& r, const v1::AppraisalScope& scope) {
  if (!scope.fonds().empty() &&
      std::find(scope.fonds().begin(), scope.fonds().end(), Fonds(r)) == scope.fonds().end()) {
    return false;
  }
  const int year = YearOf(r);
  if (scope.year_from() > 0 && year < scope.year_from()) return false;
  if (scope.year_to() > 0 && (year == 0 || year > scope.year_to())) return false;
  if (scope.categories().empty()) return true;
  for (const std::string& c : scope.categories()) {
    if (absl::EqualsIgnoreCase(c, r.reference().category())) return true;
    auto l = proto::ParseLivelihood(c);
    if (l.ok() && *l != v1::LIVELIHOOD_NONE && *l == r.livelihood()) return true;
  }
  return false;
}

absl::Status CheckScope(const v1::AppraisalScope& scope) {
  for (const std::string& f : scope.fonds()) {
    if (f.empty() || f.size() > 32) return absl::InvalidArgumentError(absl::StrCat("scope fonds '", f, "': 1 to 32 characters"));
  }
  if (scope.year_from() < 0 || scope.year_to() < 0 || (scope.year_to() > 0 && scope.year_from() > scope.year_to())) {
    return absl::InvalidArgumentError(
        absl::StrCat("scope years ", scope.year_from(), "-", scope.year_to(), ": the first year must not be after the last"));
  }
  for (const std::string& c : scope.categories()) {
    const bool code = !c.empty() && c.size() <= 8 &&
                      std::all_of(c.begin(), c.end(), [](char ch) { return absl::ascii_isalnum(ch); });
    if (!code && !proto::ParseLivelihood(c).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "scope category '", c, "': neither a 门类代码 (WS, KJ...) nor a 民生类别 (婚姻登记, 退休...)"));
    }
  }
  return absl::OkStatus();
}

std::string ScopeText(const v1::AppraisalScope& s) {
  std::vector<std::string> parts;
  parts.push_back(s.fonds().empty() ? "全宗 all fonds" : absl::StrCat("全宗 ", absl::StrJoin(s.fonds(), ", ")));
  if (s.year_from() > 0 || s.year_to() > 0) {
    parts.push_back(absl::StrCat("年度 ", s.year_from() > 0 ? absl::StrCat(s.year_from()) : "…", "–",
                                 s.year_to() > 0 ? absl::StrCat(s.year_to()) : "…"));
  }
  parts.push_back(s.categories().empty() ? "门类 all categories" : absl::StrCat("门类 ", absl::StrJoin(s.categories(), ", ")));
  return absl::StrJoin(parts, "; ");
}

// Why `r` awaits open appraisal (its open period has come), or "" when it does not.
std::string DueReason(const v1::StoredRecord& r, int open_years, const std::string& today) {
  if (r.state() != v1::RECORD_STATE_ACTIVE || r.held() || r.record().open_status() == v1::OPEN_STATUS_OPEN) return "";
  const int formed = federation::FormationYear(r.record());
  if (formed == 0 || formed + open_years > ThisYear(today)) return "";
  const v1::AppraisalMark& mark = r.appraisal();
  if (mark.outcome() == v1::APPRAISAL_OUTCOME_CONTROLLED) return "";
  if (mark.outcome() == v1::APPRAISAL_OUTCOME_DEFERRED) {
    if (mark.until() > today) return "";
    return absl::StrCat("deferred until ", mark.until(), " (", mark.reason(), "), now past");
  }
  return absl::StrCat("open period ended in ", formed + open_years);
}

// Codes of records in an unfinished plan.
absl::StatusOr<std::unordered_set<std::string>> InPlans(Store* store) {
  ASSIGN_OR_RETURN(const auto active, store->Scan(Family::kMeta, kActivePrefix));
  std::unordered_set<std::string> out;
  for (const auto& [key, plan] : active) {
    if (!plan.empty()) out.insert(key.substr(sizeof(kActivePrefix) - 1));
  }
  return out;
}

v1::AppraisalCounts CountsOf(const std::vector<v1::AppraisalItem>& items) {
  v1::AppraisalCounts c;
  c.set_items(items.size());
  for (const v1::AppraisalItem& i : items) {
    switch (i.state()) {
      case v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION: c.set_awaiting_decision(c.awaiting_decision() + 1); break;
      case v1::APPRAISAL_ITEM_STATE_AWAITING_SECOND: c.set_awaiting_second(c.awaiting_second() + 1); break;
      case v1::APPRAISAL_ITEM_STATE_AWAITING_FINAL: c.set_awaiting_final(c.awaiting_final() + 1); break;
      case v1::APPRAISAL_ITEM_STATE_DONE: c.set_done(c.done() + 1); break;
      default: break;
    }
    if (i.state() != v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION) {
      switch (i.decision().outcome()) {
        case v1::APPRAISAL_OUTCOME_OPEN:
          c.set_open(c.open() + 1);
          if (i.decision().catalog_only()) c.set_catalog_only(c.catalog_only() + 1);
          break;
        case v1::APPRAISAL_OUTCOME_CONTROLLED: c.set_controlled(c.controlled() + 1); break;
        case v1::APPRAISAL_OUTCOME_DEFERRED: c.set_deferred(c.deferred() + 1); break;
        default: break;
      }
    }
    for (const v1::AppraisalAct& a : i.acts()) {
      if (a.returned()) c.set_returned(c.returned() + 1);
    }
  }
  return c;
}

// The earlier act of `person` on `item` at a step other than `step`, or nullptr.
const v1::AppraisalAct* OtherStepAct(const v1::AppraisalItem& item, const std::string& person, v1::AppraisalStep step) {
  for (const v1::AppraisalAct& a : item.acts()) {
    if (a.person() == person && a.step() != step) return &a;
  }
  return nullptr;
}

std::string ActText(const v1::AppraisalAct& a) {
  std::string what = a.returned() ? absl::StrCat("sent it back (", a.reason(), ")")
                     : a.step() == v1::APPRAISAL_STEP_FIRST ? absl::StrCat("decided ", DecisionText(a.decision()))
                                                            : "passed it";
  return absl::StrCat(StepName(a.step()), " on ", TimeText(a.time_micros()), ": ", what);
}

// One refusal for many items: the first few named, and how many in all.
absl::Status Many(absl::StatusCode code, const std::vector<std::string>& problems) {
  std::vector<std::string> shown(problems.begin(), problems.begin() + std::min(problems.size(), kExamples));
  std::string msg = absl::StrJoin(shown, "; ");
  if (problems.size() > kExamples) absl::StrAppend(&msg, "; and ", problems.size() - kExamples, " more");
  if (problems.size() > 1) msg = absl::StrCat(problems.size(), " items refused, nothing written: ", msg);
  return absl::Status(code, msg);
}

// The object of an audit entry for a change of `codes` in `plan`.
std::string Object(const std::string& plan, const std::vector<std::string>& codes) {
  std::vector<std::string> shown(codes.begin(), codes.begin() + std::min<size_t>(codes.size(), 10));
  return absl::StrCat(plan, ": ", codes.size(), " items (", absl::StrJoin(shown, ", "), codes.size() > 10 ? ", …" : "",
                      ")");
}

// The content a report's approval binds: the plan's scope and people, every item's decision and
// acts (not the plan's state).
std::string ReportContent(const v1::AppraisalPlan& plan, const std::vector<v1::AppraisalItem>& items) {
  v1::AppraisalPlan content;
  content.set_id(plan.id());
  *content.mutable_scope() = plan.scope();
  *content.mutable_appraisers() = plan.appraisers();
  content.set_created_by(plan.created_by());
  content.set_created_micros(plan.created_micros());
  for (const v1::AppraisalItem& i : items) *content.add_items() = i;
  return seal::SerializeDeterministic(content);
}

}  // namespace

std::string AppraisalPlanKey(const std::string& plan) { return absl::StrCat(kPlanPrefix, plan); }
std::string AppraisalItemKey(const std::string& plan, const std::string& code) {
  return absl::StrCat(kItemPrefix, plan, "/", code);
}
std::string AppraisalAnnouncementKey(const std::string& plan) { return absl::StrCat("appraisal/announcement/", plan); }

std::string StepName(v1::AppraisalStep step) {
  switch (step) {
    case v1::APPRAISAL_STEP_FIRST: return "初审";
    case v1::APPRAISAL_STEP_SECOND: return "复审";
    case v1::APPRAISAL_STEP_FINAL: return "终审";
    default: return "?";
  }
}

Appraisal::Appraisal(Store* store, const base::Clock* clock, Options options, NodeSigner signer,
                     std::function<void()> changed)
    : store_(store), clock_(clock), options_(std::move(options)), signer_(std::move(signer)), changed_(std::move(changed)) {}

std::string Appraisal::Today() const { return federation::DayString(federation::DayOf(clock_->NowMicros())); }

absl::Status Appraisal::Refused(const std::string& actor, const std::string& action, const std::string& object,
                                const absl::Status& status) {
  RETURN_IF_ERROR(store_->Audit({actor, action, object, Outcome(status)}));
  return status;
}

absl::StatusOr<Appraisal::Loaded> Appraisal::Load(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("name the plan (kuaguan appraisal plan list)");
  ASSIGN_OR_RETURN(const auto bytes, store_->Get(Family::kMeta, AppraisalPlanKey(id)));
  if (!bytes) return absl::NotFoundError(absl::StrCat("no appraisal plan ", id, " (kuaguan appraisal plan list)"));
  Loaded l;
  if (!l.plan.ParseFromString(*bytes)) return absl::DataLossError(absl::StrCat("plan ", id, " does not parse"));
  ASSIGN_OR_RETURN(const auto items, store_->Scan(Family::kMeta, absl::StrCat(kItemPrefix, id, "/")));
  l.items.reserve(items.size());
  for (const auto& [key, value] : items) {
    v1::AppraisalItem item;
    if (!item.ParseFromString(value)) return absl::DataLossError(absl::StrCat(key, " does not parse"));
    l.items.push_back(std::move(item));
  }
  *l.plan.mutable_counts() = CountsOf(l.items);
  return l;
}

absl::Status Appraisal::WriteItems(const std::vector<v1::AppraisalItem>& items,
                                   std::vector<std::pair<std::string, std::string>> first, const AuditNote& note) {
  const size_t chunk = std::max<size_t>(1, options_.chunk);
  const size_t chunks = std::max<size_t>(1, (items.size() + chunk - 1) / chunk);
  for (size_t c = 0; c < chunks; ++c) {
    std::vector<KeyWrite> writes;
    if (c == 0) {
      for (auto& [key, value] : first) writes.push_back({Family::kMeta, key, std::move(value)});
    }
    std::vector<std::string> codes;
    for (size_t i = c * chunk; i < std::min(items.size(), (c + 1) * chunk); ++i) {
      writes.push_back({Family::kMeta, AppraisalItemKey(items[i].plan(), items[i].code()), items[i].SerializeAsString()});
      codes.push_back(items[i].code());
    }
    AuditNote n = note;
    if (chunks > 1) absl::StrAppend(&n.object, " [part ", c + 1, " of ", chunks, ": ", codes.size(), " items]");
    RETURN_IF_ERROR(store_->Write(writes, n));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::AppraisalPlan> Appraisal::CreatePlan(const v1::PlanSpec& spec, const Caller& by) {
  const std::string actor = by.Audit();
  auto refuse = [&](const absl::Status& st) { return Refused(actor, "appraisal.plan.create", ScopeText(spec.scope()), st); };
  if (absl::Status st = CheckScope(spec.scope()); !st.ok()) return refuse(st);
  if (spec.appraisers().empty()) {
    return refuse(absl::InvalidArgumentError("name the plan's appraisers (--appraiser 姓名, as registered)"));
  }
  for (const std::string& name : spec.appraisers()) {
    if (absl::Status st = base::CheckPersonName(name); !st.ok()) {
      return refuse(absl::InvalidArgumentError(absl::StrCat("appraiser '", name, "': ", st.message())));
    }
  }
  absl::MutexLock lock(&mu_);
  const std::string today = Today();
  ASSIGN_OR_RETURN(const auto in_plans, InPlans(store_));
  std::vector<v1::AppraisalItem> items;
  const size_t limit = spec.limit() == 0 ? SIZE_MAX : spec.limit();
  RETURN_IF_ERROR(store_->ForEachRecord([&](const v1::StoredRecord& r) {
    const v1::Record& rec = r.record();
    if (r.state() != v1::RECORD_STATE_ACTIVE || r.held() || rec.open_status() == v1::OPEN_STATUS_OPEN) return true;
    if (in_plans.contains(rec.code()) || !InScope(rec, spec.scope())) return true;
    if (spec.from_queue() && DueReason(r, options_.open_years, today).empty()) return true;
    v1::AppraisalItem item;
    item.set_code(rec.code());
    item.set_title(rec.title());
    item.set_date(rec.date());
    item.set_state(v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION);
    item.set_round(1);
    items.push_back(std::move(item));
    return items.size() < limit;
  }));
  if (items.empty()) {
    return refuse(absl::FailedPreconditionError(absl::StrCat(
        "no record of scope ", ScopeText(spec.scope()), " is ",
        spec.from_queue() ? "in the appraisal queue (kuaguan appraisal queue)" : "controlled and outside other plans")));
  }
  const std::string year = today.substr(0, 4);
  const std::string seq_key = absl::StrCat("appraisal/seq/", year);
  ASSIGN_OR_RETURN(const auto seq_text, store_->Get(Family::kMeta, seq_key));
  int seq = 0;
  if (seq_text) (void)absl::SimpleAtoi(*seq_text, &seq);
  ++seq;
  v1::AppraisalPlan plan;
  plan.set_id(absl::StrCat("JD-", year, "-", absl::Dec(seq, absl::kZeroPad3)));
  *plan.mutable_scope() = spec.scope();
  *plan.mutable_appraisers() = spec.appraisers();
  plan.set_created_by(by.actor.person);
  plan.set_created_micros(clock_->NowMicros());
  plan.set_state(v1::APPRAISAL_PLAN_STATE_IN_WORK);
  plan.set_from_queue(spec.from_queue());
  for (auto& i : items) i.set_plan(plan.id());
  // Each chunk holds its items and their records' active keys; the plan and its number go first.
  const size_t chunk = std::max<size_t>(1, options_.chunk);
  for (size_t c = 0; c * chunk < items.size(); ++c) {
    std::vector<KeyWrite> writes;
    if (c == 0) {
      writes.push_back({Family::kMeta, seq_key, absl::StrCat(seq)});
      writes.push_back({Family::kMeta, AppraisalPlanKey(plan.id()), plan.SerializeAsString()});
    }
    std::vector<std::string> codes;
    for (size_t i = c * chunk; i < std::min(items.size(), (c + 1) * chunk); ++i) {
      writes.push_back({Family::kMeta, AppraisalItemKey(plan.id(), items[i].code()), items[i].SerializeAsString()});
      writes.push_back({Family::kMeta, AppraisalActiveKey(items[i].code()), plan.id()});
      codes.push_back(items[i].code());
    }
    RETURN_IF_ERROR(store_->Write(
        writes, {actor, "appraisal.plan.create", Object(plan.id(), codes),
                 absl::StrCat("ok: scope ", ScopeText(spec.scope()), "; appraisers ", absl::StrJoin(spec.appraisers(), ", "))}));
  }
  *plan.mutable_counts() = CountsOf(items);
  return plan;
}

absl::StatusOr<v1::PlanList> Appraisal::ListPlans(const std::string& actor) {
  ASSIGN_OR_RETURN(const auto plans, store_->Scan(Family::kMeta, kPlanPrefix));
  v1::PlanList out;
  for (const auto& [key, value] : plans) {
    ASSIGN_OR_RETURN(Loaded l, Load(key.substr(sizeof(kPlanPrefix) - 1)));
    *out.add_plans() = std::move(l.plan);
  }
  RETURN_IF_ERROR(store_->Audit({actor, "appraisal.plan.list", "", absl::StrCat("ok: ", out.plans_size(), " plans")}));
  return out;
}

absl::StatusOr<v1::AppraisalPlan> Appraisal::ShowPlan(const std::string& id, bool items, const std::string& actor) {
  absl::StatusOr<Loaded> l = Load(id);
  if (!l.ok()) return Refused(actor, "appraisal.plan.show", id, l.status());
  if (items) {
    for (auto& i : l->items) *l->plan.add_items() = std::move(i);
  }
  RETURN_IF_ERROR(store_->Audit({actor, "appraisal.plan.show", id, "ok"}));
  return std::move(l->plan);
}

absl::StatusOr<v1::AppraisalQueue> Appraisal::Queue(uint32_t limit, const std::string& actor) {
  const std::string today = Today();
  ASSIGN_OR_RETURN(const auto in_plans, InPlans(store_));
  v1::AppraisalQueue q;
  q.set_open_years(options_.open_years);
  q.set_today(today);
  const uint32_t shown = limit == 0 ? 50 : limit;
  RETURN_IF_ERROR(store_->ForEachRecord([&](const v1::StoredRecord& r) {
    if (in_plans.contains(r.record().code())) return true;
    const std::string why = DueReason(r, options_.open_years, today);
    if (why.empty()) return true;
    q.set_total(q.total() + 1);
    if (static_cast<uint32_t>(q.records_size()) < shown) {
      v1::QueuedRecord* out = q.add_records();
      out->set_code(r.record().code());
      out->set_title(r.record().title());
      out->set_date(r.record().date());
      out->set_formed(federation::FormationYear(r.record()));
      out->set_due(out->formed() + options_.open_years);
      out->set_reason(why);
    }
    return true;
  }));
  RETURN_IF_ERROR(store_->Audit({actor, "appraisal.queue", "", absl::StrCat("ok: ", q.total(), " records due")}));
  return q;
}

absl::StatusOr<v1::StepResult> Appraisal::Decide(const v1::DecideCommand& command, const Caller& by) {
  const std::string actor = by.Audit();
  auto refuse = [&](const absl::Status& st) { return Refused(actor, "appraisal.decide", command.plan(), st); };
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Loaded> l = Load(command.plan());
  if (!l.ok()) return refuse(l.status());
  if (l->plan.state() != v1::APPRAISAL_PLAN_STATE_IN_WORK) {
    return refuse(absl::FailedPreconditionError(absl::StrCat("plan ", command.plan(), "'s report is approved: nothing more is decided")));
  }
  const std::string& person = by.actor.person;
  if (std::find(l->plan.appraisers().begin(), l->plan.appraisers().end(), person) == l->plan.appraisers().end()) {
    return refuse(absl::PermissionDeniedError(absl::StrCat(person, " is not named as an appraiser of plan ", command.plan(),
                                                           " (named: ", absl::StrJoin(l->plan.appraisers(), ", "), ")")));
  }
  std::unordered_map<std::string, size_t> at;
  for (size_t i = 0; i < l->items.size(); ++i) at[l->items[i].code()] = i;
  std::vector<std::pair<size_t, v1::ItemDecision>> chosen;
  if (command.all()) {
    if (!command.items().empty()) return refuse(absl::InvalidArgumentError("give either codes or --all, not both"));
    for (size_t i = 0; i < l->items.size(); ++i) {
      if (l->items[i].state() != v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION) continue;
      v1::ItemDecision d = command.each();
      d.set_code(l->items[i].code());
      chosen.emplace_back(i, std::move(d));
    }
    if (chosen.empty()) return refuse(absl::FailedPreconditionError(absl::StrCat("no item of plan ", command.plan(), " awaits a decision")));
  } else {
    if (command.items().empty()) return refuse(absl::InvalidArgumentError("name the items (CODE..., --all or --from FILE.csv)"));
    std::unordered_set<std::string> seen;
    std::vector<std::string> unknown;
    for (const v1::ItemDecision& d : command.items()) {
      if (!seen.insert(d.code()).second) return refuse(absl::InvalidArgumentError(absl::StrCat(d.code(), " is named twice")));
      auto it = at.find(d.code());
      if (it == at.end()) {
        unknown.push_back(absl::StrCat(d.code(), " is not an item of plan ", command.plan()));
        continue;
      }
      chosen.emplace_back(it->second, d);
    }
    if (!unknown.empty()) return refuse(Many(absl::StatusCode::kNotFound, unknown));
  }
  const std::string today = Today();
  std::vector<std::string> twice, bad, state;
  for (auto& [i, d] : chosen) {
    const v1::AppraisalItem& item = l->items[i];
    if (const v1::AppraisalAct* a = OtherStepAct(item, person, v1::APPRAISAL_STEP_FIRST); a != nullptr) {
      twice.push_back(absl::StrCat(person, " may not do 初审 of ", item.code(), ": they already acted on it at ", ActText(*a),
                                   " (初审, 复审 and 终审 are three different people)"));
      continue;
    }
    if (item.state() != v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION) {
      state.push_back(absl::StrCat(item.code(), " is ", ItemStateName(item.state()), ", not awaiting a decision"));
      continue;
    }
    d.set_reason(std::string(absl::StripAsciiWhitespace(d.reason())));
    switch (d.outcome()) {
      case v1::APPRAISAL_OUTCOME_OPEN:
        if (d.catalog_only() && d.reason().empty()) {
          bad.push_back(absl::StrCat(item.code(), ": opening the catalog only needs a reason why the content stays controlled (--reason)"));
        }
        if (!d.until().empty()) bad.push_back(absl::StrCat(item.code(), ": 开放 takes no date (that is --defer)"));
        break;
      case v1::APPRAISAL_OUTCOME_CONTROLLED:
        if (d.reason().empty()) bad.push_back(absl::StrCat(item.code(), ": 控制 needs a reason (--reason)"));
        if (!d.until().empty()) bad.push_back(absl::StrCat(item.code(), ": 控制 takes no date (that is --defer)"));
        break;
      case v1::APPRAISAL_OUTCOME_DEFERRED:
        if (d.reason().empty()) bad.push_back(absl::StrCat(item.code(), ": 延期 needs a reason (--reason)"));
        if (!ValidDay(d.until()) || d.until() <= today) {
          bad.push_back(absl::StrCat(item.code(), ": 延期 until '", d.until(), "': a date YYYY-MM-DD after today (", today, ")"));
        }
        break;
      default:
        bad.push_back(absl::StrCat(item.code(), ": no decision (--open, --control or --defer)"));
    }
    if (d.outcome() == v1::APPRAISAL_OUTCOME_OPEN) {
      ASSIGN_OR_RETURN(const auto r, store_->GetRecord(item.code()));
      if (r && r->record().secrecy() >= v1::SECRECY_SECRET) {
        bad.push_back(absl::StrCat(item.code(), " is ", proto::SecrecyLabel(r->record().secrecy()),
                                   ": a state secret is not opened by appraisal; keep it controlled, or declassify it first"));
      }
    }
  }
  if (!twice.empty()) return refuse(Many(absl::StatusCode::kPermissionDenied, twice));
  if (!bad.empty()) return refuse(Many(absl::StatusCode::kInvalidArgument, bad));
  if (!state.empty()) return refuse(Many(absl::StatusCode::kFailedPrecondition, state));

  const int64_t now = clock_->NowMicros();
  std::vector<v1::AppraisalItem> changed;
  std::vector<std::string> codes;
  std::map<std::string, int> outcomes;
  for (auto& [i, d] : chosen) {
    v1::AppraisalItem& item = l->items[i];
    v1::AppraisalAct* act = item.add_acts();
    act->set_step(v1::APPRAISAL_STEP_FIRST);
    act->set_person(person);
    act->set_actor(actor);
    act->set_time_micros(now);
    *act->mutable_decision() = d;
    *item.mutable_decision() = std::move(d);
    item.set_state(v1::APPRAISAL_ITEM_STATE_AWAITING_SECOND);
    ++outcomes[item.decision().catalog_only() ? "开放目录" : OutcomeLabel(item.decision().outcome())];
    codes.push_back(item.code());
    changed.push_back(item);
  }
  std::vector<std::string> tally;
  for (const auto& [o, n] : outcomes) tally.push_back(absl::StrCat(o, " ", n));
  RETURN_IF_ERROR(WriteItems(changed, {}, {actor, "appraisal.decide", Object(command.plan(), codes),
                                           absl::StrCat("ok: 初审 ", absl::StrJoin(tally, ", "))}));
  v1::StepResult result;
  result.set_plan(command.plan());
  result.set_step(v1::APPRAISAL_STEP_FIRST);
  result.set_items(changed.size());
  *result.mutable_counts() = CountsOf(l->items);
  return result;
}

absl::StatusOr<v1::StepResult> Appraisal::Review(v1::AppraisalStep step, const v1::ReviewCommand& command,
                                                 const Caller& by) {
  const std::string actor = by.Audit();
  const std::string action = step == v1::APPRAISAL_STEP_SECOND ? "appraisal.review.second" : "appraisal.review.final";
  auto refuse = [&](const absl::Status& st) { return Refused(actor, action, command.plan(), st); };
  if (step != v1::APPRAISAL_STEP_SECOND && step != v1::APPRAISAL_STEP_FINAL) {
    return refuse(absl::InvalidArgumentError("the step is second (复审) or final (终审)"));
  }
  const std::string reason(absl::StripAsciiWhitespace(command.reason()));
  if (command.send_back() && reason.empty()) {
    return refuse(absl::InvalidArgumentError("sending an item back needs a reason (--reason)"));
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Loaded> l = Load(command.plan());
  if (!l.ok()) return refuse(l.status());
  if (l->plan.state() != v1::APPRAISAL_PLAN_STATE_IN_WORK) {
    return refuse(absl::FailedPreconditionError(absl::StrCat("plan ", command.plan(), "'s report is approved: its items are closed")));
  }
  const v1::AppraisalItemState awaiting =
      step == v1::APPRAISAL_STEP_SECOND ? v1::APPRAISAL_ITEM_STATE_AWAITING_SECOND : v1::APPRAISAL_ITEM_STATE_AWAITING_FINAL;
  std::unordered_map<std::string, size_t> at;
  for (size_t i = 0; i < l->items.size(); ++i) at[l->items[i].code()] = i;
  std::vector<size_t> chosen;
  if (command.all()) {
    if (!command.codes().empty()) return refuse(absl::InvalidArgumentError("give either codes or --all, not both"));
    for (size_t i = 0; i < l->items.size(); ++i) {
      if (l->items[i].state() == awaiting) chosen.push_back(i);
    }
    if (chosen.empty()) {
      return refuse(absl::FailedPreconditionError(absl::StrCat("no item of plan ", command.plan(), " awaits ", StepName(step))));
    }
  } else {
    if (command.codes().empty()) return refuse(absl::InvalidArgumentError("name the items (CODE... or --all)"));
    std::unordered_set<std::string> seen;
    std::vector<std::string> unknown;
    for (const std::string& code : command.codes()) {
      if (!seen.insert(code).second) return refuse(absl::InvalidArgumentError(absl::StrCat(code, " is named twice")));
      auto it = at.find(code);
      if (it == at.end()) {
        unknown.push_back(absl::StrCat(code, " is not an item of plan ", command.plan()));
      } else {
        chosen.push_back(it->second);
      }
    }
    if (!unknown.empty()) return refuse(Many(absl::StatusCode::kNotFound, unknown));
  }
  const std::string& person = by.actor.person;
  std::vector<std::string> twice, state;
  for (size_t i : chosen) {
    const v1::AppraisalItem& item = l->items[i];
    if (const v1::AppraisalAct* a = OtherStepAct(item, person, step); a != nullptr) {
      twice.push_back(absl::StrCat(person, " may not do ", StepName(step), " of ", item.code(), ": they already acted on it at ",
                                   ActText(*a), " (初审, 复审 and 终审 are three different people)"));
    } else if (item.state() != awaiting) {
      state.push_back(absl::StrCat(item.code(), " is ", ItemStateName(item.state()), ", not awaiting ", StepName(step)));
    }
  }
  if (!twice.empty()) return refuse(Many(absl::StatusCode::kPermissionDenied, twice));
  if (!state.empty()) return refuse(Many(absl::StatusCode::kFailedPrecondition, state));

  const int64_t now = clock_->NowMicros();
  std::vector<v1::AppraisalItem> changed;
  std::vector<std::string> codes;
  for (size_t i : chosen) {
    v1::AppraisalItem& item = l->items[i];
    v1::AppraisalAct* act = item.add_acts();
    act->set_step(step);
    act->set_person(person);
    act->set_actor(actor);
    act->set_time_micros(now);
    if (command.send_back()) {
      act->set_returned(true);
      act->set_reason(reason);
      item.clear_decision();
      item.set_state(v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION);
      item.set_round(item.round() + 1);
    } else {
      item.set_state(step == v1::APPRAISAL_STEP_SECOND ? v1::APPRAISAL_ITEM_STATE_AWAITING_FINAL
                                                      : v1::APPRAISAL_ITEM_STATE_DONE);
    }
    codes.push_back(item.code());
    changed.push_back(item);
  }
  RETURN_IF_ERROR(WriteItems(changed, {}, {actor, action, Object(command.plan(), codes),
                                           command.send_back() ? absl::StrCat("ok: sent back: ", reason)
                                                               : absl::StrCat("ok: ", StepName(step), " passed")}));
  v1::StepResult result;
  result.set_plan(command.plan());
  result.set_step(step);
  result.set_items(changed.size());
  result.set_sent_back(command.send_back());
  *result.mutable_counts() = CountsOf(l->items);
  return result;
}

absl::StatusOr<v1::ReportDocument> Appraisal::Report(const std::string& id, const std::string& actor) {
  absl::StatusOr<Loaded> l = Load(id);
  if (!l.ok()) return Refused(actor, "appraisal.report", id, l.status());
  document::AppraisalReport doc;
  doc.archive_code = options_.archive_id;
  doc.archive_name = options_.archive_name;
  doc.plan = id;
  doc.facts = {{"范围 Scope", ScopeText(l->plan.scope())},
               {"鉴定人 Appraisers", absl::StrJoin(l->plan.appraisers(), ", ")},
               {"制定 Created", absl::StrCat(l->plan.created_by(), ", ", TimeText(l->plan.created_micros()))},
               {"开放期限 Open period", absl::StrCat(options_.open_years, " 年 years from formation")}};
  const v1::AppraisalCounts& c = l->plan.counts();
  doc.counts = {{"鉴定件数 Items", absl::StrCat(c.items())},
                {"开放 Open", absl::StrCat(c.open(), c.catalog_only() ? absl::StrCat(" (仅目录 catalog only ", c.catalog_only(), ")") : "")},
                {"控制 Controlled", absl::StrCat(c.controlled())},
                {"延期 Deferred", absl::StrCat(c.deferred())},
                {"待初审 Awaiting a decision", absl::StrCat(c.awaiting_decision())},
                {"待复审 Awaiting 复审", absl::StrCat(c.awaiting_second())},
                {"待终审 Awaiting 终审", absl::StrCat(c.awaiting_final())},
                {"终审完成 Through 终审", absl::StrCat(c.done())},
                {"退回 Sent back (all rounds)", absl::StrCat(c.returned())}};
  std::map<std::string, int> reasons;
  for (const v1::AppraisalItem& item : l->items) {
    document::AppraisalReportRow row{item.code(), item.title(), item.date(),
                                     item.state() == v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION
                                         ? ItemStateName(item.state())
                                         : DecisionText(item.decision()),
                                     ""};
    if (item.state() != v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION && !item.decision().reason().empty()) {
      ++reasons[item.decision().reason()];
    }
    // Every act, sends back included, oldest first.
    std::vector<std::string> steps;
    for (const v1::AppraisalAct& a : item.acts()) {
      steps.push_back(a.returned() ? absl::StrCat(StepName(a.step()), " ", a.person(), " 退回 sent back: ", a.reason())
                                   : absl::StrCat(StepName(a.step()), " ", a.person()));
    }
    row.steps = absl::StrJoin(steps, " · ");
    doc.items.push_back(std::move(row));
  }
  for (const auto& [reason, n] : reasons) doc.reasons.emplace_back(reason, n);
  const std::string sm3 = seal::Sm3(ReportContent(l->plan, l->items));
  doc.digest = seal::ToHex(sm3);
  doc.approval = l->plan.report_approved_by().empty()
                     ? "审批 Approval: 尚未批准 not yet approved"
                     : absl::StrCat("审批 Approved by ", l->plan.report_approved_by(), ", ",
                                    TimeText(l->plan.report_approved_micros()));
  doc.created_unix_seconds = clock_->NowMicros() / 1000000;
  auto pdf = document::RenderAppraisalReportPdf(doc);
  if (!pdf.ok()) return Refused(actor, "appraisal.report", id, pdf.status());
  RETURN_IF_ERROR(store_->Audit({actor, "appraisal.report", id, absl::StrCat("ok: SM3 ", doc.digest)}));
  v1::ReportDocument out;
  *out.mutable_plan() = std::move(l->plan);
  out.set_pdf(*std::move(pdf));
  out.set_sm3(sm3);
  return out;
}

absl::StatusOr<v1::AppraisalPlan> Appraisal::ApproveReport(const std::string& id, const Caller& by) {
  const std::string actor = by.Audit();
  auto refuse = [&](const absl::Status& st) { return Refused(actor, "appraisal.report.approve", id, st); };
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Loaded> l = Load(id);
  if (!l.ok()) return refuse(l.status());
  if (l->plan.state() != v1::APPRAISAL_PLAN_STATE_IN_WORK) {
    return refuse(absl::FailedPreconditionError(absl::StrCat("plan ", id, "'s report is already approved")));
  }
  std::vector<std::string> open;
  for (const v1::AppraisalItem& item : l->items) {
    if (item.state() != v1::APPRAISAL_ITEM_STATE_DONE) open.push_back(absl::StrCat(item.code(), " ", ItemStateName(item.state())));
  }
  if (!open.empty()) {
    return refuse(absl::FailedPreconditionError(absl::StrCat(
        "the report is approved once every item passed 终审: ", open.size(), " have not (",
        absl::StrJoin(std::vector<std::string>(open.begin(), open.begin() + std::min(open.size(), kExamples)), "; "),
        open.size() > kExamples ? "; …" : "", ")")));
  }
  const std::string sm3 = seal::Sm3(ReportContent(l->plan, l->items));
  v1::AppraisalPlan plan = l->plan;
  plan.clear_counts();
  plan.set_state(v1::APPRAISAL_PLAN_STATE_REPORT_APPROVED);
  plan.set_report_approved_by(by.actor.person);
  plan.set_report_approved_micros(clock_->NowMicros());
  plan.set_report_sm3(sm3);
  RETURN_IF_ERROR(store_->Write({{Family::kMeta, AppraisalPlanKey(id), plan.SerializeAsString()}},
                                {actor, "appraisal.report.approve", id, absl::StrCat("ok: report SM3 ", seal::ToHex(sm3))}));
  *plan.mutable_counts() = l->plan.counts();
  return plan;
}

absl::StatusOr<v1::Announcement> Appraisal::Announce(const std::string& id, const Caller& by) {
  const std::string actor = by.Audit();
  auto refuse = [&](const absl::Status& st) { return Refused(actor, "appraisal.announce", id, st); };
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Loaded> l = Load(id);
  if (!l.ok()) return refuse(l.status());
  ASSIGN_OR_RETURN(const auto kept, store_->Get(Family::kMeta, AppraisalAnnouncementKey(id)));
  v1::Announcement a;
  if (kept && !a.ParseFromString(*kept)) return absl::DataLossError(absl::StrCat("the announcement of ", id, " does not parse"));
  if (l->plan.state() == v1::APPRAISAL_PLAN_STATE_ANNOUNCED) {
    RETURN_IF_ERROR(store_->Audit({actor, "appraisal.announce", id, absl::StrCat("ok: ", a.number(), " given again")}));
    return a;
  }
  if (l->plan.state() != v1::APPRAISAL_PLAN_STATE_REPORT_APPROVED) {
    return refuse(absl::FailedPreconditionError(absl::StrCat(
        "plan ", id, "'s report is not approved yet: every item through 终审, then kuaguan appraisal approve-report ", id,
        " (an approver)")));
  }
  const int64_t now = clock_->NowMicros();
  if (!kept) {
    // The announcement is made and signed, and kept, before any record changes.
    document::OpenAnnouncement doc;
    doc.archive_code = options_.archive_id;
    doc.archive_name = options_.archive_name;
    doc.number = absl::StrCat(options_.archive_id, "-KF-", absl::StripPrefix(id, "JD-"));
    doc.plan = id;
    doc.issued_date = Today();
    doc.open_years = options_.open_years;
    doc.signer = absl::StrCat(options_.archive_name, " (", options_.archive_id, ")");
    doc.created_unix_seconds = now / 1000000;
    for (const v1::AppraisalItem& item : l->items) {
      if (item.decision().outcome() == v1::APPRAISAL_OUTCOME_OPEN) {
        ASSIGN_OR_RETURN(const auto r, store_->GetRecord(item.code()));
        if (!r || r->state() != v1::RECORD_STATE_ACTIVE) {
          a.add_skipped(item.code());
          continue;
        }
        doc.items.push_back({item.code(), r->record().title(), r->record().date(), item.decision().catalog_only()});
      }
    }
    a.set_plan(id);
    a.set_number(doc.number);
    a.set_archive(options_.archive_id);
    a.set_archive_name(options_.archive_name);
    a.set_issued_micros(now);
    a.set_issued_by(by.actor.person);
    const v1::AppraisalCounts& c = l->plan.counts();
    a.set_opened(doc.items.size());
    a.set_controlled(c.controlled());
    a.set_deferred(c.deferred());
    if (!doc.items.empty()) {
      auto pdf = document::RenderOpenAnnouncementPdf(doc);
      if (!pdf.ok()) return refuse(pdf.status());
      absl::StatusOr<NodeSignature> signed_pdf =
          signer_ ? signer_(*pdf) : absl::FailedPreconditionError("this node has no key to sign with");
      if (!signed_pdf.ok()) {
        return refuse(absl::FailedPreconditionError(absl::StrCat(
            "the announcement is signed with the node's key, which an archive has once enrolled (kuaguan enroll): ",
            signed_pdf.status().message())));
      }
      a.set_pdf(*std::move(pdf));
      a.set_signature(signed_pdf->signature);
      a.set_cert_pem(signed_pdf->cert_pem);
    }
    RETURN_IF_ERROR(store_->Write({{Family::kMeta, AppraisalAnnouncementKey(id), a.SerializeAsString()}},
                                  {actor, "appraisal.announce.issue", absl::StrCat(id, " ", a.number()),
                                   absl::StrCat("ok: ", a.opened(), " to open; PDF SM3 ", seal::ToHex(seal::Sm3(a.pdf())))}));
  }
  // Each item's record: a new version (resuming, those changed already are passed over).
  uint32_t versions = 0;
  for (size_t start = 0; start < l->items.size(); start += kRecordChunk) {
    std::vector<RecordWrite> writes;
    std::vector<std::pair<std::string, std::string>> meta;
    std::vector<std::string> codes;
    for (size_t i = start; i < std::min(l->items.size(), start + kRecordChunk); ++i) {
      const v1::AppraisalItem& item = l->items[i];
      meta.emplace_back(AppraisalActiveKey(item.code()), "");
      ASSIGN_OR_RETURN(auto r, store_->GetRecord(item.code()));
      if (!r || r->state() != v1::RECORD_STATE_ACTIVE) continue;
      if (r->appraisal().plan() == id && r->appraisal().announcement() == a.number()) continue;
      const v1::ItemDecision& d = item.decision();
      v1::Record* rec = r->mutable_record();
      if (d.outcome() == v1::APPRAISAL_OUTCOME_OPEN) {
        const v1::ShareClass text = federation::TextClass(*rec);
        rec->set_open_status(v1::OPEN_STATUS_OPEN);
        rec->set_share_class(v1::SHARE_CLASS_UNCONDITIONAL);
        rec->set_text_share_class(!d.catalog_only() ? v1::SHARE_CLASS_UNCONDITIONAL
                                  : text == v1::SHARE_CLASS_UNCONDITIONAL ? v1::SHARE_CLASS_CONDITIONAL
                                                                          : text);
      } else {
        rec->set_open_status(v1::OPEN_STATUS_CONTROLLED);
      }
      v1::AppraisalMark* mark = r->mutable_appraisal();
      mark->set_outcome(d.outcome());
      mark->set_reason(d.reason());
      mark->set_until(d.until());
      mark->set_plan(id);
      mark->set_announcement(a.number());
      mark->set_announced_micros(a.issued_micros());
      const std::string reason = absl::StrCat("开放鉴定 ", id, ", 开放公告 ", a.number(), ": ", DecisionText(d));
      RecordWrite w;
      r->set_version(r->version() + 1);
      r->set_updated_micros(now);
      SetContentDigests(r->record(), r->mutable_content_sm3(), r->mutable_content_sha256());
      w.version.set_version(r->version());
      w.version.set_change(v1::CHANGE_KIND_MODIFIED);
      w.version.set_state(r->state());
      *w.version.mutable_record() = r->record();
      w.version.set_actor(actor);
      w.version.set_reason(reason);
      w.version.set_time_micros(now);
      w.version.set_content_sm3(r->content_sm3());
      w.version.set_content_sha256(r->content_sha256());
      w.current = *std::move(r);
      w.check_previous = true;
      writes.push_back(std::move(w));
      codes.push_back(item.code());
    }
    absl::StatusOr<uint64_t> committed =
        store_->Commit(std::move(writes), {actor, "appraisal.announce.records", Object(id, codes),
                                           absl::StrCat("ok: ", codes.size(), " new versions under ", a.number())},
                       meta);
    if (!committed.ok()) {
      if (changed_) changed_();
      return refuse(committed.status());
    }
    versions += codes.size();
  }
  v1::AppraisalPlan plan = l->plan;
  plan.clear_counts();
  plan.set_state(v1::APPRAISAL_PLAN_STATE_ANNOUNCED);
  plan.set_announcement(a.number());
  plan.set_announced_micros(a.issued_micros());
  a.set_versions(a.versions() + versions);
  RETURN_IF_ERROR(store_->Write({{Family::kMeta, AppraisalPlanKey(id), plan.SerializeAsString()},
                                 {Family::kMeta, AppraisalAnnouncementKey(id), a.SerializeAsString()}},
                                {actor, "appraisal.announce", absl::StrCat(id, " ", a.number()),
                                 absl::StrCat("ok: ", a.opened(), " opened, ", a.controlled(), " controlled, ", a.deferred(),
                                              " deferred; ", a.versions(), " record versions")}));
  if (changed_) changed_();
  return a;
}

}  // namespace kuaguan::node
