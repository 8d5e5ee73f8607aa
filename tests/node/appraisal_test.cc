// Open appraisal on a real store (node/appraisal.h): the queue, a plan through 初审, 复审 and 终审
// by three different people, one person refused at a second step, a send-back, the report's
// approval, and the announcement, before which no record changes.
#include "node/appraisal.h"

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/x509self.h>
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "index/record_index.h"
#include "node/holdings.h"
#include "seal/key_file.h"
#include "seal/node_signature.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::node;
namespace v1 = kuaguan::v1;

namespace {

// Formed 1990 and 1995 (due by 2026 with 25 years), 2010 (not yet), one already open, one secret.
const char kCatalog[] =
    "档号,题名,责任者,日期,保管期限,密级,共享类别,控制标识\n"
    "Z109-WS·1990-Y-0001,关于建立档案馆的报告,郑州市人民政府,1990-03-04,永久,公开,无条件共享,控制\n"
    "Z109-WS·1990-Y-0002,档案工作会议纪要,郑州市档案局,1990-05-06,永久,公开,有条件共享,控制\n"
    "Z109-WS·1995-Y-0003,馆藏建设规划,郑州市档案局,1995-01-09,永久,公开,无条件共享,控制\n"
    "Z109-WS·1995-Y-0004,人事任免通知,郑州市档案局,1995-02-09,永久,秘密,暂不共享,控制\n"
    "Z109-WS·1995-Y-0005,已开放的通知,郑州市档案局,1995-03-09,永久,公开,无条件共享,开放\n"
    "Z109-WS·2010-Y-0006,新近文件,郑州市档案局,2010-03-09,永久,公开,无条件共享,控制\n"
    "Z110-WS·1991-Y-0001,别的全宗,某局,1991-03-09,永久,公开,无条件共享,控制\n";

Caller Person(const std::string& name, const std::string& role) {
  Caller c;
  c.actor = {name, role, absl::StrCat("unix:", name)};
  c.roles = {role};
  return c;
}

struct Node {
  kuaguan::testing::TempDir dir;
  kuaguan::testing::FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 12, 6, 10, 0, 0), absl::FixedTimeZone(8 * 3600))};
  std::unique_ptr<Store> store;
  std::unique_ptr<kuaguan::index::RecordIndex> index;
  std::unique_ptr<Holdings> holdings;
  std::unique_ptr<Appraisal> appraisal;
  std::string cert_pem;
  bool can_sign = true;
  const Caller a = Person("钱鉴定", "appraiser"), b = Person("孙复审", "reviewer"), c = Person("李审批", "approver");

  explicit Node(size_t chunk = 2000) {
    store = std::move(*Store::Open(dir.path() / "store", &clock));
    index = std::move(*kuaguan::index::RecordIndex::Open(dir.path() / "index"));
    holdings = std::make_unique<Holdings>(store.get(), index.get(), &clock);
    Botan::AutoSeeded_RNG rng;
    auto key = kuaguan::seal::NewKey(kuaguan::seal::KeyKind::kEcdsaP256, rng);
    Botan::X509_Cert_Options opts("410100");
    cert_pem = Botan::X509::create_self_signed_cert(opts, *key, "SHA-256", rng).PEM_encode();
    const std::string key_pem = kuaguan::seal::PlainKeyPem(*key);
    appraisal = std::make_unique<Appraisal>(
        store.get(), &clock, Appraisal::Options{"410100", "郑州市档案馆", 25, chunk},
        [this, key_pem](const std::string& data) -> absl::StatusOr<NodeSignature> {
          if (!can_sign) return absl::FailedPreconditionError("not enrolled");
          auto sig = kuaguan::seal::SignWithNodeKey(key_pem, data);
          if (!sig.ok()) return sig.status();
          return NodeSignature{*sig, cert_pem};
        },
        [this] { REQUIRE(holdings->CatchUpIndex().ok()); });
    v1::ImportRequest req;
    req.set_file_name("catalog.csv");
    req.set_content(kCatalog);
    auto r = holdings->Import(req, "tester");
    REQUIRE(r.ok());
    REQUIRE(r->created() == 7);
  }

  v1::StoredRecord Record(const std::string& code) {
    auto r = store->GetRecord(code);
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    return **r;
  }
  std::string Active(const std::string& code) {
    auto v = store->Get(kuaguan::federation::Family::kMeta, AppraisalActiveKey(code));
    REQUIRE(v.ok());
    return v->value_or("(none)");
  }
  v1::AppraisalPlan Plan(bool from_queue = true) {
    v1::PlanSpec spec;
    spec.mutable_scope()->add_fonds("Z109");
    spec.mutable_scope()->set_year_from(1980);
    spec.mutable_scope()->set_year_to(2000);
    spec.mutable_scope()->add_categories("WS");
    spec.add_appraisers(a.actor.person);
    spec.set_from_queue(from_queue);
    auto p = appraisal->CreatePlan(spec, c);
    REQUIRE(p.ok());
    return *p;
  }
  absl::StatusOr<v1::StepResult> Decide(const std::string& plan, const std::vector<std::string>& codes,
                                        v1::AppraisalOutcome outcome, const std::string& reason = "",
                                        const std::string& until = "", const Caller* by = nullptr) {
    v1::DecideCommand cmd;
    cmd.set_plan(plan);
    for (const auto& code : codes) {
      v1::ItemDecision* d = cmd.add_items();
      d->set_code(code);
      d->set_outcome(outcome);
      d->set_reason(reason);
      d->set_until(until);
    }
    return appraisal->Decide(cmd, by ? *by : a);
  }
  absl::StatusOr<v1::StepResult> Review(const std::string& plan, v1::AppraisalStep step, const Caller& by,
                                        std::vector<std::string> codes = {}, const std::string& send_back = "") {
    v1::ReviewCommand cmd;
    cmd.set_plan(plan);
    cmd.set_all(codes.empty());
    for (const auto& code : codes) cmd.add_codes(code);
    cmd.set_send_back(!send_back.empty());
    cmd.set_reason(send_back);
    return appraisal->Review(step, cmd, by);
  }
};

}  // namespace

