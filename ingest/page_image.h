// Page images through libvips: decode a page once (TIFF, also multi-page; JPEG; PNG; PDF) and
// derive from it 8-bit grey for OCR, an access JPEG and a thumbnail (colour kept when the scan is
// in colour, as photos are). Refuses undecodable data and decompression bombs (more than
// kMaxPagePixels) before decoding pixels, and before libvips sees them files in other formats
// and PDFs whose cross-reference is damaged (poppler's rebuild of one can allocate without end).
// Thread-safe (libvips is initialised once).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kuaguan::ingest {

inline constexpr int64_t kMaxPagePixels = 250'000'000;  // A2 at 600 dpi is ~140 million
inline constexpr int kCertificateLongSide = 2339;  // certificate copies: A4 at 200 dpi
inline constexpr int kAccessLongSide = 2000;  // access copy: A4 at ~170 dpi, enough to read on screen
inline constexpr int kThumbnailLongSide = 256;

struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // row-major, one byte per pixel
};

// Starts libvips once per process (the functions here do it themselves; code that calls libvips
// directly calls this first).
void StartVips();

// Number of pages in an image file's bytes (1 for single-page formats).
absl::StatusOr<int> CountPages(absl::string_view bytes);

// One page decoded once and what is derived from it.
struct DecodedPage {
  GreyImage grey;              // for OCR
  std::string access_jpeg;     // shrunk by a whole factor to at most kAccessLongSide pixels
  std::string thumbnail_jpeg;  // the same, to at most kThumbnailLongSide
  bool colour = false;         // the scan is in colour (the derivatives keep it)
};

// Page `page` (from 0); PDF pages are rendered at 300 dpi. INVALID_ARGUMENT with the reason for
// empty, corrupt, truncated or oversized images.
absl::StatusOr<DecodedPage> DecodePage(absl::string_view bytes, int page = 0);

struct Box {
  int left = 0, top = 0, right = 0, bottom = 0;  // pixels
};

enum class RedactedFormat { kPng, kJpeg };

// The page with an opaque black box over each of `boxes` (grown by half the box height sideways
// and a few pixels up and down, since OCR boxes can miss an edge glyph): the shared derivative,
// as PNG (lossless, what peers receive) or JPEG (quality 85, at most kCertificateLongSide pixels:
// what certificates embed as is).
// The original bytes are not changed.
absl::StatusOr<std::string> RedactedPage(absl::string_view bytes, int page, const std::vector<Box>& boxes,
                                         RedactedFormat format = RedactedFormat::kPng);

// `image` (a page image, e.g. the access JPEG) as PNG with a yellow highlighter over each of
// `boxes` (multiplied in, so the ink stays dark), the boxes given in the pixels of a page
// `width` x `height` (the page OCR read) and scaled to the image, grown by a few pixels and
// clipped to it. INVALID_ARGUMENT for an undecodable image or a page size that is not positive.
absl::StatusOr<std::string> HighlightedPage(absl::string_view image, int width, int height,
                                            const std::vector<Box>& boxes);

}  // namespace kuaguan::ingest
