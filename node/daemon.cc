#include "node/daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xapian.h>

#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "node/health_facts.h"
#include "rocksdb/version.h"
#include "seal/digest.h"
#include "seal/key_file.h"
#include "seal/node_signature.h"

namespace kuaguan::node {
namespace fs = std::filesystem;

namespace {

constexpr char kVersion[] = "0.1.0";

// Progress of the index upgrade at start, on stderr (the journal): a line every few seconds
// and the last one.
std::function<void(uint64_t, uint64_t)> IndexUpgradeProgress() {
  return [last = absl::InfinitePast()](uint64_t done, uint64_t total) mutable {
    const absl::Time now = absl::Now();
    if (done < total && now - last < absl::Seconds(3)) return;
    last = now;
    std::fprintf(stderr,
                 "kuaguand: rebuilding the index in format %u (text flows across line breaks): "
                 "%llu of %llu records (%.0f%%)\n",
                 index::kIndexFormat, static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total), total == 0 ? 100.0 : 100.0 * done / total);
  };
}
// Admin calls that may wait on locks or disks (import, modify, withdraw, pages, batches, audit
// checks): eight at a time, more waiting.
constexpr int kCallWorkers = 8;
constexpr int kCallQueue = 32;
// Streams that last as long as their work (export, reindex, ingest): four at a time, a few
// waiting; OCR engines are capped across ingests separately.
constexpr int kStreamWorkers = 4;
constexpr int kStreamQueue = 8;
// Calls to members for pings and federated search (a province has some dozens of archives;
// larger fan-outs go in waves).
constexpr int kFanoutWorkers = 32;
constexpr int kFanoutQueue = 128;

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1";
}

// FAILED_PRECONDITION when `dir` exists and group or others may read or enter it.
absl::Status CheckPrivate(const fs::path& dir, const char* what) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return absl::OkStatus();
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ", what, " ", dir.string(), " is open to group or others (mode ",
        absl::Dec(st.st_mode & 0777, absl::kZeroPad4), "); it must be private to the daemon's account: chmod 700 ",
        dir.string()));
  }
  return absl::OkStatus();
}

// The name of the Unix account this process runs as.
std::string ServiceUser() {
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(::geteuid(), &pw, buf, sizeof buf, &found) != 0 || found == nullptr) {
    return absl::StrCat("uid", ::geteuid());
  }
  return pw.pw_name;
}

