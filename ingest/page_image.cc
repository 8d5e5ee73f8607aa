#include "ingest/page_image.h"

#include <vips/vips8>

#include <algorithm>
#include <mutex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/media_type.h"

namespace kuaguan::ingest {
namespace {

std::string VipsMessage(const vips::VError& e) {
  std::string m = e.what();
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m.empty() ? "unknown format, or corrupt data" : m;
}

bool IsPdf(absl::string_view bytes) { return bytes.substr(0, 5) == "%PDF-"; }

// The formats a page may be in, by their first bytes: TIFF (also BigTIFF), JPEG, PNG, PDF.
// libvips would take anything it has a loader for (SVG, GIF, WebP, HEIF, JPEG 2000 and every
// format ImageMagick reads), each a parser of its own; a page in none of ours is refused first.
bool IsPageFormat(absl::string_view b) {
  const absl::string_view four = b.substr(0, 4);
  if (four == absl::string_view("II+\0", 4) || four == absl::string_view("MM\0+", 4)) return true;  // BigTIFF
  const std::string type = base::SniffMediaType(b);
  if (type == "image/tiff") return four == absl::string_view("II*\0", 4) || four == absl::string_view("MM\0*", 4);
  return !type.empty();
}

bool IsPdfSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

// Reads white space, then 1-10 digits at `*at`, advancing it.
bool PdfNumber(absl::string_view s, size_t* at, uint64_t* out) {
  size_t i = *at;
  while (i < s.size() && IsPdfSpace(s[i])) ++i;
  const size_t from = i;
  while (i < s.size() && i - from <= 10 && absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) {
    ++i;
  }
  if (i == from || i - from > 10 || !absl::SimpleAtoi(s.substr(from, i - from), out)) return false;
  *at = i;
  return true;
}

// True when "NUMBER GENERATION obj" starts at `offset` (white space before it allowed, as
// readers allow), with object number `number` unless it is negative.
bool ObjectAt(absl::string_view pdf, uint64_t offset, int64_t number) {
  if (offset >= pdf.size()) return false;
  size_t i = offset;
  uint64_t n = 0, generation = 0;
  if (!PdfNumber(pdf, &i, &n) || !PdfNumber(pdf, &i, &generation)) return false;
  if (number >= 0 && n != static_cast<uint64_t>(number)) return false;
  const size_t before = i;
  while (i < pdf.size() && IsPdfSpace(pdf[i])) ++i;
  return i > before && pdf.substr(i, 3) == "obj";
}

// Poppler rebuilds a damaged cross-reference by scanning the whole file, and on some crafted files
// of a few dozen bytes that rebuild allocates without end (Debian 12's poppler 22.12: 24 GB
// within a minute; tests/fuzz/page_image_fuzz found it). So a PDF is opened only when its
// cross-reference needs no rebuilding: the last startxref points at an xref table whose entries
// point at their objects, through each /Prev, or at a cross-reference stream object.
// Bounded: one pass over each table, at most 64 of them.
absl::Status CheckPdfCrossReference(absl::string_view pdf) {
  const auto damaged = [](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("the PDF is damaged (", why, "): save it again from the scanning software"));
  };
  const absl::string_view tail = pdf.substr(pdf.size() > 1024 ? pdf.size() - 1024 : 0);
  const size_t sx = tail.rfind("startxref");
  if (sx == absl::string_view::npos) return damaged("no startxref at its end");
  size_t i = sx + 9;
  uint64_t offset = 0;
  if (!PdfNumber(tail, &i, &offset) || offset >= pdf.size()) {
    return damaged("startxref points nowhere");
  }
  std::set<uint64_t> seen;
  for (int sections = 0; sections < 64; ++sections) {
    if (!seen.insert(offset).second) return damaged("its cross-reference sections loop");
    size_t at = offset;
    while (at < pdf.size() && IsPdfSpace(pdf[at])) ++at;
    if (pdf.substr(at, 4) != "xref") {
      // A cross-reference stream (PDF 1.5): its entries are compressed, poppler reads them.
      if (ObjectAt(pdf, offset, -1)) return absl::OkStatus();
      return damaged("startxref does not point at a cross-reference");
    }
    at += 4;
    while (true) {
      while (at < pdf.size() && IsPdfSpace(pdf[at])) ++at;
      if (pdf.substr(at, 7) == "trailer") break;
      uint64_t first = 0, count = 0;
      if (!PdfNumber(pdf, &at, &first) || !PdfNumber(pdf, &at, &count) ||
          count > (pdf.size() - at) / 18) {  // an entry takes 18 bytes at least
        return damaged("a cross-reference table does not parse");
      }
      for (uint64_t k = 0; k < count; ++k) {
        uint64_t entry = 0, generation = 0;
        if (!PdfNumber(pdf, &at, &entry) || !PdfNumber(pdf, &at, &generation)) {
          return damaged("a cross-reference entry does not parse");
        }
        while (at < pdf.size() && IsPdfSpace(pdf[at])) ++at;
        if (at >= pdf.size() || (pdf[at] != 'n' && pdf[at] != 'f')) {
          return damaged("a cross-reference entry does not parse");
        }
        if (pdf[at++] == 'n' && !ObjectAt(pdf, entry, static_cast<int64_t>(first + k))) {
          return damaged(
              absl::StrCat("object ", first + k, " is not where its cross-reference says"));
        }
      }
    }
    // The trailer: another section to check when it names one (/Prev), up to the next startxref.
    const absl::string_view trailer =
        pdf.substr(at, std::min<size_t>(pdf.find("startxref", at) - at, 4096));
    const size_t prev = trailer.find("/Prev");
    if (prev == absl::string_view::npos) return absl::OkStatus();
    size_t p = prev + 5;
    if (!PdfNumber(trailer, &p, &offset) || offset >= pdf.size()) {
      return damaged("/Prev points nowhere");
    }
  }
  return damaged("over 64 cross-reference sections");
}

absl::StatusOr<vips::VImage> Open(absl::string_view bytes, const std::string& options) {
  StartVips();
  if (bytes.empty()) return absl::InvalidArgumentError("empty file (0 bytes)");
  if (!IsPageFormat(bytes)) {
    return absl::InvalidArgumentError(
        "not a TIFF, JPEG, PNG or PDF file (its first bytes say otherwise)");
  }
  if (IsPdf(bytes)) {
    if (absl::Status st = CheckPdfCrossReference(bytes); !st.ok()) return st;
  }
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

// `img` shrunk by a whole factor (box-averaged: fast, and sharp enough for reading on screen) so
// that its longest side is at most `long_side`, in memory; never enlarged.
vips::VImage Shrunk(const vips::VImage& img, int long_side) {
  const int side = std::max(img.width(), img.height());
  const int factor = (side + long_side - 1) / long_side;
  return (factor > 1 ? img.shrink(factor, factor) : img).copy_memory();
}

// True when an sRGB image has visible colour (a photograph, a red seal): some sampled pixel is
// far from grey (scanner noise and JPEG fringes stay well below the threshold).
bool IsColour(const vips::VImage& img) {
  if (img.bands() < 3) return false;
  vips::VImage i = img.subsample(8, 8).cast(VIPS_FORMAT_INT);
  vips::VImage r = i.extract_band(0), g = i.extract_band(1), b = i.extract_band(2);
  const double chroma = std::max({(r - g).abs().max(), (g - b).abs().max(), (r - b).abs().max()});
  return chroma > 48;
}

vips::VImage GreyBand(const vips::VImage& img) {
  return img.extract_band(1).copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_B_W));
}

