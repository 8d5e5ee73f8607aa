// access_bench: what knowing the caller costs. A node in-process; calls over its local socket
// by the service account: the health check (plain gRPC, no identity: the peer to compare with),
// WhoAmI (peer credentials, the registration read, the role table) and GetStatus (the same,
// plus the status), one at a time; then WhoAmI from 4 threads at once. Prints figures.
#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "kuaguan/v1/admin.grpc.pb.h"
#include "node/daemon.h"
#include "tests/bench/bench_flags.h"
#include "tests/testing/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = kuaguan::v1;

// Runs `call` `n` times; prints p50, p99 and calls per second; false when a call failed.
bool Measure(const char* what, int n, const std::function<bool()>& call) {
  std::vector<double> us;
  us.reserve(static_cast<size_t>(n));
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const auto a = Clock::now();
    if (!call()) {
      std::printf("  %-34s FAILED\n", what);
      return false;
    }
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::sort(us.begin(), us.end());
  std::printf("  %-34s p50 %7.1f us  p99 %7.1f us  %8.0f calls/s\n", what, us[us.size() / 2],
              us[us.size() * 99 / 100], n / secs);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 5000;
  const kuaguan::bench::BenchUsage usage = {
      "access_bench",
      "the cost of identifying and authorizing each call on a node's local socket: the gRPC\n"
      "health check (no identity) beside WhoAmI and GetStatus (peer credentials, registration,\n"
      "role table), one at a time, and WhoAmI from 4 threads. Prints figures.",
      "access_bench --calls 2000"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage, {kuaguan::bench::NumberFlag("--calls", "N", "calls of each kind", &calls)})) {
    return *exit_code;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  kuaguan::testing::TempDir dir;
  kuaguan::base::NodeConfig config;
  config.archive_id = "410100";
  config.name = "郑州市档案馆";
  config.data_dir = dir.path() / "data";
  config.socket_group = ::getgrgid(::getegid())->gr_name;
  auto daemon = kuaguan::node::Daemon::Start(config);
  if (!daemon.ok()) {
    std::fprintf(stderr, "access_bench: %s\n", std::string(daemon.status().message()).c_str());
    return 1;
  }
  auto channel = grpc::CreateChannel("unix:" + config.SocketPath().string(), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto admin = v1::Admin::NewStub(channel);
  std::printf("access_bench: %d calls each over the local socket (SO_PEERCRED), one at a time\n", calls);
  bool ok = Measure("health check (no identity)", calls, [&] {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckResponse r;
    return health->Check(&ctx, {}, &r).ok();
  });
  ok = ok && Measure("whoami (identify + role table)", calls, [&] {
    grpc::ClientContext ctx;
    v1::Identity r;
    return admin->WhoAmI(&ctx, {}, &r).ok();
  });
  ok = ok && Measure("status (identify + status)", calls, [&] {
    grpc::ClientContext ctx;
    v1::NodeStatus r;
    return admin->GetStatus(&ctx, {}, &r).ok();
  });
  ok = ok && Measure("import refused (identify + audit)", calls / 5, [&] {
    grpc::ClientContext ctx;
    v1::ImportResult r;
    return admin->Import(&ctx, {}, &r).error_code() == grpc::StatusCode::PERMISSION_DENIED;
  });
  const int threads = 4;
  std::vector<std::thread> pool;
  std::atomic<int> failed{0};
  const auto t0 = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < calls; ++i) {
        grpc::ClientContext ctx;
        v1::Identity r;
        if (!admin->WhoAmI(&ctx, {}, &r).ok()) ++failed;
      }
    });
  }
  for (auto& t : pool) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("  %-34s %8.0f calls/s (%d threads, %d failed)\n", "whoami, concurrent", threads * calls / secs, threads,
              failed.load());
  (*daemon)->Shutdown();
  return ok && failed == 0 ? 0 : 1;
}