// Takes an exclusive lock on DATA_DIR/kuaguand.lock and writes our pid into it.
absl::StatusOr<int> LockDataDir(const fs::path& dir) {
  const fs::path path = dir / "kuaguand.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", path.string(), ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string pid;
    std::ifstream(path) >> pid;
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", dir.string(), " is in use by another kuaguand (pid ",
        pid.empty() ? "unknown" : pid, "); stop it first or use another data_dir"));
  }
  const std::string pid = absl::StrCat(::getpid(), "\n");
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    ::close(fd);
    return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(const base::NodeConfig& config) {
  std::unique_ptr<Daemon> d(new Daemon());
  d->config_ = config;
  d->started_micros_ = d->clock_->NowMicros();
  const size_t colon = config.listen.rfind(':');
  const std::string host = config.listen.substr(0, colon);
  if (!IsLoopbackHost(host)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "listen address ", config.listen,
        " is not loopback: serving beyond this machine needs mutual TLS, which this version "
        "does not have yet; use 127.0.0.1"));
  }
  ::umask(077);  // everything the daemon writes is its account's alone
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", config.data_dir.string(), ": ", ec.message()));
  }
  RETURN_IF_ERROR(CheckPrivate(config.data_dir, "data directory"));
  RETURN_IF_ERROR(CheckPrivate(config.data_dir / "keys", "key folder"));
  RETURN_IF_ERROR(CheckPrivate(config.KeyFile().parent_path(), "key passphrase folder"));
  ASSIGN_OR_RETURN(d->lock_fd_, LockDataDir(config.data_dir));
  ASSIGN_OR_RETURN(const std::vector<AppliedRepair> repaired, ApplyStagedRepairs(config));  // kuaguan check --repair
  ASSIGN_OR_RETURN(d->store_, Store::Open(config.data_dir / "store", d->clock_));
  RETURN_IF_ERROR(AuditRepairs(d->store_.get(), repaired));
  RETURN_IF_ERROR(Backups::CheckRestored(config, d->store_.get()));  // before anything writes
  ASSIGN_OR_RETURN(const std::string passphrase, seal::LoadPassphrase(config.KeyFile(), /*create=*/true));
  RETURN_IF_ERROR(d->store_->SealSecretsWith(passphrase));
  ASSIGN_OR_RETURN(d->index_, index::RecordIndex::Open(config.data_dir / "index"));
  d->holdings_ = std::make_unique<Holdings>(d->store_.get(), d->index_.get(), d->clock_, config.open_period_years);
  // An index of an older format is rebuilt before the node serves (resumable: a node stopped
  // midway goes on from there at its next start).
  if (absl::Status st = d->holdings_->UpgradeIndex(IndexUpgradeProgress()); !st.ok()) {
    std::fprintf(stderr, "kuaguand: index not upgraded: %s (run kuaguan reindex)\n",
                 std::string(st.message()).c_str());
  }
  // After a crash between store and index, the index catches up here. A failure leaves the
  // store served (reads and changes work) with search behind until `kuaguan reindex`.
  if (absl::Status st = d->holdings_->CatchUpIndex(); !st.ok()) {
    std::fprintf(stderr, "kuaguand: index behind the store: %s (run kuaguan reindex)\n",
                 std::string(st.message()).c_str());
  }
  d->engines_ = std::make_unique<base::CountingLimit>(
      "OCR engines", static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  d->ingest_ = std::make_unique<ScanIngest>(d->store_.get(), d->holdings_.get(), d->engines_.get(), d->clock_);
  ASSIGN_OR_RETURN(d->staging_, ScanStaging::Open(config.data_dir / "staging"));
  d->call_pool_ = std::make_unique<base::WorkerPool>("admin call workers", kCallWorkers, kCallQueue);
  d->stream_pool_ = std::make_unique<base::WorkerPool>("export, reindex and ingest workers", kStreamWorkers,
                                                       kStreamQueue);
  d->fanout_pool_ = std::make_unique<base::WorkerPool>("federation fan-out workers", kFanoutWorkers, kFanoutQueue);
  d->people_ = std::make_unique<People>(d->store_.get(), config.role, ServiceUser());
  RETURN_IF_ERROR(d->people_->CheckSeparation());
  RETURN_IF_ERROR(d->OpenFederation());
  ASSIGN_OR_RETURN(d->local_, LocalSocket::Open(config.SocketPath(), config.socket_group));
  d->auth_ = std::make_unique<Authorizer>(d->people_.get(), d->local_.get(), d->link_.get(), d->store_.get());
  Daemon* p = d.get();
  const auto make_admin = [p] {
    return std::make_unique<AdminService>(p->auth_.get(), p->people_.get(), p->store_.get(), p->holdings_.get(),
                                          p->ingest_.get(), p->staging_.get(), p->call_pool_.get(), p->stream_pool_.get(),
                                          [p] { return p->Status(); });
  };
  const auto make_federation_admin = [p] {
    return std::make_unique<FederationAdminService>(
        p->auth_.get(), p->people_.get(), p->provincial_.get(), p->link_.get(), p->search_.get(),
        [p] { return p->EnrollAddress(); },
        [p] {
          p->link_->StartRefresher();
          return p->StartPeerServers();
        });
  };
  d->admin_ = make_admin();
  d->requests_service_ = std::make_unique<RequestsService>(d->auth_.get(), d->requests_.get());
  d->backups_ = std::make_unique<Backups>(d->config_, d->store_.get(), d->clock_, [p]() -> std::optional<SigningIdentity> {
    if (p->provincial_) return SigningIdentity{p->provincial_->identity().key_pem, p->provincial_->identity().chain_pem};
    if (p->link_ && p->link_->enrolled()) {
      const seal::TlsIdentity id = p->link_->identity();
      return SigningIdentity{id.key_pem, id.chain_pem};
    }
    return std::nullopt;
  });
  d->check_ = std::make_unique<StoreCheck>(d->config_, d->store_.get(), d->index_.get(), d->backups_.get(), d->clock_);
  d->ops_service_ = std::make_unique<OpsService>(d->auth_.get(), d->backups_.get(), d->check_.get(), d->call_pool_.get(),
                                                 d->stream_pool_.get());
  d->appraisal_ = std::make_unique<Appraisal>(
      d->store_.get(), d->clock_, Appraisal::Options{config.archive_id, config.name, config.open_period_years},
      [p](const std::string& data) -> absl::StatusOr<NodeSignature> {
        if (!p->link_ || !p->link_->enrolled()) return absl::FailedPreconditionError("this archive is not enrolled yet");
        const seal::TlsIdentity id = p->link_->identity();
        ASSIGN_OR_RETURN(std::string signature, seal::SignWithNodeKey(id.key_pem, data));
        return NodeSignature{std::move(signature), id.chain_pem};
      },
      [p] {
        if (absl::Status st = p->holdings_->CatchUpIndex(); !st.ok()) {
          std::fprintf(stderr, "kuaguand: index behind the store: %s (run kuaguan reindex)\n", std::string(st.message()).c_str());
        }
      });
  d->appraisal_service_ = std::make_unique<AppraisalService>(d->auth_.get(), d->people_.get(), d->appraisal_.get(),
                                                             d->call_pool_.get());
  d->replica_admin_ = std::make_unique<ReplicaAdminService>(d->auth_.get(), d->store_.get(), d->backups_.get(),
                                                            d->replica_keeper_.get(), d->call_pool_.get());
  d->exchange_admin_ = std::make_unique<ExchangeAdminService>(d->auth_.get(), d->exchange_.get(), d->call_pool_.get());
  if (d->replica_keeper_) {
    // After each scheduled backup: bring the peers' replicas up to date, then audit a sample.
    d->backups_->set_after_scheduled([p] {
      for (const char* action : {"backup.replicate", "backup.audit-replicas"}) {
        absl::StatusOr<kuaguan::v1::ReplicaReport> r =
            p->backups_->OnRepository(action, "schedule:backup", [p, action](const seal::BackupRepo& repo) {
              return std::string(action) == "backup.replicate" ? p->replica_keeper_->Replicate(repo)
                                                                : p->replica_keeper_->Audit(repo, 0, false);
            });
        if (!r.ok()) std::fprintf(stderr, "kuaguand: scheduled %s failed: %s\n", action, std::string(r.status().message()).c_str());
      }
    });
  }
  d->federation_admin_ = make_federation_admin();
  const HubParts hub{d->provincial_.get(), d->audit_hub_.get(), d->ct_log_.get(), d->board_.get()};
  WebConsole* web = d->web_.get();
  HubAdminService::LoginLinkFn web_login;
  if (web != nullptr) {
    web_login = [web](const std::string& actor, const std::string& role) { return web->CreateLogin(actor, role); };
  }
  d->hub_admin_ = std::make_unique<HubAdminService>(d->auth_.get(), d->store_.get(), hub, d->hub_link_.get(), web_login);
  RETURN_IF_ERROR(d->StartMetrics());
  if (d->link_) {
    d->desk_service_ = std::make_unique<DeskService>(d->auth_.get(), d->store_.get(), d->requests_.get(), d->clock_,
                                                     config.archive_id, config.name);
    d->desk_lookup_service_ = std::make_unique<DeskLookupService>(d->auth_.get(), d->person_lookup_.get());
    d->tls_admin_ = make_admin();
    d->tls_requests_ = std::make_unique<RequestsService>(d->auth_.get(), d->requests_.get());
    d->tls_federation_admin_ = make_federation_admin();
    d->tls_hub_admin_ = std::make_unique<HubAdminService>(d->auth_.get(), d->store_.get(), hub, d->hub_link_.get(), nullptr);
    d->tls_appraisal_ = std::make_unique<AppraisalService>(d->auth_.get(), d->people_.get(), d->appraisal_.get(),
                                                           d->call_pool_.get());
    if (d->metrics_) {
      d->tls_admin_->set_metrics(d->metrics_.get());
      d->tls_federation_admin_->set_metrics(d->metrics_.get());
    }
  }

  RETURN_IF_ERROR(d->StartAdminServer());
  d->server_->GetHealthCheckService()->SetServingStatus(true);
  d->health_server_->GetHealthCheckService()->SetServingStatus(true);
  if (d->provincial_ || d->link_->enrolled()) {
    RETURN_IF_ERROR(d->StartPeerServers());
    if (d->link_) d->link_->StartRefresher();
  }
  if (d->hub_link_) d->hub_link_->Start();  // it waits for enrollment by itself
  d->backups_->StartSchedule();
  return d;
}

