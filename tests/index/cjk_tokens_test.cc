#include "index/cjk_tokens.h"

#include <catch2/catch.hpp>

using namespace kuaguan::index;

TEST_CASE("Han characters are tokens - words are tokens - punctuation leaves a gap") {
  auto t = Tokenize("档案，馆iso9001");
  REQUIRE(t.size() == 4);
  CHECK(t[0].text == "档");
  CHECK(t[1].pos == t[0].pos + 1);
  CHECK(t[2].pos == t[1].pos + 2);  // the comma breaks the phrase
  CHECK(t[3].text == "iso9001");
  CHECK_FALSE(t[3].han);
}

TEST_CASE("very long alphanumeric runs become several tokens") {
  auto t = Tokenize(std::string(300, 'a'));
  REQUIRE(t.size() == 5);
  CHECK(t[0].text.size() == kMaxWordBytes);
  CHECK(t[1].pos == t[0].pos + 1);
}

TEST_CASE("postings hold bigrams only of adjacent tokens") {
  auto p = IndexPostings(Tokenize("档案，馆"));
  std::vector<std::string> terms;
  for (const auto& x : p) terms.push_back(x.term);
  CHECK(std::find(terms.begin(), terms.end(), "档案") != terms.end());
  CHECK(std::find(terms.begin(), terms.end(), "案馆") == terms.end());
  CHECK(std::find(terms.begin(), terms.end(), "档") == terms.end());  // found via 档案
  CHECK(std::find(terms.begin(), terms.end(), "案") != terms.end());  // ends its run
}

TEST_CASE("phrase terms cover a run with consecutive positions") {
  auto runs = ConsecutiveRuns(Tokenize("档案馆"));
  REQUIRE(runs.size() == 1);
  CHECK(PhraseTerms(runs[0]) == std::vector<std::string>{"档案", "案馆"});
  auto mixed = ConsecutiveRuns(Tokenize("2011年度"));
  REQUIRE(mixed.size() == 1);
  CHECK(PhraseTerms(mixed[0]) == std::vector<std::string>{"2011年", "年度"});
  auto tail = ConsecutiveRuns(Tokenize("档案a"));
  CHECK(PhraseTerms(tail[0]) == std::vector<std::string>{"档案", "案a"});
  CHECK(PhraseTerms(ConsecutiveRuns(Tokenize("档"))[0]) == std::vector<std::string>{"档"});
}
