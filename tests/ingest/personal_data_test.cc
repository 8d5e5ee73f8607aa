#include "ingest/personal_data.h"

#include <catch2/catch.hpp>

#include "ingest/identity_number.h"
#include "seal/keyed_hash.h"

using namespace kuaguan::ingest;

TEST_CASE("identity numbers: check characters, 15-digit upgrade, shape") {
  auto a = ParseIdentityNumber("11010519491231002X");
  REQUIRE(a.has_value());
  CHECK(a->check_ok);
  auto b = ParseIdentityNumber("440524188001010014");
  REQUIRE(b.has_value());
  CHECK(b->check_ok);
  auto lower = ParseIdentityNumber("11010519491231002x");
  REQUIRE(lower.has_value());
  CHECK(lower->normalized == "11010519491231002X");
  auto misread = ParseIdentityNumber("110105194912310021");  // one digit wrong: still shaped
  REQUIRE(misread.has_value());
  CHECK_FALSE(misread->check_ok);
  auto old = ParseIdentityNumber("110105491231002");
  REQUIRE(old.has_value());
  CHECK(old->normalized.size() == 18);
  CHECK(old->normalized.substr(0, 8) == "11010519");
  CHECK(old->normalized.back() == IdentityCheckChar(old->normalized.substr(0, 17)));
  CHECK(IdentityCheckChar("4101") == '\0');  // short or not digits: no character, no read past the end
  CHECK(IdentityCheckChar("41010219800101a23") == '\0');
  CHECK_FALSE(ParseIdentityNumber("110105194913310021").has_value());  // month 13
  CHECK_FALSE(ParseIdentityNumber("990105194912310021").has_value());  // no province 99
  CHECK_FALSE(ParseIdentityNumber("12345").has_value());
}

TEST_CASE("personal data is found in Chinese text and masked in place") {
  const std::string text =
      "申请人王建国，身份证号11010519491231002X，联系电话13812345678，"
      "单位电话0371-65123456，旧证１１０１０５４９１２３１００２。档号Z109-WS·2011-Y-0001。";
  const auto found = FindPersonalData(text);
  REQUIRE(found.size() == 4);
  CHECK(found[0].kind == PersonalDataKind::kIdentityNumber);
  CHECK(found[0].check_ok);
  CHECK(found[1].kind == PersonalDataKind::kMobilePhone);
  CHECK(found[2].kind == PersonalDataKind::kLandlinePhone);
  CHECK(found[2].digits == "037165123456");
  CHECK(found[3].kind == PersonalDataKind::kIdentityNumber);  // full-width, 15-digit
  const std::string masked = MaskPersonalData(text, found);
  CHECK(masked.find("11010519491231002X") == std::string::npos);
  CHECK(masked.find("13812345678") == std::string::npos);
  CHECK(masked.find("身份证号******************，") != std::string::npos);
  CHECK(masked.find("0371-65123456") == std::string::npos);
  CHECK(masked.find("Z109-WS·2011-Y-0001") != std::string::npos);  // codes untouched
}

TEST_CASE("a number wrapped across lines is still found") {
  const auto found = FindPersonalData("联系电话138123456\n78。");
  REQUIRE(found.size() == 1);
  CHECK(found[0].digits == "13812345678");
}

TEST_CASE("dates, codes and amounts are not personal data") {
  CHECK(FindPersonalData("2011-03-04 第2011001号 金额1234567.89元 ISO9001 A12345678901").empty());
}

TEST_CASE("keyed hashes depend on the key and not on the form") {
  const auto h1 = kuaguan::seal::PersonKeyedHash("federation-key-1", "11010519491231002X");
  CHECK(h1.size() == 32);
  CHECK(h1 == kuaguan::seal::PersonKeyedHash("federation-key-1", "11010519491231002X"));
  CHECK(h1 != kuaguan::seal::PersonKeyedHash("federation-key-2", "11010519491231002X"));
}

TEST_CASE("an identity number followed by a space and another number is still found") {
  const auto found = FindPersonalData("王建国 11010519491231002X 13912345678");
  REQUIRE(found.size() == 2);
  CHECK(found[0].kind == PersonalDataKind::kIdentityNumber);
  CHECK(found[0].digits == "11010519491231002X");
  CHECK(found[1].kind == PersonalDataKind::kMobilePhone);
  const auto digits = FindPersonalData("110105194912310021 13912345678");
  REQUIRE(digits.size() == 2);
  CHECK(digits[0].kind == PersonalDataKind::kIdentityNumber);
}
