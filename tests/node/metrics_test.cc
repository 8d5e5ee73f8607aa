// Metrics over a real loopback listener: /metrics fetched with a plain HTTP GET on a TCP socket
// and parsed as the Prometheus text format; the gRPC interceptor on a real in-process server.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "node/metrics.h"
#include "tests/testing/fake_clock.h"

using kuaguan::node::Metrics;
namespace v1 = kuaguan::v1;

namespace {

constexpr char kIdentityNumber[] = "110101199003071234";

v1::HealthReport FilledReport() {
  v1::HealthReport r;
  r.set_from("410100");
  r.set_version("0.9.0");
  r.set_uptime_seconds(3600);
  r.set_directory_version(7);
  r.set_directory_age_seconds(120);
  r.set_cert_expires_micros(int64_t{1900000000} * 1000000);
  r.set_disk_free_bytes(uint64_t{50} << 30);
  r.set_store_bytes(123456789);
  r.set_index_bytes(98765432);
  r.set_records(100000);
  (*r.mutable_requests_by_state())["filed 已受理"] = 3;
  (*r.mutable_requests_by_state())["in review 审核中"] = 2;
  (*r.mutable_requests_by_state())["REQUEST_STATE_ISSUED"] = 4;
  (*r.mutable_requests_by_state())[kIdentityNumber] = 1;  // a key that is no state word
  r.set_overdue(1);
  r.set_answered_this_month(40);
  r.set_answered_in_time_this_month(38);
  r.set_outbox_backlog(5);
  r.set_dead_letters(2);
  r.set_audit_checkpoint(4242);
  r.set_last_error(std::string("request for ") + kIdentityNumber + " failed");
  r.add_alarms("log-inconsistency");
  r.add_alarms(std::string("witness saw ") + kIdentityNumber);
  r.set_requests_total(77);
  return r;
}

// GET /metrics on 127.0.0.1:port (HTTP/1.0, so the server closes); the body.
std::string Scrape(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  REQUIRE(absl::SimpleAtoi(address.substr(colon + 1), &port));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: " + address + "\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    REQUIRE(n >= 0);
    if (n == 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  REQUIRE(response.rfind("HTTP/1.", 0) == 0);
  REQUIRE(response.find(" 200 ") != std::string::npos);
  const size_t body = response.find("\r\n\r\n");
  REQUIRE(body != std::string::npos);
  return response.substr(body + 4);
}

struct Series {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> help;  // family -> HELP text
  std::map<std::string, std::string> type;  // family -> TYPE
  std::vector<Series> series;

  // The one series named `name` whose labels include `labels`; REQUIREs exactly one.
  double Value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    const Series* found = nullptr;
    int matches = 0;
    for (const Series& s : series) {
      if (s.name != name) continue;
      bool all = true;
      for (const auto& [k, v] : labels) {
        auto it = s.labels.find(k);
        if (it == s.labels.end() || it->second != v) all = false;
      }
      if (all) {
        found = &s;
        ++matches;
      }
    }
    INFO(name);
    REQUIRE(matches == 1);
    return found->value;
  }
  bool Has(const std::string& name) const {
    for (const Series& s : series) {
      if (s.name == name) return true;
    }
    return false;
  }
};

// Parses the text format: "# HELP", "# TYPE" and sample lines `name{k="v",...} value`.
Exposition Parse(const std::string& body) {
  Exposition e;
  for (absl::string_view line : absl::StrSplit(body, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "# HELP ")) {
      const size_t sp = line.find(' ');
      e.help[std::string(line.substr(0, sp))] = sp == absl::string_view::npos ? "" : std::string(line.substr(sp + 1));
      continue;
    }
    if (absl::ConsumePrefix(&line, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      REQUIRE(parts.size() == 2);
      e.type[parts[0]] = parts[1];
      continue;
    }
    if (absl::StartsWith(line, "#")) continue;
    Series s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = std::string(line.substr(0, i));
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (line[i] != '}') {
        const size_t eq = line.find('=', i);
        REQUIRE(eq != absl::string_view::npos);
        const std::string key(line.substr(i, eq - i));
        REQUIRE(line[eq + 1] == '"');
        std::string value;
        size_t j = eq + 2;
        for (; line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            ++j;
            value.push_back(line[j] == 'n' ? '\n' : line[j]);
          } else {
            value.push_back(line[j]);
          }
        }
        s.labels[key] = value;
        i = j + 1;
        if (line[i] == ',') ++i;
      }
      ++i;
    }
    REQUIRE(line[i] == ' ');
    absl::string_view rest = line.substr(i + 1);
    rest = rest.substr(0, rest.find(' '));  // drop a timestamp
    if (rest == "+Inf") {
      s.value = std::numeric_limits<double>::infinity();
    } else {
      INFO(std::string(line));
      REQUIRE(absl::SimpleAtod(rest, &s.value));
    }
    e.series.push_back(std::move(s));
  }
  return e;
}