absl::Status Daemon::OpenHub() {
  ASSIGN_OR_RETURN(const std::string passphrase, seal::LoadPassphrase(config_.KeyFile(), /*create=*/true));
  federation::Provincial* provincial = provincial_.get();
  ASSIGN_OR_RETURN(audit_hub_, federation::AuditHub::Open(store_.get(), clock_, [provincial](const std::string& code) {
                     return provincial->MemberCert(code);
                   }));
  ASSIGN_OR_RETURN(ct_log_, federation::TransparencyLog::Open(store_.get(), clock_,
                                                              absl::StrCat("kuaguan/", config_.archive_id, "/certificates"),
                                                              config_.data_dir / "ca" / "log.key", passphrase));
  board_ = std::make_unique<federation::HealthBoard>(clock_, config_.health_report_seconds, config_.name);
  const HubParts hub{provincial_.get(), audit_hub_.get(), ct_log_.get(), board_.get()};
  hub_service_ = std::make_unique<HubService>(hub);
  if (!config_.web_listen.empty()) {
    Store* store = store_.get();
    ASSIGN_OR_RETURN(web_, WebConsole::Start(
                               config_.web_listen,
                               [hub](const std::string& archive) -> absl::StatusOr<kuaguan::v1::FederationView> {
                                 return FederationViewOf(hub, archive);
                               },
                               [store](const std::string& actor, const std::string& action, const std::string& object,
                                       const std::string& outcome) { (void)store->Audit({actor, action, object, outcome}); },
                               clock_));
  }
  return absl::OkStatus();
}

