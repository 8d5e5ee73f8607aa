// Feeds: arbitrary bytes to DecodeCatalogText (UTF-8, UTF-8 with BOM, GB18030 detection), and
// the decoded text back through Utf8ToGb18030. Asserts: decoded text is valid UTF-8 without BOM;
// valid UTF-8 input is kept as is; text taken to GB18030 and decoded as GB18030 comes back equal.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/text_encoding.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes = kuaguan::fuzz::AsView(data, size);
  auto decoded = kuaguan::ingest::DecodeCatalogText(bytes);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument,
               decoded.status().ToString());
    return 0;
  }
  FUZZ_CHECK(kuaguan::base::IsValidUtf8(decoded->text), "decoded text is UTF-8");
  if (decoded->encoding == "utf-8") {
    FUZZ_CHECK(decoded->text == bytes, "UTF-8 is kept byte for byte");
  } else if (decoded->encoding == "utf-8-bom") {
    FUZZ_CHECK(decoded->text == bytes.substr(3), "the BOM alone is dropped");
  } else {
    FUZZ_CHECK(decoded->encoding == "gb18030", decoded->encoding);
  }
  auto gb = kuaguan::ingest::Utf8ToGb18030(decoded->text);
  if (!gb.ok()) {
    // GB18030 covers Unicode, but glibc's converter refuses 24 private-use code points (those
    // GB18030-2005 maps to PUA, e.g. U+E78D, U+E864): anything else must convert.
    bool pua = false;
    for (char32_t cp : kuaguan::base::DecodeUtf8(decoded->text))
      pua |= cp >= 0xE000 && cp <= 0xF8FF;
    FUZZ_CHECK(pua, "GB18030 encodes all of Unicode: " + gb.status().ToString());
    return 0;
  }
  auto back = kuaguan::ingest::DecodeCatalogText(*gb);
  if (back.ok() && back->encoding == "gb18030") {
    FUZZ_CHECK(back->text == decoded->text, "GB18030 round trip");
  }
  return 0;
}
