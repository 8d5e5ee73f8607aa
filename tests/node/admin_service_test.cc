// The daemon in-process: the admin services on its local socket to the person the kernel names
// (here the service account, the system administrator), health alone on plaintext TCP, a private
// data directory, and the data directory's lock.
#include <catch2/catch.hpp>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include "kuaguan/v1/admin.grpc.pb.h"
#include "node/daemon.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::node;
using kuaguan::base::NodeConfig;
namespace v1 = kuaguan::v1;

namespace {

NodeConfig TestConfig(const std::filesystem::path& dir) {
  NodeConfig config;
  config.archive_id = "410100";
  config.name = "郑州市档案馆";
  config.data_dir = dir / "data";
  config.socket_group = ::getgrgid(::getegid())->gr_name;  // this account's own group
  return config;
}

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("the daemon serves its local socket to the person the kernel names, and TCP only health") {
  kuaguan::testing::TempDir dir;
  const NodeConfig config = TestConfig(dir.path());
  auto daemon = Daemon::Start(config);
  REQUIRE(daemon.ok());
  CHECK((*daemon)->listen().rfind("127.0.0.1:", 0) == 0);
  CHECK((*daemon)->listen() != "127.0.0.1:0");
  CHECK(ModeOf(config.data_dir) == 0700);
  CHECK(ModeOf(config.SocketPath().parent_path()) == 0750);
  CHECK((ModeOf(config.SocketPath()) & 0777) == 0660);

  auto second = Daemon::Start(config);
  REQUIRE_FALSE(second.ok());
  CHECK(std::string(second.status().message()).find("in use by another kuaguand") != std::string::npos);

  auto local = grpc::CreateChannel("unix:" + config.SocketPath().string(), grpc::InsecureChannelCredentials());
  auto admin = v1::Admin::NewStub(local);
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-kuaguan-actor", "security-officer");  // a claimed name counts for nothing
    v1::Identity id;
    REQUIRE(admin->WhoAmI(&ctx, {}, &id).ok());
    const std::string me = ::getpwuid(::geteuid())->pw_name;
    CHECK(id.person() == "service account " + me);
    CHECK(id.via() == "unix:" + me);
    REQUIRE(id.roles_size() == 1);
    CHECK(id.roles(0) == "system-admin");
  }
  {
    grpc::ClientContext ctx;
    v1::NodeStatus status;
    REQUIRE(admin->GetStatus(&ctx, {}, &status).ok());
    CHECK(status.archive_name() == "郑州市档案馆");
    CHECK(status.listen() == (*daemon)->listen());
  }
  {  // the system administrator never touches holdings content
    v1::ImportRequest imp;
    imp.set_file_name("c.csv");
    imp.set_content("档号,题名,年度\nA101-WS·2020-Y-0001,退休审批表,2020\n");
    v1::ImportResult result;
    grpc::ClientContext ictx;
    const grpc::Status st = admin->Import(&ictx, imp, &result);
    CHECK(st.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(st.error_message().find("cataloguer") != std::string::npos);
    v1::GetRecordRequest get;
    get.set_code("A101-WS·2020-Y-0001");
    v1::GetRecordResponse resp;
    grpc::ClientContext gctx;
    CHECK(admin->GetRecord(&gctx, get, &resp).error_code() == grpc::StatusCode::PERMISSION_DENIED);
    grpc::ClientContext ectx;
    auto reader = admin->Export(&ectx, {});
    v1::Record r;
    CHECK_FALSE(reader->Read(&r));
    CHECK(reader->Finish().error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }

  auto tcp = grpc::CreateChannel((*daemon)->listen(), grpc::InsecureChannelCredentials());
  {
    grpc::ClientContext ctx;
    v1::NodeStatus status;
    CHECK(v1::Admin::NewStub(tcp)->GetStatus(&ctx, {}, &status).error_code() == grpc::StatusCode::UNIMPLEMENTED);
  }
  for (const auto& channel : {local, tcp}) {
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext hctx;
    grpc::health::v1::HealthCheckRequest hreq;
    grpc::health::v1::HealthCheckResponse hresp;
    REQUIRE(health->Check(&hctx, hreq, &hresp).ok());
    CHECK(hresp.status() == grpc::health::v1::HealthCheckResponse::SERVING);
  }
  (*daemon)->Shutdown();
}

TEST_CASE("the daemon refuses a data directory open to others, and a socket group that does not exist") {
  kuaguan::testing::TempDir dir;
  NodeConfig config = TestConfig(dir.path());
  std::filesystem::create_directories(config.data_dir);
  std::filesystem::permissions(config.data_dir, std::filesystem::perms(0755));
  auto open = Daemon::Start(config);
  REQUIRE_FALSE(open.ok());
  CHECK(std::string(open.status().message()).find("chmod 700") != std::string::npos);

  std::filesystem::permissions(config.data_dir, std::filesystem::perms(0700));
  config.socket_group = "kuaguan-no-such-group";
  auto nogroup = Daemon::Start(config);
  REQUIRE_FALSE(nogroup.ok());
  CHECK(std::string(nogroup.status().message()).find("kuaguan-no-such-group") != std::string::npos);
}
