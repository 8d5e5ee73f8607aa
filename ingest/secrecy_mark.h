// Secrecy marks (密级标志) on a document's first page: 绝密, 机密 or 秘密, optionally with ★ and a
// secrecy period (★10年, ★长期), standing at the head of a line in the page's header area, or
// after 密级：. A declassification mark (解密, 已解密, 解除密级) in the header area cancels it. The
// same words inside body text are not marks. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kuaguan/v1/record.pb.h"

namespace kuaguan::ingest {

struct TextLine {
  std::string text;
  double top = 0;  // top of the line as a fraction of the page height (0 = top edge)
};

struct SecrecyMark {
  kuaguan::v1::Secrecy level = kuaguan::v1::SECRECY_SECRET;
  std::string period;  // e.g. "10年", "长期"; empty when none
  std::string line;    // the line that carries it
};

struct SecrecyCheck {
  std::optional<SecrecyMark> mark;
  bool declassified = false;
  // The item must be held (never indexed for sharing, never sent to peers).
  bool held() const { return mark.has_value() && !declassified; }
};

// Lines in the top `kHeaderFraction` of the page count as its header area.
inline constexpr double kHeaderFraction = 0.25;

SecrecyCheck CheckSecrecyMark(const std::vector<TextLine>& first_page_lines);

}  // namespace kuaguan::ingest
