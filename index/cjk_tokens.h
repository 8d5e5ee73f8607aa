// Tokens for Chinese full-text search. Each Han character is a token; each run of ASCII letters
// and digits is a token; anything else separates tokens and breaks phrases (a position gap),
// except what does not end a word in running text (text_flow.h: a line break or spaces next to
// a Han character within a paragraph, a Latin word's line-end hyphen).
// Indexing posts every pair of adjacent tokens (a bigram: two Han characters, or a word and a
// Han character) at its position, so a query of several tokens becomes an exact phrase over its
// bigrams: scattered characters never match. Words, and Han characters that end a run, are also
// posted alone; a one-character query is then every term that starts with the character.
// Pure functions over already-folded text; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace kuaguan::index {

// Alphanumeric runs longer than this are split into consecutive tokens of this size.
inline constexpr size_t kMaxWordBytes = 64;

struct Token {
  std::string text;
  uint32_t pos = 0;  // positions of adjacent tokens differ by 1; separators add a gap
  bool han = false;
};

// Splits folded text into tokens, positions from `first_pos`.
std::vector<Token> Tokenize(absl::string_view folded, uint32_t first_pos = 1);

// A term with its position, for indexing.
struct Posting {
  std::string term;
  uint32_t pos = 0;        // meaningful when positional
  bool positional = false;  // bigrams carry positions; single tokens do not need them
};

// Every bigram of adjacent tokens (positional), every word and every run-final Han character
// (plain), as postings.
std::vector<Posting> IndexPostings(const std::vector<Token>& tokens);

// The query terms for a run of tokens with consecutive positions: the token itself for a run of
// one, else the run's bigrams in order, such that a document matches the phrase over them
// (window = their count) exactly when it holds the run.
std::vector<std::string> PhraseTerms(const std::vector<Token>& run);

// Splits tokens into runs of consecutive positions.
std::vector<std::vector<Token>> ConsecutiveRuns(const std::vector<Token>& tokens);

}  // namespace kuaguan::index
