#include "index/text_flow.h"

#include <catch2/catch.hpp>

#include "base/utf8.h"
#include "index/cjk_tokens.h"

using namespace kuaguan::index;
using kuaguan::base::DecodeUtf8;
using kuaguan::base::EncodeUtf8;

namespace {

std::string Flowed(const std::string& s) { return EncodeUtf8(Flow(DecodeUtf8(s)).text); }

}  // namespace

TEST_CASE("a line break or stray spaces between Han characters are not a boundary") {
  CHECK(Flowed("第二条本\n办法适用于") == "第二条本办法适用于");
  CHECK(Flowed("本 办  法\r\n 适用") == "本办法适用");
  CHECK(Flowed("2022 年\n度") == "2022年度");
}

TEST_CASE("a blank line ends a paragraph - whitespace between Latin words stays") {
  CHECK(Flowed("本办法\n\n适用") == "本办法\n\n适用");
  CHECK(Flowed("本办法\n \n适用") == "本办法\n \n适用");
  CHECK(Flowed("open access") == "open access");
  CHECK(Flowed("open\naccess") == "open\naccess");
}

TEST_CASE("a Latin word hyphenated at a line end is one word") {
  CHECK(Flowed("docu-\nment") == "document");
  CHECK(Flowed("docu- \n ment") == "document");
  CHECK(Flowed("well-known") == "well-known");      // no line end: kept
  CHECK(Flowed("2021-\n2022") == "2021-\n2022");    // a range of numbers, not a word
  CHECK(Flowed("docu-\n\nment") == "docu-\n\nment");  // a paragraph ends
}

TEST_CASE("matches in flowed text point at the original, across the break") {
  const auto text = DecodeUtf8("第二条本\n办法适用于");
  const FlowedText flowed = Flow(text);
  const auto m = FindFlowed(flowed, DecodeUtf8("本办法适用"));
  REQUIRE(m.size() == 1);
  CHECK(m[0].first == 3);
  CHECK(m[0].last == 8);  // the newline at 4 lies inside
  CHECK(FindFlowed(flowed, DecodeUtf8("不在")).empty());
  CHECK(FindFlowed(flowed, {}).empty());
}

TEST_CASE("tokens run on across a line break but not across a paragraph end") {
  const auto t = Tokenize("本\n办");
  REQUIRE(t.size() == 2);
  CHECK(t[1].pos == t[0].pos + 1);
  const auto p = Tokenize("本\n\n办");
  REQUIRE(p.size() == 2);
  CHECK(p[1].pos == p[0].pos + 2);
  const auto h = Tokenize("docu-\nment");
  REQUIRE(h.size() == 1);
  CHECK(h[0].text == "document");
}
