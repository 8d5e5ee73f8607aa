#include "node/holdings.h"

#include <catch2/catch.hpp>

#include <xapian.h>

#include "rocksdb/db.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::node;
namespace v1 = kuaguan::v1;

namespace {

const char kCatalog[] =
    "档号,题名,责任者,日期,保管期限,密级,共享类别,民生类别\n"
    "Z109-WS·2011-Y-BGS-0001,关于召开全市档案工作会议的通知,郑州市档案局,2011-03-04,永久,公开,无条件共享,\n"
    "Z109-WS·2011-Y-BGS-0002,郑州市档案馆馆藏婚姻登记档案移交清单,郑州市民政局,2011-05-06,永久,公开,无条件共享,婚姻登记\n"
    "Z109-WS·2012-D30-BGS-0003,档案整理与馆藏建设规划,郑州市档案局,2012-01-09,定期30年,限制,,\n";

struct HoldingsFixture {
  kuaguan::testing::TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<kuaguan::index::RecordIndex> index;
  std::unique_ptr<Holdings> holdings;

  HoldingsFixture() { Open(); }
  void Open() {
    store = std::move(*Store::Open(dir.path() / "store"));
    index = std::move(*kuaguan::index::RecordIndex::Open(dir.path() / "index"));
    holdings = std::make_unique<Holdings>(store.get(), index.get());
    REQUIRE(holdings->CatchUpIndex().ok());
  }
  void Close() {
    holdings.reset();
    index.reset();
    store.reset();
  }
  v1::ImportResult Import(const std::string& content, bool skip_bad = false, bool update = false) {
    v1::ImportRequest req;
    req.set_file_name("catalog.csv");
    req.set_content(content);
    req.set_skip_bad(skip_bad);
    req.set_update(update);
    auto r = holdings->Import(req, "tester");
    REQUIRE(r.ok());
    return *r;
  }
  std::vector<std::string> Search(const std::string& q) {
    v1::SearchRequest req;
    req.set_query(q);
    auto r = holdings->Search(req, "tester");
    REQUIRE(r.ok());
    std::vector<std::string> codes;
    for (const auto& h : r->hits()) codes.push_back(h.code());
    std::sort(codes.begin(), codes.end());
    return codes;
  }
};

}  // namespace

TEST_CASE_METHOD(HoldingsFixture, "import - search as phrase - re-import changes nothing") {
  auto r = Import(kCatalog);
  CHECK(r.committed());
  CHECK(r.created() == 3);
  CHECK(Search("档案馆") == std::vector<std::string>{"Z109-WS·2011-Y-BGS-0002"});
  auto again = Import(kCatalog);
  CHECK(again.unchanged() == 3);
  CHECK(again.created() == 0);
  CHECK(store->Counts().versions == 3);
  auto got = holdings->Get("Z109-WS·2012-D30-BGS-0003", true, "tester");
  REQUIRE(got.ok());
  CHECK(got->record().record().share_class() == v1::SHARE_CLASS_NOT_SHARED);
  CHECK(got->record().content_sm3().size() == 32);
}

TEST_CASE_METHOD(HoldingsFixture, "a file with a bad row changes nothing - --skip-bad imports the rest") {
  const std::string bad = std::string(kCatalog) +
                          "Z109-WS·2012-Y-BGS-0004,错误日期,某单位,2012-02-30,永久,公开,,\n";
  const uint64_t seq_before = store->LastSeq();
  auto r = Import(bad);
  CHECK_FALSE(r.committed());
  CHECK(r.rejected() == 1);
  REQUIRE(r.errors_size() == 1);
  CHECK(r.errors(0).line() == 5);
  CHECK(r.errors(0).field() == "date");
  CHECK(store->LastSeq() == seq_before);
  CHECK(store->Counts().records == 0);
  auto skipped = Import(bad, /*skip_bad=*/true);
  CHECK(skipped.committed());
  CHECK(skipped.created() == 3);
  CHECK(skipped.rejected_rows_size() == 1);
}

