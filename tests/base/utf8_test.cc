#include "base/utf8.h"

#include <catch2/catch.hpp>

using namespace kuaguan::base;

TEST_CASE("UTF-8 validation accepts Chinese and rejects malformed bytes") {
  CHECK(IsValidUtf8("档案馆 archive"));
  CHECK_FALSE(IsValidUtf8("\xE6\xA1"));          // truncated
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  CHECK(FirstInvalidUtf8("ab\xFF") == 2);
}

TEST_CASE("decode and encode round-trip - Han classes") {
  const std::string s = "檔案𠀀〇x";
  const auto cps = DecodeUtf8(s);
  REQUIRE(cps.size() == 5);
  CHECK(EncodeUtf8(cps) == s);
  CHECK(IsHan(cps[0]));
  CHECK(IsHan(cps[2]));  // extension B
  CHECK(IsHan(cps[3]));
  CHECK_FALSE(IsHan(cps[4]));
  CHECK(CodePointCount(s) == 5);
}

TEST_CASE("control characters are found") {
  CHECK(FirstControlChar("题名\t正常") == 0);
  CHECK(FirstControlChar("题\x01名") == 1);
}
