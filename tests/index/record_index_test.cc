#include "absl/strings/string_view.h"
#include "index/record_index.h"

#include <catch2/catch.hpp>

#include <set>

#include "tests/testing/temp_dir.h"

using namespace kuaguan::index;
using kuaguan::v1::Record;

namespace {

Record Make(const std::string& code, const std::string& title, const std::string& date,
            const std::string& text = "") {
  Record r;
  r.set_code(code);
  r.set_title(title);
  r.set_date(date);
  r.set_year(std::stoi(date.substr(0, 4)));
  r.set_full_text(text);
  r.set_responsible("郑州市档案局");
  r.set_secrecy(kuaguan::v1::SECRECY_PUBLIC);
  r.set_share_class(kuaguan::v1::SHARE_CLASS_UNCONDITIONAL);
  return r;
}

std::vector<std::string> Codes(const SearchResults& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hits) out.push_back(h.code);
  return out;
}

struct IndexFixture {
  kuaguan::testing::TempDir dir;
  std::unique_ptr<RecordIndex> index;
  IndexFixture() {
    auto opened = RecordIndex::Open(dir.path() / "index");
    REQUIRE(opened.ok());
    index = std::move(*opened);
    std::vector<IndexUpdate> u;
    u.push_back({"A1-0001", Make("A1-0001", "郑州市档案馆工作报告", "20110304")});
    u.push_back({"A1-0002", Make("A1-0002", "档案整理与馆藏建设", "20120506")});  // scattered 档…案…馆
    u.push_back({"A1-0003", Make("A1-0003", "婚姻登记材料", "20130101", "本件为檔案館保存的婚姻登记原件")});
    REQUIRE(index->Apply(u, 3).ok());
  }
};

}  // namespace

TEST_CASE_METHOD(IndexFixture, "a Chinese query matches only as a contiguous phrase") {
  SearchSpec s;
  s.query = "档案馆";
  auto r = index->Search(s);
  REQUIRE(r.ok());
  auto codes = Codes(*r);
  std::sort(codes.begin(), codes.end());
  // A1-0002 holds 档, 案 and 馆 but not the phrase; A1-0003 holds the traditional 檔案館.
  CHECK(codes == std::vector<std::string>{"A1-0001", "A1-0003"});
}

TEST_CASE_METHOD(IndexFixture, "a one-character query finds the character anywhere in a run") {
  SearchSpec s;
  s.query = "馆";  // inside 档案馆工作 (A1-0001), in 馆藏 (A1-0002), final in 檔案館 (A1-0003)
  auto codes = Codes(*index->Search(s));
  std::sort(codes.begin(), codes.end());
  CHECK(codes == std::vector<std::string>{"A1-0001", "A1-0002", "A1-0003"});
  s.query = "姻";
  CHECK(Codes(*index->Search(s)) == std::vector<std::string>{"A1-0003"});
}

TEST_CASE_METHOD(IndexFixture, "snippets mark the match in the original text") {
  SearchSpec s;
  s.query = "档案馆";
  s.field = "fulltext";
  auto r = index->Search(s);
  REQUIRE(r.ok());
  REQUIRE(r->hits.size() == 1);
  CHECK(r->hits[0].snippet == "本件为【檔案館】保存的婚姻登记原件");
}

TEST_CASE_METHOD(IndexFixture, "fields - filters - date ranges and codes") {
  SearchSpec s;
  s.query = "档案馆";
  s.field = "title";
  CHECK(Codes(*index->Search(s)) == std::vector<std::string>{"A1-0001"});
  SearchSpec d;
  d.from_date = "20120101";
  d.to_date = "20121231";
  CHECK(Codes(*index->Search(d)) == std::vector<std::string>{"A1-0002"});
  SearchSpec y;
  y.year = 2013;
  CHECK(Codes(*index->Search(y)) == std::vector<std::string>{"A1-0003"});
  SearchSpec c;
  c.field = "code";
  c.query = "A1-0002";
  CHECK(Codes(*index->Search(c)) == std::vector<std::string>{"A1-0002"});
  c.query = "A1-000*";
  CHECK(index->Search(c)->hits.size() == 3);
  SearchSpec bad;
  bad.query = "x";
  bad.field = "nosuch";
  CHECK_FALSE(index->Search(bad).ok());
  SearchSpec punct;
  punct.query = "，。";
  CHECK_FALSE(index->Search(punct).ok());
}

