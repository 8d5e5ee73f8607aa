// Finds personal data in text — identity numbers (18- and 15-digit) and phone numbers (mobile,
// and landline with area code) — and masks it. Errs on the side of safety: a run shaped like an
// identity number is reported even when its check character fails. Full-width digits count.
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::ingest {

enum class PersonalDataKind { kIdentityNumber, kMobilePhone, kLandlinePhone };

struct PersonalDataFinding {
  PersonalDataKind kind;
  size_t begin = 0;  // code-point offsets in the text, [begin, end)
  size_t end = 0;
  std::string digits;       // the number's characters without separators (ASCII)
  std::string identity;     // identity numbers: the normalized 18-character form
  bool check_ok = false;    // identity numbers: the check character is right
};

std::vector<PersonalDataFinding> FindPersonalData(absl::string_view text);

// `text` with every digit (and X) of every finding replaced by '*'; separators and everything
// else unchanged, so code-point offsets stay the same.
std::string MaskPersonalData(absl::string_view text,
                             const std::vector<PersonalDataFinding>& findings);

// `text` with the identity numbers in it masked (phone numbers kept): what a log or audit entry
// may hold.
std::string MaskIdentityNumbers(absl::string_view text);

// Applies `fn` to every text field of `record` (catalog fields and extra columns), replacing each
// value with what `fn` returns.
void RewriteTextFields(kuaguan::v1::Record* record,
                       const std::function<std::string(const std::string&)>& fn);

// "identity number", "mobile phone" or "landline phone".
const char* PersonalDataKindName(PersonalDataKind kind);

}  // namespace kuaguan::ingest
