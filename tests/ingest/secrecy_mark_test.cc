#include "ingest/secrecy_mark.h"

#include <catch2/catch.hpp>

using namespace kuaguan::ingest;

TEST_CASE("a secrecy mark in the header holds the item") {
  auto c = CheckSecrecyMark({{"机密★10年", 0.05}, {"郑州市人民政府文件", 0.12}, {"正文……", 0.4}});
  REQUIRE(c.mark.has_value());
  CHECK(c.mark->level == kuaguan::v1::SECRECY_CONFIDENTIAL);
  CHECK(c.mark->period == "10年");
  CHECK(c.held());
  auto lead = CheckSecrecyMark({{"秘密  郑政〔2011〕12号", 0.08}});
  REQUIRE(lead.mark.has_value());
  CHECK(lead.mark->level == kuaguan::v1::SECRECY_SECRET);
  auto spaced = CheckSecrecyMark({{"绝 密 ★ 长 期", 0.03}});
  REQUIRE(spaced.mark.has_value());
  CHECK(spaced.mark->level == kuaguan::v1::SECRECY_TOP_SECRET);
  CHECK(CheckSecrecyMark({{"密级：秘密", 0.06}}).held());
  auto misread = CheckSecrecyMark({{"机密妇10年", 0.04}});  // OCR read ★ as 妇
  REQUIRE(misread.mark.has_value());
  CHECK(misread.mark->period == "10年");
  CHECK_FALSE(CheckSecrecyMark({{"机密文件", 0.04}}).mark.has_value());
}

TEST_CASE("the word in body text or low on the page is not a mark") {
  CHECK_FALSE(CheckSecrecyMark({{"本文件涉及秘密事项的处理办法", 0.05}}).mark.has_value());
  CHECK_FALSE(CheckSecrecyMark({{"秘密", 0.6}}).mark.has_value());
  CHECK_FALSE(CheckSecrecyMark({{"秘密工作会议纪要", 0.05}}).mark.has_value());
}

TEST_CASE("a declassification mark releases it") {
  auto c = CheckSecrecyMark({{"秘密★5年", 0.04}, {"已解密 2015年3月", 0.09}});
  CHECK(c.mark.has_value());
  CHECK(c.declassified);
  CHECK_FALSE(c.held());
}