TEST_CASE_METHOD(IndexFixture, "dropping a record removes it - the reached sequence persists") {
  REQUIRE(index->Apply({{"A1-0001", std::nullopt}}, 4).ok());
  SearchSpec s;
  s.query = "工作报告";
  CHECK(index->Search(s)->hits.empty());
  CHECK(index->IndexedSeq() == 4);
  index.reset();
  auto reopened = RecordIndex::Open(dir.path() / "index");
  REQUIRE(reopened.ok());
  CHECK((*reopened)->IndexedSeq() == 4);
  CHECK((*reopened)->DocCount() == 2);
}

namespace {

class VectorSource : public RecordSource {
 public:
  explicit VectorSource(std::vector<Record> records) : records_(std::move(records)) {}
  uint64_t Seq() const override { return 99; }
  uint64_t Count() const override { return records_.size(); }
  absl::Status ForEachAfter(absl::string_view after,
                            const std::function<bool(const Record&)>& fn) override {
    for (const auto& r : records_) {
      if (!after.empty() && r.code() <= after) continue;
      if (!fn(r)) break;
    }
    return absl::OkStatus();
  }

 private:
  std::vector<Record> records_;
};

}  // namespace

TEST_CASE_METHOD(IndexFixture, "rebuild can be interrupted and resumes where it stopped") {
  std::vector<Record> many;
  for (int i = 0; i < 12000; ++i) {
    char code[32];
    std::snprintf(code, sizeof code, "B2-%05d", i);
    many.push_back(Make(code, "第" + std::to_string(i) + "号案卷目录", "20200101"));
  }
  VectorSource source(many);
  std::atomic<bool> cancel{true};
  uint64_t last_done = 0;
  auto st = index->Rebuild(&source, [&](uint64_t done, uint64_t, bool) { last_done = done; },
                           &cancel);
  CHECK(st.code() == absl::StatusCode::kCancelled);
  CHECK(last_done == 5000);
  CHECK(index->DocCount() == 3);  // the live index is untouched
  cancel = false;
  bool resumed = false;
  REQUIRE(index->Rebuild(&source, [&](uint64_t done, uint64_t, bool r) {
                  last_done = done;
                  resumed = r;
                }, &cancel).ok());
  CHECK(resumed);
  CHECK(last_done == 12000);
  CHECK(index->DocCount() == 12000);
  CHECK(index->IndexedSeq() == 99);
}

TEST_CASE_METHOD(IndexFixture, "OCR text flows across line breaks - not across paragraph ends") {
  std::vector<IndexUpdate> u;
  u.push_back({"C3-0001", Make("C3-0001", "管理办法", "20200101",
                               "第二条本\n办法适用于本市各级国家档案馆。\n\n第三条 档案\n\n馆藏 manage-\nment")});
  REQUIRE(index->Apply(u, 4).ok());
  SearchSpec s;
  s.field = "fulltext";
  s.query = "本办法适用";
  auto r = index->Search(s);
  REQUIRE(r.ok());
  REQUIRE(Codes(*r) == std::vector<std::string>{"C3-0001"});
  CHECK(r->hits[0].snippet == "第二条【本 办法适用】于本市各级国家档案馆。  第三条 档案  馆藏 manage- ment");
  s.query = "本辦法適用";  // traditional, as typed at a desk
  CHECK(Codes(*index->Search(s)) == std::vector<std::string>{"C3-0001"});
  s.query = "档案馆藏";  // a blank line between 档案 and 馆藏: two paragraphs
  CHECK(Codes(*index->Search(s)).empty());
  s.query = "management";
  CHECK(Codes(*index->Search(s)) == std::vector<std::string>{"C3-0001"});
  s.query = "条本办";  // stray OCR spaces and the break, in the query as typed
  CHECK(Codes(*index->Search(s)) == std::vector<std::string>{"C3-0001"});
}

