#include "ingest/catalog_file.h"

#include <catch2/catch.hpp>

#include <chrono>

#include "ingest/text_encoding.h"

using namespace kuaguan::ingest;

namespace {

const char kGood[] =
    "档号,题名,责任者,日期,年度,保管期限,密级,共享类别\n"
    "Z109-WS·2011-Y-BGS-0001,关于召开档案工作会议的通知,郑州市档案局,2011-03-04,2011,永久,公开,无条件共享\n"
    "Z109-WS·2011-Y-BGS-0002,\"婚姻登记档案移交清单, 第一批\",郑州市民政局,2011年5月6日,2011,永久,限制,\n";

bool HasError(const CatalogRow& row, const std::string& field) {
  for (const auto& e : row.errors) {
    if (e.field == field) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a good CSV catalog parses into records") {
  auto f = ParseCatalogFile("catalog.csv", kGood);
  REQUIRE(f.ok());
  CHECK(f->format == "csv");
  REQUIRE(f->rows.size() == 2);
  CHECK(f->rows[0].errors.empty());
  CHECK(f->rows[0].record.title() == "关于召开档案工作会议的通知");
  CHECK(f->rows[1].record.title() == "婚姻登记档案移交清单, 第一批");
  CHECK(f->rows[1].record.date() == "20110506");
  CHECK(f->rows[1].record.share_class() == kuaguan::v1::SHARE_CLASS_NOT_SHARED);
  CHECK(f->rows[1].line == 3);
}

TEST_CASE("a GB18030 catalog gives the same records") {
  auto gb = Utf8ToGb18030(kGood);
  REQUIRE(gb.ok());
  auto f = ParseCatalogFile("catalog.csv", *gb);
  REQUIRE(f.ok());
  CHECK(f->encoding == "gb18030");
  CHECK(f->rows[1].record.title() == "婚姻登记档案移交清单, 第一批");
}

TEST_CASE("every bad row is reported with line and field") {
  const std::string csv =
      "档号,题名,日期,年度,保管期限,密级\n"
      "Z109-WS·2011-Y-BGS-0001,好的,2011-03-04,2011,永久,公开\n"
      "Z109-WS·2011-Y-BGS-0002,日期错,2011-13-04,2011,永久,公开\n"
      "Z109-WS·2011-Y-BGS-0003,年度错,2011-03-04,abcd,永久,公开\n"
      "Z109-WS·2011-Y-BGS-0004,密级错,2011-03-04,2011,永久,超级\n"
      "Z109-WS·2011-Y-BGS-0005,期限不符,2011-03-04,2011,定期10年,公开\n"
      "Z109-WS·2011-Y-BGS-0001,重复,2011-03-04,2011,永久,公开\n"
      "Z109-WS·2011-Y-BGS-0007,少一列,2011-03-04,2011,永久\n"
      "Z109--0008,档号错,2011-03-04,2011,永久,公开\n";
  auto f = ParseCatalogFile("bad.csv", csv);
  REQUIRE(f.ok());
  REQUIRE(f->rows.size() == 8);
  CHECK(f->rows[0].errors.empty());
  CHECK(HasError(f->rows[1], "date"));
  CHECK(HasError(f->rows[2], "year"));
  CHECK(HasError(f->rows[3], "secrecy"));
  CHECK(HasError(f->rows[4], "retention"));
  CHECK(HasError(f->rows[5], "code"));
  CHECK(f->rows[5].errors[0].reason == "duplicate of line 2");
  CHECK(HasError(f->rows[6], "-"));
  CHECK(HasError(f->rows[7], "code"));
  CHECK(f->rows[7].line == 9);
}

TEST_CASE("JSON Lines catalogs - with English or Chinese keys") {
  const std::string jsonl =
      "{\"code\":\"Z109-WS·2011-Y-BGS-0001\",\"title\":\"会议纪要\",\"year\":2011,\"secrecy\":\"公开\"}\n"
      "\n"
      "{\"档号\":\"Z109-WS·2011-Y-BGS-0002\",\"题名\":\"通知\",\"年度\":\"2011\",\"persons\":[\"张三\",\"李四\"]}\n"
      "{not json}\n";
  auto f = ParseCatalogFile("c.jsonl", jsonl);
  REQUIRE(f.ok());
  REQUIRE(f->rows.size() == 3);
  CHECK(f->rows[0].errors.empty());
  CHECK(f->rows[0].record.year() == 2011);
  CHECK(f->rows[1].errors.empty());
  CHECK(f->rows[1].record.persons_size() == 2);
  CHECK(f->rows[1].line == 3);
  CHECK_FALSE(f->rows[2].errors.empty());
}

TEST_CASE("deeply nested and overlong JSON lines are bad rows, refused in linear time") {
  const std::string good = "{\"code\":\"Z109-WS·2011-Y-BGS-0001\",\"title\":\"会议纪要[{]}\",\"year\":2011}\n";
  std::string deep = "{\"title\":" + std::string(100000, '[') + std::string(100000, ']') + "}\n";
  std::string long_line = "{\"title\":\"" + std::string(kMaxJsonLineBytes, 'x') + "\"}\n";
  const auto start = std::chrono::steady_clock::now();
  auto f = ParseCatalogFile("c.jsonl", good + std::string(40, '\n') + "{\"a\":[[[1]]]}\n" + deep + long_line);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  REQUIRE(f.ok());
  REQUIRE(f->rows.size() == 4);
  CHECK(f->rows[0].errors.empty());  // brackets inside a string do not count
  REQUIRE_FALSE(f->rows[1].errors.empty());
  CHECK(f->rows[1].errors[0].reason.find("nested deeper") != std::string::npos);
  REQUIRE_FALSE(f->rows[2].errors.empty());
  CHECK(f->rows[2].errors[0].reason.find("nested deeper") != std::string::npos);
  REQUIRE_FALSE(f->rows[3].errors.empty());
  CHECK(f->rows[3].errors[0].reason.find("KiB") != std::string::npos);
  CHECK(f->rows[3].raw.size() <= 200);
}

TEST_CASE("file-level problems fail the whole file") {
  CHECK_FALSE(ParseCatalogFile("e.csv", "").ok());
  CHECK_FALSE(ParseCatalogFile("u.csv", "档号,题名,归档日期,归档日期\nA-1,x,y,z\n").ok());
  CHECK_FALSE(ParseCatalogFile("n.csv", "档号,题名,\nA-1,x,y\n").ok());
  CHECK_FALSE(ParseCatalogFile("d.csv", "档号,题名,title\nA-1,x,y\n").ok());
  CHECK_FALSE(ParseCatalogFile("q.csv", "档号,题名\n\"A-1,x\n").ok());
  CHECK_FALSE(ParseCatalogFile("h.csv", "题名\nx\n").ok());
}

TEST_CASE("columns that are no known element are kept verbatim as extra fields") {
  auto f = ParseCatalogFile("x.csv", "档号,题名,年度,归档日期,载体类型\nZ1-WS·2001-Y-0001,题名,2001,2001-12-30,纸质\n");
  REQUIRE(f.ok());
  CHECK(f->extra_columns == std::vector<std::string>{"归档日期", "载体类型"});
  CHECK(f->rows[0].errors.empty());
  CHECK(f->rows[0].record.extra().at("载体类型") == "纸质");
  auto j = ParseCatalogFile("x.jsonl", "{\"档号\":\"Z1-WS·2001-Y-0001\",\"题名\":\"x\",\"年度\":2001,\"载体\":\"胶片\"}\n");
  REQUIRE(j.ok());
  CHECK(j->rows[0].record.extra().at("载体") == "胶片");
}

TEST_CASE("a 10 MB title is refused - shortened in the report") {
  const std::string big(10 << 20, 'x');
  auto f = ParseCatalogFile("big.csv", "档号,题名,年度\nA1-0001," + big + ",2011\n");
  REQUIRE(f.ok());
  REQUIRE(HasError(f->rows[0], "title"));
  CHECK(f->rows[0].errors[0].value.size() < 200);
}
