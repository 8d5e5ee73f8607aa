// Feeds: arbitrary bytes as a scanned page to CountPages and, when the header says it is small
// (2 million pixels at most), to DecodePage and RedactedPage. Asserts: refusals are
// INVALID_ARGUMENT with a reason; grey is width x height; derivatives JPEG; a redacted page PNG.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vips/vips8>

#include "ingest/page_image.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

constexpr int64_t kMaxFuzzPixels = 2'000'000;  // decode only pages this small: keep runs fast

// The size of the first page as the header says (PDF at the 300 dpi DecodePage renders), or -1.
int64_t HeaderPixels(absl::string_view bytes) {
  const bool pdf = bytes.substr(0, 5) == "%PDF-";
  try {
    vips::VImage img =
        vips::VImage::new_from_buffer(bytes.data(), bytes.size(), pdf ? "[dpi=300]" : "");
    return static_cast<int64_t>(img.width()) * img.height();
  } catch (const vips::VError&) {
    return -1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  kuaguan::ingest::StartVips();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes = kuaguan::fuzz::AsView(data, size);
  auto pages = kuaguan::ingest::CountPages(bytes);
  if (!pages.ok()) {
    FUZZ_CHECK(pages.status().code() == absl::StatusCode::kInvalidArgument,
               pages.status().ToString());
    FUZZ_CHECK(!pages.status().message().empty(), "a refusal says why");
    return 0;
  }
  FUZZ_CHECK(*pages >= 1, "a page file has pages");
  const int64_t pixels = HeaderPixels(bytes);
  if (pixels < 0 || pixels > kMaxFuzzPixels) return 0;
  auto page = kuaguan::ingest::DecodePage(bytes, 0);
  if (!page.ok()) {
    FUZZ_CHECK(page.status().code() == absl::StatusCode::kInvalidArgument,
               page.status().ToString());
    return 0;
  }
  FUZZ_CHECK(page->grey.width > 0 && page->grey.height > 0, "a decoded page has pixels");
  FUZZ_CHECK(page->grey.pixels.size() == static_cast<size_t>(page->grey.width) * page->grey.height,
             "grey size");
  FUZZ_CHECK(page->access_jpeg.rfind("\xFF\xD8\xFF", 0) == 0, "the access copy is JPEG");
  FUZZ_CHECK(page->thumbnail_jpeg.rfind("\xFF\xD8\xFF", 0) == 0, "the thumbnail is JPEG");
  const kuaguan::ingest::Box box{1, 1, page->grey.width / 2 + 1, page->grey.height / 2 + 1};
  auto redacted = kuaguan::ingest::RedactedPage(bytes, 0, {box});
  if (redacted.ok()) FUZZ_CHECK(redacted->rfind("\x89PNG", 0) == 0, "a redacted page is PNG");
  return 0;
}