kuaguan::v1::HealthReport Daemon::Health() {
  HealthSources sources;
  sources.config = &config_;
  sources.version = kVersion;
  sources.started_micros = started_micros_;
  sources.store = store_.get();
  sources.index = index_.get();
  sources.link = link_.get();
  sources.requests = requests_.get();
  kuaguan::v1::HealthReport report = CollectHealth(sources);
  if (hub_link_) {
    report.set_audit_checkpoint(hub_link_->audit_checkpoint());
    for (const auto& a : hub_link_->alarms()) report.add_alarms(a);
    if (report.last_error().empty()) report.set_last_error(hub_link_->last_error());
  }
  return report;
}

absl::Status Daemon::StartMetrics() {
  if (config_.metrics_listen.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(metrics_, Metrics::Start(config_.metrics_listen, config_.archive_id, config_.role, kVersion,
                                            [this] { return Health(); }, clock_));
  admin_->set_metrics(metrics_.get());
  federation_admin_->set_metrics(metrics_.get());
  if (provincial_) {
    const HubParts hub{provincial_.get(), audit_hub_.get(), ct_log_.get(), board_.get()};
    metrics_->AddGauges([hub] {
      std::vector<Metrics::Sample> out;
      const kuaguan::v1::FederationView view = FederationViewOf(hub, "");
      std::map<std::string, double> states{{"ok", 0}, {"late", 0}, {"down", 0}, {"alarm", 0}};
      for (const auto& m : view.members()) states[m.state()] += 1;
      for (const auto& [state, n] : states) {
        out.push_back({"kuaguan_hub_members", {{"state", state}}, n, "Member archives by state (成员馆状态)"});
      }
      std::map<std::string, double> kinds{{"audit-mismatch", 0}, {"log-inconsistency", 0}, {"member-down", 0},
                                          {"certificate-expiring", 0}, {"overdue-requests", 0}, {"member-alarm", 0}};
      for (const auto& a : view.alarms()) {
        if (a.open()) kinds[a.kind()] += 1;
      }
      for (const auto& [kind, n] : kinds) {
        out.push_back({"kuaguan_hub_alarms_open", {{"kind", kind}}, n, "Open alarms at the audit hub (告警)"});
      }
      out.push_back({"kuaguan_transparency_log_size", {}, static_cast<double>(view.log_size()),
                     "Certificates in the transparency log (出证透明日志)"});
      return out;
    });
  }
  return absl::OkStatus();
}

absl::Status Daemon::OpenFederation() {
  if (config_.role == "provincial") {
    ASSIGN_OR_RETURN(provincial_, federation::Provincial::Open(config_, store_.get(), clock_));
    federation_service_ = std::make_unique<FederationService>(provincial_.get(), clock_);
    RETURN_IF_ERROR(OpenHub());
  } else {
    ASSIGN_OR_RETURN(link_, federation::PeerLink::Open(config_, store_.get(), clock_));
    peers_ = std::make_unique<federation::GrpcPeerClient>(link_.get());
    search_ = std::make_unique<federation::FederatedSearch>(config_.archive_id, link_.get(), peers_.get(),
                                                            store_.get(), fanout_pool_.get(), clock_);
    federation::RequestDeps deps;
    deps.store = store_.get();
    deps.holdings = holdings_.get();
    deps.members = link_.get();
    deps.peers = peers_.get();
    deps.search = search_.get();
    deps.clock = clock_;
    federation::RequestPolicy policy;
    policy.auto_issue = config_.auto_issue;
    policy.dual_approval = config_.issue_approval == "dual";
    requests_ = std::make_unique<federation::RemoteRequests>(config_.archive_id, config_.name, policy, deps);
    requests_->Start();
    ingest_->OnAccepted([office = requests_->back_office()](const std::vector<std::string>& codes) {
      return office->Digitized(codes);
    });
    peer_service_ = std::make_unique<PeerService>(link_.get(), holdings_.get(), requests_.get(), clock_,
                                                  config_.archive_id);
    lookup_responder_ = std::make_unique<federation::LookupResponder>(config_.archive_id, link_.get(), holdings_.get(),
                                                                      store_.get(), clock_);
    lookup_client_ = std::make_unique<federation::GrpcLookupClient>(link_.get());
    person_lookup_ = std::make_unique<federation::PersonLookup>(config_.archive_id, link_.get(), lookup_client_.get(),
                                                                lookup_responder_.get(), store_.get(), fanout_pool_.get(),
                                                                clock_);
    person_lookup_service_ = std::make_unique<PersonLookupService>(link_.get(), lookup_responder_.get());
    exchange_ = std::make_unique<DirectExchange>(config_.archive_id, config_.name, store_.get(), holdings_.get(),
                                                 link_.get(), clock_);
    exchange_service_ = std::make_unique<ExchangeService>(link_.get(), exchange_.get());
    federation::PeerLink* link = link_.get();
    replica_holder_ = std::make_unique<federation::ReplicaHolder>(config_.replica_dir, [link] {
      const uint64_t quota = link->Directory().replica_quota_bytes();
      return quota > 0 ? quota : uint64_t{64} << 30;  // a directory from before quotas: 64 GiB
    });
    replica_service_ = std::make_unique<ReplicaService>(link_.get(), replica_holder_.get());
    replica_client_ = std::make_unique<federation::GrpcReplicaClient>(link_.get());
    replica_keeper_ = std::make_unique<federation::ReplicaKeeper>(config_.archive_id, static_cast<int>(config_.replica_count),
                                                                  link_.get(), replica_client_.get());
    federation::HubLinkOptions hub_options;
    hub_options.sweep_seconds = config_.audit_sweep_seconds;
    hub_options.report_seconds = config_.health_report_seconds;
    hub_options.witness_seconds = std::min<int64_t>(10, config_.health_report_seconds);
    Store* store = store_.get();
    hub_link_ = std::make_unique<federation::HubLink>(
        config_.archive_id, link_.get(), store_.get(),
        [store](const std::function<bool(const kuaguan::v1::AuditEntry&)>& fn, uint64_t after) {
          return store->ForEachAudit(fn, after);
        },
        [store] { return store->AuditHead(); }, [this] { return Health(); }, clock_, hub_options);
  }
  return absl::OkStatus();
}

absl::Status Daemon::StartAdminServer() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;  // no port: LocalSocket hands it each connection it accepts
  builder.SetMaxReceiveMessageSize(base::kMaxAdminMessageBytes);
  builder.SetMaxSendMessageSize(base::kMaxAdminMessageBytes);
  builder.RegisterService(admin_.get());
  builder.RegisterService(federation_admin_.get());
  builder.RegisterService(requests_service_.get());
  builder.RegisterService(hub_admin_.get());
  builder.RegisterService(ops_service_.get());
  builder.RegisterService(appraisal_service_.get());
  builder.RegisterService(replica_admin_.get());
  builder.RegisterService(exchange_admin_.get());
  if (metrics_) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(metrics_->InterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  server_ = builder.BuildAndStart();
  if (!server_) return absl::UnavailableError("cannot start the admin server");
  local_->Serve(server_.get());
  grpc::ServerBuilder health;
  int port = 0;
  health.AddListeningPort(config_.listen, grpc::InsecureServerCredentials(), &port);
  // gRPC starts no server without a service of its own beside health: the generated base class
  // answers UNIMPLEMENTED to every call.
  health.RegisterService(&unimplemented_);
  health_server_ = health.BuildAndStart();
  if (!health_server_ || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen, " (address in use?)"));
  }
  listen_ = absl::StrCat(config_.listen.substr(0, config_.listen.rfind(':')), ":", port);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Daemon::EnrollAddress() {
  const size_t colon = config_.peer_listen.rfind(':');
  if (config_.peer_listen.substr(colon + 1) != "0") return config_.peer_listen;
  ASSIGN_OR_RETURN(auto kept, store_->GetMeta("fed/peer-listen"));
  if (kept) return *kept;
  // Port 0: take a free port now and keep it, since the directory publishes the address.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return absl::UnavailableError("cannot find a free port for the peer listener");
  }
  ::close(fd);
  const std::string address = absl::StrCat(config_.peer_listen.substr(0, colon), ":", ntohs(addr.sin_port));
  RETURN_IF_ERROR(store_->PutMeta({{"fed/peer-listen", address}}, {"kuaguand", "federation.peer-listen", address, "ok"}));
  return address;
}

