// The provincial node's federation page as a person sees it, end to end: a hub and three archive
// members run as processes, the monitor's one-time login link opened in headless chromium shows
// every member; a member's audit store rewritten in RocksDB (chain recomputed) shows on the page
// as an alarm naming the member and the entry, a member stopped shows as down; the member page
// over the session cookie; and every node's Prometheus metrics.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "federation/state_store.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "kuaguan/v1/admin.grpc.pb.h"
#include "node/store.h"
#include "seal/audit_chain.h"
#include "tests/integration/node_fixture.h"
#include "tests/testing/chromium.h"

using namespace kuaguan::testing;
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kInterval = 2;  // health_report_seconds and audit_sweep_seconds, everywhere

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void AppendConfig(const RunningNode& n, const std::string& lines) {
  std::ofstream(n.dir() / "kuaguan.toml", std::ios::app) << lines;
}

// The node's status straight from its admin service on the local socket, as the service account
// (the system administrator): `kuaguan status --json` does not print web_listen and
// metrics_listen (yet), the NodeStatus it reads holds them.
v1::NodeStatus NodeStatusOf(const RunningNode& node) {
  auto channel = grpc::CreateChannel("unix:" + (node.dir() / "run" / "kuaguand.sock").string(),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::Admin::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::NodeStatus status;
  const grpc::Status st = stub->GetStatus(&ctx, v1::GetStatusRequest(), &status);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return status;
}

// ---- The hub's view through the CLI ----

google::protobuf::Struct MemberOf(const google::protobuf::Struct& view, const std::string& code) {
  for (const auto& m : view.fields().at("members").list_value().values()) {
    if (Str(m.struct_value(), "code") == code) return m.struct_value();
  }
  return {};
}

bool HasAlarm(const google::protobuf::Struct& view, const std::string& code,
              const std::string& kind) {
  for (const auto& a : view.fields().at("alarms").list_value().values()) {
    if (Str(a.struct_value(), "archive") == code && Str(a.struct_value(), "kind") == kind)
      return true;
  }
  return false;
}

// `federation status --json` without Catch assertions (for a watcher thread); false on failure.
bool TryFederation(const RunningNode& prov, google::protobuf::Struct* view) {
  const RunResult r = prov.Cli({"federation", "status", "--json"});
  return r.exit_code == 0 && google::protobuf::util::JsonStringToMessage(r.out, view).ok() &&
         view->fields().count("members") == 1 && view->fields().count("alarms") == 1;
}

// Asks the hub (`federation status`, every 50 ms on a thread of its own) until `seen` holds of
// its view, to tell when the hub first knew what the page is polled for: Stop() gives that time
// in seconds after `since`, -1 when it never did.
class HubWatch {
 public:
  HubWatch(const RunningNode& prov, std::function<bool(const google::protobuf::Struct&)> seen,
           Clock::time_point since)
      : thread_([this, &prov, seen = std::move(seen), since] {
          while (!stop_) {
            google::protobuf::Struct v;
            if (TryFederation(prov, &v) && seen(v)) {
              seconds_ = Since(since);
              return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        }) {}
  ~HubWatch() { Stop(); }
  HubWatch(const HubWatch&) = delete;
  HubWatch& operator=(const HubWatch&) = delete;

  // Stops watching (joins the thread) and returns the time seen.
  double Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return seconds_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<double> seconds_{-1};
  std::thread thread_;  // declared last: started once the flags exist
};

// ---- A minimal HTTP/1.0 client over a real socket ----

struct HttpResponse {
  int status = 0;                              // 0: nobody answered
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

HttpResponse Http(const std::string& address, const std::string& target,
                  const std::vector<std::string>& headers = {}) {
  HttpResponse r;
  const size_t colon = address.rfind(':');
  int port = 0;
  REQUIRE(colon != std::string::npos);
  REQUIRE(absl::SimpleAtoi(address.substr(colon + 1), &port));
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr) == 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return r;
  }
  std::string request = absl::StrCat("GET ", target, " HTTP/1.0\r\nHost: ", address, "\r\n");
  for (const auto& h : headers) absl::StrAppend(&request, h, "\r\n");
  absl::StrAppend(&request, "\r\n");
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string raw;
  char buf[65536];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const size_t end = raw.find("\r\n\r\n");
  INFO(raw.substr(0, 500));
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

// "/login?token=..." of "http://ADDRESS/login?token=...".
std::string PathOf(const std::string& url) {
  return url.substr(url.find('/', std::string("http://").size()));
}

// ---- Pages and metrics ----

// A fresh one-time login link, as the monitor (the fixture's operator holds monitor here).
std::string LoginLink(const RunningNode& prov) {
  const std::string url = Str(prov.CliJson({"hub", "login"}), "url");
  REQUIRE(absl::StartsWith(url, "http://127.0.0.1:"));
  return url;
}

// The overview as chromium builds it, through a fresh login link; `seconds` (when given) is set
// to how long that took (the link, the browser).
std::string Overview(const RunningNode& prov, double* seconds = nullptr) {
  const auto t = Clock::now();
  const absl::StatusOr<std::string> dom = DumpDom(LoginLink(prov), std::chrono::seconds(60));
  INFO(dom.status().ToString());
  REQUIRE(dom.ok());
  if (seconds != nullptr) *seconds = Since(t);
  return *dom;
}

// The table row that starts at `marker` (through its </tr>), or "".
std::string Row(const std::string& html, const std::string& marker) {
  const size_t start = html.find(marker);
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</tr>", start) - start);
}

std::string MemberState(const std::string& dom, const std::string& code) {
  const std::string row = Row(dom, absl::StrCat("id=\"member-", code, "\""));
  for (const char* s : {"ok", "late", "down", "alarm", "unknown"}) {
    if (absl::StrContains(row, absl::StrCat("class=\"state state-", s, "\""))) return s;
  }
  return "";
}

std::string Scrape(const std::string& address) {
  const HttpResponse r = Http(address, "/metrics");
  REQUIRE(r.status == 200);
  return r.body;
}

// The value of the sample line starting with `series` (a name and maybe labels), whose line
// contains every string of `also`; NaN when there is none.
double MetricValue(const std::string& body, const std::string& series,
                   const std::vector<std::string>& also = {}) {
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (!absl::StartsWith(line, series)) continue;
    const char next = line.size() > series.size() ? line[series.size()] : '\0';
    if (next != ' ' && next != '{') continue;
    bool all = true;
    for (const auto& a : also) all = all && absl::StrContains(line, a);
    if (!all) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) return v;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

// The first run of 18 digits (or 17 and an X: an identity number's shape) in `text`, or "".
// Digits right after a '.' are a sample value's fraction (prometheus-cpp prints a double with 17
// significant digits: a histogram's sum may read 0.008569294999999999) and are skipped; a double
// cannot carry an 18-digit integer, so an identity number could only come in a name or a label.
std::string EighteenDigits(const std::string& text) {
  size_t run = 0;
  bool fraction = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      if (run++ == 0) fraction = i > 0 && text[i - 1] == '.';
      if (run == 18 && !fraction) return text.substr(i - 17, 18);
    } else {
      if (run == 17 && !fraction && (text[i] == 'X' || text[i] == 'x'))
        return text.substr(i - 17, 18);
      run = 0;
    }
  }
  return "";
}

std::unique_ptr<kuaguan::node::Store> OpenStore(const RunningNode& member) {
  auto store = kuaguan::node::Store::Open(member.dir() / "data" / "store");
  REQUIRE(store.ok());
  return *std::move(store);
}

}  // namespace