TEST_CASE("the queue holds controlled records whose open period has come, in no plan") {
  Node n;
  auto q = n.appraisal->Queue(10, "tester");
  REQUIRE(q.ok());
  std::vector<std::string> codes;
  for (const auto& r : q->records()) codes.push_back(r.code());
  CHECK(codes == std::vector<std::string>{"Z109-WS·1990-Y-0001", "Z109-WS·1990-Y-0002", "Z109-WS·1995-Y-0003",
                                          "Z109-WS·1995-Y-0004", "Z110-WS·1991-Y-0001"});
  CHECK(q->total() == 5);
  CHECK(q->records(0).due() == 2015);
  const v1::AppraisalPlan plan = n.Plan();
  CHECK(plan.id() == "JD-2026-001");
  CHECK(plan.counts().items() == 4);  // Z109, 1980-2000, WS, due: not Z110, not 2010, not the open one
  CHECK(n.Active("Z109-WS·1990-Y-0001") == "JD-2026-001");
  q = n.appraisal->Queue(10, "tester");
  REQUIRE(q.ok());
  CHECK(q->total() == 1);  // the others are in the plan now
  // A second plan finds nothing left in that scope.
  v1::PlanSpec again;
  again.mutable_scope()->add_fonds("Z109");
  again.add_appraisers("钱鉴定");
  again.set_from_queue(true);
  CHECK(n.appraisal->CreatePlan(again, n.c).status().code() == absl::StatusCode::kFailedPrecondition);
  v1::PlanSpec bad = again;
  bad.mutable_scope()->add_categories("not a category!");
  CHECK(n.appraisal->CreatePlan(bad, n.c).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("three steps by three people - one person never acts twice on an item - the announcement changes the records") {
  Node n(/*chunk=*/2);  // several writes per command
  const std::string plan = n.Plan().id();
  const std::string open1 = "Z109-WS·1990-Y-0001", open2 = "Z109-WS·1990-Y-0002", deferred = "Z109-WS·1995-Y-0003",
                    secret = "Z109-WS·1995-Y-0004";

  // Decisions: reasons and dates are required; a state secret is not opened; outsiders refused.
  CHECK(n.Decide(plan, {secret}, v1::APPRAISAL_OUTCOME_CONTROLLED).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(n.Decide(plan, {deferred}, v1::APPRAISAL_OUTCOME_DEFERRED, "待核", "2020-01-01").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(n.Decide(plan, {secret}, v1::APPRAISAL_OUTCOME_OPEN).status().code() == absl::StatusCode::kInvalidArgument);
  const Caller stranger = Person("周其他", "appraiser");
  CHECK(n.Decide(plan, {open1}, v1::APPRAISAL_OUTCOME_OPEN, "", "", &stranger).status().code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(n.Decide(plan, {"NO-SUCH"}, v1::APPRAISAL_OUTCOME_OPEN).status().code() == absl::StatusCode::kNotFound);

  REQUIRE(n.Decide(plan, {open1, open2}, v1::APPRAISAL_OUTCOME_OPEN).ok());
  REQUIRE(n.Decide(plan, {deferred}, v1::APPRAISAL_OUTCOME_DEFERRED, "涉及未结事项", "2031-01-01").ok());
  auto decided = n.Decide(plan, {secret}, v1::APPRAISAL_OUTCOME_CONTROLLED, "涉及国家秘密");
  REQUIRE(decided.ok());
  CHECK(decided->counts().awaiting_second() == 4);
  CHECK(n.Decide(plan, {open1}, v1::APPRAISAL_OUTCOME_OPEN).status().code() == absl::StatusCode::kFailedPrecondition);

  // The appraiser may not also do 复审 (even holding the reviewer role): named with the earlier act.
  const Caller a_as_reviewer = Person(n.a.actor.person, "reviewer");
  auto twice = n.Review(plan, v1::APPRAISAL_STEP_SECOND, a_as_reviewer);
  CHECK(twice.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(std::string(twice.status().message()).find("初审") != std::string::npos);
  CHECK(std::string(twice.status().message()).find("复审") != std::string::npos);
  // Nor may 终审 come before 复审.
  CHECK(n.Review(plan, v1::APPRAISAL_STEP_FINAL, n.c, {open1}).status().code() == absl::StatusCode::kFailedPrecondition);

  // 复审 sends one back with a reason; the appraiser decides again; history kept.
  CHECK(n.Review(plan, v1::APPRAISAL_STEP_SECOND, n.b, {open2}, " ").status().code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(n.Review(plan, v1::APPRAISAL_STEP_SECOND, n.b, {open2}, "全文含个人隐私，请复核").ok());
  REQUIRE(n.Review(plan, v1::APPRAISAL_STEP_SECOND, n.b).ok());  // --all: the three still awaiting it
  // The reviewer who sent it back may not decide it (another step), even holding the role.
  const Caller b_as_appraiser = Person(n.b.actor.person, "appraiser");
  CHECK(n.Decide(plan, {open2}, v1::APPRAISAL_OUTCOME_OPEN, "", "", &b_as_appraiser).status().code() ==
        absl::StatusCode::kPermissionDenied);
  {
    v1::DecideCommand cmd;
    cmd.set_plan(plan);
    v1::ItemDecision* d = cmd.add_items();
    d->set_code(open2);
    d->set_outcome(v1::APPRAISAL_OUTCOME_OPEN);
    d->set_catalog_only(true);
    d->set_reason("全文含个人隐私");
    REQUIRE(n.appraisal->Decide(cmd, n.a).ok());
  }
  REQUIRE(n.Review(plan, v1::APPRAISAL_STEP_SECOND, n.b, {open2}).ok());

  // 终审: not by the reviewer; by the approver.
  const Caller b_as_approver = Person(n.b.actor.person, "approver");
  CHECK(n.Review(plan, v1::APPRAISAL_STEP_FINAL, b_as_approver).status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(n.appraisal->ApproveReport(plan, n.c).status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(n.appraisal->Announce(plan, n.c).status().code() == absl::StatusCode::kFailedPrecondition);
  auto final_step = n.Review(plan, v1::APPRAISAL_STEP_FINAL, n.c);
  REQUIRE(final_step.ok());
  CHECK(final_step->counts().done() == 4);
  CHECK(final_step->counts().returned() == 1);

  auto shown = n.appraisal->ShowPlan(plan, true, "tester");
  REQUIRE(shown.ok());
  for (const auto& item : shown->items()) {
    if (item.code() != open2) continue;
    REQUIRE(item.acts_size() == 5);  // 初审, 复审 returned, 初审, 复审, 终审
    CHECK(item.acts(1).returned());
    CHECK(item.acts(1).reason() == "全文含个人隐私，请复核");
    CHECK(item.round() == 2);
  }

  // Nothing changed yet: every record still controlled, at version 1, in the plan.
  for (const std::string& code : {open1, open2, deferred, secret}) {
    const v1::StoredRecord r = n.Record(code);
    CHECK(r.record().open_status() == v1::OPEN_STATUS_CONTROLLED);
    CHECK(r.version() == 1);
    CHECK(n.Active(code) == plan);
  }
  auto report = n.appraisal->Report(plan, "tester");
  REQUIRE(report.ok());
  CHECK(report->pdf().rfind("%PDF-", 0) == 0);
  auto approved = n.appraisal->ApproveReport(plan, n.c);
  REQUIRE(approved.ok());
  CHECK(approved->report_sm3() == report->sm3());
  CHECK(n.Review(plan, v1::APPRAISAL_STEP_FINAL, n.c, {open1}, "晚了").status().code() ==
        absl::StatusCode::kFailedPrecondition);

  // Without the node's key nothing is announced and nothing changes.
  n.can_sign = false;
  CHECK(n.appraisal->Announce(plan, n.c).status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(n.Record(open1).version() == 1);
  n.can_sign = true;

  auto a = n.appraisal->Announce(plan, n.c);
  REQUIRE(a.ok());
  CHECK(a->number() == "410100-KF-2026-001");
  CHECK(a->opened() == 2);
  CHECK(a->controlled() == 1);
  CHECK(a->deferred() == 1);
  CHECK(a->versions() == 4);
  CHECK(kuaguan::seal::VerifyNodeSignature(a->cert_pem(), a->pdf(), a->signature()).ok());

  const v1::StoredRecord r1 = n.Record(open1);
  CHECK(r1.version() == 2);
  CHECK(r1.record().open_status() == v1::OPEN_STATUS_OPEN);
  CHECK(r1.record().share_class() == v1::SHARE_CLASS_UNCONDITIONAL);
  CHECK(r1.record().text_share_class() == v1::SHARE_CLASS_UNCONDITIONAL);
  CHECK(r1.appraisal().outcome() == v1::APPRAISAL_OUTCOME_OPEN);
  CHECK(r1.appraisal().announcement() == a->number());
  const v1::StoredRecord r2 = n.Record(open2);  // catalog only: the full text needs an authorization
  CHECK(r2.record().open_status() == v1::OPEN_STATUS_OPEN);
  CHECK(r2.record().share_class() == v1::SHARE_CLASS_UNCONDITIONAL);
  CHECK(r2.record().text_share_class() == v1::SHARE_CLASS_CONDITIONAL);
  const v1::StoredRecord rd = n.Record(deferred);
  CHECK(rd.record().open_status() == v1::OPEN_STATUS_CONTROLLED);
  CHECK(rd.appraisal().outcome() == v1::APPRAISAL_OUTCOME_DEFERRED);
  CHECK(rd.appraisal().until() == "2031-01-01");
  CHECK(n.Record(secret).appraisal().reason() == "涉及国家秘密");
  for (const std::string& code : {open1, open2, deferred, secret}) CHECK(n.Active(code).empty());
  auto history = n.store->History(open1);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK(history->at(0).record().open_status() == v1::OPEN_STATUS_CONTROLLED);  // nothing overwritten
  CHECK(history->at(1).reason().find(a->number()) != std::string::npos);

  // Announcing again gives the same announcement and changes nothing more.
  auto again = n.appraisal->Announce(plan, n.c);
  REQUIRE(again.ok());
  CHECK(again->pdf() == a->pdf());
  CHECK(n.Record(open1).version() == 2);
  // Appraised records leave the queue: controlled by appraisal, deferred to 2031.
  auto q = n.appraisal->Queue(10, "tester");
  REQUIRE(q.ok());
  CHECK(q->total() == 1);
  CHECK(q->records(0).code() == "Z110-WS·1991-Y-0001");
}

TEST_CASE("a plan without --from-queue takes every controlled record of its scope - --all decides them together") {
  Node n;
  v1::PlanSpec spec;
  spec.mutable_scope()->set_year_from(2010);
  spec.mutable_scope()->set_year_to(2010);
  spec.add_appraisers("钱鉴定");
  auto p = n.appraisal->CreatePlan(spec, n.a);
  REQUIRE(p.ok());
  CHECK(p->counts().items() == 1);  // early appraisal of the 2010 record
  v1::DecideCommand cmd;
  cmd.set_plan(p->id());
  cmd.set_all(true);
  cmd.mutable_each()->set_outcome(v1::APPRAISAL_OUTCOME_OPEN);
  auto d = n.appraisal->Decide(cmd, n.a);
  REQUIRE(d.ok());
  CHECK(d->items() == 1);
  CHECK(n.appraisal->Decide(cmd, n.a).status().code() == absl::StatusCode::kFailedPrecondition);
}
