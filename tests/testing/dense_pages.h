// Scanned-looking pages of Chinese administrative text (关于…的通知 / 办法 / 决定, articles
// 第一条…, issuing units, dates, numbers, full-width punctuation) laid out here, line by line, so
// that every line break is known: A4 at 300 dpi, 28–40 characters a line (per page), two fonts,
// skew, speckle, some pages with a ruled table or a red round seal over the signature. Also the
// lighter pages of ocr_bench (a title and four paragraphs of composed prose at 12 pt) laid out
// the same way. Phrases of 6–8 consecutive Han characters sampled from a page's body, each
// flagged when it crosses a line break; none crosses a paragraph's end. Deterministic by seed.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tests/testing/page_render.h"

namespace kuaguan::testing {

struct DensePage {
  PageLayout layout;
  // The body's paragraphs as printed, one string a line (the indent not included).
  std::vector<std::vector<std::string>> paragraphs;
  // Every printed character in reading order (title, body, table rows, signature; the seal's
  // text not included), lines separated by '\n'.
  std::string truth;
  std::string title;
  int chars_per_line = 0;  // of the body, in full-width characters
  std::string font;        // of the body
  bool has_table = false;
  bool has_seal = false;
};

// A dense administrative page (about 400–900 Han characters). Fonts alternate with the seed's
// parity; about a third of the pages carry a table, another third a seal.
DensePage MakeDensePage(unsigned seed);

// A lighter page in ocr_bench's style: title, four paragraphs of ComposeParagraph prose (~220
// characters each) in 12-pt Noto Serif CJK SC, 37 characters a line, skew -0.4°, 0 or 0.4°.
DensePage MakeLightPage(unsigned seed);

struct Phrase {
  std::string text;  // 6–8 Han characters, nothing else
  bool crosses_line_break = false;
};

// Up to `count` distinct phrases from `page`'s body, at least a third of them (where the page
// allows) crossing a line break.
std::vector<Phrase> SamplePhrases(const DensePage& page, size_t count, unsigned seed);

}  // namespace kuaguan::testing
