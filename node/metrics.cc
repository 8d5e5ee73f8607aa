#include "node/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <cstring>
#include <exception>
#include <set>
#include <tuple>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

constexpr absl::Duration kHealthCacheFor = absl::Seconds(5);
constexpr size_t kMaxRpcMethods = 256;
constexpr size_t kMaxLabelValueBytes = 64;
constexpr int kMaxDigitRun = 8;

const prometheus::Histogram::BucketBoundaries& SearchBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  return *b;
}

const prometheus::Histogram::BucketBoundaries& RpcBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return *b;
}

// The families this file defines itself: AddGauges may not reuse their names.
const std::set<std::string>& OwnNames() {
  static const auto* names = new std::set<std::string>{
      "kuaguan_build_info",
      "kuaguan_uptime_seconds",
      "kuaguan_directory_version",
      "kuaguan_directory_age_seconds",
      "kuaguan_tls_certificate_expiry_timestamp_seconds",
      "kuaguan_disk_free_bytes",
      "kuaguan_store_size_bytes",
      "kuaguan_index_size_bytes",
      "kuaguan_records",
      "kuaguan_requests",
      "kuaguan_requests_overdue",
      "kuaguan_requests_answered_this_month",
      "kuaguan_requests_answered_in_time_this_month",
      "kuaguan_outbox_backlog",
      "kuaguan_dead_letters",
      "kuaguan_audit_checkpoint_entries",
      "kuaguan_alarms",
      "kuaguan_requests_received_total",
      "kuaguan_search_duration_seconds",
      "kuaguan_rpc_duration_seconds",
  };
  return *names;
}

bool IsMetricName(absl::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsLabelName(absl::string_view s) {
  if (s.empty() || absl::StartsWith(s, "__")) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

// A label value that cannot carry an identity number, a person's name or a record code: short,
// ASCII words only, no long run of digits.
bool IsSafeLabelValue(absl::string_view s) {
  if (s.empty() || s.size() > kMaxLabelValueBytes) return false;
  int digits = 0;
  for (char c : s) {
    if (absl::ascii_isdigit(c)) {
      if (++digits > kMaxDigitRun) return false;
      continue;
    }
    digits = 0;
    if (!(absl::ascii_isalpha(c) || c == '_' || c == '.' || c == ':' || c == '-' || c == '/')) return false;
  }
  return true;
}

// A requests_by_state key as a state label: the ASCII words before any other text, lower case,
// spaces as '_', without a "request_state_" prefix ("in review 审核中" and
// "REQUEST_STATE_IN_REVIEW" both give "in_review"); "other" for anything that is not then a
// plain word.
std::string StateLabel(absl::string_view key) {
  std::string out;
  for (char c : key) {
    if (static_cast<unsigned char>(c) >= 0x80) break;
    out.push_back(c == ' ' ? '_' : absl::ascii_tolower(c));
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (absl::StartsWith(out, "request_state_")) out.erase(0, std::strlen("request_state_"));
  if (out.empty() || out.size() > 32) return "other";
  for (char c : out) {
    if (!(absl::ascii_islower(c) || c == '_' || c == '-')) return "other";
  }
  return out;
}

prometheus::ClientMetric Value(double v, prometheus::MetricType type,
                               std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  return m;
}

prometheus::MetricFamily OneValue(std::string name, std::string help, double v,
                                  prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  f.metric.push_back(Value(v, type));
  return f;
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

// Splits "/package.Service/Method" into the service's short name and the method; false when
// `path` is not of that form.
bool SplitMethod(absl::string_view path, std::string* service, std::string* method) {
  if (!absl::ConsumePrefix(&path, "/")) return false;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) return false;
  for (absl::string_view part : parts) {
    for (char c : part) {
      if (!(absl::ascii_isalnum(c) || c == '_' || c == '.')) return false;
    }
  }
  absl::string_view short_service = parts[0];
  if (size_t dot = short_service.rfind('.'); dot != absl::string_view::npos) short_service.remove_prefix(dot + 1);
  if (short_service.empty()) return false;
  *service = std::string(short_service);
  *method = std::string(parts[1]);
  return true;
}

// Where a listen address should bind: civetweb's form of HOST:PORT, and the address to report
// (without the port).
struct Listen {
  std::string host;  // 127.0.0.1 or [::1] form, as civetweb takes it
  int port = 0;
};

absl::StatusOr<Listen> ParseLoopback(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("metrics listen address \"", listen, "\" is not HOST:PORT"));
  }
  std::string host = listen.substr(0, colon);
  int port = 0;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics listen address \"", listen, "\" has no port number (0 to 65535)"));
  }
  bool loopback = false;
  if (absl::AsciiStrToLower(host) == "localhost") {
    host = "127.0.0.1";
    loopback = true;
  } else if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr a6{};
    loopback = inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6) == 1 &&
               IN6_IS_ADDR_LOOPBACK(&a6);
    if (loopback) host = "[::1]";
  } else {
    in_addr a4{};
    loopback = inet_pton(AF_INET, host.c_str(), &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
  }
  if (!loopback) {
    return absl::FailedPreconditionError(absl::StrCat(
        "metrics listen address \"", listen, "\" is not a loopback address (127.x.y.z, localhost or [::1])"));
  }
  return Listen{host, port};
}

}  // namespace

