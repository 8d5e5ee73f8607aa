#include "node/daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <xapian.h>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "rocksdb/version.h"
#include "seal/digest.h"

namespace kuaguan::node {
namespace fs = std::filesystem;

namespace {

constexpr char kVersion[] = "0.1.0";
constexpr int kMaxMessageBytes = 512 << 20;  // catalog files travel whole

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1";
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

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(const NodeConfig& config) {
  std::unique_ptr<Daemon> d(new Daemon());
  d->config_ = config;
  d->started_micros_ = absl::ToUnixMicros(absl::Now());
  const size_t colon = config.listen.rfind(':');
  const std::string host = config.listen.substr(0, colon);
  if (!IsLoopbackHost(host)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "listen address ", config.listen,
        " is not loopback: serving beyond this machine needs mutual TLS, which this version "
        "does not have yet; use 127.0.0.1"));
  }
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", config.data_dir.string(), ": ", ec.message()));
  }
  ASSIGN_OR_RETURN(d->lock_fd_, LockDataDir(config.data_dir));
  ASSIGN_OR_RETURN(d->store_, Store::Open(config.data_dir / "store"));
  ASSIGN_OR_RETURN(d->index_, index::RecordIndex::Open(config.data_dir / "index"));
  d->holdings_ = std::make_unique<Holdings>(d->store_.get(), d->index_.get());
  // After a crash between store and index, the index catches up here. A failure leaves the
  // store served (reads and changes work) with search behind until `kuaguan reindex`.
  if (absl::Status st = d->holdings_->CatchUpIndex(); !st.ok()) {
    std::fprintf(stderr, "kuaguand: index behind the store: %s (run kuaguan reindex)\n",
                 std::string(st.message()).c_str());
  }
  d->ingest_ = std::make_unique<ScanIngest>(d->store_.get(), d->holdings_.get());
  d->admin_ = std::make_unique<AdminService>(d->holdings_.get(), d->ingest_.get(),
                                             [p = d.get()] { return p->Status(); });

  const fs::path socket = config.SocketPath();
  fs::remove(socket, ec);  // stale: we hold the data directory's lock
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("unix:" + socket.string(), grpc::InsecureServerCredentials());
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(d->admin_.get());
  d->server_ = builder.BuildAndStart();
  if (!d->server_ || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen, " and ",
                                               socket.string(), " (address in use?)"));
  }
  d->listen_ = absl::StrCat(host, ":", port);
  d->server_->GetHealthCheckService()->SetServingStatus(true);
  return d;
}

Daemon::~Daemon() {
  Shutdown();
  if (server_) {
    server_->Wait();
    server_.reset();
    std::error_code ec;
    fs::remove(config_.SocketPath(), ec);
  }
  // Close the store and index before giving up the data directory's lock.
  admin_.reset();
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
  return s;
}

}  // namespace kuaguan::node
