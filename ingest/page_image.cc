#include "ingest/page_image.h"

#include <vips/vips8>

#include <algorithm>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace kuaguan::ingest {
namespace {

std::string VipsMessage(const vips::VError& e) {
  std::string m = e.what();
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m.empty() ? "unknown format, or corrupt data" : m;
}

absl::StatusOr<vips::VImage> Open(absl::string_view bytes, const std::string& options) {
  StartVips();
  if (bytes.empty()) return absl::InvalidArgumentError("empty file (0 bytes)");
  try {
    vips::VImage img = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), options.c_str());
    const int64_t pixels = static_cast<int64_t>(img.width()) * img.height();
    if (pixels > kMaxPagePixels) {
      return absl::InvalidArgumentError(absl::StrCat(
          "image is ", img.width(), " x ", img.height(), " pixels (", pixels / 1000000,
          " million; at most ", kMaxPagePixels / 1000000, " million per page)"));
    }
    return img;
  } catch (const vips::VError& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a readable image: ", VipsMessage(e)));
  }
}

bool IsPdf(absl::string_view bytes) { return bytes.substr(0, 5) == "%PDF-"; }

// True when an sRGB page has visible colour (a photograph, a red seal), judged on a shrunk copy
// so that scanner noise and JPEG fringes average out.
bool IsColour(const vips::VImage& img) {
  if (img.bands() < 3) return false;
  const double scale = std::min(1.0, double(kThumbnailLongSide) / std::max(img.width(), img.height()));
  vips::VImage small = img.resize(scale).cast(VIPS_FORMAT_INT);
  vips::VImage r = small.extract_band(0), g = small.extract_band(1), b = small.extract_band(2);
  const double chroma = std::max({(r - g).abs().max(), (g - b).abs().max(), (r - b).abs().max()});
  return chroma > 48;
}

std::string Jpeg(const vips::VImage& img, int long_side) {
  const double scale = std::min(1.0, double(long_side) / std::max(img.width(), img.height()));
  vips::VImage out = scale < 1.0 ? img.resize(scale) : img;
  void* buf = nullptr;
  size_t size = 0;
  out.write_to_buffer(".jpg", &buf, &size, vips::VImage::option()->set("Q", 82)->set("strip", true));
  std::string bytes(static_cast<char*>(buf), size);
  g_free(buf);
  return bytes;
}

}  // namespace

void StartVips() {
  static std::once_flag once;
  std::call_once(once, [] {
    VIPS_INIT("kuaguan");
    vips_cache_set_max(0);  // pages are decoded once; caching them only costs memory
  });
}

absl::StatusOr<int> CountPages(absl::string_view bytes) {
  auto img = Open(bytes, IsPdf(bytes) ? "[dpi=72]" : "");
  if (!img.ok()) return img.status();
  const int n = img->get_typeof("n-pages") != 0 ? img->get_int("n-pages") : 1;
  if (n < 1) return absl::InvalidArgumentError("file has no pages");
  return n;
}

absl::StatusOr<DecodedPage> DecodePage(absl::string_view bytes, int page) {
  // fail_on=truncated: a truncated or corrupt file is an error, not a half-black page.
  std::string options;
  if (IsPdf(bytes)) {
    options = absl::StrCat("[dpi=300,page=", page, ",fail_on=truncated]");
  } else if (page > 0) {
    options = absl::StrCat("[page=", page, ",fail_on=truncated]");
  } else {
    options = "[fail_on=truncated]";
  }
  auto opened = Open(bytes, options);
  if (!opened.ok()) return opened.status();
  try {
    vips::VImage img = *opened;
    if (img.has_alpha()) img = img.flatten(vips::VImage::option()->set("background", 255.0));
    DecodedPage out;
    img = img.colourspace(img.bands() >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W)
              .cast(VIPS_FORMAT_UCHAR)
              .copy_memory();  // the one decode: everything below reads these pixels
    out.colour = IsColour(img);
    if (!out.colour && img.bands() > 1) {  // grey kept as RGB
      img = img.extract_band(1).copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_B_W));
    }
    vips::VImage grey = out.colour ? img.colourspace(VIPS_INTERPRETATION_B_W) : img;
    if (grey.bands() > 1) grey = grey.extract_band(0);
    size_t size = 0;
    void* mem = grey.cast(VIPS_FORMAT_UCHAR).write_to_memory(&size);
    out.grey.width = grey.width();
    out.grey.height = grey.height();
    out.grey.pixels.assign(static_cast<uint8_t*>(mem), static_cast<uint8_t*>(mem) + size);
    g_free(mem);
    if (out.grey.pixels.size() != static_cast<size_t>(out.grey.width) * out.grey.height) {
      return absl::InternalError("decoded page has an unexpected size");
    }
    out.access_jpeg = Jpeg(img, kAccessLongSide);
    out.thumbnail_jpeg = Jpeg(img, kThumbnailLongSide);
    return out;
  } catch (const vips::VError& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("page ", page + 1, " cannot be decoded (corrupt or truncated?): ",
                     VipsMessage(e)));
  }
}

absl::StatusOr<std::string> RedactedPagePng(absl::string_view bytes, int page,
                                            const std::vector<Box>& boxes) {
  std::string options = IsPdf(bytes) ? absl::StrCat("[dpi=300,page=", page, "]")
                        : page > 0   ? absl::StrCat("[page=", page, "]")
                                     : "";
  auto opened = Open(bytes, options);
  if (!opened.ok()) return opened.status();
  try {
    vips::VImage img = *opened;
    if (img.has_alpha()) img = img.flatten(vips::VImage::option()->set("background", 255.0));
    img = img.cast(VIPS_FORMAT_UCHAR).copy_memory();
    constexpr int kPad = 4;
    std::vector<double> black(img.bands(), 0.0);
    for (const auto& b : boxes) {
      // OCR word boxes often miss the edge glyph of a number: grow sideways by half a line.
      const int side = std::max(kPad, (b.bottom - b.top) / 2);
      const int left = std::max(0, b.left - side), top = std::max(0, b.top - kPad);
      const int right = std::min(img.width(), b.right + side);
      const int bottom = std::min(img.height(), b.bottom + kPad);
      if (right <= left || bottom <= top) continue;
      img.draw_rect(black, left, top, right - left, bottom - top,
                    vips::VImage::option()->set("fill", true));
    }
    void* buf = nullptr;
    size_t size = 0;
    if (vips_pngsave_buffer(img.get_image(), &buf, &size, nullptr) != 0) {
      return absl::InternalError(absl::StrCat("cannot encode the shared page: ", vips_error_buffer()));
    }
    std::string out(static_cast<char*>(buf), size);
    g_free(buf);
    return out;
  } catch (const vips::VError& e) {
    return absl::InvalidArgumentError(absl::StrCat("page cannot be redacted: ", VipsMessage(e)));
  }
}

}  // namespace kuaguan::ingest
