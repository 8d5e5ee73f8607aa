// Certificate serials: format, parse, and every single-character error and adjacent swap caught.
#include <catch2/catch.hpp>

#include "seal/certificate_serial.h"

using namespace kuaguan::seal;

TEST_CASE("certificate serials round-trip and carry a check character") {
  const std::string s = FormatSerial({"410100", 2026, 42});
  CHECK(s.rfind("410100-2026-000042-", 0) == 0);
  CHECK(s.size() == 20);
  auto back = ParseSerial(s);
  REQUIRE(back.ok());
  CHECK(back->archive == "410100");
  CHECK(back->year == 2026);
  CHECK(back->sequence == 42);
  CHECK(ParseSerial(FormatSerial({"410100", 2026, 1234567})).value().sequence == 1234567);
}

TEST_CASE("every single wrong digit and adjacent swap is caught") {
  for (uint64_t seq : {1, 42, 999999}) {
    const std::string s = FormatSerial({"410102", 2025, seq});
    for (size_t i = 0; i + 2 < s.size(); ++i) {
      if (s[i] == '-') continue;
      for (char d = '0'; d <= '9'; ++d) {
        if (d == s[i]) continue;
        std::string t = s;
        t[i] = d;
        INFO(t);
        CHECK_FALSE(ParseSerial(t).ok());
      }
      if (s[i + 1] != '-' && s[i] != s[i + 1]) {
        std::string t = s;
        std::swap(t[i], t[i + 1]);
        INFO(t);
        CHECK_FALSE(ParseSerial(t).ok());
      }
    }
  }
}

TEST_CASE("malformed serials say what is wrong") {
  CHECK(ParseSerial("410100-2026-42").status().message().find("ARCHIVE-YEAR-SEQUENCE-C") != absl::string_view::npos);
  CHECK(ParseSerial("41010-2026-000042-0").status().message().find("six digits") != absl::string_view::npos);
  CHECK(ParseSerial("410100-26-000042-0").status().message().find("year") != absl::string_view::npos);
  CHECK(ParseSerial("410100-2026-000000-0").status().message().find("sequence") != absl::string_view::npos);
}
