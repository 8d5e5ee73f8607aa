#include "node/page_highlight.h"

#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/utf8.h"
#include "index/cjk_tokens.h"
#include "index/text_flow.h"

namespace kuaguan::node {
namespace {

namespace v1 = kuaguan::v1;

// Where one code point of the page's text came from: a character of a word, or nothing found.
struct Origin {
  int word = -1;  // index in the page's words; -1 for separators and characters of no word
  int index = 0;  // the character's index in the word
  int line = 0;   // lines (and blank lines) before it in the text
};

// How far ahead in the text a word is looked for when it does not stand where the last one
// ended (a character OCR put in the line's text but in no word).
constexpr size_t kAlignWindow = 32;

bool IsSpace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000;
}

// True when word `cps` stands in `text` at `at`; masking ('*') stands for any character, since
// the text and the words are masked by different rules.
bool StandsAt(const std::vector<char32_t>& text, size_t at, const std::vector<char32_t>& cps) {
  if (at + cps.size() > text.size()) return false;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (text[at + i] != cps[i] && text[at + i] != '*' && cps[i] != '*') return false;
  }
  return true;
}

bool IsAsciiAlnum(char32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

// The box of character `index` of a word (code points `cps`, box `word`): the box cut along the
// line in proportion to its characters, a half-width (ASCII) one counting half.
ingest::Box CharacterBox(const ingest::Box& word, const std::vector<char32_t>& cps, int index,
                         bool vertical) {
  double before = 0, total = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    const double weight = cps[i] < 0x80 ? 0.5 : 1.0;
    if (static_cast<int>(i) < index) before += weight;
    total += weight;
  }
  const double own = cps[static_cast<size_t>(index)] < 0x80 ? 0.5 : 1.0;
  ingest::Box b = word;
  const int from = vertical ? word.top : word.left;
  const int length = vertical ? word.bottom - word.top : word.right - word.left;
  const int start = from + static_cast<int>(length * before / total + 0.5);
  const int end = from + static_cast<int>(length * (before + own) / total + 0.5);
  (vertical ? b.top : b.left) = start;
  (vertical ? b.bottom : b.right) = std::max(end, start + 1);
  return b;
}

void Grow(ingest::Box* into, const ingest::Box& b) {
  into->left = std::min(into->left, b.left);
  into->top = std::min(into->top, b.top);
  into->right = std::max(into->right, b.right);
  into->bottom = std::max(into->bottom, b.bottom);
}

}  // namespace

absl::StatusOr<std::vector<ingest::Box>> HighlightBoxes(const v1::PageText& page,
                                                        absl::string_view query,
                                                        index::ChineseFolder& folder) {
  // The query's runs, folded and joined as they would stand in text (as search marks snippets).
  std::vector<std::vector<char32_t>> needles;
  const std::string folded_query = folder.Fold(query);
  for (absl::string_view part : absl::StrSplit(folded_query, ' ', absl::SkipWhitespace())) {
    for (const auto& run : index::ConsecutiveRuns(index::Tokenize(part))) {
      std::string s;
      for (const auto& t : run) s += t.text;
      needles.push_back(base::DecodeUtf8(s));
    }
  }
  if (needles.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("highlight query '", query,
                     "' has no searchable characters (Han characters, letters or digits)"));
  }

  // The page's stored text (what search reads: OCR lines, a blank line at a paragraph end), each
  // code point knowing the word and character it is, found by reading the words in order along it.
  const bool vertical = absl::StrContains(page.ocr_languages(), "_vert");
  const std::vector<char32_t> text = base::DecodeUtf8(page.text());
  std::vector<Origin> origin(text.size());
  for (size_t i = 1; i < text.size(); ++i)
    origin[i].line = origin[i - 1].line + (text[i - 1] == '\n');
  std::vector<std::vector<char32_t>> word_cps(static_cast<size_t>(page.words_size()));
  std::vector<ingest::Box> word_box(static_cast<size_t>(page.words_size()));
  size_t at = 0;
  int prev = -1;
  for (int w = 0; w < page.words_size(); ++w) {
    const auto& word = page.words(w);
    auto& cps = word_cps[static_cast<size_t>(w)];
    cps = base::DecodeUtf8(word.text());
    word_box[static_cast<size_t>(w)] = {word.left(), word.top(), word.right(), word.bottom()};
    if (cps.empty() || word.right() <= word.left() || word.bottom() <= word.top()) continue;
    size_t from = at;
    while (from < text.size() && IsSpace(text[from])) ++from;
    size_t found = from;
    while (found < text.size() && found <= from + kAlignWindow && !StandsAt(text, found, cps))
      ++found;
    if (found >= text.size() || found > from + kAlignWindow) continue;
    for (size_t i = 0; i < cps.size(); ++i) {
      origin[found + i].word = w;
      origin[found + i].index = static_cast<int>(i);
    }
    // Tesseract's box of a Chinese word often runs on over the words after it: it ends where
    // the next word on its line starts.
    if (prev >= 0 && origin[found].line == origin[at - 1].line) {
      ingest::Box& before = word_box[static_cast<size_t>(prev)];
      if (!vertical && word.left() > before.left && word.left() < before.right)
        before.right = word.left();
      if (vertical && word.top() > before.top && word.top() < before.bottom)
        before.bottom = word.top();
    }
    at = found + cps.size();
    prev = w;
  }
  const std::vector<char32_t> folded = base::DecodeUtf8(folder.Fold(base::EncodeUtf8(text)));
  if (folded.size() != text.size()) {
    return absl::InternalError("folding changed the number of characters of the page's text");
  }
  const index::FlowedText flowed = index::Flow(folded);

  std::vector<ingest::Box> boxes;
  std::set<std::tuple<int, int, int, int>> seen;
  auto add = [&](const ingest::Box& b) {
    if (seen.insert({b.left, b.top, b.right, b.bottom}).second) boxes.push_back(b);
  };
  for (const auto& needle : needles) {
    for (const index::FlowMatch& m : index::FindFlowed(flowed, needle)) {
      // A Latin word or a number matches only whole, as in search.
      const auto at = static_cast<size_t>(
          std::lower_bound(flowed.origin.begin(), flowed.origin.end(), m.first) -
          flowed.origin.begin());
      const size_t after = at + needle.size();
      if (IsAsciiAlnum(needle.front()) && at > 0 && IsAsciiAlnum(flowed.text[at - 1])) continue;
      if (IsAsciiAlnum(needle.back()) && after < flowed.text.size() &&
          IsAsciiAlnum(flowed.text[after])) {
        continue;
      }
      bool open = false;
      ingest::Box box;
      int box_line = 0;
      for (uint32_t k = m.first; k <= m.last; ++k) {
        const Origin& o = origin[k];
        if (o.word < 0) continue;
        const ingest::Box c =
            CharacterBox(word_box[static_cast<size_t>(o.word)],
                         word_cps[static_cast<size_t>(o.word)], o.index, vertical);
        if (open && o.line == box_line) {
          Grow(&box, c);
          continue;
        }
        if (open) add(box);
        box = c;
        box_line = o.line;
        open = true;
      }
      if (open) add(box);
    }
  }
  return boxes;
}

}  // namespace kuaguan::node