absl::Status Daemon::StartPeerServers() {
  absl::MutexLock lock(&peer_mu_);
  if (peer_server_) return absl::OkStatus();
  // Port 0 is chosen once and kept: the directory publishes the address, so a restart (of an
  // archive, or of the provincial node every member calls) must come back on it.
  ASSIGN_OR_RETURN(const std::string address, EnrollAddress());
  const seal::TlsIdentity id = provincial_ ? provincial_->identity() : link_->identity();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, seal::MutualTlsServerCredentials(id), &port);
  builder.SetMaxReceiveMessageSize(seal::kMaxPeerMessageBytes);
  builder.SetMaxSendMessageSize(seal::kMaxPeerMessageBytes);
  if (provincial_) {
    builder.RegisterService(federation_service_.get());
    builder.RegisterService(hub_service_.get());
  } else {
    builder.RegisterService(peer_service_.get());
    builder.RegisterService(replica_service_.get());
    builder.RegisterService(exchange_service_.get());
    builder.RegisterService(desk_service_.get());
    builder.RegisterService(desk_lookup_service_.get());
    builder.RegisterService(person_lookup_service_.get());
    builder.RegisterService(tls_admin_.get());
    builder.RegisterService(tls_requests_.get());
    builder.RegisterService(tls_federation_admin_.get());
    builder.RegisterService(tls_hub_admin_.get());
    builder.RegisterService(tls_appraisal_.get());
  }
  if (metrics_) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(metrics_->InterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  peer_server_ = builder.BuildAndStart();
  if (!peer_server_ || port == 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", address, " for peers"));
  peer_listen_ = absl::StrCat(address.substr(0, address.rfind(':')), ":", port);
  if (provincial_) {
    grpc::ServerBuilder eb;
    int eport = 0;
    eb.AddListeningPort(config_.enroll_listen, seal::ServerTlsCredentials(id), &eport);
    eb.RegisterService(federation_service_.get());
    enroll_server_ = eb.BuildAndStart();
    if (!enroll_server_ || eport == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.enroll_listen, " for enrollment"));
    }
    enroll_listen_ = absl::StrCat(config_.enroll_listen.substr(0, config_.enroll_listen.rfind(':')), ":", eport);
    RETURN_IF_ERROR(provincial_->SetAddress(peer_listen_));
  }
  return absl::OkStatus();
}

