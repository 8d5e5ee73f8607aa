// The provincial web console: its pages rendered from a view of four members (one down, one in
// alarm, one with a hostile name), the real console over a real HTTP socket (sign-in links,
// sessions, routes, headers), and the real page in headless chromium.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "node/web_console.h"
#include "node/web_pages.h"
#include "tests/testing/chromium.h"
#include "tests/testing/fake_clock.h"

using kuaguan::node::HtmlEscape;
using kuaguan::node::RenderLoginNeeded;
using kuaguan::node::RenderMember;
using kuaguan::node::RenderOverview;
using kuaguan::node::WebConsole;
namespace v1 = kuaguan::v1;

namespace {

constexpr char kHostileName[] = "<script>alert(1)</script>";
constexpr char kHostileError[] = "disk \"full\" <img src=x onerror=alert(2)> & more";
constexpr char kPerson[] = "张监控 (monitor, unix:zhang)";

// 2026-12-06 10:00:00 +08:00.
absl::Time Now() { return absl::FromCivil(absl::CivilSecond(2026, 12, 6, 2, 0, 0), absl::UTCTimeZone()); }
int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

v1::MemberView Member(const std::string& code, const std::string& name, const std::string& state,
                      absl::Duration report_age) {
  v1::MemberView m;
  m.set_code(code);
  m.set_name(name);
  m.set_state(state);
  m.set_audit_entries(12345);
  m.set_audit_last_micros(Micros(Now() - report_age));
  v1::HealthReport* r = m.mutable_last_report();
  r->set_from(code);
  r->set_time_micros(Micros(Now() - report_age));
  r->set_version("0.1.0");
  r->set_uptime_seconds(86400 * 3 + 3600);
  r->set_directory_version(42);
  r->set_directory_age_seconds(300);
  r->set_cert_expires_micros(Micros(Now() + absl::Hours(24 * 200)));
  r->set_disk_free_bytes(uint64_t{123} << 30);
  r->set_store_bytes(uint64_t{5} << 30);
  r->set_index_bytes(uint64_t{700} << 20);
  r->set_records(1234567);
  (*r->mutable_requests_by_state())["received"] = 3;
  (*r->mutable_requests_by_state())["in-review"] = 5;
  (*r->mutable_requests_by_state())["issued"] = 120;
  r->set_overdue(0);
  r->set_answered_this_month(40);
  r->set_answered_in_time_this_month(38);
  r->set_outbox_backlog(2);
  r->set_dead_letters(0);
  r->set_audit_checkpoint(12345);
  r->set_requests_total(2000);
  return m;
}

// A day of samples, one every 15 minutes.
void AddSamples(v1::MemberView* m) {
  for (int i = 0; i < 96; ++i) {
    v1::MemberSample* s = m->add_samples();
    s->set_time_micros(Micros(Now() - absl::Hours(24) + absl::Minutes(15) * (i + 1)));
    s->set_requests_total(1900 + static_cast<uint64_t>(i + (i * i) / 60));
    s->set_answered_this_month(i < 4 ? 0 : static_cast<uint64_t>(20 + i / 5));
    s->set_answered_in_time_this_month(i < 4 ? 0 : static_cast<uint64_t>(18 + i / 6));
    s->set_overdue(i > 50 && i < 70 ? 2 : 0);
  }
}

v1::FederationView FourMembers(bool with_samples) {
  v1::FederationView view;
  view.set_provincial("河南省档案馆 (410000)");
  view.set_time_micros(Micros(Now()));
  view.set_log_size(321);
  view.set_report_interval_seconds(60);
  *view.add_members() = Member("410100", "郑州市档案馆", "ok", absl::Seconds(40));
  *view.add_members() = Member("410200", "开封市档案馆", "down", absl::Hours(2));
  v1::MemberView alarm = Member("410300", "洛阳市档案馆", "alarm", absl::Seconds(50));
  alarm.mutable_last_report()->set_overdue(3);
  alarm.mutable_last_report()->set_dead_letters(1);
  alarm.mutable_last_report()->add_alarms("log-inconsistency: checkpoint 300 does not extend 290");
  if (with_samples) AddSamples(&alarm);
  *view.add_members() = alarm;
  v1::MemberView hostile = Member("410400", kHostileName, "late", absl::Minutes(7));
  hostile.mutable_last_report()->set_last_error(kHostileError);
  hostile.mutable_last_report()->set_cert_expires_micros(Micros(Now() + absl::Hours(24 * 12)));
  *view.add_members() = hostile;

  v1::Alarm* closed = view.add_alarms();
  closed->set_id("a1");
  closed->set_archive("410100");
  closed->set_kind("certificate-expiring");
  closed->set_detail("certificate expires in 20 days");
  closed->set_raised_micros(Micros(Now() - absl::Hours(30)));
  closed->set_open(false);
  v1::Alarm* mismatch = view.add_alarms();
  mismatch->set_id("a2");
  mismatch->set_archive("410300");
  mismatch->set_kind("audit-mismatch");
  mismatch->set_detail("block 7 differs from the hub's copy <b>");
  mismatch->set_raised_micros(Micros(Now() - absl::Minutes(20)));
  mismatch->set_first_bad_entry(7001);
  mismatch->set_open(true);
  v1::Alarm* down = view.add_alarms();
  down->set_id("a3");
  down->set_archive("410200");
  down->set_kind("member-down");
  down->set_detail("no report for 2 h");
  down->set_raised_micros(Micros(Now() - absl::Minutes(110)));
  down->set_open(true);
  return view;
}

// The view a hub would give: all members, or one in detail (with samples).
absl::StatusOr<v1::FederationView> TestView(const std::string& archive) {
  v1::FederationView all = FourMembers(/*with_samples=*/!archive.empty());
  if (archive.empty()) return all;
  v1::FederationView one = all;
  one.clear_members();
  for (const auto& m : all.members()) {
    if (m.code() == archive) *one.add_members() = m;
  }
  if (one.members().empty()) return absl::NotFoundError(absl::StrCat("no member ", archive));
  return one;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// The table row that starts with `marker` (through its </tr>).
std::string Row(const std::string& html, const std::string& marker) {
  const size_t start = html.find(marker);
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</tr>", start) - start);
}

// ---- A minimal HTTP/1.1 client over a real socket ----

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

HttpResponse Http(const std::string& address, const std::string& method, const std::string& target,
                  const std::vector<std::string>& headers = {}) {
  HttpResponse r;
  const size_t colon = address.rfind(':');
  int port = 0;
  REQUIRE(absl::SimpleAtoi(address.substr(colon + 1), &port));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return r;  // status 0: nobody listening
  }
  std::string request = absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: ", address, "\r\n");
  for (const auto& h : headers) absl::StrAppend(&request, h, "\r\n");
  absl::StrAppend(&request, "Connection: close\r\n\r\n");
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string raw;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const size_t end = raw.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, end), "\r\n");
  std::vector<std::string> status_line = absl::StrSplit(lines[0], ' ');
  REQUIRE(status_line.size() >= 2);
  REQUIRE(absl::SimpleAtoi(status_line[1], &r.status));
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t c = lines[i].find(':');
    if (c == std::string::npos) continue;
    r.headers[absl::AsciiStrToLower(lines[i].substr(0, c))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(c + 1)));
  }
  r.body = raw.substr(end + 4);
  return r;
}