std::string Jpeg(const vips::VImage& img) {
  void* buf = nullptr;
  size_t size = 0;
  img.write_to_buffer(".jpg", &buf, &size, vips::VImage::option()->set("Q", 82)->set("strip", true));
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
    vips_concurrency_set(1);  // callers run one page per core; more threads only contend
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
    // Derivatives from the decoded pixels: the access copy, and the thumbnail from that.
    out.colour = IsColour(img);
    if (!out.colour && img.bands() > 1) img = GreyBand(img).copy_memory();  // grey stored as RGB
    const vips::VImage access = Shrunk(img, kAccessLongSide);
    const vips::VImage thumbnail = Shrunk(access, kThumbnailLongSide);
    vips::VImage grey = out.colour ? img.colourspace(VIPS_INTERPRETATION_B_W).cast(VIPS_FORMAT_UCHAR) : img;
    if (grey.bands() > 1) grey = grey.extract_band(0);
    size_t size = 0;
    void* mem = grey.write_to_memory(&size);
    out.grey.width = grey.width();
    out.grey.height = grey.height();
    out.grey.pixels.assign(static_cast<uint8_t*>(mem), static_cast<uint8_t*>(mem) + size);
    g_free(mem);
    if (out.grey.pixels.size() != static_cast<size_t>(out.grey.width) * out.grey.height) {
      return absl::InternalError("decoded page has an unexpected size");
    }
    out.access_jpeg = Jpeg(access);
    out.thumbnail_jpeg = Jpeg(thumbnail);
    return out;
  } catch (const vips::VError& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("page ", page + 1, " cannot be decoded (corrupt or truncated?): ",
                     VipsMessage(e)));
  }
}

