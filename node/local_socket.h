// The node's local door: a Unix socket in a directory that only the daemon's account and one
// group may enter (0750), the socket itself 0660 for that group, so the kernel keeps every other
// account out. Each connection is accepted here, its caller read from the kernel (SO_PEERCRED),
// and handed to the gRPC server; a call's peer ("fd:N") leads back to that caller. The accept
// thread is joined by Stop (or the destructor). Thread-safe.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace kuaguan::node {

class LocalSocket {
 public:
  // Makes the socket's directory (0750, group `group`) and binds the socket (0660, same group).
  // FAILED_PRECONDITION when the group does not exist or the directory belongs to another
  // account; UNAVAILABLE when it cannot bind.
  static absl::StatusOr<std::unique_ptr<LocalSocket>> Open(const std::filesystem::path& path,
                                                           const std::string& group);
  ~LocalSocket();
  LocalSocket(const LocalSocket&) = delete;
  LocalSocket& operator=(const LocalSocket&) = delete;

  // Starts accepting connections into `server` (which must outlive Stop).
  void Serve(grpc::Server* server);
  // Stops accepting, joins the thread and removes the socket file. Idempotent.
  void Stop();

  // The Unix account behind a call whose ServerContext::peer() is `peer`. UNAUTHENTICATED when
  // the call did not come through this socket or its uid has no account name.
  absl::StatusOr<std::string> AccountOf(const std::string& peer) const;

 private:
  LocalSocket() = default;
  void AcceptLoop(grpc::Server* server);

  std::filesystem::path path_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // a pipe: Stop writes, the loop wakes
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::map<int, uid_t> callers_ ABSL_GUARDED_BY(mu_);  // by the connection's fd
};

}  // namespace kuaguan::node