// A small health service on the callback API, as the node's own services are: SERVING for "",
// NOT_FOUND for any other service name.
class TestHealth final : public grpc::health::v1::Health::CallbackService {
 public:
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                                  grpc::health::v1::HealthCheckResponse* resp) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    if (!req->service().empty()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such service"));
    } else {
      resp->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }
};

std::unique_ptr<Metrics> StartMetrics(std::function<v1::HealthReport()> health = FilledReport,
                                      const kuaguan::base::Clock* clock = nullptr) {
  auto m = Metrics::Start("127.0.0.1:0", "410100", "archive", "0.9.0", std::move(health), clock);
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  return *std::move(m);
}

}  // namespace

TEST_CASE("metrics: every family with HELP and TYPE, the report's values") {
  auto m = StartMetrics();
  CHECK(m->address().rfind("127.0.0.1:", 0) == 0);
  CHECK(m->address() != "127.0.0.1:0");

  const Exposition e = Parse(Scrape(m->address()));
  const std::map<std::string, std::string> families = {
      {"kuaguan_build_info", "gauge"},
      {"kuaguan_uptime_seconds", "gauge"},
      {"kuaguan_directory_version", "gauge"},
      {"kuaguan_directory_age_seconds", "gauge"},
      {"kuaguan_tls_certificate_expiry_timestamp_seconds", "gauge"},
      {"kuaguan_disk_free_bytes", "gauge"},
      {"kuaguan_store_size_bytes", "gauge"},
      {"kuaguan_index_size_bytes", "gauge"},
      {"kuaguan_records", "gauge"},
      {"kuaguan_requests", "gauge"},
      {"kuaguan_requests_overdue", "gauge"},
      {"kuaguan_requests_answered_this_month", "gauge"},
      {"kuaguan_requests_answered_in_time_this_month", "gauge"},
      {"kuaguan_outbox_backlog", "gauge"},
      {"kuaguan_dead_letters", "gauge"},
      {"kuaguan_audit_checkpoint_entries", "gauge"},
      {"kuaguan_alarms", "gauge"},
      {"kuaguan_requests_received_total", "counter"},
      {"kuaguan_search_duration_seconds", "histogram"},
  };  // kuaguan_rpc_duration_seconds has series (and is shown) from the first call served
  for (const auto& [name, type] : families) {
    INFO(name);
    auto t = e.type.find(name);
    auto h = e.help.find(name);
    CHECK((t != e.type.end() && t->second == type));
    CHECK((h != e.help.end() && !h->second.empty()));
  }

  CHECK(e.Value("kuaguan_build_info", {{"version", "0.9.0"}, {"role", "archive"}, {"archive", "410100"}}) == 1);
  CHECK(e.Value("kuaguan_uptime_seconds") == 3600);
  CHECK(e.Value("kuaguan_directory_version") == 7);
  CHECK(e.Value("kuaguan_directory_age_seconds") == 120);
  CHECK(e.Value("kuaguan_tls_certificate_expiry_timestamp_seconds") == 1900000000.0);
  CHECK(e.Value("kuaguan_disk_free_bytes") == static_cast<double>(uint64_t{50} << 30));
  CHECK(e.Value("kuaguan_store_size_bytes") == 123456789);
  CHECK(e.Value("kuaguan_index_size_bytes") == 98765432);
  CHECK(e.Value("kuaguan_records") == 100000);
  CHECK(e.Value("kuaguan_requests", {{"state", "filed"}}) == 3);
  CHECK(e.Value("kuaguan_requests", {{"state", "in_review"}}) == 2);
  CHECK(e.Value("kuaguan_requests", {{"state", "issued"}}) == 4);
  CHECK(e.Value("kuaguan_requests", {{"state", "other"}}) == 1);
  CHECK(e.Value("kuaguan_requests_overdue") == 1);
  CHECK(e.Value("kuaguan_requests_answered_this_month") == 40);
  CHECK(e.Value("kuaguan_requests_answered_in_time_this_month") == 38);
  CHECK(e.Value("kuaguan_outbox_backlog") == 5);
  CHECK(e.Value("kuaguan_dead_letters") == 2);
  CHECK(e.Value("kuaguan_audit_checkpoint_entries") == 4242);
  CHECK(e.Value("kuaguan_alarms") == 2);
  CHECK(e.Value("kuaguan_requests_received_total") == 77);
}

