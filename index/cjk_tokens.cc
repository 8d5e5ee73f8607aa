#include "absl/strings/string_view.h"
#include "index/cjk_tokens.h"

#include "base/utf8.h"
#include "index/text_flow.h"

namespace kuaguan::index {
namespace {

bool IsWordChar(char32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

bool Adjacent(const Token& a, const Token& b) { return b.pos == a.pos + 1; }

}  // namespace

std::vector<Token> Tokenize(absl::string_view folded, uint32_t first_pos) {
  std::vector<Token> out;
  uint32_t pos = first_pos;
  std::string word;
  bool gap = false;
  auto flush_word = [&]() {
    if (word.empty()) return;
    if (gap && !out.empty()) ++pos;
    out.push_back({word, pos++, false});
    word.clear();
    gap = false;
  };
  for (char32_t cp : Flow(base::DecodeUtf8(folded)).text) {
    if (IsWordChar(cp)) {
      // Very long runs (serial numbers, garbage) are cut into pieces: Xapian refuses long terms.
      if (word.size() >= kMaxWordBytes) flush_word();
      base::AppendUtf8(cp, &word);
      continue;
    }
    flush_word();
    if (base::IsHan(cp)) {
      if (gap && !out.empty()) ++pos;
      Token t;
      base::AppendUtf8(cp, &t.text);
      t.pos = pos++;
      t.han = true;
      out.push_back(std::move(t));
      gap = false;
    } else {
      gap = true;
    }
  }
  flush_word();
  return out;
}

std::vector<Posting> IndexPostings(const std::vector<Token>& tokens) {
  std::vector<Posting> out;
  out.reserve(tokens.size() * 2);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const bool followed = i + 1 < tokens.size() && Adjacent(tokens[i], tokens[i + 1]);
    // A Han character with a follower is found through its bigrams (see SingleHanQuery); words
    // always get their own term, since a prefix of a word is not the word.
    if (!tokens[i].han || !followed) out.push_back({tokens[i].text, tokens[i].pos, false});
    if (followed) out.push_back({tokens[i].text + tokens[i + 1].text, tokens[i].pos, true});
  }
  return out;
}

std::vector<std::vector<Token>> ConsecutiveRuns(const std::vector<Token>& tokens) {
  std::vector<std::vector<Token>> runs;
  for (const auto& t : tokens) {
    if (runs.empty() || !Adjacent(runs.back().back(), t)) runs.emplace_back();
    runs.back().push_back(t);
  }
  return runs;
}

std::vector<std::string> PhraseTerms(const std::vector<Token>& run) {
  if (run.size() == 1) return {run[0].text};
  std::vector<std::string> terms;
  for (size_t i = 0; i + 1 < run.size(); ++i) terms.push_back(run[i].text + run[i + 1].text);
  return terms;
}

}  // namespace kuaguan::index
