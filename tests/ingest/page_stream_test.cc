// The page stream on real Tesseract engines: items handed back whole and in page order, the
// window bounding pages in flight, a stop or an error ending it cleanly.
#include "ingest/page_stream.h"

#include <catch2/catch.hpp>

#include <set>

#include "absl/strings/str_cat.h"
#include "seal/digest.h"
#include "tests/testing/page_render.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::ingest;

namespace {

struct Pages {
  kuaguan::testing::TempDir dir;
  std::vector<std::string> paths;
  explicit Pages(int n) {
    for (int i = 0; i < n; ++i) {
      kuaguan::testing::PageSpec spec;
      spec.half_page = true;
      spec.noise = 0;
      spec.paragraphs = {absl::StrCat("第", i + 1, "页")};
      spec.seed = static_cast<unsigned>(i + 1);
      paths.push_back((dir.path() / absl::StrCat("p", i, ".png")).string());
      REQUIRE(kuaguan::testing::RenderPagePng(spec, paths.back()).ok());
    }
  }
};

}  // namespace

TEST_CASE("a page stream hands each item back whole - in page order - within its window") {
  Pages pages(7);
  auto pool = OcrPool::Create(2, "chi_sim");
  REQUIRE(pool.ok());
  const std::vector<std::vector<int>> items = {{0}, {1, 2, 3}, {4}, {5, 6}, {}};
  size_t next = 0;
  std::map<uint64_t, std::vector<std::string>> got;
  size_t last_read = 0;
  PageStream stream(pool->get(), 2);
  const absl::Status st = stream.Run(
      [&]() -> absl::StatusOr<std::optional<StreamItem>> {
        if (next == items.size()) return std::nullopt;
        StreamItem item{next, {}};
        for (int p : items[next]) item.pages.push_back({pages.paths[static_cast<size_t>(p)], 0, "", nullptr});
        ++next;
        return item;
      },
      [&](uint64_t id, std::vector<ScannedPage> scanned) {
        REQUIRE(got.count(id) == 0);
        for (const auto& p : scanned) {
          REQUIRE(p.status.ok());
          got[id].push_back(p.sm3);
        }
        return absl::OkStatus();
      },
      [&](size_t read) {
        CHECK(read > last_read);
        last_read = read;
      },
      nullptr);
  REQUIRE(st.ok());
  CHECK(last_read == 7);
  REQUIRE(got.size() == 4);  // the empty item is never handed back
  for (size_t i = 0; i < 4; ++i) {
    std::vector<std::string> want;
    for (int p : items[i]) {
      want.push_back(kuaguan::seal::Sm3(*ReadFileBytes(pages.paths[static_cast<size_t>(p)])));
    }
    CHECK(got[i] == want);
  }
  CHECK(stream.peak_in_flight() <= 2 - 1 + 3);  // the window, overshot by at most one item
}

TEST_CASE("a stopped page stream hands back only whole items - an error from done ends it") {
  Pages pages(6);
  auto pool = OcrPool::Create(2, "chi_sim");
  REQUIRE(pool.ok());
  std::atomic<bool> cancel{false};
  uint64_t next = 0;
  auto one_page_items = [&]() -> absl::StatusOr<std::optional<StreamItem>> {
    if (next == pages.paths.size()) return std::nullopt;
    StreamItem item{next, {{pages.paths[next], 0, "", nullptr}}};
    ++next;
    return item;
  };
  std::set<uint64_t> done;
  PageStream stream(pool->get(), 2);
  const absl::Status st = stream.Run(
      one_page_items,
      [&](uint64_t id, std::vector<ScannedPage> scanned) {
        CHECK(scanned.at(0).status.ok());
        done.insert(id);
        return absl::OkStatus();
      },
      [&](size_t) { cancel = true; }, &cancel);
  CHECK(absl::IsCancelled(st));
  CHECK(!done.empty());
  CHECK(done.size() < pages.paths.size());

  next = 0;
  size_t calls = 0;
  const absl::Status failed = stream.Run(
      one_page_items,
      [&](uint64_t, std::vector<ScannedPage>) {
        ++calls;
        return absl::DataLossError("disk gone");
      },
      {}, nullptr);
  CHECK(failed.code() == absl::StatusCode::kDataLoss);
  CHECK(calls == 1);
}
