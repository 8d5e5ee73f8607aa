// The running node: holds the data directory's lock (the directory private to the daemon's
// account, umask 077), opens the store and the index, brings the index up to date, and serves
// Admin, FederationAdmin and Requests on the local Unix socket to registered people (peer
// credentials); plaintext TCP (the listen address) serves health only. Once enrolled (or as the
// provincial node) it also serves the mutual-TLS peer listener (Peer and Desk, and the admin
// services to staff certificates; Federation on the provincial node) and, provincial only, the
// enrollment listener. Thread-safe: Shutdown may be called from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "index/record_index.h"
#include "node/admin_service.h"
#include "node/backups.h"
#include "node/ops_service.h"
#include "node/appraisal_service.h"
#include "node/replica_services.h"
#include "node/exchange_services.h"
#include "federation/grpc_replica_client.h"
#include "node/authorizer.h"
#include "node/local_socket.h"
#include "node/people.h"
#include "absl/synchronization/mutex.h"
#include "base/node_config.h"
#include "node/desk_service.h"
#include "node/lookup_services.h"
#include "federation/grpc_lookup_client.h"
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
#include "node/hub_services.h"
#include "node/metrics.h"
#include "node/web_console.h"
#include "federation/audit_hub.h"
#include "federation/health_board.h"
#include "federation/hub_link.h"
#include "federation/transparency_log.h"
#include "node/scan_ingest.h"
#include "node/store.h"

namespace kuaguan::node {

class Daemon {
 public:
  // Starts the node. FAILED_PRECONDITION when another kuaguand holds the data directory, the
  // data or key directory is open to group or others, the socket group does not exist, the
  // store breaks three-role separation, or the health listen address is not loopback.
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
  // OK while the node's store answers a read (the service watchdog pings only then). Any thread,
  // until destruction.
  absl::Status Probe() { return store_->GetMeta("fed/peer-listen").status(); }

 private:
  Daemon() = default;
  kuaguan::v1::NodeStatus Status();
  // The peer address to enroll with: peer_listen, or a free loopback port kept in the store.
  absl::StatusOr<std::string> EnrollAddress();
  // The role's federation objects: the provincial CA and directory, or the peer link, federated
  // search and remote requests of an archive (its outbox started).
  absl::Status OpenFederation();
  // Serves Admin, FederationAdmin and Requests (and health) on the local socket, and health
  // alone on the loopback listen address; UNAVAILABLE when either cannot be bound.
  absl::Status StartAdminServer();
  // Starts the mutual-TLS listener (archive: Peer; provincial: Federation and Hub) and, on the
  // provincial node, the enrollment listener.
  absl::Status StartPeerServers();
  // The provincial node's audit hub: audit copies, the transparency log, the health board (and
  // its web page when web_listen is set).
  absl::Status OpenHub();
  // This node's health facts (also what its metrics show).
  kuaguan::v1::HealthReport Health();
  // Prometheus metrics on metrics_listen, when set.
  absl::Status StartMetrics();

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
  std::unique_ptr<ScanStaging> staging_;
  // Long admin calls and fan-out to members run on these (declared before their users, so
  // destroyed after them: every task has finished and every thread is joined by then).
  std::unique_ptr<base::WorkerPool> call_pool_;
  std::unique_ptr<base::WorkerPool> stream_pool_;
  std::unique_ptr<base::WorkerPool> fanout_pool_;
  std::unique_ptr<People> people_;
  std::unique_ptr<LocalSocket> local_;
  std::unique_ptr<Authorizer> auth_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<Backups> backups_;
  std::unique_ptr<StoreCheck> check_;
  std::unique_ptr<OpsService> ops_service_;
  std::unique_ptr<Appraisal> appraisal_;  // open appraisal (开放鉴定)
  std::unique_ptr<AppraisalService> appraisal_service_;
  std::unique_ptr<grpc::Server> server_;         // the local socket's connections
  std::unique_ptr<ReplicaAdminService> replica_admin_;
  kuaguan::v1::Admin::CallbackService unimplemented_;  // on the health server: refuses everything
  std::unique_ptr<grpc::Server> health_server_;  // plaintext TCP: health only
  std::unique_ptr<federation::Provincial> provincial_;
  std::unique_ptr<federation::PeerLink> link_;
  std::unique_ptr<federation::GrpcPeerClient> peers_;
  std::unique_ptr<federation::FederatedSearch> search_;
  std::unique_ptr<federation::RemoteRequests> requests_;  // after link_: its outbox stops first
  std::unique_ptr<federation::HubLink> hub_link_;         // after link_: stops first
  std::unique_ptr<federation::AuditHub> audit_hub_;
  std::unique_ptr<federation::TransparencyLog> ct_log_;
  std::unique_ptr<federation::HealthBoard> board_;
  std::unique_ptr<HubService> hub_service_;
  std::unique_ptr<HubAdminService> hub_admin_;
  std::unique_ptr<HubAdminService> tls_hub_admin_;
  std::unique_ptr<WebConsole> web_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<RequestsService> requests_service_;
  std::unique_ptr<PeerService> peer_service_;
  std::unique_ptr<DeskService> desk_service_;
  // Self-service lookups by identity (R6.1): this archive's answers, the calls out, the fan-out.
  std::unique_ptr<federation::LookupResponder> lookup_responder_;
  std::unique_ptr<federation::GrpcLookupClient> lookup_client_;
  std::unique_ptr<federation::PersonLookup> person_lookup_;
  std::unique_ptr<PersonLookupService> person_lookup_service_;
  std::unique_ptr<DeskLookupService> desk_lookup_service_;
  std::unique_ptr<federation::ReplicaHolder> replica_holder_;  // archives: others' backup replicas
  std::unique_ptr<ReplicaService> replica_service_;
  std::unique_ptr<federation::GrpcReplicaClient> replica_client_;
  std::unique_ptr<federation::ReplicaKeeper> replica_keeper_;  // archives: our replicas at peers
  std::unique_ptr<DirectExchange> exchange_;                   // archives: direct exchange (直接交换)
  std::unique_ptr<ExchangeService> exchange_service_;
  std::unique_ptr<ExchangeAdminService> exchange_admin_;
  std::unique_ptr<FederationService> federation_service_;
  std::unique_ptr<FederationAdminService> federation_admin_;
  // The same services for staff certificates on the peer listener (archive nodes).
  std::unique_ptr<AdminService> tls_admin_;
  std::unique_ptr<RequestsService> tls_requests_;
  std::unique_ptr<FederationAdminService> tls_federation_admin_;
  std::unique_ptr<AppraisalService> tls_appraisal_;
  absl::Mutex peer_mu_;
  std::unique_ptr<grpc::Server> peer_server_ ABSL_GUARDED_BY(peer_mu_);
  std::unique_ptr<grpc::Server> enroll_server_ ABSL_GUARDED_BY(peer_mu_);
  std::string peer_listen_ ABSL_GUARDED_BY(peer_mu_);
  std::string enroll_listen_ ABSL_GUARDED_BY(peer_mu_);
  std::once_flag shutdown_once_;
};

}  // namespace kuaguan::node
