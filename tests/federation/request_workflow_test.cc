// The remote-request workflow in one process: a front desk (开封市档案馆 410200) and a back office
// (郑州市档案馆 410100), each with its own real store and index in a temporary directory and real
// seals from a CA made for the test, joined by a PeerClient that calls the other node's workflow
// directly and a clock that moves only when the test moves it. The outboxes are pumped by hand,
// so every path is deterministic and runs in milliseconds.
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>

#include <catch2/catch.hpp>

#include "seal/sealed_certificate.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/worker_pool.h"
#include "document/seal_picture.h"
#include "federation/federated_search.h"
#include "federation/remote_requests.h"
#include "index/record_index.h"
#include "ingest/identity_number.h"
#include "node/holdings.h"
#include "node/store.h"
#include "seal/ca.h"
#include "seal/key_file.h"
#include "seal/sm2.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace {

namespace v1 = kuaguan::v1;
namespace fed = kuaguan::federation;
using kuaguan::testing::FakeClock;

constexpr char kBack[] = "410100";
constexpr char kBackName[] = "郑州市档案馆";
constexpr char kFront[] = "410200";
constexpr char kFrontName[] = "开封市档案馆";

// An identity number with the right check character for the first 17 digits.
std::string IdNumber(const std::string& first17) {
  return first17 + kuaguan::ingest::IdentityCheckChar(first17);
}

const std::string& ZhangSan() {
  static const std::string id = IdNumber("41010219800101123");
  return id;
}

// Beijing time.
absl::Time At(int y, int m, int d, int h = 10) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, h, 0, 0), absl::FixedTimeZone(8 * 3600));
}

// The CA, the seals of both archives and the directory they share.
class TestFederation {
 public:
  explicit TestFederation(const std::filesystem::path& dir) {
    ca_ = *kuaguan::seal::CertificateAuthority::Create(dir / "ca", "test", "410000", "河南省档案馆");
    trust_.set_root_pem(ca_->root_pem());
    trust_.set_seal_maker_pem(ca_->seal_maker_pem());
    for (const auto& [code, name] : {std::pair{kBack, kBackName}, std::pair{kFront, kFrontName}}) {
      Botan::AutoSeeded_RNG rng;
      fed::SealKit kit;
      std::shared_ptr<Botan::Private_Key> key = kuaguan::seal::NewKey(kuaguan::seal::KeyKind::kSm2, rng);
      kit.cert_pem = *ca_->IssueSealCert(kuaguan::seal::Sm2PublicKeyDer(*key), code, name,
                                          std::chrono::hours(24 * 365 * 3));
      const std::string picture = *kuaguan::document::RenderSealPng(name, "电子出证专用章", 300);
      kit.seal_der = *ca_->MakeArchiveSeal(absl::StrCat(code, "-1"), absl::StrCat(name, "电子出证专用章"),
                                           kit.cert_pem, picture);
      kit.key = std::move(key);
      seals_[code] = kit;
      auto* m = trust_.add_members();
      m->set_code(code);
      m->set_name(name);
      m->set_seal_cert_pem(kit.cert_pem);
      auto* dm = directory_.add_members();
      dm->set_code(code);
      dm->set_name(name);
    }
  }
  const v1::TrustBundle& trust() const { return trust_; }
  const v1::Directory& directory() const { return directory_; }
  const fed::SealKit& seal(const std::string& code) const { return seals_.at(code); }

 private:
  std::unique_ptr<kuaguan::seal::CertificateAuthority> ca_;
  v1::TrustBundle trust_;
  v1::Directory directory_;
  std::map<std::string, fed::SealKit> seals_;
};

// One archive's view of the federation.
class TestMembers final : public fed::Membership {
 public:
  TestMembers(const TestFederation* federation, std::string code)
      : federation_(federation), code_(std::move(code)) {}
  bool enrolled() const override { return true; }
  v1::Directory Directory() const override { return federation_->directory(); }
  std::string MemberName(const std::string& code) const override {
    for (const auto& m : federation_->directory().members()) {
      if (m.code() == code) return m.name();
    }
    return "";
  }
  v1::TrustBundle Trust() const override { return federation_->trust(); }
  absl::StatusOr<fed::SealKit> Seal() const override { return federation_->seal(code_); }

 private:
  const TestFederation* const federation_;
  const std::string code_;
};

// Calls go straight to the other node's workflow; an archive can be made to fail its next calls.
class LoopbackPeers final : public fed::PeerClient {
 public:
  void Add(const std::string& code, fed::RemoteRequests* node, fed::HoldingsView* holdings) {
    nodes_[code] = node;
    holdings_[code] = holdings;
  }
  void FailNext(const std::string& code, int calls) { failures_[code] = calls; }
  int calls() const { return calls_; }