absl::StatusOr<std::string> RedactedPage(absl::string_view bytes, int page, const std::vector<Box>& boxes,
                                         RedactedFormat format) {
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
    if (format == RedactedFormat::kJpeg && std::max(img.width(), img.height()) > kCertificateLongSide) {
      img = img.resize(double(kCertificateLongSide) / std::max(img.width(), img.height()));
    }
    void* buf = nullptr;
    size_t size = 0;
    const int failed = format == RedactedFormat::kJpeg
                           ? vips_jpegsave_buffer(img.get_image(), &buf, &size, "Q", 85, "strip", TRUE, nullptr)
                           : vips_pngsave_buffer(img.get_image(), &buf, &size, nullptr);
    if (failed != 0) {
      return absl::InternalError(absl::StrCat("cannot encode the shared page: ", vips_error_buffer()));
    }
    std::string out(static_cast<char*>(buf), size);
    g_free(buf);
    return out;
  } catch (const vips::VError& e) {
    return absl::InvalidArgumentError(absl::StrCat("page cannot be redacted: ", VipsMessage(e)));
  }
}

absl::StatusOr<std::string> HighlightedPage(absl::string_view image, int width, int height,
                                            const std::vector<Box>& boxes) {
  if (width <= 0 || height <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page size ", width, " x ", height, " is not positive"));
  }
  auto opened = Open(image, "");
  if (!opened.ok()) return opened.status();
  try {
    vips::VImage img = *opened;
    if (img.has_alpha()) img = img.flatten(vips::VImage::option()->set("background", 255.0));
    img = img.colourspace(VIPS_INTERPRETATION_sRGB).cast(VIPS_FORMAT_UCHAR).copy_memory();
    const double sx = double(img.width()) / width, sy = double(img.height()) / height;
    const int pad = std::max(1, static_cast<int>(3 * std::max(sx, sy) + 0.5));
    vips::VImage mask =
        vips::VImage::black(img.width(), img.height()).cast(VIPS_FORMAT_UCHAR).copy_memory();
    for (const auto& b : boxes) {
      const int left = std::max(0, static_cast<int>(b.left * sx) - pad);
      const int top = std::max(0, static_cast<int>(b.top * sy) - pad);
      const int right = std::min(img.width(), static_cast<int>(b.right * sx + 0.999) + pad);
      const int bottom = std::min(img.height(), static_cast<int>(b.bottom * sy + 0.999) + pad);
      if (right <= left || bottom <= top) continue;
      mask.draw_rect({255.0}, left, top, right - left, bottom - top,
                     vips::VImage::option()->set("fill", true));
    }
    const vips::VImage yellow = (img * std::vector<double>{1.0, 0.92, 0.2}).cast(VIPS_FORMAT_UCHAR);
    const vips::VImage out = mask.ifthenelse(yellow, img);
    void* buf = nullptr;
    size_t size = 0;
    if (vips_pngsave_buffer(out.get_image(), &buf, &size, nullptr) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot encode the highlighted page: ", vips_error_buffer()));
    }
    std::string png(static_cast<char*>(buf), size);
    g_free(buf);
    return png;
  } catch (const vips::VError& e) {
    return absl::InvalidArgumentError(absl::StrCat("page cannot be highlighted: ", VipsMessage(e)));
  }
}

}  // namespace kuaguan::ingest
