// The daemon in-process: real gRPC on the Unix socket and on loopback TCP, health service on.
#include <catch2/catch.hpp>

#include <grpcpp/grpcpp.h>

#include "kuaguan/v1/admin.grpc.pb.h"
#include "node/daemon.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::node;
using kuaguan::base::NodeConfig;
namespace v1 = kuaguan::v1;

TEST_CASE("the daemon serves Admin on its socket and TCP - with health - and locks its data dir") {
  kuaguan::testing::TempDir dir;
  NodeConfig config;
  config.archive_id = "410100";
  config.name = "郑州市档案馆";
  config.data_dir = dir.path() / "data";
  auto daemon = Daemon::Start(config);
  REQUIRE(daemon.ok());
  CHECK((*daemon)->listen().rfind("127.0.0.1:", 0) == 0);
  CHECK((*daemon)->listen() != "127.0.0.1:0");

  auto second = Daemon::Start(config);
  REQUIRE_FALSE(second.ok());
  CHECK(std::string(second.status().message()).find("in use by another kuaguand") !=
        std::string::npos);

  for (const std::string& target :
       {"unix:" + config.SocketPath().string(), (*daemon)->listen()}) {
    auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    auto stub = v1::Admin::NewStub(channel);
    grpc::ClientContext ctx;
    v1::NodeStatus status;
    REQUIRE(stub->GetStatus(&ctx, {}, &status).ok());
    CHECK(status.archive_name() == "郑州市档案馆");
    CHECK(status.listen() == (*daemon)->listen());

    v1::ImportRequest imp;
    imp.set_file_name("c.csv");
    imp.set_content("档号,题名,年度\nA101-WS·2020-Y-0001,退休审批表,2020\n");
    v1::ImportResult result;
    grpc::ClientContext ictx;
    REQUIRE(stub->Import(&ictx, imp, &result).ok());
    CHECK(result.committed());

    v1::GetRecordRequest get;
    get.set_code("missing");
    v1::GetRecordResponse resp;
    grpc::ClientContext gctx;
    CHECK(stub->GetRecord(&gctx, get, &resp).error_code() == grpc::StatusCode::NOT_FOUND);

    grpc::ClientContext ectx;
    auto reader = stub->Export(&ectx, {});
    v1::Record r;
    int n = 0;
    while (reader->Read(&r)) ++n;
    CHECK(reader->Finish().ok());
    CHECK(n == 1);

    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext hctx;
    grpc::health::v1::HealthCheckRequest hreq;
    grpc::health::v1::HealthCheckResponse hresp;
    REQUIRE(health->Check(&hctx, hreq, &hresp).ok());
    CHECK(hresp.status() == grpc::health::v1::HealthCheckResponse::SERVING);
  }
  (*daemon)->Shutdown();
}