  absl::StatusOr<v1::PingResponse> Ping(const std::string& archive, const v1::PingRequest&,
                                        absl::Duration) override {
    if (absl::Status st = Gate(archive); !st.ok()) return st;
    v1::PingResponse resp;
    resp.set_code(archive);
    return resp;
  }
  absl::StatusOr<v1::PeerSearchResponse> Search(const std::string& archive, const v1::PeerSearchRequest& req,
                                                absl::Duration) override {
    if (absl::Status st = Gate(archive); !st.ok()) return st;
    auto found = holdings_[archive]->PeerSearch(req.query(), req.limit(), req.from());
    if (!found.ok()) return found.status();
    v1::PeerSearchResponse resp;
    resp.set_code(archive);
    resp.set_total(found->total());
    *resp.mutable_hits() = found->hits();
    return resp;
  }
  absl::StatusOr<v1::SubmitResponse> Submit(const std::string& archive, const v1::RemoteRequest& r) override {
    if (absl::Status st = Gate(archive); !st.ok()) return st;
    return nodes_[archive]->back_office()->Receive(r, r.from_archive());
  }
  absl::StatusOr<v1::UpdateAck> Update(const std::string& archive, const v1::RequestUpdate& u) override {
    if (absl::Status st = Gate(archive); !st.ok()) return st;
    return nodes_[archive]->ApplyUpdate(u, u.from());
  }
  absl::StatusOr<v1::CertificateStatus> CheckCertificate(const std::string& archive,
                                                         const v1::CertificateQuery& q) override {
    if (absl::Status st = Gate(archive); !st.ok()) return st;
    return nodes_[archive]->back_office()->CertificateState(q);
  }

 private:
  absl::Status Gate(const std::string& archive) {
    ++calls_;
    if (!nodes_.contains(archive)) return absl::NotFoundError(absl::StrCat("archive ", archive, " is no member"));
    if (failures_[archive] > 0) {
      --failures_[archive];
      return absl::UnavailableError(absl::StrCat("archive ", archive, " is unreachable (test)"));
    }
    return absl::OkStatus();
  }
  std::map<std::string, fed::RemoteRequests*> nodes_;
  std::map<std::string, fed::HoldingsView*> holdings_;
  std::map<std::string, int> failures_;
  int calls_ = 0;
};

// One archive node: real store, index and holdings, and its request workflow.
struct TestNode {
  kuaguan::testing::TempDir dir;
  std::unique_ptr<kuaguan::node::Store> store;
  std::unique_ptr<kuaguan::index::RecordIndex> index;
  std::unique_ptr<kuaguan::node::Holdings> holdings;
  TestMembers members;
  std::unique_ptr<fed::FederatedSearch> search;
  std::unique_ptr<fed::RemoteRequests> requests;

  TestNode(const TestFederation* federation, const std::string& code, const std::string& name,
           fed::RequestPolicy policy, fed::PeerClient* peers, kuaguan::base::WorkerPool* pool,
           const FakeClock* clock)
      : members(federation, code) {
    store = std::move(*kuaguan::node::Store::Open(dir.path() / "store"));
    REQUIRE(store->SetFederationPersonKey(std::string(32, 'k'), {"test", "federation.person-key", code}).ok());
    index = std::move(*kuaguan::index::RecordIndex::Open(dir.path() / "index"));
    holdings = std::make_unique<kuaguan::node::Holdings>(store.get(), index.get());
    search = std::make_unique<fed::FederatedSearch>(code, &members, peers, store.get(), pool, clock);
    fed::RequestDeps deps{store.get(), holdings.get(), &members, peers, search.get(), clock};
    requests = std::make_unique<fed::RemoteRequests>(code, name, policy, deps);
  }

  void Import(const std::string& csv) {
    v1::ImportRequest req;
    req.set_file_name("catalog.csv");
    req.set_content(csv);
    auto r = holdings->Import(req, "tester");
    REQUIRE(r.ok());
    REQUIRE(r->committed());
  }
  v1::StoredRequest Get(const std::string& id) {
    auto r = requests->book()->Get(id, /*full=*/true);
    REQUIRE(r.ok());
    return *r;
  }
};

std::string Catalog() {
  return absl::StrCat(
      "档号,题名,责任者,日期,保管期限,密级,共享类别,民生类别\n",
      "Z109-HY·1985-Y-0001,张三与李四结婚登记（身份证号 ", ZhangSan(), "）,郑州市民政局,1985-05-06,永久,公开,无条件共享,婚姻登记\n",
      "Z109-HY·1985-Y-0002,王五与赵六结婚登记,郑州市民政局,1985-06-07,永久,公开,无条件共享,婚姻登记\n",
      "Z109-WS·1990-Y-0003,张三工作调动审批（内部）,郑州市人事局,1990-01-09,永久,公开,暂不共享,\n");
}

fed::RequestPolicy Policy(bool auto_issue, bool dual_approval) {
  fed::RequestPolicy p;
  p.auto_issue = auto_issue;
  p.dual_approval = dual_approval;
  return p;
}

// Made once per process: a CA and two seals take most of a second to make.
const TestFederation& SharedFederation() {
  static const kuaguan::testing::TempDir dir;
  static const TestFederation federation(dir.path());
  return federation;
}

struct Workflow {
  kuaguan::testing::TempDir dir;
  // Seals are valid from when the test's CA made them (now); tests of deadlines that issue no
  // certificate set the calendar dates they need.
  FakeClock clock{absl::Now()};
  kuaguan::base::WorkerPool pool{"test fan-out workers", 2, 4};
  const TestFederation& federation = SharedFederation();
  LoopbackPeers peers;
  std::unique_ptr<TestNode> front, back;
  kuaguan::seal::StaffInfo clerk{kFront, "front-desk", "王芳", {}};

  explicit Workflow(bool auto_issue = false, bool dual_approval = false) : Workflow(Policy(auto_issue, dual_approval)) {}
  explicit Workflow(const fed::RequestPolicy& policy) {
    back = std::make_unique<TestNode>(&federation, kBack, kBackName, policy, &peers, &pool, &clock);
    front = std::make_unique<TestNode>(&federation, kFront, kFrontName, fed::RequestPolicy{}, &peers, &pool,
                                       &clock);
    peers.Add(kBack, back->requests.get(), back->holdings.get());
    peers.Add(kFront, front->requests.get(), front->holdings.get());
    back->Import(Catalog());
  }