TEST_CASE(
    "the federation page in headless chromium: every member, and an alarm within one report "
    "interval after tampering") {
  if (!HaveChromium()) {
    WARN("skipped: no browser at " << kChromiumPath << " (apt-get install chromium)");
    return;
  }
  const auto test_started = Clock::now();
  RunningNode prov("410000", "河南省档案馆", "provincial");
  AppendConfig(prov,
               absl::StrCat("web_listen = \"127.0.0.1:0\"\nmetrics_listen = \"127.0.0.1:0\"\n",
                            "health_report_seconds = ", kInterval, "\n"));
  const std::vector<std::pair<std::string, std::string>> codes = {
      {"410100", "郑州市档案馆"}, {"410200", "开封市档案馆"}, {"410300", "洛阳市档案馆"}};
  RunningNode zz(codes[0].first, codes[0].second), kf(codes[1].first, codes[1].second),
      ly(codes[2].first, codes[2].second);
  const std::vector<RunningNode*> members = {&zz, &kf, &ly};
  prov.Start();
  for (size_t i = 0; i < members.size(); ++i) {
    AppendConfig(*members[i], absl::StrCat("audit_sweep_seconds = ", kInterval,
                                           "\nhealth_report_seconds = ", kInterval,
                                           "\nmetrics_listen = \"127.0.0.1:0\"\n"));
    members[i]->Start();
    Enroll(prov, *members[i], codes[i].first, codes[i].second);
  }
  const v1::NodeStatus prov_status = NodeStatusOf(prov);
  const std::string web = prov_status.web_listen();
  const std::string prov_metrics = prov_status.metrics_listen();
  REQUIRE(absl::StartsWith(web, "127.0.0.1:"));
  REQUIRE(absl::StartsWith(prov_metrics, "127.0.0.1:"));

  // Enough audited work at 郑州 for an entry in the middle to rewrite later.
  AuditedSearches(zz, 40);
  const uint64_t zz_entries = static_cast<uint64_t>(Num(zz.CliJson({"stats"}), "audit_entries"));

  // Every member reports and the hub holds 郑州's whole log.
  google::protobuf::Struct view;
  const bool all_ok = WaitUntil(
      [&] {
        view = prov.CliJson({"federation", "status"});
        for (const auto& [code, name] : codes) {
          if (Str(MemberOf(view, code), "state") != "ok") return false;
        }
        return Num(MemberOf(view, "410100"), "audit_entries") >= zz_entries;
      },
      std::chrono::seconds(60));
  {
    std::string got;
    google::protobuf::util::MessageToJsonString(view, &got);
    INFO(got);
    REQUIRE(all_ok);
  }
  std::printf("three members ok at the hub %.1f s after the test started\n", Since(test_started));

  // ---- The overview in a browser: one row per member, all ok, no alarm ----
  const std::string first_link = LoginLink(prov);
  {
    const auto t = Clock::now();
    const absl::StatusOr<std::string> dom = DumpDom(first_link, std::chrono::seconds(60));
    INFO(dom.status().ToString());
    REQUIRE(dom.ok());
    std::printf("the overview through a login link in chromium: %.1f s\n", Since(t));
    INFO(dom->substr(0, 6000));
    // The header names the provincial archive (by its code today: the view carries no name).
    CHECK((absl::StrContains(*dom, "跨馆联盟 — 410000") ||
           absl::StrContains(*dom, "跨馆联盟 — 河南省档案馆")));
    for (const auto& [code, name] : codes) {
      INFO(code);
      const std::string row = Row(*dom, absl::StrCat("id=\"member-", code, "\""));
      CHECK(absl::StrContains(row, name));
      CHECK(MemberState(*dom, code) == "ok");
    }
    size_t rows = 0;
    for (size_t at = dom->find("id=\"member-"); at != std::string::npos;
         at = dom->find("id=\"member-", at + 1))
      ++rows;
    CHECK(rows == codes.size());
    CHECK_FALSE(absl::StrContains(*dom, "class=\"alarm "));
    CHECK(absl::StrContains(*dom, "No alarms 无告警"));
    CHECK(absl::StrContains(*dom, "李操作"));  // the signed-in person
  }
  // The same link a second time: refused.
  {
    const HttpResponse again = Http(web, PathOf(first_link));
    INFO(again.body);
    CHECK(again.status == 403);
    CHECK(absl::StrContains(again.body, "used already"));
    CHECK(again.headers.count("set-cookie") == 0);
  }

  // ---- A screenshot of the overview, to look at ----
  const fs::path shot_dir = prov.dir() / "screenshots";
  fs::create_directories(shot_dir);
  {
    const fs::path png = shot_dir / "federation.png";
    const absl::Status shot = Screenshot(LoginLink(prov), png.string(), 1600, 900);
    INFO(shot.ToString());
    REQUIRE(shot.ok());
    fs::copy_file(png, "/tmp/kuaguan-federation.png", fs::copy_options::overwrite_existing);
  }

  // ---- Metrics on every node ----
  std::map<std::string, std::string> member_metrics;
  for (size_t i = 0; i < members.size(); ++i) {
    member_metrics[codes[i].first] = NodeStatusOf(*members[i]).metrics_listen();
  }
  auto check_no_identity_numbers = [](const std::string& where, const std::string& body) {
    INFO(where);
    CHECK(EighteenDigits(body) == "");
  };
  for (const auto& [code, address] : member_metrics) {
    INFO(code << " at " << address);
    std::string body;
    // The checkpoint is read at most every 5 s (cached): wait until it shows one.
    CHECK(WaitUntil(
        [&] {
          body = Scrape(address);
          return MetricValue(body, "kuaguan_audit_checkpoint_entries") > 0;
        },
        std::chrono::seconds(20)));
    INFO(body.substr(0, 3000));
    CHECK(MetricValue(body, "kuaguan_build_info",
                      {absl::StrCat("archive=\"", code, "\""), "role=\"archive\""}) == 1);
    check_no_identity_numbers(code, body);
  }
  {
    const std::string body = Scrape(prov_metrics);
    INFO(body.substr(0, 4000));
    CHECK(MetricValue(body, "kuaguan_build_info", {"archive=\"410000\"", "role=\"provincial\""}) ==
          1);
    CHECK(MetricValue(body, "kuaguan_hub_members{state=\"ok\"}") == 3);
    CHECK(MetricValue(body, "kuaguan_hub_alarms_open{kind=\"audit-mismatch\"}") == 0);
    check_no_identity_numbers("410000", body);
  }

  // ---- 郑州's audit store rewritten: one entry's object, the chain recomputed to the end ----
  uint64_t rewritten = 0;
  REQUIRE(zz.Stop(SIGTERM) == 0);
  {
    auto store = OpenStore(zz);
    std::vector<v1::AuditEntry> entries;
    REQUIRE(store
                ->ForEachAudit([&](const v1::AuditEntry& e) {
                  entries.push_back(e);
                  return true;
                })
                .ok());
    REQUIRE(entries.size() > 30);
    rewritten = entries[20].seq();
    entries[20].set_object("伪造的对象");
    std::string prev = entries[19].hash();
    rocksdb::WriteOptions wo;
    wo.sync = true;
    for (size_t i = 20; i < entries.size(); ++i) {
      kuaguan::seal::SealAuditEntry(entries[i].seq() - 1, prev, &entries[i]);
      prev = entries[i].hash();
      REQUIRE(store->raw_db()
                  ->Put(wo, store->audit_family(), kuaguan::federation::SeqKey(entries[i].seq()),
                        entries[i].SerializeAsString())
                  .ok());
    }
  }
  const auto restart = Clock::now();
  HubWatch hub_alarm(
      prov,
      [](const google::protobuf::Struct& v) { return HasAlarm(v, "410100", "audit-mismatch"); },
      restart);
  zz.Start();
  const double restart_seconds = Since(restart);
  std::string alarm_dom;
  double page_saw = -1, load = 0;
  int polls = 0;
  const bool shown = WaitUntil(
      [&] {
        ++polls;
        const std::string dom = Overview(prov, &load);
        const std::string row = Row(dom, "class=\"alarm alarm-audit-mismatch\"");
        if (row.empty() || MemberState(dom, "410100") != "alarm") return false;
        alarm_dom = dom;
        page_saw = Since(restart);
        return true;
      },
      std::chrono::seconds(60));
  const double hub_saw = hub_alarm.Stop();
  INFO("hub log:\n"
       << prov.daemon_log().substr(0, 20000) << "\n郑州 log:\n"
       << zz.daemon_log().substr(0, 20000));
  REQUIRE(shown);
  std::printf(
      "tampered 郑州 up again %.1f s after its restart began; the hub raised the alarm at %.1f s, "
      "the page showed it "
      "at %.1f s (%d page loads, the last %.1f s; report interval %d s)\n",
      restart_seconds, hub_saw, page_saw, polls, load, kInterval);
  CHECK(page_saw <= restart_seconds + 2 * kInterval);
  // The page renders the hub's view when asked: it trails the hub by the page loads in flight.
  CHECK(hub_saw >= 0);
  CHECK(page_saw - hub_saw <= kInterval + load);
  {
    INFO(alarm_dom.substr(0, 8000));
    const std::string row = Row(alarm_dom, "class=\"alarm alarm-audit-mismatch\"");
    CHECK(absl::StrContains(row, "data-open=\"1\""));
    CHECK(absl::StrContains(row, "href=\"/member/410100\""));
    CHECK(absl::StrContains(row, absl::StrCat("首个异常条目 ", rewritten)));
    CHECK(absl::StrContains(row, "伪造的对象"));
    CHECK(MemberState(alarm_dom, "410200") == "ok");
    CHECK(MemberState(alarm_dom, "410300") == "ok");
  }

  // The hub's alarm in its metrics.
  {
    std::string body;
    CHECK(WaitUntil(
        [&] {
          body = Scrape(prov_metrics);
          return MetricValue(body, "kuaguan_hub_alarms_open{kind=\"audit-mismatch\"}") == 1;
        },
        std::chrono::seconds(10)));
    INFO(body.substr(0, 4000));
    CHECK(MetricValue(body, "kuaguan_hub_members{state=\"alarm\"}") == 1);
    CHECK(MetricValue(body, "kuaguan_hub_members{state=\"ok\"}") == 2);
    check_no_identity_numbers("410000 after the tamper", body);
  }

  // ---- The member page over the session cookie of a login redirect ----
  {
    const HttpResponse login = Http(web, PathOf(LoginLink(prov)));
    REQUIRE(login.status == 303);
    CHECK(login.headers.at("location") == "/");
    const std::string set_cookie = login.headers.at("set-cookie");
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    REQUIRE(absl::StartsWith(cookie, "kuaguan_session="));
    const HttpResponse page = Http(web, "/member/410100", {"Cookie: " + cookie});
    INFO(page.body.substr(0, 8000));
    REQUIRE(page.status == 200);
    CHECK(absl::StrContains(page.body, "郑州市档案馆"));
    CHECK(absl::StrContains(page.body, "<svg class=\"chart\""));
    CHECK(absl::StrContains(page.body, "<polyline"));
    CHECK_FALSE(absl::StrContains(page.body, "No samples yet"));
    for (const char* field :
         {"Last health report 最近健康报告", "Reported at 报告时间", "Version 版本",
          "Records 档案条目", "Disk free 磁盘可用", "Audit checkpoint accepted 已接受审计检查点",
          "Certificate expires 证书到期"}) {
      CHECK(absl::StrContains(page.body, field));
    }
    CHECK(absl::StrContains(page.body, "class=\"state state-alarm\""));
    CHECK(absl::StrContains(page.body, "class=\"alarm alarm-audit-mismatch\""));
    // The page as a browser draws it (from a file: chromium keeps no cookie between runs).
    const fs::path html = shot_dir / "member-410100.html";
    WriteFile(html, page.body);
    const absl::Status shot = Screenshot("file://" + html.string(),
                                         (shot_dir / "member-410100.png").string(), 1200, 1500);
    INFO(shot.ToString());
    CHECK(shot.ok());
    if (shot.ok()) {
      fs::copy_file(shot_dir / "member-410100.png", "/tmp/kuaguan-federation-member.png",
                    fs::copy_options::overwrite_existing);
    }
    CHECK(Http(web, "/member/419999", {"Cookie: " + cookie}).status == 404);
    CHECK(Http(web, "/member/410100").status == 401);  // no cookie
  }

  // ---- 开封 stopped: late, then down ----
  const auto stopped = Clock::now();
  HubWatch hub_down(
      prov,
      [](const google::protobuf::Struct& v) {
        return Str(MemberOf(v, "410200"), "state") == "down";
      },
      stopped);
  REQUIRE(kf.Stop(SIGTERM) == 0);
  const double stop_seconds = Since(stopped);
  double late_at = -1, down_at = -1;
  std::string down_dom;
  const bool down = WaitUntil(
      [&] {
        const std::string dom = Overview(prov, &load);
        const std::string state = MemberState(dom, "410200");
        if (state == "late" && late_at < 0) late_at = Since(stopped);
        if (state != "down") return false;
        down_at = Since(stopped);
        down_dom = dom;
        return true;
      },
      std::chrono::seconds(60));
  const double hub_down_at = hub_down.Stop();
  REQUIRE(down);
  std::printf(
      "stopped 开封 (it took %.1f s to exit): down at the hub %.1f s after SIGTERM, on the page at "
      "%.1f s (the last "
      "load %.1f s); late seen on the page %s (report interval %d s)\n",
      stop_seconds, hub_down_at, down_at, load,
      late_at < 0 ? "never" : absl::StrCat("at ", late_at, " s").c_str(), kInterval);
  // A member reports until it has exited (it may take seconds to stop: see the report), and the
  // hub calls it down 5 report intervals after the last report: counted from the exit, the hub
  // within 5 intervals (and the 50 ms it is asked at), the page within 6 (and its load).
  CHECK(hub_down_at >= 0);
  CHECK(hub_down_at - stop_seconds <= 5 * kInterval + 1);
  CHECK(down_at - stop_seconds <= 6 * kInterval + load);
  {
    INFO(down_dom.substr(0, 8000));
    CHECK(absl::StrContains(Row(down_dom, "class=\"alarm alarm-member-down\""), "410200"));
    CHECK(MemberState(down_dom, "410100") == "alarm");
    CHECK(MemberState(down_dom, "410300") == "ok");
  }
  // What a person sees now: one alarm, one down.
  {
    const fs::path png = shot_dir / "federation-alarm.png";
    const absl::Status shot = Screenshot(LoginLink(prov), png.string(), 1600, 900);
    INFO(shot.ToString());
    CHECK(shot.ok());
    if (shot.ok())
      fs::copy_file(png, "/tmp/kuaguan-federation-alarm.png", fs::copy_options::overwrite_existing);
  }
  std::printf("the federation page test took %.1f s\n", Since(test_started));
}