// "/login?token=..." of a login URL "http://ADDRESS/login?token=...".
std::string PathOf(const std::string& url) {
  const size_t slash = url.find('/', std::string("http://").size());
  return url.substr(slash);
}

// The session cookie ("kuaguan_session=ID") a login answer set.
std::string SessionCookie(const HttpResponse& r) {
  auto it = r.headers.find("set-cookie");
  if (it == r.headers.end()) return "";
  return it->second.substr(0, it->second.find(';'));
}

struct AuditLog {
  struct Entry {
    std::string actor, action, object, outcome;
  };
  absl::Mutex mu;
  std::vector<Entry> entries ABSL_GUARDED_BY(mu);

  WebConsole::AuditFn Fn() {
    return [this](const std::string& actor, const std::string& action, const std::string& object,
                  const std::string& outcome) {
      absl::MutexLock lock(&mu);
      entries.push_back({actor, action, object, outcome});
    };
  }
  std::vector<Entry> Take() {
    absl::MutexLock lock(&mu);
    return std::exchange(entries, {});
  }
};

void CheckSecurityHeaders(const HttpResponse& r) {
  CHECK(r.headers.at("content-security-policy") ==
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'");
  CHECK(r.headers.at("x-content-type-options") == "nosniff");
  CHECK(r.headers.at("referrer-policy") == "no-referrer");
  CHECK(r.headers.at("cache-control") == "no-store");
  CHECK(r.headers.at("x-frame-options") == "DENY");
}

}  // namespace

