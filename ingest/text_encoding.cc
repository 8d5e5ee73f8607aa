#include "absl/strings/string_view.h"
#include "ingest/text_encoding.h"

#include <iconv.h>

#include <cerrno>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"

namespace kuaguan::ingest {
namespace {

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};

// Converts strictly; on failure reports the byte offset of the first unconvertible input.
absl::StatusOr<std::string> Convert(const char* to, const char* from, absl::string_view in,
                                    size_t* bad_offset) {
  iconv_t raw = iconv_open(to, from);
  if (raw == reinterpret_cast<iconv_t>(-1)) {
    return absl::InternalError(absl::StrCat("iconv cannot convert ", from, " to ", to));
  }
  std::unique_ptr<void, IconvCloser> cd(raw);
  std::string out(in.size() * 2 + 16, '\0');
  char* inp = const_cast<char*>(in.data());
  size_t inleft = in.size();
  char* outp = out.data();
  size_t outleft = out.size();
  while (inleft > 0) {
    if (iconv(raw, &inp, &inleft, &outp, &outleft) == static_cast<size_t>(-1)) {
      if (errno == E2BIG) {
        const size_t used = outp - out.data();
        out.resize(out.size() * 2);
        outp = out.data() + used;
        outleft = out.size() - used;
        continue;
      }
      *bad_offset = in.size() - inleft;
      return absl::InvalidArgumentError("unconvertible byte sequence");
    }
  }
  out.resize(outp - out.data());
  return out;
}

size_t LineAt(absl::string_view bytes, size_t offset) {
  size_t line = 1;
  for (size_t i = 0; i < offset && i < bytes.size(); ++i) {
    if (bytes[i] == '\n') ++line;
  }
  return line;
}

bool HasHighBytes(absl::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

// Chinese in UTF-8 takes three bytes; a GB18030 line is rarely valid UTF-8 with such sequences.
bool HasUtf8Han(absl::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0xE0) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<DecodedText> DecodeCatalogText(absl::string_view bytes) {
  if (bytes.substr(0, 2) == "\xFF\xFE" || bytes.substr(0, 2) == "\xFE\xFF") {
    return absl::InvalidArgumentError(
        "file is UTF-16 (or UTF-32); save it as UTF-8 or GB18030");
  }
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    absl::string_view rest = bytes.substr(3);
    const size_t bad = base::FirstInvalidUtf8(rest);
    if (bad != absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "file starts with a UTF-8 byte-order mark but line ", LineAt(rest, bad),
          " is not valid UTF-8 (mixed encodings?)"));
    }
    return DecodedText{std::string(rest), "utf-8-bom"};
  }
  if (base::IsValidUtf8(bytes)) return DecodedText{std::string(bytes), "utf-8"};

  // Not UTF-8: it must be GB18030 throughout. A line with non-ASCII bytes that is valid UTF-8
  // next to lines that are not means the file mixes encodings; decoding it as GB18030 would
  // silently garble those lines.
  size_t first_utf8_line = 0, first_other_line = 0, line = 1, start = 0;
  for (size_t i = 0; i <= bytes.size(); ++i) {
    if (i == bytes.size() || bytes[i] == '\n') {
      absl::string_view l = bytes.substr(start, i - start);
      if (HasHighBytes(l)) {
        if (base::IsValidUtf8(l) && HasUtf8Han(l)) {
          if (first_utf8_line == 0) first_utf8_line = line;
        } else if (first_other_line == 0) {
          first_other_line = line;
        }
      }
      ++line;
      start = i + 1;
    }
  }
  if (first_utf8_line != 0 && first_other_line != 0) {
    return absl::InvalidArgumentError(absl::StrCat("mixed encodings: line ", first_utf8_line,
                                                   " is UTF-8 but line ", first_other_line,
                                                   " is not; convert the file to one encoding"));
  }
  size_t bad = 0;
  auto utf8 = Convert("UTF-8", "GB18030", bytes, &bad);
  if (!utf8.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", LineAt(bytes, bad), " (byte ", bad + 1,
                     ") is neither UTF-8 nor GB18030; save the file as UTF-8"));
  }
  return DecodedText{*std::move(utf8), "gb18030"};
}

absl::StatusOr<std::string> Utf8ToGb18030(absl::string_view utf8) {
  size_t bad = 0;
  return Convert("GB18030", "UTF-8", utf8, &bad);
}

}  // namespace kuaguan::ingest
