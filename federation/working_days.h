// The working-day calendar for request deadlines (3 working days from the day after receipt,
// one extension of 3 more): Monday to Friday, except public holidays, plus make-up working days
// (调休 补班). Years come from a calendar file (deploy/holidays-cn.txt, built in); a year without
// data is never guessed silently: the answer falls back to Monday-Friday and names the years
// that had no data, for the operator to load. Immutable after construction; thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace kuaguan::federation {

class WorkingCalendar {
 public:
  // The calendar shipped with Kuaguan (2025 and 2026).
  static const WorkingCalendar& BuiltIn();
  // Parses a calendar file. INVALID_ARGUMENT naming the file, line and what is wrong.
  static absl::StatusOr<WorkingCalendar> Parse(absl::string_view text, absl::string_view file_name);

  bool HasYear(int year) const { return years_.contains(year); }
  bool IsWorkingDay(absl::CivilDay day) const;

  struct Deadline {
    absl::CivilDay due;
    std::vector<int> years_without_data;  // counted as Monday-Friday: flag them
  };
  // The `n`th working day after `received` (the day after receipt is the first candidate).
  Deadline AddWorkingDays(absl::CivilDay received, int n) const;
  // Working days from the day after `from` up to and including `to` (0 when `to` <= `from`).
  int WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to) const;

 private:
  std::set<int> years_;
  std::set<absl::CivilDay> holidays_;
  std::set<absl::CivilDay> workdays_;
};

}  // namespace kuaguan::federation