TEST_CASE_METHOD(HoldingsFixture, "changed rows need --update - modify and withdraw add versions") {
  Import(kCatalog);
  std::string changed = kCatalog;
  changed.replace(changed.find("全市"), std::string("全市").size(), "全省");
  auto refused = Import(changed);
  CHECK_FALSE(refused.committed());
  CHECK(refused.errors(0).field() == "code");
  auto updated = Import(changed, false, true);
  CHECK(updated.updated() == 1);

  const std::string code = "Z109-WS·2011-Y-BGS-0001";
  v1::ModifyRequest m;
  m.set_code(code);
  auto* fv = m.add_set();
  fv->set_field("题名");
  fv->set_value("关于召开全省档案工作会议的通知（更正）");
  auto mod = holdings->Modify(m, "tester");
  REQUIRE(mod.ok());
  CHECK(mod->record().version() == 3);
  fv->set_field("档号");
  CHECK(holdings->Modify(m, "tester").status().code() == absl::StatusCode::kInvalidArgument);
  fv->set_field("日期");
  fv->set_value("2011-13-01");
  CHECK(holdings->Modify(m, "tester").status().code() == absl::StatusCode::kInvalidArgument);

  v1::WithdrawRequest w;
  w.set_code(code);
  CHECK(holdings->Withdraw(w, "tester").status().code() == absl::StatusCode::kInvalidArgument);
  w.set_reason("内容有误，撤回重新整理");
  auto wd = holdings->Withdraw(w, "tester");
  REQUIRE(wd.ok());
  CHECK(wd->record().state() == v1::RECORD_STATE_WITHDRAWN);
  CHECK(Search("更正").empty());
  CHECK(holdings->Withdraw(w, "tester").status().code() == absl::StatusCode::kFailedPrecondition);
  auto hist = holdings->Get(code, true, "tester");
  REQUIRE(hist->history_size() == 4);
  CHECK(hist->history(0).record().title() == "关于召开全市档案工作会议的通知");
  CHECK(hist->history(3).reason() == "内容有误，撤回重新整理");
  CHECK(holdings->Get("nope", false, "tester").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE_METHOD(HoldingsFixture, "a 300-character serial number indexes and a restored record counts once") {
  const std::string serial(300, '7');
  auto r = Import("档号,题名,年度\nZ1-WS·2001-Y-0001,编号" + serial + "的登记表,2001\n");
  CHECK(r.committed());
  CHECK(index->IndexedSeq() == store->LastSeq());
  CHECK(Search("登记表") == std::vector<std::string>{"Z1-WS·2001-Y-0001"});
  v1::WithdrawRequest w;
  w.set_code("Z1-WS·2001-Y-0001");
  w.set_reason("待核");
  REQUIRE(holdings->Withdraw(w, "tester").ok());
  CHECK(store->Counts().withdrawn == 1);
  CHECK(Import("档号,题名,年度\nZ1-WS·2001-Y-0001,恢复的登记表,2001\n", false, true).updated() == 1);
  CHECK(store->Counts().withdrawn == 0);
  REQUIRE(holdings->Withdraw(w, "tester").ok());
  CHECK(store->Counts().withdrawn == 1);
  CHECK(store->Counts().records == 1);
}

TEST_CASE_METHOD(HoldingsFixture, "identity numbers in catalog fields are masked and kept only as keyed hashes") {
  auto r = Import("档号,题名,年度,共享类别,密级,身份证号,附注\n"
                  "Z3-WS·2001-Y-0001,退休审批表,2001,无条件共享,公开,11010519491231002X,联系电话13912345678\n");
  REQUIRE(r.committed());
  auto got = holdings->Get("Z3-WS·2001-Y-0001", false, "tester");
  REQUIRE(got.ok());
  const auto& rec = got->record().record();
  CHECK(rec.extra().at("身份证号") == "******************");
  CHECK(rec.notes() == "联系电话13912345678");  // kept in the store...
  REQUIRE(rec.persons_size() == 1);
  CHECK(rec.persons(0).id_hash().size() == 32);
  v1::SearchRequest by_person;
  by_person.set_person("11010519491231002X");
  auto found = holdings->Search(by_person, "tester");
  REQUIRE(found.ok());
  REQUIRE(found->hits_size() == 1);
  auto shared = holdings->Get("Z3-WS·2001-Y-0001", false, "tester", /*shared=*/true);
  REQUIRE(shared.ok());
  CHECK(shared->record().record().notes() == "联系电话***********");  // ...masked for peers
  CHECK(shared->record().record().persons(0).id_hash().empty());
  // Re-importing the same file is still unchanged (protection is deterministic).
  CHECK(Import("档号,题名,年度,共享类别,密级,身份证号,附注\n"
               "Z3-WS·2001-Y-0001,退休审批表,2001,无条件共享,公开,11010519491231002X,联系电话13912345678\n")
            .unchanged() == 1);
}

TEST_CASE_METHOD(HoldingsFixture, "the audit chain verifies - and a rewritten entry is named") {
  Import(kCatalog);
  Search("档案");
  auto ok = holdings->VerifyAudit("auditor");
  REQUIRE(ok.ok());
  CHECK(ok->ok());
  CHECK(ok->entries() >= 2);
  // Rewrite entry 1 behind the node's back.
  std::string raw;
  REQUIRE(store->raw_db()->Get({}, store->audit_family(), SeqKey(1), &raw).ok());
  v1::AuditEntry e;
  REQUIRE(e.ParseFromString(raw));
  e.set_actor("someone-else");
  REQUIRE(store->raw_db()->Put({}, store->audit_family(), SeqKey(1), e.SerializeAsString()).ok());
  auto broken = holdings->VerifyAudit("auditor");
  REQUIRE(broken.ok());
  CHECK_FALSE(broken->ok());
  CHECK(broken->first_broken_seq() == 1);
}

TEST_CASE_METHOD(HoldingsFixture, "the index catches up with changes it missed") {
  Import(kCatalog);
  Close();
  {
    // The store moves on while the index is not told (as after a crash between the two).
    auto s = Store::Open(dir.path() / "store");
    RecordWrite w;
    w.current.mutable_record()->set_code("Z109-WS·2013-Y-BGS-0009");
    w.current.mutable_record()->set_title("独生子女证明材料汇编");
    w.current.mutable_record()->set_year(2013);
    w.current.set_version(1);
    w.current.set_state(v1::RECORD_STATE_ACTIVE);
    w.version.set_version(1);
    REQUIRE((*s)->Commit({w}, {"tester", "record.import", "x", "ok"}).ok());
  }
  Open();
  CHECK(Search("独生子女") == std::vector<std::string>{"Z109-WS·2013-Y-BGS-0009"});
  CHECK(index->IndexedSeq() == store->LastSeq());
}

TEST_CASE_METHOD(HoldingsFixture, "reindex rebuilds the same answers") {
  Import(kCatalog);
  std::atomic<bool> cancel{false};
  int calls = 0;
  REQUIRE(holdings->Reindex("tester", [&](const v1::ReindexProgress&) { ++calls; }, &cancel).ok());
  CHECK(calls >= 1);
  CHECK(Search("档案馆") == std::vector<std::string>{"Z109-WS·2011-Y-BGS-0002"});
  CHECK(index->DocCount() == 3);
}

TEST_CASE_METHOD(HoldingsFixture, "an index of an older format is rebuilt at start - audited") {
  Import(kCatalog);
  Close();
  {
    // What a node of the previous version left: one Xapian database, no format, a phrase
    // across a line break that it could not find.
    std::filesystem::remove_all(dir.path() / "index");
    Xapian::WritableDatabase old((dir.path() / "index").string(), Xapian::DB_CREATE_OR_OPEN);
    Xapian::Document doc;
    doc.add_boolean_term("QZ109-WS·2011-Y-BGS-0001");
    old.add_document(doc);
    old.set_metadata("store_seq", "1");
    old.commit();
  }
  store = std::move(*Store::Open(dir.path() / "store"));
  index = std::move(*kuaguan::index::RecordIndex::Open(dir.path() / "index"));
  holdings = std::make_unique<Holdings>(store.get(), index.get());
  CHECK(index->Format() == 1);
  uint64_t last_done = 0, last_total = 0;
  REQUIRE(holdings->UpgradeIndex([&](uint64_t done, uint64_t total) {
                      last_done = done;
                      last_total = total;
                    }).ok());
  CHECK(index->Format() == kuaguan::index::kIndexFormat);
  CHECK(last_done == 3);
  CHECK(last_total == 3);
  CHECK(index->DocCount() == 3);
  CHECK(Search("档案馆") == std::vector<std::string>{"Z109-WS·2011-Y-BGS-0002"});
  bool audited = false;
  REQUIRE(store->ForEachAudit([&](const v1::AuditEntry& e) {
                 audited |= e.action() == "index.upgrade" && e.object() == "format 1 to 2";
                 return true;
               }).ok());
  CHECK(audited);
  int calls = 0;
  REQUIRE(holdings->UpgradeIndex([&](uint64_t, uint64_t) { ++calls; }).ok());
  CHECK(calls == 0);  // a current index: nothing to do
}

TEST_CASE_METHOD(HoldingsFixture, "identity and phone numbers in a search are masked in the audit log") {
  v1::SearchRequest req;
  req.set_query("王建国 11010519491231002X 13912345678");
  REQUIRE(holdings->Search(req, "测试员").ok());
  std::string object;
  REQUIRE(store->ForEachAudit([&](const v1::AuditEntry& e) {
                  if (e.action() == "record.search") object = e.object();
                  return true;
                }).ok());
  CHECK(object.find("王建国") != std::string::npos);
  INFO(object);
  CHECK(object.find("11010519491231002X") == std::string::npos);
  CHECK(object.find("13912345678") == std::string::npos);
  CHECK(object.find("********") != std::string::npos);
}
