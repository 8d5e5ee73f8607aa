#include "ingest/word_masking.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace kuaguan::ingest {
namespace {

bool HasDigit(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
}

// True when the word's digits (two or more) are part of a run of personal data on the page.
bool PartOfFinding(const std::string& word, const std::vector<PersonalDataFinding>& found) {
  std::string digits;
  for (char c : word) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
    if (c == 'X' || c == 'x') digits.push_back('X');
  }
  if (digits.size() < 2) return false;
  for (const auto& f : found) {
    if (f.digits.find(digits) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::vector<bool> MaskedWords(const std::vector<OcrBox>& words,
                              const std::vector<PersonalDataFinding>& findings) {
  std::vector<bool> masked(words.size());
  for (size_t i = 0; i < words.size(); ++i) masked[i] = PartOfFinding(words[i].text, findings);
  std::vector<bool> grown = masked;
  for (size_t i = 0; i < words.size(); ++i) {
    if (!masked[i]) continue;
    if (i > 0 && HasDigit(words[i - 1].text)) grown[i - 1] = true;
    if (i + 1 < words.size() && HasDigit(words[i + 1].text)) grown[i + 1] = true;
  }
  return grown;
}

std::string MaskWord(const std::string& word) {
  std::string out = word;
  for (char& c : out) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == 'X' || c == 'x') c = '*';
  }
  return out;
}

void FillMaskedPage(const OcrPage& ocr, const std::vector<PersonalDataFinding>& findings,
                    kuaguan::v1::PageText* page) {
  page->set_text(MaskPersonalData(ocr.text, findings));
  page->set_mean_confidence(ocr.mean_confidence);
  page->set_personal_data(static_cast<uint32_t>(findings.size()));
  const std::vector<bool> masked = MaskedWords(ocr.words, findings);
  for (size_t i = 0; i < ocr.words.size(); ++i) {
    const OcrBox& word = ocr.words[i];
    auto* w = page->add_words();
    w->set_text(masked[i] ? MaskWord(word.text) : word.text);
    w->set_masked(masked[i]);
    w->set_left(word.left);
    w->set_top(word.top);
    w->set_right(word.right);
    w->set_bottom(word.bottom);
    w->set_confidence(word.confidence);
  }
}

}  // namespace kuaguan::ingest
