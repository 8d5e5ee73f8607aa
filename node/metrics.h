// Prometheus metrics of one node, served as the text format on `GET /metrics` of a loopback
// HTTP listener (prometheus-cpp's Exposer, civetweb underneath).
//
// What is exposed:
//   - kuaguan_build_info{version,role,archive} 1;
//   - the node's health report (kuaguan::v1::HealthReport, the one the provincial hub receives)
//     read at scrape time through the `health` function, at most once every 5 seconds (cached
//     in between): uptime, directory version and age, TLS certificate expiry, disk free, store
//     and index sizes, records, requests by state, overdue and answered counts, outbox backlog,
//     dead letters, the audit checkpoint, alarms raised and requests received ever;
//   - kuaguan_search_duration_seconds{scope="local"|"federated"} (ObserveSearch);
//   - kuaguan_rpc_duration_seconds{service,method,code} of every gRPC call a server built with
//     InterceptorFactory() serves;
//   - gauges a caller adds with AddGauges (the provincial node's hub gauges).
//
// No identity number, person's name or record code ever becomes a label value: the report's
// fields are read as numbers only (last_error is never exposed; a requests_by_state key that is
// not a plain state word is counted under state="other"), and an AddGauges sample whose name,
// label name or label value breaks the rules below is dropped.
//
// Thread-safe: every method may be called from any thread; scrapes run on the Exposer's own
// threads and may overlap each other and every call here.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/server_interceptor.h>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "kuaguan/v1/hub.pb.h"

namespace prometheus {
class Exposer;
class Histogram;
class Registry;
}  // namespace prometheus

namespace kuaguan::node {

namespace metrics_internal {
class HealthCollector;
class GaugeCollector;
struct RpcTimings;
}  // namespace metrics_internal

class Metrics {
 public:
  // One sample of a gauge added by AddGauges. `name` follows the Prometheus conventions
  // ([a-zA-Z_:][a-zA-Z0-9_:]*); label names are [a-zA-Z_][a-zA-Z0-9_]* and do not start with
  // "__"; label values are at most 64 bytes of [A-Za-z0-9_.:-] with no run of more than 8
  // digits (an archive code is fine; an identity number, a name or a record code is not).
  // `help` is the family's HELP line (the first sample's help of a name is used).
  struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
    std::string help;
  };

  // Starts serving GET /metrics on `listen` ("HOST:PORT"; HOST is 127.x.y.z, localhost or
  // [::1]; PORT 0 picks a free port). `archive`, `role` and `version` label
  // kuaguan_build_info. `health` is called on a scrape thread, at most once every 5 seconds
  // as `clock` tells them (nullptr: the wall clock); it must be thread-safe, and it and
  // `clock` must stay usable for the life of the returned object.
  // Errors: INVALID_ARGUMENT when `listen` is not HOST:PORT or a build_info label value breaks
  // the label rules of Sample; FAILED_PRECONDITION naming the address when HOST is not a
  // loopback address; UNAVAILABLE when the listener cannot bind (the port is taken).
  static absl::StatusOr<std::unique_ptr<Metrics>> Start(const std::string& listen, const std::string& archive,
                                                        const std::string& role, const std::string& version,
                                                        std::function<kuaguan::v1::HealthReport()> health,
                                                        const base::Clock* clock = nullptr);

  // Stops the listener (a scrape in progress finishes first; after the listener has served,
  // this takes up to 2 s: civetweb's accept loop wakes every 2 s to see it should stop). Once
  // it returns, `health` and the AddGauges functions are no longer called. Servers built with
  // InterceptorFactory() may outlive this object: their interceptors keep what they record into.
  // Services given this object (set_metrics) must no longer run a call.
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The bound address, "HOST:PORT" with the port the listener got (never 0); localhost is
  // given as 127.0.0.1.
  std::string address() const { return address_; }

  // Records one search that took `seconds`: scope="federated" when `federated`, else "local".
  void ObserveSearch(bool federated, double seconds);

  // A new factory for one grpc::ServerBuilder (builder.experimental().SetInterceptorCreators):
  // every call that server serves is timed from its arrival to the status it sends, into
  // kuaguan_rpc_duration_seconds{service,method,code} ("/kuaguan.v1.Admin/Search" gives
  // service="Admin", method="Search"; code is the status code's name, "OK", "NOT_FOUND", ...;
  // a call that ends without sending a status counts as "CANCELLED"). At most 256 distinct
  // methods are told apart, and a method first seen answered UNIMPLEMENTED (one no service
  // registers) is not one of them: such calls count as service="other", method="other". The
  // factory and its interceptors may outlive this object.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

  // Adds gauges read at every scrape: `samples` is called on a scrape thread (it must be
  // thread-safe and stay callable for the life of this object); its samples are grouped into
  // families by name (TYPE gauge). Samples breaking the rules of Sample are dropped.
  void AddGauges(std::function<std::vector<Sample>()> samples);

 private:
  Metrics() = default;

  // Constant after Start.
  std::string address_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<metrics_internal::HealthCollector> health_;
  std::shared_ptr<metrics_internal::GaugeCollector> gauges_;
  std::shared_ptr<metrics_internal::RpcTimings> rpc_;
  prometheus::Histogram* search_local_ = nullptr;      // owned by registry_
  prometheus::Histogram* search_federated_ = nullptr;  // owned by registry_
  // Declared last: destroyed first, so no scrape runs while the collectors go away.
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace kuaguan::node
