#include "base/csv.h"

#include <catch2/catch.hpp>

using namespace kuaguan::base;

TEST_CASE("CSV rows keep quoted commas - quotes and line breaks with line numbers") {
  auto rows = ParseCsv("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\n\"two\nlines\",z\n");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 3);
  CHECK((*rows)[1].fields[0] == "x,1");
  CHECK((*rows)[1].fields[1] == "say \"hi\"");
  CHECK((*rows)[1].line == 2);
  CHECK((*rows)[2].fields[0] == "two\nlines");
  CHECK((*rows)[2].line == 4);
  CHECK((*rows)[2].raw == "\"two\nlines\",z");
}

TEST_CASE("unbalanced quotes name the line") {
  auto open = ParseCsv("a,b\n1,\"never closed\n2,3\n");
  REQUIRE_FALSE(open.ok());
  CHECK(std::string(open.status().message()).find("line 2") != std::string::npos);
  auto stray = ParseCsv("a,b\n1,x\"y\n");
  REQUIRE_FALSE(stray.ok());
  CHECK(std::string(stray.status().message()).find("line 2") != std::string::npos);
}

TEST_CASE("rows of only separators and spaces are skipped") {
  auto rows = ParseCsv("a,b\n1,2\n,,\n , \n");
  REQUIRE(rows.ok());
  CHECK(rows->size() == 2);
}

TEST_CASE("escaping round-trips") {
  CHECK(CsvEscape("plain") == "plain");
  // Formula injection: the cell stays text in a spreadsheet, and import reads back the value.
  for (const std::string f : {"=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx"}) {
    const std::string cell = CsvEscape(f);
    CHECK(cell.substr(0, 2) == "\"'");
    auto rows = ParseCsv(cell + "\n");
    REQUIRE(rows.ok());
    CHECK(CsvUnneutralize(rows->at(0).fields.at(0)) == f);
  }
  CHECK(CsvUnneutralize("'plain") == "'plain");
  CHECK(CsvUnneutralize("档案") == "档案");
  CHECK(CsvEscape("a,\"b\"") == "\"a,\"\"b\"\"\"");
}