TEST_CASE("metrics: no label value carries an identity number, even from the report") {
  auto m = StartMetrics();
  m->AddGauges([] {
    return std::vector<Metrics::Sample>{
        {"kuaguan_hub_members", {{"state", "ok"}}, 3, "Members by state."},
        {"kuaguan_hub_members", {{"state", kIdentityNumber}}, 1, "Members by state."},
        {"kuaguan_hub_members", {{"person", "王保密"}}, 1, "Members by state."},
    };
  });
  const std::string body = Scrape(m->address());
  CHECK(body.find(kIdentityNumber) == std::string::npos);
  CHECK(body.find("王保密") == std::string::npos);
  const Exposition e = Parse(body);
  const std::regex eighteen_digits("[0-9]{17}[0-9Xx]");
  for (const Series& s : e.series) {
    for (const auto& [k, v] : s.labels) {
      INFO(s.name << "{" << k << "=" << v << "}");
      CHECK_FALSE(std::regex_search(v, eighteen_digits));
    }
  }
  CHECK(e.Value("kuaguan_hub_members", {{"state", "ok"}}) == 3);
  int members = 0;
  for (const Series& s : e.series) members += s.name == "kuaguan_hub_members";
  CHECK(members == 1);
}

TEST_CASE("metrics: search histograms have buckets, sum and count") {
  auto m = StartMetrics();
  m->ObserveSearch(false, 0.003);
  m->ObserveSearch(false, 0.2);
  m->ObserveSearch(true, 1.5);
  const Exposition e = Parse(Scrape(m->address()));

  CHECK(e.Value("kuaguan_search_duration_seconds_count", {{"scope", "local"}}) == 2);
  CHECK(e.Value("kuaguan_search_duration_seconds_sum", {{"scope", "local"}}) == Approx(0.203));
  CHECK(e.Value("kuaguan_search_duration_seconds_count", {{"scope", "federated"}}) == 1);
  CHECK(e.Value("kuaguan_search_duration_seconds_sum", {{"scope", "federated"}}) == Approx(1.5));
  std::map<double, double> local;  // le -> cumulative count
  for (const Series& s : e.series) {
    if (s.name != "kuaguan_search_duration_seconds_bucket" || s.labels.at("scope") != "local") continue;
    double le = 0;
    if (s.labels.at("le") == "+Inf") {
      le = std::numeric_limits<double>::infinity();
    } else {
      REQUIRE(absl::SimpleAtod(s.labels.at("le"), &le));
    }
    local[le] = s.value;
  }
  REQUIRE(local.size() == 14);  // 13 bounds and +Inf
  CHECK(local.begin()->first == Approx(0.0005));
  CHECK(std::prev(local.end(), 2)->first == 5);
  CHECK(local.at(0.0025) == 0);
  CHECK(local.at(0.005) == 1);
  CHECK(local.at(0.1) == 1);
  CHECK(local.at(0.25) == 2);
  CHECK(local.at(std::numeric_limits<double>::infinity()) == 2);
}

