#include "tests/bench/bench_people.h"

#include <fcntl.h>
#include <grp.h>
#include <grpcpp/create_channel_posix.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <system_error>

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>

#include "absl/strings/str_cat.h"
#include "seal/key_file.h"
#include "kuaguan/v1/admin.grpc.pb.h"

namespace kuaguan::bench {

namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

bool TestAccountsPresent() {
  for (const char* user : {kOfficer, kOperator}) {
    if (::getpwnam(user) == nullptr) return false;
  }
  return ::getgrnam(kAccountsGroup) != nullptr;
}

std::string PeopleUnavailable() {
  const std::string fix = "bash tests/testing/test_accounts.sh create build/bin";
  if (::geteuid() != 0) return absl::StrCat("needs root and the test accounts (", fix, ")");
  if (!TestAccountsPresent()) return absl::StrCat("needs the test accounts (", fix, ")");
  if (::access((testing::SharedBinDir() + "/kuaguan").c_str(), X_OK) != 0) {
    return absl::StrCat("needs the CLI the test accounts run, ", testing::SharedBinDir(),
                        "/kuaguan (", fix, ")");
  }
  return "";
}

std::shared_ptr<grpc::Channel> ChannelAs(const std::string& user, const fs::path& socket) {
  if (user.empty())
    return grpc::CreateChannel("unix:" + socket.string(), grpc::InsecureChannelCredentials());
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) return nullptr;
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  int ngroups = 64;
  std::vector<gid_t> groups(static_cast<size_t>(ngroups));
  if (::getgrouplist(user.c_str(), gid, groups.data(), &ngroups) < 0) return nullptr;
  groups.resize(static_cast<size_t>(ngroups));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket.string().size() >= sizeof addr.sun_path) return nullptr;
  std::memcpy(addr.sun_path, socket.c_str(), socket.string().size());
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return nullptr;
  const pid_t pid = ::fork();
  if (pid == 0) {  // only system calls from here on
    int fd = -1;
    if (::setgroups(groups.size(), groups.data()) == 0 && ::setgid(gid) == 0 &&
        ::setuid(uid) == 0) {
      fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      if (fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        fd = -1;
    }
    char byte = fd >= 0 ? 1 : 0;
    iovec iov{&byte, 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    (void)!::sendmsg(pair[1], &msg, 0);
    ::_exit(0);
  }
  ::close(pair[1]);
  int fd = -1;
  if (pid > 0) {
    char byte = 0;
    iovec iov{&byte, 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(pair[0], &msg, MSG_CMSG_CLOEXEC) > 0 && byte == 1) {
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
          std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  ::close(pair[0]);
  if (fd < 0) return nullptr;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return grpc::CreateInsecureChannelFromFd("localhost", fd);
}

std::string Grant(const fs::path& socket, const std::string& by, const std::string& user,
                  const std::string& name, const std::vector<std::string>& roles) {
  auto channel = ChannelAs(by, socket);
  if (!channel)
    return absl::StrCat("cannot reach ", socket.string(), " as ", by.empty() ? "this process" : by);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::GrantRequest req;
  req.set_unix_user(user);
  req.set_name(name);
  for (const auto& r : roles) req.add_roles(r);
  v1::StaffMember resp;
  grpc::Status st = v1::Admin::NewStub(channel)->GrantStaff(&ctx, req, &resp);
  return st.ok() ? ""
                 : absl::StrCat("grant ", user, " at ", socket.string(), ": ", st.error_code(), " ",
                                st.error_message());
}

std::string RegisterPeople(const fs::path& socket, const std::vector<std::string>& operator_roles) {
  if (std::string e = Grant(socket, "", kOfficer, "王保密", {"security-officer"}); !e.empty())
    return e;
  return Grant(socket, kOfficer, kOperator, "李操作", operator_roles);
}

testing::RunResult CliAs(const std::string& user, const std::string& config,
                         std::vector<std::string> args) {
  args.insert(args.begin(),
              (user.empty() ? testing::BinDir() : testing::SharedBinDir()) + "/kuaguan");
  args.push_back("--config");
  args.push_back(config);
  return testing::RunAs(user, args);
}

void OpenToAccounts(const fs::path& path, bool recursive) {
  std::error_code ec;
  auto open = [&ec](const fs::path& p, bool directory) {
    const fs::perms read = fs::perms::group_read | fs::perms::others_read;
    const fs::perms traverse = fs::perms::group_exec | fs::perms::others_exec;
    fs::permissions(p, directory ? read | traverse : read, fs::perm_options::add, ec);
  };
  if (!fs::exists(path, ec)) fs::create_directories(path, ec);
  const bool directory = fs::is_directory(path, ec);
  open(path, directory);
  if (!recursive || !directory) return;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    open(it->path(), it->is_directory(ec));
  }
}

bool StartBenchNode(BenchNode* n, const fs::path& dir, const std::string& code, const std::string& name,
                    const std::string& role, const std::vector<std::string>& operator_roles) {
  n->dir = dir;
  OpenToAccounts(dir);
  const testing::RunResult init = testing::Run({testing::BinDir() + "/kuaguan", "init", dir.string(), "--archive-id",
                                                code, "--name", name, "--role", role, "--socket-group", kAccountsGroup});
  if (init.exit_code != 0) {
    std::fprintf(stderr, "kuaguan init %s: %s", code.c_str(), init.err.c_str());
    return false;
  }
  n->daemon = std::make_unique<testing::Process>(
      std::vector<std::string>{testing::BinDir() + "/kuaguand", "--config", n->config()}, (dir / "kuaguand.log").string());
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = n->Cli({"status"}).exit_code == 0;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!up) {
    std::fprintf(stderr, "kuaguand %s did not come up (see %s/kuaguand.log)\n", code.c_str(), dir.c_str());
    return false;
  }
  const std::string people = RegisterPeople(n->socket(), operator_roles);
  if (!people.empty()) std::fprintf(stderr, "%s\n", people.c_str());
  return people.empty();
}

seal::TlsIdentity DeskClerk(const BenchNode& front, const std::string& name) {
  auto channel = ChannelAs(kOfficer, front.socket());
  if (!channel) {
    std::fprintf(stderr, "cannot reach %s as %s\n", front.socket().c_str(), kOfficer);
    return {};
  }
  Botan::AutoSeeded_RNG rng;
  auto key = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
  Botan::X509_Cert_Options opts(name);
  const auto csr = Botan::X509::create_cert_req(opts, *key, "SHA-256", rng).BER_encode();
  v1::StaffAddRequest req;
  req.set_name(name);
  req.set_role("front-desk");
  req.set_csr(std::string(csr.begin(), csr.end()));
  v1::StaffAddResult r;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (grpc::Status st = v1::FederationAdmin::NewStub(channel)->AddStaff(&ctx, req, &r); !st.ok()) {
    std::fprintf(stderr, "staff add %s: %s\n", name.c_str(), st.error_message().c_str());
    return {};
  }
  return {seal::PlainKeyPem(*key), r.cert_pem() + r.issuing_pem(), r.root_pem()};
}

}  // namespace kuaguan::bench
