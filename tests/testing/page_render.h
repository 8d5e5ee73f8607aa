// Renders Chinese text we compose into scanned-looking pages for tests and benchmarks: A4 at a
// given resolution, a CJK font (Noto Serif/Sans CJK SC), an optional header line (a secrecy
// mark), slight skew and speckle noise. Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace kuaguan::testing {

struct PageSpec {
  std::vector<std::string> paragraphs;  // body text
  std::string header;                   // printed alone at the top left (e.g. 机密★10年)
  std::string title;                    // centred, larger, below the header
  int dpi = 300;
  double font_pt = 14;
  double skew_degrees = 0.4;
  double noise = 0.002;                 // fraction of pixels turned dark
  unsigned seed = 1;
  bool half_page = false;               // A5-height page (quicker to OCR in tests)
  std::string font_family = "Noto Serif CJK SC";  // of the body (TC for traditional text)
  bool vertical = false;                // body in columns, top to bottom, right to left
};

// Renders `spec` as an 8-bit grey PNG at `path`.
absl::Status RenderPagePng(const PageSpec& spec, const std::string& path);

// Renders `specs` as the pages of a vector PDF at `path` (no noise: a born-digital document).
absl::Status RenderPagesPdf(const std::vector<PageSpec>& specs, const std::string& path);

// A paragraph of composed Chinese prose of about `chars` characters, deterministic for `seed`.
std::string ComposeParagraph(size_t chars, unsigned seed);

}  // namespace kuaguan::testing