std::string Daemon::peer_listen() {
  absl::MutexLock lock(&peer_mu_);
  return peer_listen_;
}

Daemon::~Daemon() {
  if (hub_link_) hub_link_->Stop();  // a stopping member reports nothing more
  if (backups_) backups_->Stop();    // no scheduled backup starts or goes on
  Shutdown();
  {
    absl::MutexLock lock(&peer_mu_);
    for (auto* srv : {peer_server_.get(), enroll_server_.get()}) {
      if (srv != nullptr) srv->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    }
  }
  metrics_.reset();  // no scrape reads what is closed below
  if (requests_) requests_->Stop();  // the outbox thread
  if (web_) web_->Stop();
  link_.reset();  // stops the directory refresher
  if (local_) local_->Stop();  // no new local connections
  if (health_server_) health_server_->Shutdown(std::chrono::system_clock::now());
  if (server_) {
    server_->Wait();
    server_.reset();
  }
  // Close the store and index before giving up the data directory's lock.
  admin_.reset();
  call_pool_.reset();  // each runs what was queued and joins its threads
  stream_pool_.reset();
  ops_service_.reset();
  check_.reset();
  replica_admin_.reset();
  backups_.reset();
  ingest_.reset();
  holdings_.reset();
  index_.reset();
  store_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void Daemon::Wait() {
  if (server_) server_->Wait();
}

void Daemon::Shutdown() {
  if (!server_) return;
  std::call_once(shutdown_once_, [this] {
    server_->GetHealthCheckService()->SetServingStatus(false);
    if (health_server_) health_server_->GetHealthCheckService()->SetServingStatus(false);
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  });
}

kuaguan::v1::NodeStatus Daemon::Status() {
  kuaguan::v1::NodeStatus s;
  s.set_archive_id(config_.archive_id);
  s.set_archive_name(config_.name);
  s.set_role(config_.role);
  s.set_listen(listen_);
  s.set_socket(config_.SocketPath().string());
  s.set_version(kVersion);
  s.set_data_dir(config_.data_dir.string());
  s.set_store_seq(store_->LastSeq());
  s.set_index_seq(index_->IndexedSeq());
  s.set_started_micros(started_micros_);
  s.set_rocksdb_version(absl::StrCat(ROCKSDB_MAJOR, ".", ROCKSDB_MINOR, ".", ROCKSDB_PATCH));
  s.set_xapian_version(Xapian::version_string());
  s.set_botan_version(seal::BotanVersion());
  absl::MutexLock lock(&peer_mu_);
  s.set_peer_listen(peer_listen_);
  s.set_enroll_listen(enroll_listen_);
  s.set_enrolled(provincial_ != nullptr || (link_ && link_->enrolled()));
  if (web_) s.set_web_listen(web_->address());
  if (metrics_) s.set_metrics_listen(metrics_->address());
  return s;
}

}  // namespace kuaguan::node
