// Feeds: arbitrary bytes as an identity number (GB 11643: 18 characters, or the old 15 digits).
// Asserts: a parsed number is 18 digits (last one or X) with a plausible province and a real date;
// check_ok matches the check character; the normalized form parses again to itself.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "ingest/identity_number.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text = kuaguan::fuzz::AsView(data, size);
  const auto id = kuaguan::ingest::ParseIdentityNumber(text);
  if (!id) return 0;
  const std::string& n = id->normalized;
  FUZZ_CHECK(text.size() == 18 || text.size() == 15, std::string(text));
  FUZZ_CHECK(id->old_form == (text.size() == 15), n);
  FUZZ_CHECK(n.size() == 18, n);
  for (size_t i = 0; i < 17; ++i)
    FUZZ_CHECK(absl::ascii_isdigit(static_cast<unsigned char>(n[i])), n);
  FUZZ_CHECK(absl::ascii_isdigit(static_cast<unsigned char>(n[17])) || n[17] == 'X', n);
  const int province = (n[0] - '0') * 10 + (n[1] - '0');
  FUZZ_CHECK(province >= 11 && province <= 82, n);
  const int year = std::stoi(n.substr(6, 4)), month = std::stoi(n.substr(10, 2)),
            day = std::stoi(n.substr(12, 2));
  FUZZ_CHECK(year >= 1880 && year <= 2100 && month >= 1 && month <= 12 && day >= 1 && day <= 31, n);
  const char check = kuaguan::ingest::IdentityCheckChar(n.substr(0, 17));
  FUZZ_CHECK(id->check_ok == (check == n[17]), n);
  if (id->old_form) FUZZ_CHECK(id->check_ok, "an upgraded number carries its own check character");
  const auto again = kuaguan::ingest::ParseIdentityNumber(n);
  FUZZ_CHECK(again && again->normalized == n && again->check_ok == id->check_ok && !again->old_form,
             n);
  return 0;
}