TEST_CASE("a new index is of the current format - a rebuild brings an old one to it") {
  kuaguan::testing::TempDir dir;
  {
    auto index = RecordIndex::Open(dir.path() / "index");
    REQUIRE(index.ok());
    CHECK((*index)->Format() == kIndexFormat);
  }
  {
    // An index written before formats were stamped: documents and no format key.
    Xapian::WritableDatabase old((dir.path() / "old").string(), Xapian::DB_CREATE_OR_OPEN);
    Xapian::Document doc;
    doc.add_boolean_term("QA1-0001");
    old.add_document(doc);
    old.set_metadata("store_seq", "1");
    old.commit();
  }
  auto index = RecordIndex::Open(dir.path() / "old");
  REQUIRE(index.ok());
  CHECK((*index)->Format() == 1);
  VectorSource source({Make("A1-0001", "郑州市档案馆工作报告", "20110304")});
  REQUIRE((*index)->Rebuild(&source, [](uint64_t, uint64_t, bool) {}, nullptr).ok());
  CHECK((*index)->Format() == kIndexFormat);
  CHECK((*index)->DocCount() == 1);
}

TEST_CASE("pages of an answer: title hits first, every hit once across shards and tiers") {
  kuaguan::testing::TempDir dir;
  auto index = RecordIndex::Open(dir.path() / "index");
  REQUIRE(index.ok());
  std::vector<IndexUpdate> u;
  for (int i = 0; i < 53; ++i) {
    char code[32];
    std::snprintf(code, sizeof code, "D4-%04d", i);
    const bool in_title = i % 3 == 0;
    u.push_back({code, Make(code, in_title ? "防汛抗旱工作总结" : "年度工作总结", "20200101",
                            in_title ? "" : "本年度防汛抗旱工作")});
  }
  REQUIRE((*index)->Apply(u, 1).ok());
  std::set<std::string> seen;
  bool left_titles = false;
  for (uint32_t offset = 0; offset < 60; offset += 7) {
    SearchSpec s;
    s.query = "防汛抗旱";
    s.limit = 7;
    s.offset = offset;
    auto r = (*index)->Search(s);
    REQUIRE(r.ok());
    // Exact once the page reaches the last tier (18 title hits); before, the rest is estimated.
    if (offset + s.limit > 18) CHECK(r->total == 53);
    for (const auto& h : r->hits) {
      CHECK(seen.insert(h.code).second);
      const bool title = h.matched_field == "title";
      if (!title) left_titles = true;
      CHECK((title || left_titles));  // once past the title hits, none comes back
      CHECK(!(title && left_titles));
    }
  }
  CHECK(seen.size() == 53);
}

TEST_CASE("a large answer stops early - its total is still estimated from the whole index") {
  kuaguan::testing::TempDir dir;
  auto index = RecordIndex::Open(dir.path() / "index");
  REQUIRE(index.ok());
  std::vector<IndexUpdate> u;
  for (int i = 0; i < 1200; ++i) {
    char code[32];
    std::snprintf(code, sizeof code, "E5-%05d", i);
    u.push_back({code, Make(code, "档案工作报告", "20200101")});
  }
  REQUIRE((*index)->Apply(u, 1).ok());
  SearchSpec s;
  s.query = "档案";
  auto r = (*index)->Search(s);
  REQUIRE(r.ok());
  CHECK(r->hits.size() == 10);
  CHECK(r->total == 1200);  // one term: its frequency is known exactly
  s.query = "档案工作";
  r = (*index)->Search(s);
  REQUIRE(r.ok());
  CHECK(r->total >= 600);  // a phrase: estimated, not the 200 counted before stopping
}
