// The staging area for uploaded scans: only relative paths inside the upload, bounded sizes, an
// unfinished upload leaves nothing, a finished one is found again by its id and removed after use.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "node/scan_staging.h"
#include "tests/testing/temp_dir.h"

using kuaguan::node::CheckRelativePath;
using kuaguan::node::ScanStaging;
using kuaguan::node::StagingLimits;
namespace v1 = kuaguan::v1;

namespace {

v1::ScanChunk Chunk(const std::string& path, const std::string& data) {
  v1::ScanChunk c;
  c.set_path(path);
  c.set_data(data);
  return c;
}

}  // namespace

TEST_CASE("a client's file names stay inside the upload") {
  for (const std::string& ok : std::vector<std::string>{"base/manifest.csv", "base/卷一/第1页.png", "manifest/m.jsonl"}) {
    INFO(ok);
    CHECK(CheckRelativePath(ok).ok());
  }
  for (const std::string& bad : std::vector<std::string>{"", "/etc/shadow", "../x", "base/../../x", "base//x", "base/./x", "a\nb",
                                std::string("a\0b", 3), "\xff\xfe", std::string(2000, 'a')}) {
    INFO(bad);
    CHECK(CheckRelativePath(bad).code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("an upload is written, found, bounded, and removed") {
  kuaguan::testing::TempDir dir;
  StagingLimits limits;
  limits.max_file_bytes = 10;
  limits.max_total_bytes = 15;
  limits.max_files = 3;
  auto staging = ScanStaging::Open(dir.path() / "staging", limits);
  REQUIRE(staging.ok());

  auto upload = (*staging)->Begin();
  REQUIRE(upload.ok());
  REQUIRE((*upload)->Add(Chunk("base/a.csv", "档号\n")).ok());
  REQUIRE((*upload)->Add(Chunk("", "x")).ok());
  REQUIRE((*upload)->Add(Chunk("base/sub/b.png", "png")).ok());
  REQUIRE((*upload)->Add(Chunk("base/empty/", "")).ok());
  CHECK((*upload)->Add(Chunk("", "after a folder")).code() == absl::StatusCode::kInvalidArgument);
  CHECK((*upload)->Add(Chunk("base/../", "")).code() == absl::StatusCode::kInvalidArgument);
  CHECK((*upload)->Add(Chunk("base/a.csv", "again")).code() == absl::StatusCode::kInvalidArgument);
  auto done = (*upload)->Done();
  REQUIRE(done.ok());
  CHECK(done->files() == 3);
  CHECK(done->bytes() == 11);
  auto path = (*staging)->Resolve(done->staging(), "base/a.csv");
  REQUIRE(path.ok());
  std::ifstream in(*path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "档号\nx");
  CHECK((*staging)->Resolve(done->staging(), "../../etc/passwd").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK((*staging)->Resolve("../x", "").status().code() == absl::StatusCode::kNotFound);
  (*staging)->Remove(done->staging());
  CHECK((*staging)->Resolve(done->staging(), "").status().code() == absl::StatusCode::kNotFound);

  auto big = (*staging)->Begin();
  REQUIRE(big.ok());
  CHECK((*big)->Add(Chunk("", "no file named")).code() == absl::StatusCode::kInvalidArgument);
  CHECK((*big)->Add(Chunk("f", std::string(11, 'x'))).code() == absl::StatusCode::kResourceExhausted);
  const auto id_dir = std::filesystem::directory_iterator(dir.path() / "staging")->path();
  big->reset();  // never finished: nothing is left
  CHECK_FALSE(std::filesystem::exists(id_dir));
}