namespace metrics_internal {

// The families read from the health report, at most once every kHealthCacheFor.
class HealthCollector final : public prometheus::Collectable {
 public:
  HealthCollector(std::function<v1::HealthReport()> health, const base::Clock* clock)
      : health_(std::move(health)), clock_(clock) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const v1::HealthReport r = Report();
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> out;
    out.push_back(OneValue("kuaguan_uptime_seconds", "Seconds since the node started.", r.uptime_seconds()));
    out.push_back(OneValue("kuaguan_directory_version",
                           "Version of the signed federation directory (成员目录) the node holds.",
                           static_cast<double>(r.directory_version())));
    if (r.directory_version() != 0) {
      out.push_back(OneValue("kuaguan_directory_age_seconds", "Seconds since the directory the node holds was signed.",
                             r.directory_age_seconds()));
    }
    if (r.cert_expires_micros() != 0) {
      out.push_back(OneValue("kuaguan_tls_certificate_expiry_timestamp_seconds",
                             "Unix time when the node's TLS certificate expires.",
                             static_cast<double>(r.cert_expires_micros()) / 1e6));
    }
    out.push_back(OneValue("kuaguan_disk_free_bytes", "Free bytes on the data directory's file system.",
                           static_cast<double>(r.disk_free_bytes())));
    out.push_back(OneValue("kuaguan_store_size_bytes", "Bytes of the RocksDB store.",
                           static_cast<double>(r.store_bytes())));
    out.push_back(OneValue("kuaguan_index_size_bytes", "Bytes of the search index.",
                           static_cast<double>(r.index_bytes())));
    out.push_back(OneValue("kuaguan_records", "Records held (current, not withdrawn).",
                           static_cast<double>(r.records())));

    std::map<std::string, double> by_state;
    for (const auto& [key, count] : r.requests_by_state()) by_state[StateLabel(key)] += static_cast<double>(count);
    prometheus::MetricFamily states;
    states.name = "kuaguan_requests";
    states.help = "Remote requests (跨馆查档申请) at this node, front desk and back office, by state.";
    states.type = MetricType::Gauge;
    for (const auto& [state, count] : by_state) states.metric.push_back(Value(count, MetricType::Gauge, {{"state", state}}));
    out.push_back(std::move(states));

    out.push_back(OneValue("kuaguan_requests_overdue", "Remote requests past their due date (逾期).",
                           static_cast<double>(r.overdue())));
    out.push_back(OneValue("kuaguan_requests_answered_this_month", "Remote requests answered this calendar month.",
                           static_cast<double>(r.answered_this_month())));
    out.push_back(OneValue("kuaguan_requests_answered_in_time_this_month",
                           "Remote requests answered by their due date this calendar month.",
                           static_cast<double>(r.answered_in_time_this_month())));
    out.push_back(OneValue("kuaguan_outbox_backlog", "Outbox messages not yet acknowledged by their recipient.",
                           static_cast<double>(r.outbox_backlog())));
    out.push_back(OneValue("kuaguan_dead_letters", "Outbox messages given up on (dead letters).",
                           static_cast<double>(r.dead_letters())));
    out.push_back(OneValue("kuaguan_audit_checkpoint_entries",
                           "Audit log entries (审计日志) the provincial hub last accepted from this node.",
                           static_cast<double>(r.audit_checkpoint())));
    out.push_back(OneValue("kuaguan_alarms", "Alarms this node raised (a transparency log inconsistency it witnessed).",
                           static_cast<double>(r.alarms_size())));
    out.push_back(OneValue("kuaguan_requests_received_total", "Remote requests filed or received here, ever.",
                           static_cast<double>(r.requests_total()), MetricType::Counter));
    return out;
  }

