#include "federation/working_days.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "federation/holidays_data.h"

namespace kuaguan::federation {
namespace {

// "MM-DD" of `year`, or nullopt when it is not a real date.
std::optional<absl::CivilDay> Day(int year, absl::string_view md) {
  const std::vector<absl::string_view> p = absl::StrSplit(md, '-');
  int m = 0, d = 0;
  if (p.size() != 2 || p[0].size() != 2 || p[1].size() != 2 || !absl::SimpleAtoi(p[0], &m) ||
      !absl::SimpleAtoi(p[1], &d)) {
    return std::nullopt;
  }
  const absl::CivilDay day(year, m, d);
  if (day.month() != m || day.day() != d) return std::nullopt;  // normalized: not a real date
  return day;
}

bool Weekend(absl::CivilDay d) {
  const absl::Weekday w = absl::GetWeekday(d);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

}  // namespace

const WorkingCalendar& WorkingCalendar::BuiltIn() {
  static const WorkingCalendar* calendar = [] {
    auto parsed = Parse(kBuiltInHolidays, "deploy/holidays-cn.txt");
    return new WorkingCalendar(parsed.ok() ? *std::move(parsed) : WorkingCalendar());
  }();
  return *calendar;
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::Parse(absl::string_view text, absl::string_view file_name) {
  WorkingCalendar c;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(file_name, ":", line_no, ": ", why));
    };
    int year = 0;
    if (words.size() < 3 || !absl::SimpleAtoi(words[0], &year) || year < 1949 || year > 2200) {
      return bad("expected: YEAR holiday|workday MM-DD[..MM-DD] ...");
    }
    const bool holiday = words[1] == "holiday";
    if (!holiday && words[1] != "workday") return bad(absl::StrCat("'", words[1], "' is not holiday or workday"));
    for (size_t i = 2; i < words.size(); ++i) {
      const std::vector<absl::string_view> range = absl::StrSplit(words[i], "..");
      auto first = Day(year, range[0]);
      auto last = range.size() == 2 ? Day(year, range[1]) : first;
      if (range.size() > 2 || !first || !last || *last < *first) {
        return bad(absl::StrCat("'", words[i], "' is not MM-DD or MM-DD..MM-DD of ", year));
      }
      for (absl::CivilDay d = *first; d <= *last; ++d) {
        if (!holiday && !Weekend(d)) return bad(absl::StrCat(words[i], " is a weekday: not a make-up working day"));
        (holiday ? c.holidays_ : c.workdays_).insert(d);
      }
    }
    c.years_.insert(year);
  }
  for (const auto& d : c.workdays_) {
    if (c.holidays_.contains(d)) {
      return absl::InvalidArgumentError(absl::StrCat(file_name, ": ", absl::FormatCivilTime(d),
                                                     " is both a holiday and a make-up working day"));
    }
  }
  return c;
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  if (workdays_.contains(day)) return true;
  return !Weekend(day) && !holidays_.contains(day);
}

WorkingCalendar::Deadline WorkingCalendar::AddWorkingDays(absl::CivilDay received, int n) const {
  Deadline out;
  absl::CivilDay d = received;
  std::set<int> missing;
  for (int counted = 0; counted < n;) {
    ++d;
    if (!HasYear(static_cast<int>(d.year()))) missing.insert(static_cast<int>(d.year()));
    if (IsWorkingDay(d)) ++counted;
  }
  out.due = d;
  out.years_without_data.assign(missing.begin(), missing.end());
  return out;
}

int WorkingCalendar::WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to) const {
  int n = 0;
  for (absl::CivilDay d = from + 1; d <= to; ++d) n += IsWorkingDay(d);
  return n;
}

}  // namespace kuaguan::federation
