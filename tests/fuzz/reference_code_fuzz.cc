// Feeds: arbitrary bytes as an archival reference code (档号, DA/T 22 / DA/T 13).
// Asserts: a parsed code is at most 100 bytes of at least two non-empty parts joined by - or ·,
// the last all digits; each middle part is category, year, retention or a unit exactly once.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "ingest/reference_code.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view code = kuaguan::fuzz::AsView(data, size);
  auto ref = kuaguan::ingest::ParseReferenceCode(code);
  if (!ref.ok()) {
    FUZZ_CHECK(ref.status().code() == absl::StatusCode::kInvalidArgument, ref.status().ToString());
    FUZZ_CHECK(!ref.status().message().empty(), "a refusal says why");
    return 0;
  }
  FUZZ_CHECK(!code.empty() && code.size() <= 100, std::string(code));
  FUZZ_CHECK(kuaguan::base::IsValidUtf8(code), "a code that parses is UTF-8");
  FUZZ_CHECK(ref->parts_size() >= 2, std::string(code));
  size_t bytes = 0;
  for (const auto& p : ref->parts()) {
    FUZZ_CHECK(!p.empty(), std::string(code));
    bytes += p.size();
  }
  FUZZ_CHECK(bytes < code.size(), "the separators are not parts");
  FUZZ_CHECK(ref->fonds() == ref->parts(0), std::string(code));
  FUZZ_CHECK(ref->item() == ref->parts(ref->parts_size() - 1), std::string(code));
  for (char c : ref->item())
    FUZZ_CHECK(absl::ascii_isdigit(static_cast<unsigned char>(c)), ref->item());
  // Each middle part is the category, the year, the retention or a unit, exactly once.
  const int middle = (ref->category().empty() ? 0 : 1) + (ref->year().empty() ? 0 : 1) +
                     (ref->retention().empty() ? 0 : 1) + ref->units_size();
  FUZZ_CHECK(middle == ref->parts_size() - 2, std::string(code));
  if (!ref->category().empty()) FUZZ_CHECK(ref->category() == ref->parts(1), ref->category());
  // Joining the parts with '-' parses to the same parts.
  auto again = kuaguan::ingest::ParseReferenceCode(absl::StrJoin(ref->parts(), "-"));
  FUZZ_CHECK(again.ok() && again->SerializeAsString() == ref->SerializeAsString(),
             std::string(code));
  return 0;
}
