// Renders Chinese text we compose into scanned-looking pages for tests and benchmarks: A4 at a
// given resolution, a CJK font (Noto Serif/Sans CJK SC), an optional header line (a secrecy
// mark), slight skew and speckle noise. Or a page the caller laid out itself (PageLayout): runs
// of text at known positions, ruled lines and red round seals. Thread-compatible.
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

// Renders `spec` as an 8-bit PNG at `path` (RGB, every pixel grey).
absl::Status RenderPagePng(const PageSpec& spec, const std::string& path);

// One run of text on a laid-out page, set on one line (never wrapped). Positions are in
// millimetres from the page's top left, before skew; `y_mm` is the top of the run's line box.
struct PlacedText {
  enum class Align { kLeft, kCentre, kRight };  // x_mm is the run's left edge, centre, right edge
  std::string text;
  std::string font = "Noto Serif CJK SC";  // a Pango family, optionally with a style ("… Bold")
  double size_pt = 14;
  double x_mm = 0;
  double y_mm = 0;
  Align align = Align::kLeft;
};

// A ruled line (a table's border), in millimetres.
struct RuledLine {
  double x0_mm = 0, y0_mm = 0, x1_mm = 0, y1_mm = 0;
  double width_mm = 0.3;
};

// A red round seal (公章): a ring, a five-pointed star in the middle and `text` along the upper
// arc. Printed in red ink over whatever lies beneath (multiplied: black text stays black).
struct RedSeal {
  std::string text;
  double centre_x_mm = 0, centre_y_mm = 0;
  double radius_mm = 21;
};

// An A4 page whose layout the caller fixed: it knows where every line breaks.
struct PageLayout {
  std::vector<PlacedText> texts;
  std::vector<RuledLine> rules;
  std::vector<RedSeal> seals;
  int dpi = 300;
  double skew_degrees = 0;  // the whole page turned about its centre
  double noise = 0.002;     // fraction of pixels turned dark
  unsigned seed = 1;        // of the speckle
};

// Renders `layout` as an 8-bit RGB PNG at `path` (grey unless it bears a seal).
absl::Status RenderLayoutPng(const PageLayout& layout, const std::string& path);

// Renders `specs` as the pages of a vector PDF at `path` (no noise: a born-digital document).
absl::Status RenderPagesPdf(const std::vector<PageSpec>& specs, const std::string& path);

// A paragraph of composed Chinese prose of about `chars` characters, deterministic for `seed`.
std::string ComposeParagraph(size_t chars, unsigned seed);

}  // namespace kuaguan::testing
