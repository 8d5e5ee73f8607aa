#include "base/actor.h"

#include "absl/strings/str_cat.h"
#include "base/utf8.h"

namespace kuaguan::base {

std::string Actor::ToString() const {
  if (role.empty() && via.empty()) return person;
  return absl::StrCat(person, " (", role, ", ", via, ")");
}

Actor ParseActor(absl::string_view text) {
  Actor a;
  const size_t open = text.rfind(" (");
  if (open == absl::string_view::npos || text.empty() || text.back() != ')') {
    a.person = std::string(text);
    return a;
  }
  const absl::string_view inner = text.substr(open + 2, text.size() - open - 3);
  const size_t comma = inner.find(", ");
  if (comma == absl::string_view::npos) {
    a.person = std::string(text);
    return a;
  }
  a.person = std::string(text.substr(0, open));
  a.role = std::string(inner.substr(0, comma));
  a.via = std::string(inner.substr(comma + 2));
  return a;
}

absl::Status CheckPersonName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("the person's name (姓名) is empty");
  if (!IsValidUtf8(name)) return absl::InvalidArgumentError("the person's name is not valid UTF-8");
  const size_t chars = CodePointCount(name);
  if (chars > 64) return absl::InvalidArgumentError(absl::StrCat("the person's name has ", chars, " characters; at most 64"));
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '(' || c == ')' || c == ',') {
      return absl::InvalidArgumentError(absl::StrCat(
          "the person's name '", name, "' has a control character, a parenthesis or a comma"));
    }
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::base