 private:
  v1::HealthReport Report() const {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    if (!fetched_ || now - fetched_at_ >= kHealthCacheFor || now < fetched_at_) {
      report_ = health_();
      fetched_at_ = now;
      fetched_ = true;
    }
    return report_;
  }

  // Constant after construction.
  const std::function<v1::HealthReport()> health_;
  const base::Clock* const clock_;

  mutable absl::Mutex mu_;
  mutable bool fetched_ ABSL_GUARDED_BY(mu_) = false;
  mutable absl::Time fetched_at_ ABSL_GUARDED_BY(mu_);
  mutable v1::HealthReport report_ ABSL_GUARDED_BY(mu_);
};

// The gauges added with AddGauges, read at every scrape.
class GaugeCollector final : public prometheus::Collectable {
 public:
  void Add(std::function<std::vector<Metrics::Sample>()> samples) {
    absl::MutexLock lock(&mu_);
    sources_.push_back(std::move(samples));
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<std::function<std::vector<Metrics::Sample>()>> sources;
    {
      absl::MutexLock lock(&mu_);
      sources = sources_;
    }
    std::map<std::string, prometheus::MetricFamily> families;
    std::set<std::pair<std::string, std::map<std::string, std::string>>> seen;
    for (const auto& source : sources) {
      for (Metrics::Sample& s : source()) {
        if (!Valid(s) || !seen.emplace(s.name, s.labels).second) continue;
        prometheus::MetricFamily& f = families[s.name];
        if (f.name.empty()) {
          f.name = s.name;
          f.help = s.help;
          f.type = prometheus::MetricType::Gauge;
        }
        std::vector<prometheus::ClientMetric::Label> labels;
        for (const auto& [name, value] : s.labels) labels.push_back({name, value});
        f.metric.push_back(Value(s.value, prometheus::MetricType::Gauge, std::move(labels)));
      }
    }
    std::vector<prometheus::MetricFamily> out;
    for (auto& [name, f] : families) out.push_back(std::move(f));
    return out;
  }

 private:
  static bool Valid(const Metrics::Sample& s) {
    if (!IsMetricName(s.name) || OwnNames().count(s.name) > 0) return false;
    for (const auto& [name, value] : s.labels) {
      if (!IsLabelName(name) || !IsSafeLabelValue(value)) return false;
    }
    return true;
  }

  mutable absl::Mutex mu_;
  std::vector<std::function<std::vector<Metrics::Sample>()>> sources_ ABSL_GUARDED_BY(mu_);
};

// kuaguan_rpc_duration_seconds, shared by every interceptor factory and interceptor (so they
// may outlive Metrics).
struct RpcTimings {
  explicit RpcTimings(std::shared_ptr<prometheus::Registry> r, prometheus::Family<prometheus::Histogram>* f)
      : registry(std::move(r)), family(f) {}

  void Record(const std::string& path, grpc::StatusCode code, double seconds) {
    const std::string code_name = CodeName(code);
    std::string service, method;
    const bool known_form = SplitMethod(path, &service, &method);
    prometheus::Histogram* h = nullptr;
    {
      absl::MutexLock lock(&mu);
      // "" stands for every method not told apart: malformed, past kMaxRpcMethods, or first
      // seen answered UNIMPLEMENTED (a method no service registers: a client could name any).
      std::string key = known_form ? path : "";
      if (!key.empty() && methods.count(key) == 0 &&
          (methods.size() >= kMaxRpcMethods || code == grpc::StatusCode::UNIMPLEMENTED)) {
        key = "";
      }
      auto it = histograms.find({key, code_name});
      if (it == histograms.end()) {
        if (key.empty()) {
          service = method = "other";
        } else {
          methods.insert(key);
        }
        h = &family->Add({{"service", service}, {"method", method}, {"code", code_name}}, RpcBuckets());
        histograms.emplace(std::make_pair(key, code_name), h);
      } else {
        h = it->second;
      }
    }
    h->Observe(seconds);
  }

  // Constant after construction.
  const std::shared_ptr<prometheus::Registry> registry;  // keeps `family` alive
  prometheus::Family<prometheus::Histogram>* const family;