TEST_CASE("metrics: the interceptor times every gRPC call by service, method and code") {
  auto m = StartMetrics();
  TestHealth health;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&health);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(m->InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(creators));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);
  REQUIRE(port > 0);

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    REQUIRE(stub->Check(&ctx, req, &resp).ok());
  }
  {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    req.set_service("nothing-here");
    grpc::health::v1::HealthCheckResponse resp;
    CHECK(stub->Check(&ctx, req, &resp).error_code() == grpc::StatusCode::NOT_FOUND);
  }

  {  // a method no service registers: any client could name one, so it is not told apart
    grpc::GenericStub generic(channel);
    grpc::ClientContext ctx;
    grpc::Slice empty(std::string(""));
    grpc::ByteBuffer req(&empty, 1), resp;
    absl::Notification done;
    grpc::Status status;
    generic.UnaryCall(&ctx, "/kuaguan.v1.Nowhere/Nothing", grpc::StubOptions(), &req, &resp,
                      [&](grpc::Status s) {
                        status = std::move(s);
                        done.Notify();
                      });
    done.WaitForNotification();
    CHECK(status.error_code() == grpc::StatusCode::UNIMPLEMENTED);
  }

  const Exposition e = Parse(Scrape(m->address()));
  CHECK(e.Value("kuaguan_rpc_duration_seconds_count",
                {{"service", "other"}, {"method", "other"}, {"code", "UNIMPLEMENTED"}}) == 1);
  for (const Series& s : e.series) {
    if (s.labels.count("method") > 0) CHECK(s.labels.at("method") != "Nothing");
  }
  CHECK(e.type.at("kuaguan_rpc_duration_seconds") == "histogram");
  CHECK_FALSE(e.help.at("kuaguan_rpc_duration_seconds").empty());
  CHECK(e.Value("kuaguan_rpc_duration_seconds_count", {{"service", "Health"}, {"method", "Check"}, {"code", "OK"}}) ==
        1);
  CHECK(e.Value("kuaguan_rpc_duration_seconds_count",
                {{"service", "Health"}, {"method", "Check"}, {"code", "NOT_FOUND"}}) == 1);
  CHECK(e.Value("kuaguan_rpc_duration_seconds_bucket",
                {{"service", "Health"}, {"method", "Check"}, {"code", "OK"}, {"le", "+Inf"}}) == 1);
  CHECK(e.Value("kuaguan_rpc_duration_seconds_sum", {{"service", "Health"}, {"method", "Check"}, {"code", "OK"}}) >=
        0);

  // The server and its interceptors may outlive the Metrics they record into.
  m.reset();
  {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    CHECK(stub->Check(&ctx, req, &resp).ok());
  }
  server->Shutdown();
}

TEST_CASE("metrics: the health report is read at most once every 5 seconds") {
  kuaguan::testing::FakeClock clock(absl::FromUnixSeconds(1700000000));
  std::atomic<int> calls{0};
  auto m = StartMetrics(
      [&calls] {
        v1::HealthReport r = FilledReport();
        r.set_uptime_seconds(++calls);
        return r;
      },
      &clock);
  CHECK(Parse(Scrape(m->address())).Value("kuaguan_uptime_seconds") == 1);
  clock.Advance(absl::Seconds(4));
  CHECK(Parse(Scrape(m->address())).Value("kuaguan_uptime_seconds") == 1);
  CHECK(calls == 1);
  clock.Advance(absl::Seconds(1));
  CHECK(Parse(Scrape(m->address())).Value("kuaguan_uptime_seconds") == 2);
  CHECK(calls == 2);
}

TEST_CASE("metrics: a report without directory or certificate leaves those gauges out") {
  auto m = StartMetrics([] { return v1::HealthReport(); });
  const Exposition e = Parse(Scrape(m->address()));
  CHECK(e.Value("kuaguan_directory_version") == 0);
  CHECK_FALSE(e.Has("kuaguan_directory_age_seconds"));
  CHECK_FALSE(e.Has("kuaguan_tls_certificate_expiry_timestamp_seconds"));
  CHECK(e.Value("kuaguan_records") == 0);
}

TEST_CASE("metrics: only a loopback address is served, and a taken port is UNAVAILABLE") {
  for (const char* listen : {"0.0.0.0:9460", "10.1.2.3:9460", ":9460", "example.org:9460", "[::]:9460",
                             "[2001:db8::1]:9460", "128.0.0.1:9460"}) {
    INFO(listen);
    auto m = Metrics::Start(listen, "410100", "archive", "0.9.0", FilledReport);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(m.status().message()).find(listen) != std::string::npos);
  }
  for (const char* listen : {"127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", ""}) {
    INFO(listen);
    auto m = Metrics::Start(listen, "410100", "archive", "0.9.0", FilledReport);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(Metrics::Start("127.0.0.1:0", kIdentityNumber, "archive", "0.9.0", FilledReport).status().code() ==
        absl::StatusCode::kInvalidArgument);

  auto first = StartMetrics();
  auto taken = Metrics::Start(first->address(), "410100", "archive", "0.9.0", FilledReport);
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.status().code() == absl::StatusCode::kUnavailable);

  auto local = Metrics::Start("localhost:0", "410100", "archive", "0.9.0", FilledReport);
  REQUIRE(local.ok());
  CHECK((*local)->address().rfind("127.0.0.1:", 0) == 0);
  CHECK(Parse(Scrape((*local)->address())).Value("kuaguan_records") == 100000);
}
