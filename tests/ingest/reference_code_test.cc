#include "ingest/reference_code.h"

#include <catch2/catch.hpp>

using namespace kuaguan::ingest;

TEST_CASE("reference codes in both separator styles parse into parts") {
  auto a = ParseReferenceCode("Z109-WS·2011-Y-BGS-0001");
  REQUIRE(a.ok());
  CHECK(a->fonds() == "Z109");
  CHECK(a->category() == "WS");
  CHECK(a->year() == "2011");
  CHECK(a->retention() == "Y");
  REQUIRE(a->units_size() == 1);
  CHECK(a->units(0) == "BGS");
  CHECK(a->item() == "0001");

  auto b = ParseReferenceCode("A439-WS·2015·D30·003-005");
  REQUIRE(b.ok());
  CHECK(b->retention() == "D30");
  CHECK(b->item() == "005");

  auto c = ParseReferenceCode("Z109-WS·2011·Y·办公室-0001");
  REQUIRE(c.ok());
  CHECK(c->units(0) == "办公室");

  auto d = ParseReferenceCode("C038-001-002-003");
  REQUIRE(d.ok());
  CHECK(d->year().empty());
  CHECK(d->parts_size() == 4);

  auto e = ParseReferenceCode("J019-ZY·JC·CC·2019·D30-001-001");
  REQUIRE(e.ok());
  CHECK(e->category() == "ZY");
  CHECK(e->year() == "2019");
  CHECK(e->retention() == "D30");
}

TEST_CASE("malformed reference codes say what is wrong") {
  CHECK_FALSE(ParseReferenceCode("").ok());
  CHECK_FALSE(ParseReferenceCode("Z109--0001").ok());
  CHECK_FALSE(ParseReferenceCode("Z109-WS-").ok());
  CHECK_FALSE(ParseReferenceCode("Z109 WS 0001").ok());
  CHECK_FALSE(ParseReferenceCode("Z109").ok());
  auto last = ParseReferenceCode("Z109-WS-2011-ABC");
  REQUIRE_FALSE(last.ok());
  CHECK(std::string(last.status().message()).find("件号") != std::string::npos);
}
