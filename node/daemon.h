// The running node: holds the data directory's lock, opens the store and the index, brings the
// index up to date, and serves gRPC (Admin, FederationAdmin, health, reflection) on the Unix
// socket and the TCP listen address; once enrolled (or as the provincial node) it also serves the
// mutual-TLS peer listener (Peer and Desk; Federation on the provincial node) and, provincial
// only, the enrollment listener. Thread-safe: Shutdown may be called from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "index/record_index.h"
#include "node/admin_service.h"
#include "absl/synchronization/mutex.h"
#include "base/node_config.h"
#include "node/desk_service.h"
#include "node/federation_services.h"
#include "base/worker_pool.h"
#include "federation/federated_search.h"
#include "federation/grpc_peer_client.h"
#include "federation/peer_link.h"
#include "federation/provincial.h"
#include "federation/remote_requests.h"
#include "node/peer_service.h"
#include "node/requests_service.h"
#include "node/holdings.h"
#include "node/scan_ingest.h"
#include "node/store.h"

namespace kuaguan::node {

class Daemon {
 public:
  // Starts the node. FAILED_PRECONDITION when another kuaguand holds the data directory, or the
  // admin listen address is not loopback (the admin service is plaintext; peers use the
  // mutual-TLS peer listener).
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(const base::NodeConfig& config);
  ~Daemon();

  // Blocks until Shutdown() has completed.
  void Wait();
  // Stops accepting calls, lets running calls finish (up to 5 s), closes the store cleanly.
  void Shutdown();

  // The TCP address actually bound (host:port).
  const std::string& listen() const { return listen_; }
  // The mutual-TLS peer listener, once serving (empty before enrollment).
  std::string peer_listen();

 private:
  Daemon() = default;
  kuaguan::v1::NodeStatus Status();
  // The peer address to enroll with: peer_listen, or a free loopback port kept in the store.
  absl::StatusOr<std::string> EnrollAddress();
  // The role's federation objects: the provincial CA and directory, or the peer link, federated
  // search and remote requests of an archive (its outbox started).
  absl::Status OpenFederation();
  // Serves Admin, FederationAdmin and Requests (and health, reflection) on the Unix socket and
  // the loopback listen address; UNAVAILABLE when either cannot be bound.
  absl::Status StartAdminServer();
  // Starts the mutual-TLS listener (archive: Peer; provincial: Federation) and, on the provincial
  // node, the enrollment listener.
  absl::Status StartPeerServers();

  base::NodeConfig config_;
  const base::Clock* const clock_ = base::RealClock();
  int lock_fd_ = -1;
  std::string listen_;
  int64_t started_micros_ = 0;
  std::unique_ptr<Store> store_;
  std::unique_ptr<index::RecordIndex> index_;
  std::unique_ptr<Holdings> holdings_;
  // OCR engines across concurrent ingests: one per core in total.
  std::unique_ptr<base::CountingLimit> engines_;
  std::unique_ptr<ScanIngest> ingest_;
  // Long admin calls and fan-out to members run on these (declared before their users, so
  // destroyed after them: every task has finished and every thread is joined by then).
  std::unique_ptr<base::WorkerPool> call_pool_;
  std::unique_ptr<base::WorkerPool> stream_pool_;
  std::unique_ptr<base::WorkerPool> fanout_pool_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<federation::Provincial> provincial_;
  std::unique_ptr<federation::PeerLink> link_;
  std::unique_ptr<federation::GrpcPeerClient> peers_;
  std::unique_ptr<federation::FederatedSearch> search_;
  std::unique_ptr<federation::RemoteRequests> requests_;  // after link_: its outbox stops first
  std::unique_ptr<RequestsService> requests_service_;
  std::unique_ptr<PeerService> peer_service_;
  std::unique_ptr<DeskService> desk_service_;
  std::unique_ptr<FederationService> federation_service_;
  std::unique_ptr<FederationAdminService> federation_admin_;
  absl::Mutex peer_mu_;
  std::unique_ptr<grpc::Server> peer_server_ ABSL_GUARDED_BY(peer_mu_);
  std::unique_ptr<grpc::Server> enroll_server_ ABSL_GUARDED_BY(peer_mu_);
  std::string peer_listen_ ABSL_GUARDED_BY(peer_mu_);
  std::string enroll_listen_ ABSL_GUARDED_BY(peer_mu_);
  std::once_flag shutdown_once_;
};

}  // namespace kuaguan::node
