// The running node: holds the data directory's lock, opens the store and the index, brings the
// index up to date, and serves gRPC (Admin, health, reflection) on the Unix socket and the TCP
// listen address. Thread-safe: Shutdown may be called from any thread (e.g. a signal thread).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "index/record_index.h"
#include "node/admin_service.h"
#include "node/config.h"
#include "node/holdings.h"
#include "node/scan_ingest.h"
#include "node/store.h"

namespace kuaguan::node {

class Daemon {
 public:
  // Starts the node. FAILED_PRECONDITION when another kuaguand holds the data directory, or the
  // listen address is not loopback (peer traffic needs mutual TLS, not yet here).
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(const NodeConfig& config);
  ~Daemon();

  // Blocks until Shutdown() has completed.
  void Wait();
  // Stops accepting calls, lets running calls finish (up to 5 s), closes the store cleanly.
  void Shutdown();

  // The TCP address actually bound (host:port).
  const std::string& listen() const { return listen_; }

 private:
  Daemon() = default;
  kuaguan::v1::NodeStatus Status();

  NodeConfig config_;
  int lock_fd_ = -1;
  std::string listen_;
  int64_t started_micros_ = 0;
  std::unique_ptr<Store> store_;
  std::unique_ptr<index::RecordIndex> index_;
  std::unique_ptr<Holdings> holdings_;
  std::unique_ptr<ScanIngest> ingest_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  std::once_flag shutdown_once_;
};

}  // namespace kuaguan::node
