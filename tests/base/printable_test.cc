#include "base/printable.h"

#include <catch2/catch.hpp>

#include "base/utf8.h"

using kuaguan::base::Printable;

TEST_CASE("Printable keeps Chinese text and replaces terminal controls") {
  CHECK(Printable("郑州市档案馆 410100") == "郑州市档案馆 410100");
  CHECK(Printable("a\x1b[2Jb") == "a\uFFFD[2Jb");
  CHECK(Printable("x\ry") == "x\uFFFDy");
  CHECK(Printable("\xc2\x9b" "31m") == "\uFFFD31m");          // C1 CSI
  CHECK(Printable("abc\u202Efed") == "abc\uFFFDfed");           // right-to-left override
  CHECK(Printable("bad\xff\xfe") == "bad\uFFFD\uFFFD");
  CHECK(Printable("line\nnext") == "line\uFFFDnext");
  CHECK(Printable("line\nnext", 1024, true) == "line\nnext");
}

TEST_CASE("Printable cuts at a code point boundary with an ellipsis") {
  const std::string cut = Printable("档案档案档案", 10);
  CHECK(kuaguan::base::IsValidUtf8(cut));
  CHECK(cut.size() <= 10);
  CHECK(cut == "档案…");
  CHECK(Printable(std::string(5000, 'a'), 100).size() <= 100);
  CHECK(Printable("", 10).empty());
}