  // Delivers what both outboxes hold until nothing more moves.
  void Pump() {
    for (int round = 0; round < 10; ++round) {
      auto a = front->requests->outbox()->DeliverDue();
      auto b = back->requests->outbox()->DeliverDue();
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      if (*a == 0 && *b == 0) return;
    }
    FAIL("the outboxes did not settle");
  }

  v1::FileRequestRequest Filing(const std::string& record = "") {
    v1::FileRequestRequest f;
    f.set_person_name("张三");
    f.set_id_number(ZhangSan());
    f.set_target(kBack);
    f.set_category("婚姻登记");
    f.set_purpose("办理退休");
    if (!record.empty()) f.add_record_codes(record);
    return f;
  }

  std::string File(const std::string& record = "") {
    auto filed = front->requests->front_desk()->File(Filing(record), clerk);
    REQUIRE(filed.ok());
    CHECK(filed->state() == v1::REQUEST_STATE_FILED);
    return filed->request().request_id();
  }
};

}  // namespace

TEST_CASE_METHOD(Workflow, "a request for a named shared record is issued by a clerk and delivered verified") {
  const std::string id = File("Z109-HY·1985-Y-0001");
  Pump();
  CHECK(back->Get(id).state() == v1::REQUEST_STATE_IN_REVIEW);
  CHECK(front->Get(id).state() == v1::REQUEST_STATE_IN_REVIEW);
  CHECK(front->Get(id).due_date() == back->Get(id).due_date());

  v1::IssueCommand issue;
  issue.set_request_id(id);
  issue.add_record_codes("Z109-HY·1985-Y-0001");
  auto issued = back->requests->back_office()->Issue(issue, "staff:back-office:李明");
  REQUIRE(issued.ok());
  CHECK(issued->state() == v1::REQUEST_STATE_ISSUED);
  Pump();
  const v1::StoredRequest at_front = front->Get(id);
  CHECK(at_front.state() == v1::REQUEST_STATE_DELIVERED);
  CHECK(at_front.verify_error().empty());
  CHECK(back->Get(id).state() == v1::REQUEST_STATE_DELIVERED);

  auto file = front->requests->front_desk()->Fetch(id, "staff:front-desk:王芳");
  REQUIRE(file.ok());
  auto verified = front->requests->verifier()->Verify(file->pdf(), /*online=*/true, "staff:front-desk:王芳");
  REQUIRE(verified.ok());
  CHECK(verified->valid());
  CHECK(verified->online_answer().find("confirms") != std::string::npos);

  // Issuing again is refused: the request is closed.
  CHECK(back->requests->back_office()->Issue(issue, "staff:back-office:李明").status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("under dual approval a clerk prepares, another person approves, and the certificate names both") {
  Workflow w(/*auto_issue=*/false, /*dual_approval=*/true);
  const std::string id = w.File("Z109-HY·1985-Y-0001");
  w.Pump();
  v1::IssueCommand issue;
  issue.set_request_id(id);
  issue.add_record_codes("Z109-HY·1985-Y-0001");
  const std::string clerk = "李明 (back-office, unix:liming)";
  auto prepared = w.back->requests->back_office()->Issue(issue, clerk);
  REQUIRE(prepared.ok());
  CHECK(prepared->state() == v1::REQUEST_STATE_IN_REVIEW);
  REQUIRE(prepared->prepared_records_size() == 1);
  CHECK(prepared->prepared_by() == clerk);
  CHECK(w.back->Get(id).certificate().pdf().empty());
  // The same person may not approve, even in the approver's role.
  CHECK(w.back->requests->back_office()->Approve(id, "李明 (approver, unix:liming)").status().code() ==
        absl::StatusCode::kPermissionDenied);
  auto issued = w.back->requests->back_office()->Approve(id, "周馆长 (approver, unix:zhou)");
  REQUIRE(issued.ok());
  CHECK(issued->state() == v1::REQUEST_STATE_ISSUED);
  const v1::StoredRequest back = w.back->Get(id);
  auto verified = kuaguan::seal::VerifySealedCertificate(back.certificate().pdf(), w.back->requests->verifier()->Trust().value());
  REQUIRE(verified.ok());
  CHECK(verified->content.clerk() == "李明");
  CHECK(verified->content.approver() == "周馆长");
  // Nothing left to approve; and a node issuing by one person has nothing to approve at all.
  CHECK(w.back->requests->back_office()->Approve(id, "周馆长 (approver, unix:zhou)").status().code() ==
        absl::StatusCode::kFailedPrecondition);
  Workflow single;
  const std::string other = single.File("Z109-HY·1985-Y-0001");
  single.Pump();
  CHECK(single.back->requests->back_office()->Approve(other, "周馆长 (approver, unix:zhou)").status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("the auto-issue policy certifies an exact match at once") {
  Workflow w(/*auto_issue=*/true);
  const std::string id = w.File("Z109-HY·1985-Y-0001");
  w.Pump();
  const v1::StoredRequest back = w.back->Get(id);
  CHECK(back.state() == v1::REQUEST_STATE_DELIVERED);
  bool by_policy = false;
  for (const auto& c : back.history()) by_policy |= c.state() == v1::REQUEST_STATE_ISSUED && c.actor() == "policy:auto-issue";
  CHECK(by_policy);
  CHECK(w.front->Get(id).state() == v1::REQUEST_STATE_DELIVERED);
  CHECK_FALSE(w.front->Get(id).certificate().pdf().empty());
}

TEST_CASE("auto-issue leaves a record that names someone else to a clerk") {
  Workflow w(/*auto_issue=*/true);
  const std::string id = w.File("Z109-HY·1985-Y-0002");
  w.Pump();
  CHECK(w.back->Get(id).state() == v1::REQUEST_STATE_IN_REVIEW);
}

// What the front desk heard from the back office: every reason, in order.
std::vector<std::string> ReasonsFrom(const v1::StoredRequest& r, const std::string& archive) {
  std::vector<std::string> out;
  for (const auto& c : r.history()) {
    if (c.archive() == archive) out.push_back(absl::StrCat(v1::RequestState_Name(c.state()), ": ", c.reason()));
  }
  return out;
}

TEST_CASE_METHOD(Workflow, "an absent record and one that may not be shared get the same answer") {
  const std::string absent = File("Z109-HY·1999-Y-9999");
  const std::string unshared = File("Z109-WS·1990-Y-0003");
  Pump();
  const v1::StoredRequest a = front->Get(absent), u = front->Get(unshared);
  CHECK(a.state() == v1::REQUEST_STATE_IN_REVIEW);
  CHECK(u.state() == v1::REQUEST_STATE_IN_REVIEW);
  CHECK(ReasonsFrom(a, kBack) == ReasonsFrom(u, kBack));
  CHECK(u.review_note().empty());  // the clerk's note never travels
  CHECK(back->Get(unshared).review_note().find("Z109-WS·1990-Y-0003") != std::string::npos);
  // The clerk answers 查无此档 for both.
  for (const std::string& id : {absent, unshared}) {
    v1::DecisionCommand none;
    none.set_request_id(id);
    none.set_state(v1::REQUEST_STATE_NOT_FOUND);
    REQUIRE(back->requests->back_office()->Decide(none, "staff:back-office:李明").ok());
  }
  Pump();
  CHECK(front->Get(absent).state() == v1::REQUEST_STATE_NOT_FOUND);
  CHECK(ReasonsFrom(front->Get(absent), kBack) == ReasonsFrom(front->Get(unshared), kBack));
}

TEST_CASE_METHOD(Workflow, "a person named only in a record that may not be shared is answered like nobody") {
  // 张三 appears in the title of a 暂不共享 record; 钱七 appears nowhere.
  v1::FileRequestRequest f = Filing();
  f.set_person_name("钱七");
  f.set_id_number(IdNumber("41010219900202456"));
  auto nobody = front->requests->front_desk()->File(f, clerk);
  REQUIRE(nobody.ok());
  f = Filing();
  f.set_category("工龄");  // only the not-shared record mentions 张三 outside 婚姻登记
  auto named = front->requests->front_desk()->File(f, clerk);
  REQUIRE(named.ok());
  Pump();
  const auto a = ReasonsFrom(front->Get(nobody->request().request_id()), kBack);
  const auto b = ReasonsFrom(front->Get(named->request().request_id()), kBack);
  CHECK(a == b);
  for (const auto& reason : a) CHECK(reason.find("possible") == std::string::npos);
}

TEST_CASE_METHOD(Workflow, "a peer's request is checked field by field, category included") {
  const std::string id = File("Z109-HY·1985-Y-0001");
  Pump();
  const v1::RemoteRequest good = front->Get(id).request();
  auto refused = [&](auto change) {
    v1::RemoteRequest r = good;
    r.set_request_id(absl::StrCat(kFront, "-20260101-probe"));
    change(&r);
    return back->requests->back_office()->Receive(r, kFront).status().code() == absl::StatusCode::kInvalidArgument;
  };
  CHECK(refused([](v1::RemoteRequest* r) { r->set_category(v1::LIVELIHOOD_NONE); }));
  CHECK(refused([](v1::RemoteRequest* r) { r->set_category(static_cast<v1::LivelihoodCategory>(99)); }));
  CHECK(refused([](v1::RemoteRequest* r) { r->set_person_id_masked("410102198001011234"); }));
  CHECK(refused([](v1::RemoteRequest* r) { r->set_person_name("张三\x1b[2J"); }));
  CHECK(refused([](v1::RemoteRequest* r) { r->set_purpose(std::string(3000, 'x')); }));
  CHECK(refused([](v1::RemoteRequest* r) {
    for (int i = 0; i < 11; ++i) {
      auto* a = r->add_attachments();
      a->set_name(absl::StrCat("p", i, ".png"));
      a->set_data("\x89PNG\r\n\x1a\n....");
    }
  }));
  CHECK(refused([](v1::RemoteRequest* r) {
    for (int i = 0; i < 3; ++i) {  // 3 x 7 MiB: each under 8 MiB, 21 MiB in all
      auto* a = r->add_attachments();
      a->set_name(absl::StrCat("p", i, ".pdf"));
      a->set_data("%PDF-" + std::string(7u << 20, 'x'));
    }
  }));
}

TEST_CASE("each member files at most its daily quota") {
  fed::RequestPolicy policy;
  policy.daily_requests_per_member = 2;
  Workflow w(policy);
  w.File("Z109-HY·1985-Y-0001");
  w.File("Z109-HY·1985-Y-0002");
  const std::string third = w.File("Z109-HY·1985-Y-0001");
  w.Pump();
  const v1::StoredRequest waiting = w.front->Get(third);
  CHECK(waiting.state() == v1::REQUEST_STATE_FILED);
  CHECK(waiting.delivery().find("daily quota") != std::string::npos);
  w.clock.Advance(absl::Hours(24));
  w.Pump();
  CHECK(w.front->Get(third).state() == v1::REQUEST_STATE_IN_REVIEW);
}

TEST_CASE_METHOD(Workflow, "a request without records goes to review with the candidates found") {
  const std::string id = File();
  Pump();
  CHECK(back->Get(id).state() == v1::REQUEST_STATE_IN_REVIEW);
  auto detail = back->requests->back_office()->Show(id, "staff:back-office:李明");
  REQUIRE(detail.ok());
  std::vector<std::string> codes;
  for (const auto& c : detail->candidates()) codes.push_back(c.code());
  CHECK(std::find(codes.begin(), codes.end(), "Z109-HY·1985-Y-0001") != codes.end());
  CHECK(detail->candidates(0).matched_field() == "person (identity number)");
}

TEST_CASE_METHOD(Workflow, "a clerk may extend once with a reason, and a second extension is refused") {
  clock.Set(At(2026, 9, 14));  // a Monday
  const std::string id = File("Z109-HY·1985-Y-0001");
  Pump();
  v1::DecisionCommand extend;
  extend.set_request_id(id);
  extend.set_state(v1::REQUEST_STATE_EXTENDED);
  CHECK(back->requests->back_office()->Decide(extend, "staff:back-office:李明").status().code() ==
        absl::StatusCode::kInvalidArgument);  // no reason
  extend.set_reason("档案需从库房调出 (records must be fetched from the stacks)");
  auto extended = back->requests->back_office()->Decide(extend, "staff:back-office:李明");
  REQUIRE(extended.ok());
  CHECK(extended->due_date() == "2026-09-21");  // 9-17 + 3 working days (9-20 is a 调休 Sunday)
  Pump();
  CHECK(front->Get(id).state() == v1::REQUEST_STATE_EXTENDED);
  CHECK(front->Get(id).due_date() == "2026-09-21");
  CHECK(front->Get(id).extension_reason() == extend.reason());
  CHECK(back->requests->back_office()->Decide(extend, "staff:back-office:李明").status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE_METHOD(Workflow, "deadlines count working days across a 调休 weekend and the National Day holiday") {
  clock.Set(At(2026, 9, 18));  // Friday; Sunday 9-20 is a make-up working day
  std::string id = File("Z109-HY·1985-Y-0001");
  Pump();
  CHECK(back->Get(id).received_date() == "2026-09-18");
  CHECK(back->Get(id).due_date() == "2026-09-22");  // Sun 9-20, Mon 9-21, Tue 9-22

  clock.Set(At(2026, 9, 24));  // Thursday before the Mid-Autumn holiday 9-25..9-27
  id = File("Z109-HY·1985-Y-0001");
  Pump();
  CHECK(back->Get(id).due_date() == "2026-09-30");  // Mon 9-28, Tue 9-29, Wed 9-30
  v1::DecisionCommand extend;
  extend.set_request_id(id);
  extend.set_state(v1::REQUEST_STATE_EXTENDED);
  extend.set_reason("调卷");
  auto extended = back->requests->back_office()->Decide(extend, "staff:back-office:李明");
  REQUIRE(extended.ok());
  CHECK(extended->due_date() == "2026-10-10");  // 10-1..10-7 holiday; Thu 10-8, Fri 10-9, Sat 10-10 补班

  clock.Set(At(2026, 10, 9));
  auto overdue = back->requests->book()->Overdue("");
  REQUIRE(overdue.ok());
  CHECK(overdue->requests_size() == 1);  // the first, due 9-22; the second is due 10-10
  overdue = back->requests->book()->Overdue("2026-10-12");
  REQUIRE(overdue.ok());
  CHECK(overdue->requests_size() == 2);
}

TEST_CASE_METHOD(Workflow, "the outbox retries with backoff until the back office can be reached") {
  peers.FailNext(kBack, 2);
  const std::string id = File("Z109-HY·1985-Y-0001");
  REQUIRE(*front->requests->outbox()->DeliverDue() == 0);  // attempt 1 fails
  v1::StoredRequest waiting = front->Get(id);
  CHECK(waiting.state() == v1::REQUEST_STATE_FILED);
  CHECK(waiting.delivery().find("1 attempts") != std::string::npos);
  CHECK(waiting.delivery().find("unreachable") != std::string::npos);
  REQUIRE(*front->requests->outbox()->DeliverDue() == 0);  // not yet due: nothing is tried
  clock.Advance(absl::Seconds(1));
  REQUIRE(*front->requests->outbox()->DeliverDue() == 0);  // attempt 2 fails
  CHECK(front->Get(id).delivery().find("2 attempts") != std::string::npos);
  clock.Advance(absl::Seconds(2));
  REQUIRE(*front->requests->outbox()->DeliverDue() == 1);  // attempt 3 reaches it
  CHECK(front->Get(id).delivery().empty());
  CHECK(front->Get(id).state() == v1::REQUEST_STATE_IN_REVIEW);
  CHECK(back->Get(id).state() == v1::REQUEST_STATE_IN_REVIEW);
}

TEST_CASE_METHOD(Workflow, "a message refused for good goes to the dead-letter list and the queue moves on") {
  const std::string id = File("Z109-HY·1985-Y-0001");
  Pump();
  // An update the front desk cannot take (no such request there) is queued before the real issue.
  fed::Outbox::Message stray{kFront, {}};
  auto* u = stray.item.mutable_update();
  u->set_from(kBack);
  u->set_request_id(absl::StrCat(kFront, "-20260101-gone"));
  u->set_state(v1::REQUEST_STATE_IN_REVIEW);
  u->mutable_change()->set_state(v1::REQUEST_STATE_IN_REVIEW);
  u->mutable_change()->set_at_micros(1);
  REQUIRE(back->requests->outbox()->Commit({}, {stray}, {"test", "test.stray", "", "ok"}).ok());
  v1::IssueCommand issue;
  issue.set_request_id(id);
  issue.add_record_codes("Z109-HY·1985-Y-0001");
  REQUIRE(back->requests->back_office()->Issue(issue, "李明 (back-office, unix:liming)").ok());
  Pump();
  CHECK(front->Get(id).state() == v1::REQUEST_STATE_DELIVERED);  // not held up behind the stray
  auto dead = back->requests->outbox()->DeadLetters();
  REQUIRE(dead.ok());
  REQUIRE(dead->items_size() == 1);
  CHECK(dead->items(0).permanent());
  CHECK(dead->items(0).update().request_id() == u->request_id());
  CHECK(dead->items(0).last_error().find("no request") != std::string::npos);
  // Retried, it is refused again and comes back under a new number.
  const uint64_t seq = dead->items(0).seq();
  REQUIRE(back->requests->outbox()->Retry(seq, "李明 (back-office, unix:liming)").ok());
  CHECK(back->requests->outbox()->Retry(seq, "x").status().code() == absl::StatusCode::kNotFound);
  Pump();
  dead = back->requests->outbox()->DeadLetters();
  REQUIRE(dead->items_size() == 1);
  CHECK(dead->items(0).seq() > seq);
}

TEST_CASE_METHOD(Workflow, "a message that keeps failing is given up after the attempts, and retried by hand") {
  peers.FailNext(kBack, 1000);
  const std::string id = File("Z109-HY·1985-Y-0001");
  for (uint32_t i = 0; i < fed::Outbox::kMaxAttempts; ++i) {
    REQUIRE(front->requests->outbox()->DeliverDue().ok());
    clock.Advance(absl::Seconds(31));
  }
  auto dead = front->requests->outbox()->DeadLetters();
  REQUIRE(dead.ok());
  REQUIRE(dead->items_size() == 1);
  CHECK_FALSE(dead->items(0).permanent());
  CHECK(dead->items(0).attempts() == fed::Outbox::kMaxAttempts);
  CHECK(front->Get(id).delivery().find("dead-letter") != std::string::npos);
  peers.FailNext(kBack, 0);
  REQUIRE(front->requests->outbox()->Retry(dead->items(0).seq(), "王芳 (front-desk, unix:wangfang)").ok());
  Pump();
  CHECK(front->Get(id).state() == v1::REQUEST_STATE_IN_REVIEW);
  CHECK(front->requests->outbox()->DeadLetters()->items_size() == 0);
}

TEST_CASE_METHOD(Workflow, "a replay under the same request id is answered as it stands, and other content is refused") {
  v1::FileRequestRequest f = Filing("Z109-HY·1985-Y-0001");
  f.set_request_id(absl::StrCat(kFront, "-20260914-replay"));
  auto first = front->requests->front_desk()->File(f, clerk);
  REQUIRE(first.ok());
  auto again = front->requests->front_desk()->File(f, clerk);
  REQUIRE(again.ok());
  CHECK(again->request().filed_micros() == first->request().filed_micros());
  f.set_purpose("另一用途");
  CHECK(front->requests->front_desk()->File(f, clerk).status().code() == absl::StatusCode::kAlreadyExists);
  f.set_request_id("999999-x");
  f.set_purpose("办理退休");
  CHECK(front->requests->front_desk()->File(f, clerk).status().code() == absl::StatusCode::kInvalidArgument);

  Pump();
  const std::string id = first->request().request_id();
  // The front desk's outbox delivers again (at least once): the same answer, nothing doubled.
  auto stored = front->Get(id);
  auto replay = back->requests->back_office()->Receive(stored.request(), kFront);
  REQUIRE(replay.ok());
  CHECK(replay->state() == v1::REQUEST_STATE_IN_REVIEW);
  CHECK(back->Get(id).history_size() == 2);  // received, in review
  v1::RemoteRequest changed = stored.request();
  changed.set_purpose("别的");
  CHECK(back->requests->back_office()->Receive(changed, kFront).status().code() ==
        absl::StatusCode::kAlreadyExists);
  // Another archive may not file in the front desk's name.
  CHECK(back->requests->back_office()->Receive(stored.request(), "410300").status().code() ==
        absl::StatusCode::kPermissionDenied);
}

TEST_CASE("a revoked certificate fails online verification") {
  Workflow w(/*auto_issue=*/true);
  const std::string id = w.File("Z109-HY·1985-Y-0001");
  w.Pump();
  const v1::StoredRequest at_front = w.front->Get(id);
  REQUIRE(at_front.state() == v1::REQUEST_STATE_DELIVERED);
  const std::string serial = at_front.certificate().serial();
  CHECK(w.back->requests->back_office()->RevokeCertificate(serial, "", "staff:back-office:李明").status().code() ==
        absl::StatusCode::kInvalidArgument);
  auto revoked = w.back->requests->back_office()->RevokeCertificate(serial, "登记信息有误", "staff:back-office:李明");
  REQUIRE(revoked.ok());
  CHECK(revoked->revoked());
  CHECK(w.back->requests->back_office()->RevokeCertificate(serial, "again", "x").status().code() ==
        absl::StatusCode::kFailedPrecondition);
  auto offline = w.front->requests->verifier()->Verify(at_front.certificate().pdf(), false, "t");
  REQUIRE(offline.ok());
  CHECK(offline->valid());  // the file itself is intact
  auto online = w.front->requests->verifier()->Verify(at_front.certificate().pdf(), true, "t");
  REQUIRE(online.ok());
  CHECK_FALSE(online->valid());
  CHECK(online->reason() == "revoked: 登记信息有误");
}

TEST_CASE_METHOD(Workflow, "updates are accepted only from the other end of the request") {
  const std::string id = File("Z109-HY·1985-Y-0001");
  Pump();
  v1::RequestUpdate forged;
  forged.set_from("410300");
  forged.set_request_id(id);
  forged.set_state(v1::REQUEST_STATE_ISSUED);
  forged.mutable_change()->set_state(v1::REQUEST_STATE_ISSUED);
  // A stranger and an unknown id get the same answer.
  CHECK(front->requests->ApplyUpdate(forged, "410300").status().code() == absl::StatusCode::kNotFound);
  forged.set_request_id(absl::StrCat(kFront, "-20260101-nosuch"));
  forged.set_from(kBack);
  CHECK(front->requests->ApplyUpdate(forged, kBack).status().code() == absl::StatusCode::kNotFound);
  forged.set_request_id(id);
  forged.mutable_change()->set_at_micros(1);
  forged.mutable_change()->set_archive(kBack);
  forged.mutable_certificate()->set_pdf("%PDF-1.5 not a sealed certificate");
  auto ack = front->requests->ApplyUpdate(forged, kBack);
  REQUIRE(ack.ok());
  CHECK(ack->state() != v1::REQUEST_STATE_DELIVERED);
  CHECK_FALSE(front->Get(id).verify_error().empty());
  CHECK(front->Get(id).certificate().pdf().empty());  // the bytes are not kept
}

TEST_CASE_METHOD(Workflow, "a front desk cannot write the back office's history") {
  const std::string id = File("Z109-HY·1985-Y-0001");
  Pump();
  const int before = back->Get(id).history_size();
  v1::RequestUpdate forged;
  forged.set_from(kFront);
  forged.set_request_id(id);
  forged.set_state(v1::REQUEST_STATE_ISSUED);
  auto* c = forged.mutable_change();
  c->set_state(v1::REQUEST_STATE_ISSUED);
  c->set_at_micros(absl::ToUnixMicros(clock.Now() - absl::Hours(24)));
  c->set_archive(kBack);
  c->set_actor("李明 (back-office, unix:liming)");
  c->set_reason("certificate 410100-2026-000099-X");
  forged.set_due_date("2099-12-31");
  forged.set_extension_reason("forged");
  CHECK(back->requests->ApplyUpdate(forged, kFront).status().code() == absl::StatusCode::kFailedPrecondition);
  // Delivery before anything was issued is refused too.
  forged.set_state(v1::REQUEST_STATE_DELIVERED);
  c->set_state(v1::REQUEST_STATE_DELIVERED);
  CHECK(back->requests->ApplyUpdate(forged, kFront).status().code() == absl::StatusCode::kFailedPrecondition);
  const v1::StoredRequest kept = back->Get(id);
  CHECK(kept.history_size() == before);
  CHECK(kept.due_date() != "2099-12-31");
  CHECK(kept.extension_reason().empty());
  // The real issue still goes through and is delivered.
  v1::IssueCommand issue;
  issue.set_request_id(id);
  issue.add_record_codes("Z109-HY·1985-Y-0001");
  REQUIRE(back->requests->back_office()->Issue(issue, "李明 (back-office, unix:liming)").ok());
  Pump();
  CHECK(back->Get(id).state() == v1::REQUEST_STATE_DELIVERED);
  const v1::StoredRequest delivered = back->Get(id);
  for (const auto& h : delivered.history()) {
    if (h.state() == v1::REQUEST_STATE_DELIVERED) {
      CHECK(h.archive() == kFront);
      CHECK(h.actor() == absl::StrCat("archive:", kFront));
    }
  }
}

TEST_CASE_METHOD(Workflow, "a back office reports only its own answers, timed and dated by the front desk") {
  const std::string id = File("Z109-HY·1985-Y-0001");
  Pump();
  const std::string due = front->Get(id).due_date();
  v1::RequestUpdate forged;
  forged.set_from(kBack);
  forged.set_request_id(id);
  forged.set_state(v1::REQUEST_STATE_EXTENDED);
  auto* c = forged.mutable_change();
  c->set_state(v1::REQUEST_STATE_EXTENDED);
  c->set_at_micros(absl::ToUnixMicros(clock.Now() - absl::Hours(48)));
  c->set_archive(kFront);  // claims the front desk's own hand
  c->set_actor("王芳 (front-desk, unix:wangfang)");
  c->set_reason("调卷\x1b[31m");
  forged.set_due_date("2099-12-31");
  forged.set_extension_reason("whatever");
  REQUIRE(front->requests->ApplyUpdate(forged, kBack).ok());
  const v1::StoredRequest r = front->Get(id);
  CHECK(r.due_date() != "2099-12-31");
  CHECK(r.due_date() > due);  // 3 working days later, counted here
  CHECK(r.extension_reason().find('\x1b') == std::string::npos);
  const v1::StateChange& last = *r.history().rbegin();
  CHECK(last.archive() == kBack);
  CHECK(last.actor() == absl::StrCat("archive:", kBack));
  CHECK(last.at_micros() == absl::ToUnixMicros(clock.Now()));
  // A second extension, a delivery claimed by the back office, and a second answer are refused.
  c->set_at_micros(c->at_micros() + 1);
  CHECK(front->requests->ApplyUpdate(forged, kBack).status().code() == absl::StatusCode::kFailedPrecondition);
  forged.set_state(v1::REQUEST_STATE_DELIVERED);
  c->set_state(v1::REQUEST_STATE_DELIVERED);
  CHECK(front->requests->ApplyUpdate(forged, kBack).status().code() == absl::StatusCode::kFailedPrecondition);
  forged.set_state(v1::REQUEST_STATE_NOT_FOUND);
  c->set_state(v1::REQUEST_STATE_NOT_FOUND);
  REQUIRE(front->requests->ApplyUpdate(forged, kBack).ok());
  forged.set_state(v1::REQUEST_STATE_REFUSED);
  c->set_state(v1::REQUEST_STATE_REFUSED);
  CHECK(front->requests->ApplyUpdate(forged, kBack).status().code() == absl::StatusCode::kFailedPrecondition);
  // A redelivery of what was taken changes nothing.
  forged.set_state(v1::REQUEST_STATE_NOT_FOUND);
  c->set_state(v1::REQUEST_STATE_NOT_FOUND);
  const int n = front->Get(id).history_size();
  REQUIRE(front->requests->ApplyUpdate(forged, kBack).ok());
  CHECK(front->Get(id).history_size() == n);
}

TEST_CASE_METHOD(Workflow, "filing checks the person, the purpose, the role and the target") {
  v1::FileRequestRequest f = Filing("Z109-HY·1985-Y-0001");
  f.set_id_number(ZhangSan().substr(0, 17) + (ZhangSan()[17] == '0' ? "1" : "0"));
  CHECK(front->requests->front_desk()->File(f, clerk).status().code() == absl::StatusCode::kInvalidArgument);
  f = Filing();
  f.set_purpose("");
  CHECK(front->requests->front_desk()->File(f, clerk).status().code() == absl::StatusCode::kInvalidArgument);
  f = Filing();
  f.set_target("410900");
  CHECK(front->requests->front_desk()->File(f, clerk).status().code() == absl::StatusCode::kNotFound);
  f = Filing();
  f.set_target(kFront);
  CHECK(front->requests->front_desk()->File(f, clerk).status().code() == absl::StatusCode::kInvalidArgument);
  kuaguan::seal::StaffInfo auditor{kFront, "auditor", "赵审", {}};
  CHECK(front->requests->front_desk()->File(Filing(), auditor).status().code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(peers.calls() == 0);
}

TEST_CASE_METHOD(Workflow, "a message queued before a restart is delivered by the reopened node") {
  peers.FailNext(kBack, 1);
  const std::string id = File("Z109-HY·1985-Y-0001");
  REQUIRE(*front->requests->outbox()->DeliverDue() == 0);
  // The front desk stops with the message still queued, and opens the same store again.
  const std::filesystem::path store_dir = front->dir.path() / "store";
  front->requests.reset();
  front->search.reset();
  front->holdings.reset();
  front->index.reset();
  front->store.reset();
  front->store = std::move(*kuaguan::node::Store::Open(store_dir, &clock));
  front->index = std::move(*kuaguan::index::RecordIndex::Open(front->dir.path() / "index"));
  front->holdings = std::make_unique<kuaguan::node::Holdings>(front->store.get(), front->index.get(), &clock);
  front->search = std::make_unique<fed::FederatedSearch>(kFront, &front->members, &peers, front->store.get(), &pool,
                                                         &clock);
  fed::RequestDeps deps{front->store.get(), front->holdings.get(), &front->members, &peers, front->search.get(),
                        &clock};
  front->requests = std::make_unique<fed::RemoteRequests>(kFront, kFrontName, fed::RequestPolicy{}, deps);
  peers.Add(kFront, front->requests.get(), front->holdings.get());
  CHECK(front->Get(id).state() == v1::REQUEST_STATE_FILED);
  clock.Advance(absl::Seconds(1));
  Pump();
  CHECK(front->Get(id).state() == v1::REQUEST_STATE_IN_REVIEW);
  CHECK(back->Get(id).state() == v1::REQUEST_STATE_IN_REVIEW);
  // A new request after the restart takes the next outbox number, not one already used.
  const std::string second = File("Z109-HY·1985-Y-0002");
  Pump();
  CHECK(back->Get(second).state() == v1::REQUEST_STATE_IN_REVIEW);
}

TEST_CASE_METHOD(Workflow, "a request filed with --find goes to the archive that shares the best match") {
  v1::FileRequestRequest f = Filing();
  f.clear_target();
  f.set_find("王五与赵六结婚登记");
  auto filed = front->requests->front_desk()->File(f, clerk);
  REQUIRE(filed.ok());
  CHECK(filed->request().target_archive() == kBack);
  REQUIRE(filed->request().record_codes_size() == 1);
  CHECK(filed->request().record_codes(0) == "Z109-HY·1985-Y-0002");
  f.set_find("没有这样的档案题名");
  CHECK(front->requests->front_desk()->File(f, clerk).status().code() == absl::StatusCode::kNotFound);

  // The same fan-out answers which members are reachable; one that is down says why.
  peers.FailNext(kBack, 1);
  v1::PeersRequest ping;
  auto list = front->search->Peers(ping);
  REQUIRE(list.ok());
  REQUIRE(list->peers_size() == 2);
  for (const auto& p : list->peers()) {
    INFO(p.code());
    CHECK(p.reachable() == (p.code() == kFront));
    if (p.code() == kBack) CHECK(p.error().find("unreachable") != std::string::npos);
  }
}
