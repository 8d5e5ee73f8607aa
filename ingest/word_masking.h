// Personal data on a recognized page (识别页面中的个人信息): the page's text with each run of personal
// data masked, and its words with those that carry part of a run masked and flagged, so that the
// shared page image can be covered where they stand. A number may be split across words
// ("号1" + "10105…"): a word with digits next to a masked word is masked too (the safe side).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ingest/ocr_engine.h"
#include "ingest/personal_data.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::ingest {

// Which of `words` are masked: those whose digits (two or more) belong to a finding, grown by
// one word on each side where that word holds a digit.
std::vector<bool> MaskedWords(const std::vector<OcrBox>& words,
                              const std::vector<PersonalDataFinding>& findings);

// `word` with its digits and X replaced by '*'.
std::string MaskWord(const std::string& word);

// Fills `page`'s text (masked), words (masked where MaskedWords says, with boxes and confidences),
// confidence and personal-data count from one recognized page.
void FillMaskedPage(const OcrPage& ocr, const std::vector<PersonalDataFinding>& findings,
                    kuaguan::v1::PageText* page);

}  // namespace kuaguan::ingest
