#include "base/node_config.h"

#include <catch2/catch.hpp>

#include <fstream>

#include "tests/testing/temp_dir.h"

using namespace kuaguan::base;

TEST_CASE("a rendered config loads back - data_dir relative to the file") {
  kuaguan::testing::TempDir dir;
  NodeConfig c;
  c.archive_id = "410100";
  c.name = "郑州市档案馆";
  c.data_dir = "data";
  std::ofstream(dir.path() / "kuaguan.toml") << RenderConfig(c);
  auto loaded = LoadConfig(dir.path() / "kuaguan.toml");
  REQUIRE(loaded.ok());
  CHECK(loaded->name == "郑州市档案馆");
  CHECK(loaded->role == "archive");
  CHECK(loaded->listen == "127.0.0.1:0");
  CHECK(loaded->data_dir == (dir.path() / "data").lexically_normal());
}

TEST_CASE("bad configs name the file and the problem") {
  kuaguan::testing::TempDir dir;
  const auto path = dir.path() / "k.toml";
  CHECK(LoadConfig(path).status().code() == absl::StatusCode::kNotFound);
  std::ofstream(path) << "[node]\narchive_id = \"41\"\nname = \"x\"\ndata_dir = \"d\"\n";
  auto bad_id = LoadConfig(path);
  REQUIRE_FALSE(bad_id.ok());
  CHECK(std::string(bad_id.status().message()).find("k.toml") != std::string::npos);
  std::ofstream(path, std::ios::trunc) << "[node\n";
  CHECK_FALSE(LoadConfig(path).ok());
  std::ofstream(path, std::ios::trunc)
      << "[node]\narchive_id = \"410100\"\nname = \"x\"\ndata_dir = \"d\"\nrole = \"king\"\n";
  CHECK_FALSE(LoadConfig(path).ok());
}
