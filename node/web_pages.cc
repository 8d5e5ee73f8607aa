#include "node/web_pages.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/utf8.h"

namespace kuaguan::node {

namespace v1 = kuaguan::v1;

namespace {

// Times are shown in China Standard Time, with the offset written out.
const absl::TimeZone& ChinaTime() {
  static const absl::TimeZone* zone = new absl::TimeZone(absl::FixedTimeZone(8 * 60 * 60));
  return *zone;
}

std::string FormatTime(int64_t micros) {
  if (micros == 0) return "—";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S +08:00", absl::FromUnixMicros(micros), ChinaTime());
}

// "42 s", "5 min", "3 h 10 min", "2 d 4 h".
std::string FormatSeconds(int64_t s) {
  if (s < 0) return absl::StrCat("in the future 未来 (", -s, " s)");
  if (s < 120) return absl::StrCat(s, " s");
  if (s < 3600) return absl::StrCat(s / 60, " min");
  if (s < 86400) return absl::StrCat(s / 3600, " h ", (s % 3600) / 60, " min");
  return absl::StrCat(s / 86400, " d ", (s % 86400) / 3600, " h");
}

// "1,234,567".
std::string Grouped(uint64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string FormatBytes(uint64_t b) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(b);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  if (unit == 0) return absl::StrCat(b, " B");
  return absl::StrFormat("%.1f %s", v, kUnits[unit]);
}

// "95.0% (19/20)", or "—" when nothing was answered.
std::string FormatShare(uint64_t in_time, uint64_t answered) {
  if (answered == 0) return "—";
  return absl::StrFormat("%.1f%% (%d/%d)", 100.0 * static_cast<double>(in_time) / static_cast<double>(answered),
                         in_time, answered);
}

// A member's state as a CSS class: one of the four known states, else "unknown".
std::string StateClass(absl::string_view state) {
  if (state == "ok" || state == "late" || state == "down" || state == "alarm") return std::string(state);
  return "unknown";
}

std::string StateLabel(absl::string_view state) {
  if (state == "ok") return "ok 正常";
  if (state == "late") return "late 迟报";
  if (state == "down") return "down 失联";
  if (state == "alarm") return "alarm 告警";
  return absl::StrCat(HtmlEscape(state), " (unknown 未知)");
}

// An alarm kind as a CSS class name: lower-case letters, digits and '-' kept, anything else '-'.
std::string KindClass(absl::string_view kind) {
  std::string out;
  for (char c : kind.substr(0, 64)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    out.push_back(keep ? c : '-');
  }
  return out.empty() ? "unknown" : out;
}

// A path segment: unreserved characters kept, every other byte percent-encoded.
std::string PathSegment(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

constexpr char kStyle[] = R"css(
:root{color-scheme:light}
body{margin:0;font-family:"Noto Sans CJK SC","Noto Sans",system-ui,sans-serif;font-size:14px;color:#1d2330;background:#f4f5f7}
header{background:#8b1a1a;color:#fff;padding:10px 20px;display:flex;flex-wrap:wrap;gap:4px 28px;align-items:baseline}
header h1{font-size:19px;margin:0 12px 0 0}
header a{color:#fff}
header .who{margin-left:auto}
body[data-stale] header::after{content:"not refreshed 未能刷新";background:#fff;color:#8b1a1a;padding:0 6px;font-weight:600}
main{padding:8px 20px 24px}
h2{font-size:16px;margin:20px 0 8px}
p{margin:6px 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;background:#fff;font-size:13px}
th,td{border:1px solid #d5d8de;padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#eceef2;font-weight:600}
tbody th{background:#f7f8fa;font-weight:600;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.time{white-space:nowrap}
td.text{max-width:30em;overflow-wrap:anywhere}
.state{font-weight:600;white-space:nowrap}
.state-ok{background:#e1f3e5;color:#17622a}
.state-late{background:#fff1c9;color:#7a4d00}
.state-down{background:#4b4f58;color:#fff}
.state-alarm{background:#c62828;color:#fff}
.state-unknown{background:#eceef2;color:#4b4f58}
tr.alarm[data-open="1"] td{background:#fff0f0}
tr.alarm[data-open="0"] td{color:#6b7280}
.warn{color:#9a5b00;font-weight:600}
.bad{color:#b3261e;font-weight:600}
.muted{color:#6b7280}
.tag{display:inline-block;border:1px solid #b3261e;color:#b3261e;border-radius:3px;padding:0 4px;margin-left:6px;font-size:12px}
ul.plain{margin:0;padding-left:0;list-style:none}
ul.plain li{white-space:nowrap}
pre{background:#fff;border:1px solid #d5d8de;padding:8px 14px;display:inline-block;font-size:14px}
.summary span{margin-right:14px}
svg.chart{background:#fff;border:1px solid #d5d8de;margin:4px 0 12px;display:block}
svg.chart text{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;font-size:11px;fill:#4b4f58}
svg.chart .title{font-size:13px;font-weight:600;fill:#1d2330}
)css";

// Re-fetches the page every data-refresh seconds and swaps the body in place. The request says
// it is a refresh (X-Kuaguan-Refresh), so that it does not keep an idle session alive; a 401
// reloads the page (which then asks to sign in), any other failure marks the page stale.
constexpr char kScript[] = R"js(
document.addEventListener("DOMContentLoaded", function () {
  var seconds = Number(document.body.dataset.refresh || 0);
  if (!(seconds > 0)) return;
  setInterval(function () {
    fetch(location.href, {headers: {"X-Kuaguan-Refresh": "1"}, credentials: "same-origin", cache: "no-store"})
      .then(function (r) {
        if (r.status === 401) { location.reload(); return null; }
        if (!r.ok) throw new Error(String(r.status));
        return r.text();
      })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.title = doc.title;
        document.body.replaceWith(doc.body);
      })
      .catch(function () { document.body.dataset.stale = "1"; });
  }, seconds * 1000);
});
)js";

// The document around `body` (already HTML). `refresh_seconds` > 0 turns the refresh on.
std::string Page(absl::string_view title, absl::string_view body, int64_t refresh_seconds) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"zh-Hans-CN\">\n<head>\n<meta charset=\"utf-8\">\n";
  absl::StrAppend(&out, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                  "<meta name=\"referrer\" content=\"no-referrer\">\n",
                  "<link rel=\"icon\" href=\"data:,\">\n",  // no favicon request
                  "<title>", HtmlEscape(title),
                  "</title>\n<style>", kStyle, "</style>\n");
  if (refresh_seconds > 0) absl::StrAppend(&out, "<script>", kScript, "</script>\n");
  absl::StrAppend(&out, "</head>\n<body");
  if (refresh_seconds > 0) absl::StrAppend(&out, " data-refresh=\"", refresh_seconds, "\"");
  absl::StrAppend(&out, ">\n", body, "</body>\n</html>\n");
  return out;
}

int64_t RefreshSeconds(const v1::FederationView& view) {
  const int64_t s = view.report_interval_seconds();
  if (s <= 0) return 60;
  return std::clamp<int64_t>(s, 10, 3600);
}

std::string Header(const v1::FederationView& view, const std::string& person) {
  return absl::StrCat("<header>\n<h1>Kuaguan federation 跨馆联盟 — ",
                      HtmlEscape(view.provincial_name().empty() ? view.provincial() : view.provincial_name()),
                      "</h1>\n<span class=\"time\">as of 截至 ", FormatTime(view.time_micros()),
                      "</span>\n<span class=\"who\">signed in 登录: <strong>", HtmlEscape(person),
                      "</strong> · <a href=\"/logout\">sign out 退出</a></span>\n</header>\n");
}

// The age of a member's last report, from the view's time ("never" without one).
std::string ReportAge(const v1::FederationView& view, const v1::MemberView& m) {
  if (m.last_report().time_micros() == 0) return "never 从未";
  return FormatSeconds((view.time_micros() - m.last_report().time_micros()) / 1000000);
}

// Days until the member's certificate expires, flagged when under 30 days or past.
std::string CertificateDays(const v1::FederationView& view, const v1::HealthReport& r) {
  if (r.cert_expires_micros() == 0) return "—";
  const int64_t micros = r.cert_expires_micros() - view.time_micros();
  const int64_t days = micros >= 0 ? micros / 86400000000 : -((-micros + 86399999999) / 86400000000);
  if (micros < 0) return absl::StrCat("<span class=\"bad\">expired 已过期 (", days, ")</span>");
  if (days < 30) return absl::StrCat("<span class=\"warn\">", days, "</span>");
  return absl::StrCat(days);
}

// The request count of each state, sorted by state; `nonzero_only` leaves out the states with
// none (the overview: a member reports every state, and four lines of zeros per row bury the
// numbers that matter), "—" when nothing is left.
std::string RequestsByState(const v1::HealthReport& r, bool nonzero_only) {
  std::vector<std::pair<std::string, uint64_t>> states;
  for (const auto& [state, n] : r.requests_by_state()) {
    if (n > 0 || !nonzero_only) states.emplace_back(state, n);
  }
  if (states.empty()) return "<span class=\"muted\">—</span>";
  std::sort(states.begin(), states.end());
  std::string out = "<ul class=\"plain\">";
  for (const auto& [state, n] : states) absl::StrAppend(&out, "<li>", HtmlEscape(state), ": ", n, "</li>");
  absl::StrAppend(&out, "</ul>");
  return out;
}

std::string Count(uint64_t n, bool flag_nonzero) {
  if (flag_nonzero && n > 0) return absl::StrCat("<span class=\"bad\">", n, "</span>");
  return absl::StrCat(n);
}

std::string StateCell(absl::string_view state) {
  return absl::StrCat("<td class=\"state state-", StateClass(state), "\">", StateLabel(state), "</td>");
}

// Alarms, open ones first and the newest first within each; only those of `archive` when given.
std::string AlarmsTable(const v1::FederationView& view, const std::string& archive) {
  std::vector<const v1::Alarm*> alarms;
  for (const auto& a : view.alarms()) {
    if (archive.empty() || a.archive() == archive) alarms.push_back(&a);
  }
  std::stable_sort(alarms.begin(), alarms.end(), [](const v1::Alarm* a, const v1::Alarm* b) {
    if (a->open() != b->open()) return a->open();
    return a->raised_micros() > b->raised_micros();
  });
  const size_t open = std::count_if(alarms.begin(), alarms.end(), [](const v1::Alarm* a) { return a->open(); });
  std::string out = absl::StrCat("<h2 id=\"alarms\">Alarms 告警 <span class=\"muted\">(", open, " open 未解除, ",
                                 alarms.size() - open, " closed 已解除)</span></h2>\n");
  if (alarms.empty()) {
    absl::StrAppend(&out, "<p class=\"muted\">No alarms 无告警</p>\n");
    return out;
  }
  absl::StrAppend(&out,
                  "<div class=\"scroll\"><table class=\"alarms\">\n<thead><tr><th>Kind 类型</th><th>Archive 档案馆</th>"
                  "<th>Detail 详情</th><th>Raised at 发生时间</th><th>Status 状态</th></tr></thead>\n<tbody>\n");
  for (const v1::Alarm* a : alarms) {
    std::string detail = HtmlEscape(a->detail());
    if (a->first_bad_entry() > 0) absl::StrAppend(&detail, " <span class=\"muted\">(first bad entry 首个异常条目 ",
                                                  a->first_bad_entry(), ")</span>");
    absl::StrAppend(&out, "<tr class=\"alarm alarm-", KindClass(a->kind()), "\" data-open=\"", a->open() ? 1 : 0,
                    "\"><td>", HtmlEscape(a->kind()), "</td><td><a href=\"/member/", PathSegment(a->archive()),
                    "\">", HtmlEscape(a->archive()), "</a></td><td class=\"text\">", detail,
                    "</td><td class=\"time\">", FormatTime(a->raised_micros()), "</td><td>",
                    a->open() ? "<strong>open 未解除</strong>" : "closed 已解除", "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table></div>\n");
  return out;
}

std::string MembersTable(const v1::FederationView& view) {
  std::string out = absl::StrCat("<h2 id=\"members\">Members 成员馆 <span class=\"muted\">(", view.members_size(),
                                 ")</span></h2>\n");
  int by_state[5] = {0, 0, 0, 0, 0};
  for (const auto& m : view.members()) {
    const std::string s = StateClass(m.state());
    by_state[s == "ok" ? 0 : s == "late" ? 1 : s == "down" ? 2 : s == "alarm" ? 3 : 4]++;
  }
  absl::StrAppend(&out, "<p class=\"summary\"><span class=\"state state-ok\">ok 正常 ", by_state[0],
                  "</span><span class=\"state state-late\">late 迟报 ", by_state[1],
                  "</span><span class=\"state state-down\">down 失联 ", by_state[2],
                  "</span><span class=\"state state-alarm\">alarm 告警 ", by_state[3], "</span>");
  if (by_state[4] > 0) absl::StrAppend(&out, "<span class=\"state state-unknown\">unknown 未知 ", by_state[4], "</span>");
  absl::StrAppend(&out, "<span>transparency log 透明日志: ", view.log_size(), " certificates 证书</span></p>\n");
  if (view.members().empty()) {
    absl::StrAppend(&out, "<p class=\"muted\">No members yet 暂无成员馆</p>\n");
    return out;
  }
  absl::StrAppend(&out,
                  "<div class=\"scroll\"><table class=\"members\">\n<thead><tr>"
                  "<th>Code<br>代码</th><th>Name<br>名称</th><th>State<br>状态</th><th>Last report<br>上次报告</th>"
                  "<th>Records<br>档案条目</th><th>Requests by state<br>各状态请求</th><th>Overdue<br>逾期</th>"
                  "<th>In time this month<br>本月按期答复</th><th>Audit entries at hub<br>省级审计副本</th>"
                  "<th>Directory<br>目录版本</th><th>Certificate, days<br>证书剩余天数</th><th>Disk free<br>磁盘可用</th>"
                  "<th>Outbox<br>待发</th><th>Dead letters<br>死信</th><th>Last error<br>最近错误</th>"
                  "</tr></thead>\n<tbody>\n");
  for (const auto& m : view.members()) {
    const v1::HealthReport& r = m.last_report();
    const std::string code = HtmlEscape(m.code());
    std::string name = HtmlEscape(m.name());
    if (m.revoked()) absl::StrAppend(&name, "<span class=\"tag\">revoked 已吊销</span>");
    absl::StrAppend(&out, "<tr id=\"member-", code, "\"><td><a href=\"/member/", PathSegment(m.code()), "\">", code,
                    "</a></td><td>", name, "</td>", StateCell(m.state()), "<td class=\"num\">", ReportAge(view, m),
                    "</td><td class=\"num\">", Grouped(r.records()), "</td><td>",
                    RequestsByState(r, /*nonzero_only=*/true), "</td><td class=\"num\">",
                    Count(r.overdue(), true), "</td><td class=\"num\">",
                    FormatShare(r.answered_in_time_this_month(), r.answered_this_month()), "</td><td class=\"num\">",
                    Grouped(m.audit_entries()), "</td><td class=\"num\">", r.directory_version(), "</td><td class=\"num\">",
                    CertificateDays(view, r), "</td><td class=\"num\">", FormatBytes(r.disk_free_bytes()),
                    "</td><td class=\"num\">", r.outbox_backlog(), "</td><td class=\"num\">",
                    Count(r.dead_letters(), true), "</td><td class=\"text\">",
                    r.last_error().empty() ? "<span class=\"muted\">—</span>" : HtmlEscape(r.last_error()),
                    "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table></div>\n");
  return out;
}

// ---- Charts ----

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Series {
  std::string label;
  std::string color;
  bool right_axis = false;
  bool dashed = false;
  std::vector<std::pair<int64_t, double>> points;  // (micros, value); NaN breaks the line
};

struct Axis {
  double lo = 0;
  double hi = 1;
  double step = 1;
  std::string unit;
};

// Round steps (1, 2 or 5 times a power of ten) covering [lo, hi] in about four steps.
Axis NiceAxis(double lo, double hi, const std::string& unit) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / 4;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  if (step < 1 && unit.empty()) step = 1;  // counts
  return {std::floor(lo / step) * step, std::ceil(hi / step) * step, step, unit};
}

std::string AxisLabel(double v, const Axis& a) {
  if (a.step >= 1) return absl::StrCat(static_cast<int64_t>(std::llround(v)), a.unit);
  return absl::StrFormat("%.1f%s", v, a.unit);
}

std::string LineChart(const std::string& title, const std::vector<Series>& series, const Axis& left,
                      const Axis* right, int64_t t0, int64_t t1) {
  constexpr int kW = 760, kH = 270, kLeft = 64, kRight = 64, kTop = 50, kBottom = 34;
  const int plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  if (t1 <= t0) t1 = t0 + 1;
  auto x_of = [&](int64_t t) {
    return kLeft + static_cast<double>(t - t0) / static_cast<double>(t1 - t0) * plot_w;
  };
  auto y_of = [&](double v, const Axis& a) { return kTop + plot_h - (v - a.lo) / (a.hi - a.lo) * plot_h; };

  std::string out = absl::StrFormat(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "role=\"img\" aria-label=\"%s\">\n<text class=\"title\" x=\"%d\" y=\"18\">%s</text>\n",
      kW, kH, kW, kH, HtmlEscape(title), kLeft, HtmlEscape(title));
  // Legend, top right.
  int lx = kW - kRight;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    lx -= 12 + 7 * static_cast<int>(base::CodePointCount(it->label)) + 26;
    absl::StrAppendFormat(&out,
                          "<line x1=\"%d\" y1=\"36\" x2=\"%d\" y2=\"36\" stroke=\"%s\" stroke-width=\"2.5\"%s/>"
                          "<text x=\"%d\" y=\"40\">%s</text>\n",
                          lx, lx + 18, it->color, it->dashed ? " stroke-dasharray=\"5 3\"" : "", lx + 22,
                          HtmlEscape(it->label));
  }
  // Grid and left axis.
  for (double v = left.lo; v <= left.hi + left.step / 2; v += left.step) {
    const double y = y_of(v, left);
    absl::StrAppendFormat(&out,
                          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e7eb\"/>"
                          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                          kLeft, y, kLeft + plot_w, y, kLeft - 6, y + 4, HtmlEscape(AxisLabel(v, left)));
  }
  if (right != nullptr) {
    for (double v = right->lo; v <= right->hi + right->step / 2; v += right->step) {
      absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"%.1f\">%s</text>\n", kLeft + plot_w + 6, y_of(v, *right) + 4,
                            HtmlEscape(AxisLabel(v, *right)));
    }
  }
  // Time axis: ticks on round local times, at most seven.
  static constexpr int64_t kMinute = 60 * 1000000LL;
  static constexpr int64_t kSteps[] = {kMinute,          5 * kMinute,       15 * kMinute,      30 * kMinute,
                                       60 * kMinute,     2 * 60 * kMinute,  3 * 60 * kMinute,  6 * 60 * kMinute,
                                       12 * 60 * kMinute, 24 * 60 * kMinute, 48 * 60 * kMinute, 7 * 24 * 60 * kMinute};
  int64_t step = kSteps[std::size(kSteps) - 1];
  for (int64_t s : kSteps) {
    if ((t1 - t0) / s <= 6) {
      step = s;
      break;
    }
  }
  const bool days = step >= 24 * 60 * kMinute || t1 - t0 > 24 * 60 * kMinute;
  constexpr int64_t kOffset = 8 * 60 * kMinute;  // ticks fall on round times in UTC+8
  for (int64_t t = ((t0 + kOffset + step - 1) / step) * step - kOffset; t <= t1; t += step) {
    const double x = x_of(t);
    const std::string label = absl::FormatTime(days && step >= 24 * 60 * kMinute ? "%m-%d"
                                               : days                            ? "%m-%d %H:%M"
                                                                                 : "%H:%M",
                                               absl::FromUnixMicros(t), ChinaTime());
    absl::StrAppendFormat(&out,
                          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e5e7eb\"/>"
                          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                          x, kTop, x, kTop + plot_h, x, kTop + plot_h + 17, label);
  }
  absl::StrAppendFormat(&out,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#9ca3af\"/>\n"
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time 时间 (UTC+8)</text>\n",
                        kLeft, kTop, plot_w, plot_h, kLeft + plot_w / 2, kH - 3);
  // The lines: a polyline per unbroken run, a dot for a run of one point.
  for (const Series& s : series) {
    const Axis& a = s.right_axis && right != nullptr ? *right : left;
    std::vector<std::string> run;
    auto flush = [&] {
      if (run.size() == 1) {
        absl::StrAppend(&out, "<circle cx=\"", run[0].substr(0, run[0].find(',')), "\" cy=\"",
                        run[0].substr(run[0].find(',') + 1), "\" r=\"2.5\" fill=\"", s.color, "\"/>\n");
      } else if (run.size() > 1) {
        absl::StrAppend(&out, "<polyline fill=\"none\" stroke=\"", s.color, "\" stroke-width=\"2\"",
                        s.dashed ? " stroke-dasharray=\"5 3\"" : "", " points=\"", absl::StrJoin(run, " "),
                        "\"/>\n");
      }
      run.clear();
    };
    for (const auto& [t, v] : s.points) {
      if (std::isnan(v)) {
        flush();
        continue;
      }
      run.push_back(absl::StrFormat("%.1f,%.1f", x_of(t), y_of(v, a)));
    }
    flush();
  }
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

std::string Charts(const v1::MemberView& m) {
  std::string out = "<h2 id=\"charts\">Requests and deadlines over time 请求量与按期率</h2>\n";
  if (m.samples().empty()) {
    absl::StrAppend(&out, "<p class=\"muted\">No samples yet 暂无样本</p>\n");
    return out;
  }
  std::vector<const v1::MemberSample*> samples;
  for (const auto& s : m.samples()) samples.push_back(&s);
  std::stable_sort(samples.begin(), samples.end(), [](const v1::MemberSample* a, const v1::MemberSample* b) {
    return a->time_micros() < b->time_micros();
  });
  const int64_t t0 = samples.front()->time_micros(), t1 = samples.back()->time_micros();

  Series volume{"requests, all time 请求总数", "#1f5fbf", false, false, {}};
  Series share{"answered in time 按期答复率 %", "#17803d", true, false, {}};
  Series overdue{"overdue 逾期", "#b3261e", false, true, {}};
  double lo = std::numeric_limits<double>::max(), hi = 0, overdue_hi = 0;
  for (const v1::MemberSample* s : samples) {
    const double total = static_cast<double>(s->requests_total());
    volume.points.emplace_back(s->time_micros(), total);
    lo = std::min(lo, total);
    hi = std::max(hi, total);
    share.points.emplace_back(s->time_micros(),
                              s->answered_this_month() == 0
                                  ? kNaN
                                  : 100.0 * static_cast<double>(s->answered_in_time_this_month()) /
                                        static_cast<double>(s->answered_this_month()));
    overdue.points.emplace_back(s->time_micros(), static_cast<double>(s->overdue()));
    overdue_hi = std::max(overdue_hi, static_cast<double>(s->overdue()));
  }
  const Axis volume_axis = NiceAxis(lo, hi, "");
  const Axis share_axis{0, 100, 25, "%"};
  absl::StrAppend(&out, LineChart("Request volume and deadline compliance 请求量与按期答复率 (this month 本月)",
                                  {volume, share}, volume_axis, &share_axis, t0, t1));
  absl::StrAppend(&out, LineChart("Overdue requests 逾期请求", {overdue}, NiceAxis(0, std::max(overdue_hi, 4.0), ""),
                                  nullptr, t0, t1));
  return out;
}

// One row of the member's field table: `label` and `value` (already HTML).
void Field(std::string* out, absl::string_view label, absl::string_view value) {
  absl::StrAppend(out, "<tr><th>", label, "</th><td>", value, "</td></tr>\n");
}

std::string ReportTable(const v1::FederationView& view, const v1::MemberView& m) {
  const v1::HealthReport& r = m.last_report();
  std::string out = "<h2 id=\"report\">Last health report 最近健康报告</h2>\n";
  if (r.time_micros() == 0) absl::StrAppend(&out, "<p class=\"muted\">No report received yet 尚未收到报告</p>\n");
  absl::StrAppend(&out, "<table class=\"fields\"><tbody>\n");
  std::string* o = &out;
  Field(o, "From 来自", HtmlEscape(r.from()));
  Field(o, "Reported at 报告时间", absl::StrCat(FormatTime(r.time_micros()), " (", ReportAge(view, m), " ago 前)"));
  Field(o, "Version 版本", HtmlEscape(r.version()));
  Field(o, "Uptime 运行时间", FormatSeconds(r.uptime_seconds()));
  Field(o, "Directory version 目录版本", absl::StrCat(r.directory_version()));
  Field(o, "Directory age 目录时效", FormatSeconds(r.directory_age_seconds()));
  Field(o, "Certificate expires 证书到期",
        absl::StrCat(FormatTime(r.cert_expires_micros()), " (", CertificateDays(view, r), " days 天)"));
  Field(o, "Disk free 磁盘可用", FormatBytes(r.disk_free_bytes()));
  Field(o, "Store size 存储大小", FormatBytes(r.store_bytes()));
  Field(o, "Index size 索引大小", FormatBytes(r.index_bytes()));
  Field(o, "Records 档案条目", Grouped(r.records()));
  Field(o, "Requests, all time 请求总数", Grouped(r.requests_total()));
  Field(o, "Requests by state 各状态请求", RequestsByState(r, /*nonzero_only=*/false));
  Field(o, "Overdue 逾期", Count(r.overdue(), true));
  Field(o, "Answered this month 本月答复", absl::StrCat(r.answered_this_month()));
  Field(o, "Answered in time this month 本月按期答复",
        absl::StrCat(r.answered_in_time_this_month(), " — ",
                     FormatShare(r.answered_in_time_this_month(), r.answered_this_month())));
  Field(o, "Outbox backlog 待发消息", absl::StrCat(r.outbox_backlog()));
  Field(o, "Dead letters 死信", Count(r.dead_letters(), true));
  Field(o, "Audit checkpoint accepted 已接受审计检查点", Grouped(r.audit_checkpoint()));
  Field(o, "Last error 最近错误",
        r.last_error().empty() ? "<span class=\"muted\">—</span>" : HtmlEscape(r.last_error()));
  std::string raised;
  if (r.alarms().empty()) {
    raised = "<span class=\"muted\">—</span>";
  } else {
    raised = "<ul class=\"plain\">";
    for (const auto& a : r.alarms()) absl::StrAppend(&raised, "<li class=\"bad\">", HtmlEscape(a), "</li>");
    absl::StrAppend(&raised, "</ul>");
  }
  Field(o, "Alarms it raised 其上报的告警", raised);
  absl::StrAppend(&out, "</tbody></table>\n");
  return out;
}

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char32_t cp : base::DecodeUtf8(text)) {
    switch (cp) {
      case '&': out += "&amp;"; continue;
      case '<': out += "&lt;"; continue;
      case '>': out += "&gt;"; continue;
      case '"': out += "&quot;"; continue;
      case '\'': out += "&#39;"; continue;
      default: break;
    }
    const bool control = (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
    const bool bidi = (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    base::AppendUtf8(control || bidi ? 0xFFFD : cp, &out);
  }
  return out;
}

std::string RenderOverview(const v1::FederationView& view, const std::string& person) {
  std::string body = Header(view, person);
  absl::StrAppend(&body, "<main>\n", AlarmsTable(view, ""), MembersTable(view), "</main>\n");
  return Page(absl::StrCat("Federation 联盟 — ", view.provincial_name().empty() ? view.provincial() : view.provincial_name()),
              body, RefreshSeconds(view));
}

std::string RenderMember(const v1::FederationView& view, const std::string& code, const std::string& person) {
  const v1::MemberView* member = nullptr;
  for (const auto& m : view.members()) {
    if (m.code() == code) member = &m;
  }
  std::string body = Header(view, person);
  absl::StrAppend(&body, "<main>\n<p><a href=\"/\">← Overview 总览</a></p>\n");
  if (member == nullptr) {
    absl::StrAppend(&body, "<h2>No member ", HtmlEscape(code), " 无此成员馆</h2>\n</main>\n");
    return Page(absl::StrCat("No member 无此成员馆 ", code), body, 0);
  }
  const v1::MemberView& m = *member;
  absl::StrAppend(&body, "<h2 id=\"member-", HtmlEscape(m.code()), "\">", HtmlEscape(m.code()), " ",
                  HtmlEscape(m.name()), m.revoked() ? "<span class=\"tag\">revoked 已吊销</span>" : "",
                  "</h2>\n<table class=\"fields\"><tbody>\n<tr><th>State 状态</th>", StateCell(m.state()),
                  "</tr>\n<tr><th>Last report 上次报告</th><td>", ReportAge(view, m),
                  "</td></tr>\n<tr><th>Audit entries at hub 省级审计副本</th><td>", Grouped(m.audit_entries()),
                  "</td></tr>\n<tr><th>Last audit shipment 最近审计上传</th><td>", FormatTime(m.audit_last_micros()),
                  "</td></tr>\n<tr><th>Certificate 证书</th><td>",
                  m.revoked() ? "<span class=\"bad\">revoked 已吊销</span>" : "valid 有效", "</td></tr>\n",
                  "</tbody></table>\n", Charts(m), ReportTable(view, m), AlarmsTable(view, m.code()), "</main>\n");
  return Page(absl::StrCat(m.code(), " ", m.name(), " — Kuaguan 跨馆"), body, RefreshSeconds(view));
}

std::string RenderLoginNeeded() {
  const std::string body =
      "<header><h1>Kuaguan federation 跨馆联盟</h1></header>\n<main>\n"
      "<h2>Sign in needed 需要登录</h2>\n"
      "<p>This console shows the federation's health to provincial monitors and auditors. "
      "Your session is missing, has ended (after 8 hours, or 30 minutes without use) or was signed out.</p>\n"
      "<p>本控制台向省级监控员和审计员显示联盟运行状况。您尚未登录，或会话已结束（8 小时后，或 30 分钟未操作），或已退出。</p>\n"
      "<p>To sign in, run this on the provincial node as yourself (role monitor or auditor) and open the link it "
      "prints within 5 minutes; each link works once:</p>\n"
      "<p>登录方法：在省级节点上以本人账户（联盟监控员或安全审计员）运行以下命令，并在 5 分钟内打开它显示的链接；每个链接只能使用一次：</p>\n"
      "<pre><code>kuaguan hub login</code></pre>\n</main>\n";
  return Page("Sign in needed 需要登录 — Kuaguan 跨馆", body, 0);
}

std::string RenderNotice(const std::string& title, const std::string& message) {
  const std::string body =
      absl::StrCat("<header><h1>Kuaguan federation 跨馆联盟</h1></header>\n<main>\n<h2>", HtmlEscape(title),
                   "</h2>\n<p>", HtmlEscape(message), "</p>\n<p><a href=\"/\">Overview 总览</a></p>\n</main>\n");
  return Page(absl::StrCat(title, " — Kuaguan 跨馆"), body, 0);
}

}  // namespace kuaguan::node
