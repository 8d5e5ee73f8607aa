#include "proto/record_fields.h"

#include "ingest/record_checks.h"

#include <catch2/catch.hpp>

using namespace kuaguan::ingest;
using namespace kuaguan::proto;
using kuaguan::v1::Record;

TEST_CASE("dates in the three accepted forms normalize - impossible dates fail") {
  CHECK(*NormalizeDate("20110304") == "20110304");
  CHECK(*NormalizeDate("2011-03-04") == "20110304");
  CHECK(*NormalizeDate("2011年3月4日") == "20110304");
  CHECK(*NormalizeDate("2011/3/4") == "20110304");
  CHECK(*NormalizeDate("2000-02-29") == "20000229");
  CHECK_FALSE(NormalizeDate("1900-02-29").ok());
  CHECK_FALSE(NormalizeDate("2011-13-01").ok());
  CHECK_FALSE(NormalizeDate("二〇一一年").ok());
  CHECK_FALSE(NormalizeDate("2011").ok());
  CHECK_FALSE(NormalizeDate("1950年3月5日至1951年2月1日").ok());
}

TEST_CASE("fields are found by English or Chinese name and check their values") {
  REQUIRE(FindCatalogField("题名") != nullptr);
  CHECK(FindCatalogField("Title")->key == "title");
  CHECK(FindCatalogField("密级")->key == "secrecy");
  CHECK(FindCatalogField("nonsense") == nullptr);
  Record r;
  CHECK(FindCatalogField("密级")->set("机密", &r).ok());
  CHECK(r.secrecy() == kuaguan::v1::SECRECY_CONFIDENTIAL);
  CHECK_FALSE(FindCatalogField("密级")->set("很秘密", &r).ok());
  CHECK_FALSE(FindCatalogField("年度")->set("二〇一一", &r).ok());
  CHECK_FALSE(FindCatalogField("题名")->set("坏\x07题名", &r).ok());
  CHECK_FALSE(FindCatalogField("题名")->set(std::string(3000, 'x'), &r).ok());
}

TEST_CASE("FinishRecord derives - defaults closed and cross-checks the code") {
  Record r;
  r.set_code("Z109-WS·2011-Y-BGS-0001");
  r.set_title("关于召开档案工作会议的通知");
  r.set_date("20110304");
  auto errors = FinishRecord(&r);
  CHECK(errors.empty());
  CHECK(r.year() == 2011);
  CHECK(r.retention() == kuaguan::v1::RETENTION_PERMANENT);
  CHECK(r.share_class() == kuaguan::v1::SHARE_CLASS_NOT_SHARED);
  CHECK(r.open_status() == kuaguan::v1::OPEN_STATUS_CONTROLLED);
  // Unconditionally shared without a 控制标识: open from its formation (R3.2).
  Record open;
  open.set_code("Z109-WS·2011-Y-BGS-0002");
  open.set_title("关于开放档案目录的通知");
  open.set_date("20110304");
  open.set_share_class(kuaguan::v1::SHARE_CLASS_UNCONDITIONAL);
  CHECK(FinishRecord(&open).empty());
  CHECK(open.open_status() == kuaguan::v1::OPEN_STATUS_OPEN);

  Record bad = r;
  bad.set_year(2012);
  bad.set_retention(kuaguan::v1::RETENTION_10_YEARS);
  auto e2 = FinishRecord(&bad);
  REQUIRE(e2.size() == 3);  // year vs date, year vs code, retention vs code
}
