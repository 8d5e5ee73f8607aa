// Where a query stands on a scanned page (命中框): the pixel boxes of the characters it matches,
// from the page's stored OCR words, for drawing on the page image. Matching agrees with search:
// the query is folded (ChineseFolder) and split into runs as search splits it (whitespace-
// separated parts, then cjk_tokens' consecutive runs); each run is found wherever it stands in
// the page's stored text (OCR lines joined by '\n', a blank line where a paragraph ends) as it
// flows across lines (text_flow.h), a Latin word or number only whole. The words are found along
// the text in order (a masked '*' stands for any character); a word's box ends where the next
// word on its line starts (Tesseract's boxes of Chinese words often run on over the next ones),
// and a word holding several characters is cut along the line (downwards on a page read as
// vertical text) in proportion to its characters, a half-width one counting half, so that only
// the matched characters are boxed. A match gives one box per line it stands on: across a line
// break, two. Pure function; thread-safe when `folder` is.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "index/chinese_folding.h"
#include "ingest/page_image.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::node {

// The boxes (in the page's pixels, as its words' boxes) of every occurrence of every run of
// `query` on `page`, in text order, identical boxes once; empty when nothing matches.
// INVALID_ARGUMENT when the query has no searchable characters (Han characters, letters or
// digits).
absl::StatusOr<std::vector<ingest::Box>> HighlightBoxes(const kuaguan::v1::PageText& page,
                                                        absl::string_view query,
                                                        index::ChineseFolder& folder);

}  // namespace kuaguan::node
