// Request deadlines on the working-day calendar: holidays, make-up working days (调休), the
// extension, a year without data flagged rather than guessed, and bad calendar files.
#include <catch2/catch.hpp>

#include "federation/working_days.h"

using kuaguan::federation::WorkingCalendar;
using absl::CivilDay;

TEST_CASE("3 working days from the day after receipt - across holidays and make-up days") {
  const WorkingCalendar& c = WorkingCalendar::BuiltIn();
  CHECK(c.HasYear(2025));
  CHECK(c.HasYear(2026));
  CHECK_FALSE(c.HasYear(2027));
  CHECK(c.AddWorkingDays(CivilDay(2025, 6, 10), 3).due == CivilDay(2025, 6, 13));  // an ordinary week
  CHECK(c.AddWorkingDays(CivilDay(2025, 6, 12), 3).due == CivilDay(2025, 6, 17));  // over a weekend
  // National Day 2025: 10-01..10-08 off, Saturday 10-11 worked.
  CHECK(c.AddWorkingDays(CivilDay(2025, 9, 30), 3).due == CivilDay(2025, 10, 11));
  // Spring Festival 2026: Saturday 02-14 worked, 02-15..02-23 off; the extension ends on the
  // make-up Saturday 02-28.
  const auto due = c.AddWorkingDays(CivilDay(2026, 2, 13), 3);
  CHECK(due.due == CivilDay(2026, 2, 25));
  CHECK(due.years_without_data.empty());
  CHECK(c.AddWorkingDays(due.due, 3).due == CivilDay(2026, 2, 28));
  CHECK(c.IsWorkingDay(CivilDay(2025, 1, 26)));   // a Sunday worked
  CHECK_FALSE(c.IsWorkingDay(CivilDay(2025, 1, 1)));
  CHECK(c.WorkingDaysBetween(CivilDay(2025, 9, 30), CivilDay(2025, 10, 11)) == 3);
}

TEST_CASE("a year without calendar data is flagged - counted as Monday to Friday") {
  const auto due = WorkingCalendar::BuiltIn().AddWorkingDays(CivilDay(2026, 12, 30), 3);
  CHECK(due.due == CivilDay(2027, 1, 4));
  REQUIRE(due.years_without_data.size() == 1);
  CHECK(due.years_without_data[0] == 2027);
}

TEST_CASE("bad calendar files name the line") {
  auto bad = [](const char* text) {
    auto c = WorkingCalendar::Parse(text, "cal.txt");
    REQUIRE_FALSE(c.ok());
    return std::string(c.status().message());
  };
  CHECK(bad("# ok\n2025 holiday 02-30\n").find("cal.txt:2") != std::string::npos);
  CHECK(bad("2025 workday 01-27\n").find("is a weekday") != std::string::npos);
  CHECK(bad("2025 vacation 01-01\n").find("not holiday or workday") != std::string::npos);
  CHECK(bad("2025 holiday 10-08..10-01\n").find("10-08..10-01") != std::string::npos);
  CHECK(bad("2025 holiday 01-26\n2025 workday 01-26\n").find("both") != std::string::npos);
  auto ok = WorkingCalendar::Parse("2027 holiday 01-01\n2027 workday 01-02\n", "cal.txt");
  REQUIRE(ok.ok());
  CHECK(ok->HasYear(2027));
  CHECK(ok->IsWorkingDay(CivilDay(2027, 1, 2)));
}
