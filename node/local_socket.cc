#include "node/local_socket.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <grpcpp/server_posix.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kuaguan::node {
namespace fs = std::filesystem;

namespace {

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalSocket>> LocalSocket::Open(const fs::path& path, const std::string& group) {
  struct group gr;
  struct group* found = nullptr;
  char buf[8192];
  if (::getgrnam_r(group.c_str(), &gr, buf, sizeof buf, &found) != 0 || found == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the socket group '", group, "' does not exist: create it (groupadd --system ", group,
        ") and add the operators' accounts to it, or set socket_group in the node's config"));
  }
  const gid_t gid = gr.gr_gid;
  const fs::path dir = path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  struct stat st {};
  if (ec || ::stat(dir.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot make the socket directory ", dir.string()));
  }
  if (st.st_uid != ::geteuid()) {
    return absl::FailedPreconditionError(absl::StrCat("the socket directory ", dir.string(),
                                                      " belongs to another account (uid ", st.st_uid, ")"));
  }
  if (::chown(dir.c_str(), static_cast<uid_t>(-1), gid) != 0 || ::chmod(dir.c_str(), 0750) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot give ", dir.string(), " to group ", group, ": ",
                                                      std::strerror(errno)));
  }
  if (path.string().size() >= sizeof(sockaddr_un{}.sun_path)) {
    return absl::FailedPreconditionError(absl::StrCat("the socket path ", path.string(), " is too long"));
  }
  std::unique_ptr<LocalSocket> s(new LocalSocket());
  s->path_ = path;
  ::unlink(path.c_str());  // stale: the caller holds the data directory's lock
  s->listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s->listen_fd_ < 0) return Errno("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Errno(absl::StrCat("cannot bind ", path.string()));
  }
  if (::chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0 || ::chmod(path.c_str(), 0660) != 0) {
    return Errno(absl::StrCat("cannot set the mode of ", path.string()));
  }
  if (::listen(s->listen_fd_, 128) != 0) return Errno(absl::StrCat("cannot listen on ", path.string()));
  if (::pipe2(s->wake_, O_CLOEXEC) != 0) return Errno("pipe");
  return s;
}

LocalSocket::~LocalSocket() {
  Stop();
  for (int fd : {listen_fd_, wake_[0], wake_[1]}) {
    if (fd >= 0) ::close(fd);
  }
}

void LocalSocket::Serve(grpc::Server* server) {
  thread_ = std::thread([this, server] { AcceptLoop(server); });
}

void LocalSocket::Stop() {
  if (thread_.joinable()) {
    const char c = 'x';
    (void)!::write(wake_[1], &c, 1);
    thread_.join();
  }
  if (!path_.empty()) {
    ::unlink(path_.c_str());
    path_.clear();
  }
}

void LocalSocket::AcceptLoop(grpc::Server* server) {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {  // EAGAIN, a connection that went away, or out of descriptors: wait a little
      if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      ::close(fd);
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      callers_[fd] = cred.uid;  // a reused fd number is overwritten before its first call
    }
    grpc::AddInsecureChannelFromFd(server, fd);
  }
}

absl::StatusOr<std::string> LocalSocket::AccountOf(const std::string& peer) const {
  int fd = -1;
  if (peer.rfind("fd:", 0) != 0 || !absl::SimpleAtoi(peer.substr(3), &fd)) {
    return absl::UnauthenticatedError("the call did not come through the node's local socket");
  }
  uid_t uid = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = callers_.find(fd);
    if (it == callers_.end()) return absl::UnauthenticatedError("the call's connection is unknown");
    uid = it->second;
  }
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) != 0 || found == nullptr) {
    return absl::UnauthenticatedError(absl::StrCat("uid ", uid, " has no account name"));
  }
  return std::string(pw.pw_name);
}

}  // namespace kuaguan::node