  absl::Mutex mu;
  std::set<std::string> methods ABSL_GUARDED_BY(mu);  // paths told apart so far
  // By (path, code name); path "" is the "other" method.
  std::map<std::pair<std::string, std::string>, prometheus::Histogram*> histograms ABSL_GUARDED_BY(mu);
};

}  // namespace metrics_internal

namespace {

using metrics_internal::RpcTimings;

// Times one call, from its arrival to the status it sends.
class TimingInterceptor final : public grpc::experimental::Interceptor {
 public:
  TimingInterceptor(std::shared_ptr<RpcTimings> timings, const char* method)
      : timings_(std::move(timings)), method_(method == nullptr ? "" : method),
        start_(std::chrono::steady_clock::now()) {}

  ~TimingInterceptor() override {
    if (!recorded_) timings_->Record(method_, grpc::StatusCode::CANCELLED, Elapsed());
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!recorded_ &&
        methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      recorded_ = true;
      timings_->Record(method_, methods->GetSendStatus().error_code(), Elapsed());
    }
    methods->Proceed();
  }

 private:
  double Elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  const std::shared_ptr<RpcTimings> timings_;
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
  bool recorded_ = false;  // one call's hooks run one after another
};

class TimingInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit TimingInterceptorFactory(std::shared_ptr<RpcTimings> timings) : timings_(std::move(timings)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new TimingInterceptor(timings_, info->method());
  }

 private:
  const std::shared_ptr<RpcTimings> timings_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Start(const std::string& listen, const std::string& archive,
                                                        const std::string& role, const std::string& version,
                                                        std::function<v1::HealthReport()> health,
                                                        const base::Clock* clock) {
  absl::StatusOr<Listen> where = ParseLoopback(listen);
  if (!where.ok()) return where.status();
  for (const std::string* v : {&archive, &role, &version}) {
    if (!IsSafeLabelValue(*v)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics label value \"", *v, "\" is not a short ASCII word (archive, role, version)"));
    }
  }
  if (clock == nullptr) clock = base::RealClock();

  std::unique_ptr<Metrics> m(new Metrics());
  try {
    m->registry_ = std::make_shared<prometheus::Registry>();
    prometheus::BuildGauge()
        .Name("kuaguan_build_info")
        .Help("The node's build and identity; always 1.")
        .Register(*m->registry_)
        .Add({{"version", version}, {"role", role}, {"archive", archive}})
        .Set(1);
    auto& search = prometheus::BuildHistogram()
                       .Name("kuaguan_search_duration_seconds")
                       .Help("Time to answer a search (检索): local, or federated across archives.")
                       .Register(*m->registry_);
    m->search_local_ = &search.Add({{"scope", "local"}}, SearchBuckets());
    m->search_federated_ = &search.Add({{"scope", "federated"}}, SearchBuckets());
    auto& rpc = prometheus::BuildHistogram()
                    .Name("kuaguan_rpc_duration_seconds")
                    .Help("Time to serve a gRPC call, from its arrival to the status sent.")
                    .Register(*m->registry_);
    m->rpc_ = std::make_shared<RpcTimings>(m->registry_, &rpc);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("metrics registry: ", e.what()));
  }
  m->health_ = std::make_shared<metrics_internal::HealthCollector>(std::move(health), clock);
  m->gauges_ = std::make_shared<metrics_internal::GaugeCollector>();

  const std::string bind = absl::StrCat(where->host, ":", where->port);
  try {
    m->exposer_ = std::make_unique<prometheus::Exposer>(bind, 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("metrics cannot listen on ", listen, ": ", e.what()));
  }
  const std::vector<int> ports = m->exposer_->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    return absl::UnavailableError(absl::StrCat("metrics cannot listen on ", listen, ": no port bound"));
  }
  m->address_ = absl::StrCat(where->host, ":", ports.front());
  m->exposer_->RegisterCollectable(m->registry_);
  m->exposer_->RegisterCollectable(m->health_);
  m->exposer_->RegisterCollectable(m->gauges_);
  return m;
}

Metrics::~Metrics() = default;

void Metrics::ObserveSearch(bool federated, double seconds) {
  (federated ? search_federated_ : search_local_)->Observe(seconds);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> Metrics::InterceptorFactory() {
  return std::make_unique<TimingInterceptorFactory>(rpc_);
}

void Metrics::AddGauges(std::function<std::vector<Sample>()> samples) { gauges_->Add(std::move(samples)); }

}  // namespace kuaguan::node