TEST_CASE("HtmlEscape leaves no markup and no malformed or control bytes") {
  CHECK(HtmlEscape("a<b>&\"'c") == "a&lt;b&gt;&amp;&quot;&#39;c");
  CHECK(HtmlEscape("郑州市档案馆") == "郑州市档案馆");
  CHECK(HtmlEscape("x\xff\xfey") == "x\xEF\xBF\xBD\xEF\xBF\xBDy");      // malformed UTF-8
  CHECK(HtmlEscape("a\x01\x1b[31mb") == "a\xEF\xBF\xBD\xEF\xBF\xBD[31mb");  // controls
  CHECK(HtmlEscape("l\xE2\x80\xAEr") == "l\xEF\xBF\xBDr");                   // U+202E right-to-left override
  CHECK(HtmlEscape("tab\tline\n") == "tab\tline\n");
}

TEST_CASE("the overview shows every member and alarm with every string from the view escaped") {
  const std::string html = RenderOverview(FourMembers(false), kPerson);
  CHECK(absl::StartsWith(html, "<!DOCTYPE html>"));
  CHECK(absl::StrContains(html, "<meta charset=\"utf-8\">"));
  CHECK(absl::StrContains(html, "河南省档案馆 (410000)"));
  CHECK(absl::StrContains(html, "2026-12-06 10:00:00 +08:00"));
  CHECK(absl::StrContains(html, "张监控 (monitor, unix:zhang)"));
  CHECK(absl::StrContains(html, "Members 成员馆"));
  CHECK(absl::StrContains(html, "Alarms 告警"));

  for (const char* code : {"410100", "410200", "410300", "410400"}) {
    INFO(code);
    CHECK(Count(html, absl::StrCat("id=\"member-", code, "\"")) == 1);
    CHECK(absl::StrContains(html, absl::StrCat("<a href=\"/member/", code, "\">", code, "</a>")));
  }
  CHECK(absl::StrContains(Row(html, "id=\"member-410100\""), "class=\"state state-ok\""));
  CHECK(absl::StrContains(Row(html, "id=\"member-410200\""), "class=\"state state-down\""));
  CHECK(absl::StrContains(Row(html, "id=\"member-410200\""), "2 h 0 min"));  // last report age
  CHECK(absl::StrContains(Row(html, "id=\"member-410300\""), "class=\"state state-alarm\""));
  CHECK(absl::StrContains(Row(html, "id=\"member-410400\""), "class=\"state state-late\""));

  const std::string ok_row = Row(html, "id=\"member-410100\"");
  CHECK(absl::StrContains(ok_row, "郑州市档案馆"));
  CHECK(absl::StrContains(ok_row, "1,234,567"));               // records
  CHECK(absl::StrContains(ok_row, "in-review: 5"));            // requests by state
  CHECK(absl::StrContains(ok_row, "95.0% (38/40)"));           // answered in time this month
  CHECK(absl::StrContains(ok_row, "12,345"));                  // audit entries at the hub
  CHECK(absl::StrContains(ok_row, ">42<"));                    // directory version
  CHECK(absl::StrContains(ok_row, ">200<"));                   // certificate days
  CHECK(absl::StrContains(ok_row, "123.0 GiB"));               // disk free
  CHECK(absl::StrContains(Row(html, "id=\"member-410400\""), "<span class=\"warn\">12</span>"));

  // Alarms: open ones first, newest first; the closed one last.
  CHECK(Count(html, "class=\"alarm alarm-audit-mismatch\"") == 1);
  CHECK(Count(html, "class=\"alarm alarm-member-down\"") == 1);
  CHECK(Count(html, "class=\"alarm alarm-certificate-expiring\"") == 1);
  CHECK(html.find("alarm-audit-mismatch") < html.find("alarm-member-down"));
  CHECK(html.find("alarm-member-down") < html.find("alarm-certificate-expiring"));
  CHECK(absl::StrContains(html, "block 7 differs from the hub&#39;s copy &lt;b&gt;"));

  // Hostile strings come out as text.
  CHECK_FALSE(absl::StrContains(html, kHostileName));
  CHECK(absl::StrContains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_FALSE(absl::StrContains(html, "<img"));
  CHECK(absl::StrContains(html, "disk &quot;full&quot; &lt;img src=x onerror=alert(2)&gt; &amp; more"));
  CHECK(Count(html, "<script") == 1);  // the page's own refresh script only
  CHECK(absl::StrContains(html, "data-refresh=\"60\""));

  // Nothing from anywhere else.
  CHECK_FALSE(absl::StrContains(html, "http://"));
  CHECK_FALSE(absl::StrContains(html, "https://"));
  CHECK_FALSE(absl::StrContains(html, "src=\""));
  CHECK(Count(html, "<link") == 1);  // the empty icon, so that the browser asks for none
  CHECK(absl::StrContains(html, "<link rel=\"icon\" href=\"data:,\">"));
}

TEST_CASE("a member's page shows its whole last report and charts from its samples") {
  const absl::StatusOr<v1::FederationView> view = TestView("410300");
  REQUIRE(view.ok());
  const std::string html = RenderMember(*view, "410300", kPerson);
  CHECK(absl::StrContains(html, "洛阳市档案馆"));
  CHECK(absl::StrContains(html, "class=\"state state-alarm\""));
  for (const char* label :
       {"From 来自", "Reported at 报告时间", "Version 版本", "Uptime 运行时间", "Directory version 目录版本",
        "Directory age 目录时效", "Certificate expires 证书到期", "Disk free 磁盘可用", "Store size 存储大小",
        "Index size 索引大小", "Records 档案条目", "Requests, all time 请求总数", "Requests by state 各状态请求",
        "Overdue 逾期", "Answered this month 本月答复", "Answered in time this month 本月按期答复",
        "Outbox backlog 待发消息", "Dead letters 死信", "Audit checkpoint accepted 已接受审计检查点",
        "Last error 最近错误", "Alarms it raised 其上报的告警"}) {
    INFO(label);
    CHECK(absl::StrContains(html, label));
  }
  CHECK(absl::StrContains(html, "3 d 1 h"));     // uptime
  CHECK(absl::StrContains(html, "5.0 GiB"));     // store
  CHECK(absl::StrContains(html, "700.0 MiB"));   // index
  CHECK(absl::StrContains(html, "log-inconsistency: checkpoint 300 does not extend 290"));
  CHECK(Count(html, "<svg class=\"chart\"") == 2);
  CHECK(Count(html, "<polyline") == 3);  // volume, compliance (after its first answers), overdue
  CHECK(absl::StrContains(html, "Request volume and deadline compliance"));
  CHECK(absl::StrContains(html, "100%"));        // the compliance axis
  CHECK(Count(html, "class=\"alarm alarm-audit-mismatch\"") == 1);
  CHECK_FALSE(absl::StrContains(html, "alarm-member-down"));  // another member's alarm

  const absl::StatusOr<v1::FederationView> hostile = TestView("410400");
  REQUIRE(hostile.ok());
  const std::string hostile_html = RenderMember(*hostile, "410400", kPerson);
  CHECK_FALSE(absl::StrContains(hostile_html, kHostileName));
  CHECK(absl::StrContains(hostile_html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_FALSE(absl::StrContains(hostile_html, "<img"));
  CHECK(absl::StrContains(hostile_html, "No samples yet"));

  CHECK(absl::StrContains(RenderMember(*view, "419900", kPerson), "No member 419900"));
  CHECK(absl::StrContains(RenderLoginNeeded(), "kuaguan hub login"));
}

TEST_CASE("the console listens on loopback only") {
  kuaguan::testing::FakeClock clock(Now());
  AuditLog audit;
  for (const char* listen : {"0.0.0.0:0", "10.1.2.3:8080", "[::]:0", "example.org:80", "192.168.0.1:0"}) {
    INFO(listen);
    auto console = WebConsole::Start(listen, TestView, audit.Fn(), &clock);
    REQUIRE_FALSE(console.ok());
    CHECK(console.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(absl::StrContains(console.status().message(), "reverse proxy"));
  }
  for (const char* listen : {"127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", ":80"}) {
    INFO(listen);
    auto console = WebConsole::Start(listen, TestView, audit.Fn(), &clock);
    REQUIRE_FALSE(console.ok());
    CHECK(console.status().code() == absl::StatusCode::kInvalidArgument);
  }
  auto local = WebConsole::Start("localhost:0", TestView, audit.Fn(), &clock);
  REQUIRE(local.ok());
  CHECK(absl::StartsWith((*local)->address(), "127.0.0.1:"));
  CHECK((*local)->address() != "127.0.0.1:0");
}

TEST_CASE("the console signs a person in once per link and serves pages only within a session") {
  kuaguan::testing::FakeClock clock(Now());
  AuditLog audit;
  auto started = WebConsole::Start("127.0.0.1:0", TestView, audit.Fn(), &clock);
  REQUIRE(started.ok());
  WebConsole& console = **started;
  const std::string addr = console.address();

  // No session: 401 and how to sign in, on every page.
  for (const char* path : {"/", "/member/410100", "/view.json", "/logout", "/nothing"}) {
    INFO(path);
    const HttpResponse r = Http(addr, "GET", path);
    CHECK(r.status == 401);
    CHECK(absl::StrContains(r.body, "kuaguan hub login"));
    CheckSecurityHeaders(r);
  }
  CHECK(Http(addr, "GET", "/", {"Cookie: kuaguan_session=made-up"}).status == 401);

  // Links only for the roles the console is for.
  CHECK(console.CreateLogin(kPerson, "cataloguer").status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(console.CreateLogin("", "monitor").status().code() == absl::StatusCode::kInvalidArgument);

  auto url = console.CreateLogin(kPerson, "monitor");
  REQUIRE(url.ok());
  CHECK(absl::StartsWith(*url, absl::StrCat("http://", addr, "/login?token=")));
  const std::string token = url->substr(url->find("token=") + 6);
  CHECK(token.size() == 43);  // 32 bytes, URL-safe base64 without padding
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);

  const HttpResponse login = Http(addr, "GET", PathOf(*url));
  CHECK(login.status == 303);
  CHECK(login.headers.at("location") == "/");
  CheckSecurityHeaders(login);
  const std::string set_cookie = login.headers.at("set-cookie");
  CHECK(absl::StartsWith(set_cookie, "kuaguan_session="));
  CHECK(absl::StrContains(set_cookie, "; HttpOnly"));
  CHECK(absl::StrContains(set_cookie, "; SameSite=Strict"));
  CHECK(absl::StrContains(set_cookie, "; Path=/"));
  const std::string cookie = "Cookie: " + SessionCookie(login);
  CHECK(console.sessions() == 1);

  // The link works once.
  const HttpResponse again = Http(addr, "GET", PathOf(*url));
  CHECK(again.status == 403);
  CHECK(absl::StrContains(again.body, "used already"));
  CHECK(SessionCookie(again).empty());
  CHECK(Http(addr, "GET", "/login?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").status == 403);
  CHECK(Http(addr, "GET", "/login").status == 403);
  {
    const auto entries = audit.Take();
    REQUIRE(entries.size() == 4);
    CHECK(entries[0].actor == kPerson);
    CHECK(entries[0].action == "web.login");
    CHECK(entries[0].outcome == "ok (monitor)");
    for (size_t i = 1; i < 4; ++i) {
      CHECK(absl::StartsWith(entries[i].actor, "web:127.0.0.1:"));
      CHECK(entries[i].action == "web.login");
      CHECK(absl::StartsWith(entries[i].outcome, "refused: "));
    }
    CHECK(entries[1].object == kPerson);  // whose link it was
    CHECK(entries[1].outcome == "refused: token already used");
    CHECK(entries[2].outcome == "refused: unknown token");
  }

  // Pages within the session.
  const HttpResponse overview = Http(addr, "GET", "/", {cookie});
  CHECK(overview.status == 200);
  CHECK(overview.headers.at("content-type") == "text/html; charset=utf-8");
  CheckSecurityHeaders(overview);
  for (const char* code : {"410100", "410200", "410300", "410400"}) {
    CHECK(absl::StrContains(overview.body, absl::StrCat("id=\"member-", code, "\"")));
  }
  CHECK(absl::StrContains(overview.body, "张监控 (monitor, unix:zhang)"));
  CHECK_FALSE(absl::StrContains(overview.body, kHostileName));

  const HttpResponse member = Http(addr, "GET", "/member/410300", {cookie});
  CHECK(member.status == 200);
  CHECK(absl::StrContains(member.body, "<svg class=\"chart\""));
  CHECK(Http(addr, "GET", "/member/41030", {cookie}).status == 404);
  CHECK(Http(addr, "GET", "/member/4103000", {cookie}).status == 404);
  CHECK(Http(addr, "GET", "/member/41030a", {cookie}).status == 404);
  CHECK(Http(addr, "GET", "/member/419900", {cookie}).status == 404);  // the hub knows no such member
  CHECK(Http(addr, "GET", "/elsewhere", {cookie}).status == 404);

  const HttpResponse json = Http(addr, "GET", "/view.json", {cookie});
  CHECK(json.status == 200);
  CHECK(json.headers.at("content-type") == "application/json; charset=utf-8");
  CheckSecurityHeaders(json);
  CHECK(absl::StrContains(json.body, "\"code\":\"410200\""));
  CHECK(absl::StrContains(json.body, "\"report_interval_seconds\":\"60\""));

  const HttpResponse head = Http(addr, "HEAD", "/", {cookie});
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers.at("content-length") == std::to_string(overview.body.size()));

  for (const char* method : {"POST", "PUT", "DELETE"}) {
    const HttpResponse r = Http(addr, method, "/", {cookie, "Content-Length: 0"});
    CHECK(r.status == 405);
    CHECK(r.headers.at("allow") == "GET, HEAD");
    CheckSecurityHeaders(r);
  }

  // Sign out: the session ends, the cookie is cleared.
  const HttpResponse logout = Http(addr, "GET", "/logout", {cookie});
  CHECK(logout.status == 200);
  CHECK(absl::StrContains(logout.headers.at("set-cookie"), "Max-Age=0"));
  CHECK(Http(addr, "GET", "/", {cookie}).status == 401);
  CHECK(console.sessions() == 0);
  {
    const auto entries = audit.Take();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].actor == kPerson);
    CHECK(entries[0].action == "web.logout");
  }

  console.Stop();
  CHECK(Http(addr, "GET", "/").status == 0);  // nobody listens
  console.Stop();                              // idempotent
}

TEST_CASE("login links expire after 5 minutes and sessions after 30 idle minutes or 8 hours") {
  kuaguan::testing::FakeClock clock(Now());
  AuditLog audit;
  auto started = WebConsole::Start("127.0.0.1:0", TestView, audit.Fn(), &clock);
  REQUIRE(started.ok());
  WebConsole& console = **started;
  const std::string addr = console.address();
  auto sign_in = [&] {
    auto url = console.CreateLogin(kPerson, "auditor");
    REQUIRE(url.ok());
    const HttpResponse r = Http(addr, "GET", PathOf(*url));
    REQUIRE(r.status == 303);
    return "Cookie: " + SessionCookie(r);
  };

  // A link 6 minutes old.
  auto url = console.CreateLogin(kPerson, "auditor");
  REQUIRE(url.ok());
  clock.Advance(absl::Minutes(6));
  const HttpResponse late = Http(addr, "GET", PathOf(*url));
  CHECK(late.status == 403);
  CHECK(absl::StrContains(late.body, "expired"));

  // Idle for 31 minutes.
  std::string cookie = sign_in();
  clock.Advance(absl::Minutes(29));
  CHECK(Http(addr, "GET", "/", {cookie}).status == 200);
  clock.Advance(absl::Minutes(29));
  CHECK(Http(addr, "GET", "/", {cookie}).status == 200);  // used 29 minutes ago: still on
  clock.Advance(absl::Minutes(31));
  CHECK(Http(addr, "GET", "/", {cookie}).status == 401);

  // The page's own refresh does not count as use.
  cookie = sign_in();
  clock.Advance(absl::Minutes(20));
  CHECK(Http(addr, "GET", "/", {cookie, "X-Kuaguan-Refresh: 1"}).status == 200);
  clock.Advance(absl::Minutes(20));
  CHECK(Http(addr, "GET", "/", {cookie, "X-Kuaguan-Refresh: 1"}).status == 401);

  // In use all along, a session still ends after 8 hours.
  cookie = sign_in();
  for (int i = 0; i < 8 * 3 - 1; ++i) {
    clock.Advance(absl::Minutes(20));
    REQUIRE(Http(addr, "GET", "/", {cookie}).status == 200);
  }
  clock.Advance(absl::Minutes(20));
  CHECK(Http(addr, "GET", "/", {cookie}).status == 401);
  CHECK(console.sessions() == 0);
}

TEST_CASE("in headless chromium the login link opens the overview with every member and alarm") {
  if (!kuaguan::testing::HaveChromium()) {
    WARN("skipped: no browser at " << kuaguan::testing::kChromiumPath << " (apt-get install chromium)");
    return;
  }
  kuaguan::testing::FakeClock clock(Now());
  AuditLog audit;
  auto started = WebConsole::Start("127.0.0.1:0", TestView, audit.Fn(), &clock);
  REQUIRE(started.ok());
  WebConsole& console = **started;

  auto url = console.CreateLogin(kPerson, "monitor");
  REQUIRE(url.ok());
  const absl::StatusOr<std::string> dom = kuaguan::testing::DumpDom(*url, std::chrono::seconds(60));
  REQUIRE(dom.ok());
  INFO(dom->substr(0, 4000));
  for (const char* code : {"410100", "410200", "410300", "410400"}) {
    CHECK(absl::StrContains(*dom, absl::StrCat("id=\"member-", code, "\"")));
  }
  CHECK(absl::StrContains(*dom, "class=\"alarm alarm-audit-mismatch\""));
  CHECK(absl::StrContains(*dom, "class=\"state state-down\""));
  CHECK(absl::StrContains(*dom, "&lt;script&gt;alert(1)&lt;/script&gt;"));  // text, not a script
  CHECK_FALSE(absl::StrContains(*dom, kHostileName));
  CHECK(absl::StrContains(*dom, "张监控"));
  {
    const auto entries = audit.Take();
    REQUIRE(entries.size() >= 1);
    CHECK(entries[0].outcome == "ok (monitor)");
  }

  // A screenshot to look at (/tmp/kuaguan-web.png), and the member page beside it.
  auto shot = console.CreateLogin(kPerson, "monitor");
  REQUIRE(shot.ok());
  const absl::Status overview = kuaguan::testing::Screenshot(*shot, "/tmp/kuaguan-web.png", 1600, 1000);
  INFO(overview.ToString());
  CHECK(overview.ok());
  const absl::StatusOr<v1::FederationView> detail = TestView("410300");
  REQUIRE(detail.ok());
  {
    std::ofstream out("/tmp/kuaguan-web-member.html", std::ios::binary);
    out << RenderMember(*detail, "410300", kPerson);
  }
  const absl::Status member =
      kuaguan::testing::Screenshot("file:///tmp/kuaguan-web-member.html", "/tmp/kuaguan-web-member.png", 1200, 1400);
  INFO(member.ToString());
  CHECK(member.ok());
}


TEST_CASE("in headless chromium the page refreshes itself without keeping an idle session alive") {
  if (!kuaguan::testing::HaveChromium()) {
    WARN("skipped: no browser at " << kuaguan::testing::kChromiumPath << " (apt-get install chromium)");
    return;
  }
  // Each view the console asks for moves the clock 20 minutes: the page itself (a use of the
  // session), a background refresh 20 minutes later (not a use), another 20 minutes after that:
  // 40 minutes idle, so the session has ended and the page reloads to ask for a sign-in.
  kuaguan::testing::FakeClock clock(Now());
  AuditLog audit;
  std::atomic<int> views{0};
  auto view = [&](const std::string& archive) -> absl::StatusOr<v1::FederationView> {
    absl::StatusOr<v1::FederationView> v = TestView(archive);
    if (v.ok()) {
      v->set_report_interval_seconds(10);
      v->set_provincial(absl::StrCat("view ", ++views));
    }
    clock.Advance(absl::Minutes(20));
    return v;
  };
  auto started = WebConsole::Start("127.0.0.1:0", view, audit.Fn(), &clock);
  REQUIRE(started.ok());
  auto url = (*started)->CreateLogin(kPerson, "monitor");
  REQUIRE(url.ok());
  // 25 s of the page's virtual time: refreshes at 10 s and 20 s.
  const absl::StatusOr<std::string> dom =
      kuaguan::testing::DumpDom(*url, std::chrono::seconds(60), std::chrono::milliseconds(25000));
  REQUIRE(dom.ok());
  INFO(dom->substr(0, 3000));
  CHECK(views == 2);
  CHECK(absl::StrContains(*dom, "Sign in needed"));
  CHECK_FALSE(absl::StrContains(*dom, "id=\"member-410100\""));
}

TEST_CASE("the chromium helper kills a browser that overruns its time, children and all") {
  if (!kuaguan::testing::HaveChromium()) {
    WARN("skipped: no browser at " << kuaguan::testing::kChromiumPath << " (apt-get install chromium)");
    return;
  }
  // A listener that never answers: the kernel accepts the connection, nobody reads it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  socklen_t len = sizeof sa;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
  const std::string url = absl::StrCat("http://127.0.0.1:", ntohs(sa.sin_port), "/silent");

  const absl::StatusOr<std::string> dom = kuaguan::testing::DumpDom(url, std::chrono::seconds(3));
  ::close(fd);
  CHECK(dom.status().code() == absl::StatusCode::kDeadlineExceeded);
  // No process of that browser is left (its command line names the URL; its children share
  // its profile directory, which is gone).
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(entry.path().string());
    CHECK_FALSE(absl::StrContains(cmdline, url));
  }
}
