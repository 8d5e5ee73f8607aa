#include "node/page_highlight.h"

#include <catch2/catch.hpp>

using namespace kuaguan;

namespace {

index::ChineseFolder& Folder() {
  static auto folder = index::ChineseFolder::Create();
  REQUIRE(folder.ok());
  return **folder;
}

void AddWord(v1::PageText* page, const std::string& text, int left, int top, int right,
             int bottom) {
  auto* w = page->add_words();
  w->set_text(text);
  w->set_left(left);
  w->set_top(top);
  w->set_right(right);
  w->set_bottom(bottom);
}

// Two lines of 40-pixel characters: 第二条本 / 办法适用于本档案馆。
v1::PageText TwoLines() {
  v1::PageText page;
  page.set_width(1000);
  page.set_height(400);
  page.set_text("第二条本\n办法适用于本档案馆。\n");
  AddWord(&page, "第二条", 100, 100, 220, 140);  // one word, three characters
  AddWord(&page, "本", 220, 101, 260, 141);
  AddWord(&page, "办", 100, 160, 140, 200);  // the next line
  AddWord(&page, "法", 140, 160, 180, 200);
  AddWord(&page, "适用于", 180, 161, 300, 201);
  AddWord(&page, "本档案馆。", 300, 160, 500, 200);
  return page;
}

bool Same(const ingest::Box& b, int left, int top, int right, int bottom) {
  return b.left == left && b.top == top && b.right == right && b.bottom == bottom;
}

}  // namespace

TEST_CASE("a match across a line break gives one box per line") {
  auto boxes = node::HighlightBoxes(TwoLines(), "本办法适用", Folder());
  REQUIRE(boxes.ok());
  REQUIRE(boxes->size() == 2);
  CHECK(Same((*boxes)[0], 220, 101, 260, 141));  // 本, end of the first line
  CHECK(Same((*boxes)[1], 100, 160, 260, 201));  // 办法适用: whole words and two of 适用于
}

TEST_CASE("a word holding several characters boxes only the matched ones") {
  auto boxes = node::HighlightBoxes(TwoLines(), "二条", Folder());
  REQUIRE(boxes.ok());
  REQUIRE(boxes->size() == 1);
  CHECK(Same((*boxes)[0], 140, 100, 220, 140));
  auto inner = node::HighlightBoxes(TwoLines(), "档案", Folder());
  REQUIRE(inner.ok());
  REQUIRE(inner->size() == 1);
  CHECK(Same((*inner)[0], 340, 160, 420, 200));
}

TEST_CASE("a word's box that runs on over the next words ends where the next word starts") {
  v1::PageText page;
  page.set_text("国家有关\n");
  AddWord(&page, "国家", 300, 300, 780, 360);  // as Tesseract boxed it: over 有关 too
  AddWord(&page, "有", 430, 300, 490, 360);
  AddWord(&page, "关", 490, 300, 550, 360);
  auto boxes = node::HighlightBoxes(page, "家", Folder());
  REQUIRE(boxes.ok());
  REQUIRE(boxes->size() == 1);
  CHECK(Same((*boxes)[0], 365, 300, 430, 360));
}

TEST_CASE("a traditional query matches simplified text - every occurrence and part is boxed") {
  auto boxes = node::HighlightBoxes(TwoLines(), "辦法適用", Folder());
  REQUIRE(boxes.ok());
  REQUIRE(boxes->size() == 1);
  CHECK(Same((*boxes)[0], 100, 160, 260, 201));
  // 本 stands twice; 檔案館 is a second part of the query.
  auto parts = node::HighlightBoxes(TwoLines(), "本  檔案館", Folder());
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 3);
  CHECK(Same((*parts)[0], 220, 101, 260, 141));
  CHECK(Same((*parts)[1], 300, 160, 340, 200));
  CHECK(Same((*parts)[2], 340, 160, 460, 200));
}

TEST_CASE("no match - a paragraph end is a boundary - nothing to search for") {
  auto none = node::HighlightBoxes(TwoLines(), "库房", Folder());
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(node::HighlightBoxes(TwoLines(), "empty", Folder())->empty());
  // The stored text keeps a blank line where a paragraph ends: search does not run across it.
  v1::PageText page;
  page.set_text("第二条本\n\n办法\n");
  AddWord(&page, "第二条本", 100, 100, 260, 140);
  AddWord(&page, "办法", 100, 300, 180, 340);
  CHECK(node::HighlightBoxes(page, "本办法", Folder())->empty());
  CHECK(node::HighlightBoxes(page, "办法", Folder())->size() == 1);
  auto blank = node::HighlightBoxes(TwoLines(), "  ", Folder());
  CHECK(blank.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(node::HighlightBoxes(TwoLines(), "。，", Folder()).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("masked words still line up with the masked text - a character in no word") {
  v1::PageText page;
  // The text masks the run, the word its digits: both stand for the same characters.
  page.set_text("电话139****5678。本·办法\n");
  AddWord(&page, "电话", 100, 100, 180, 140);
  AddWord(&page, "***********。", 180, 100, 440, 140);
  AddWord(&page, "本", 460, 100, 500, 140);  // OCR put · in the line but in no word
  AddWord(&page, "办法", 520, 100, 600, 140);
  auto boxes = node::HighlightBoxes(page, "办法", Folder());
  REQUIRE(boxes.ok());
  REQUIRE(boxes->size() == 1);
  CHECK(Same((*boxes)[0], 520, 100, 600, 140));
  CHECK(node::HighlightBoxes(page, "电话", Folder())->size() == 1);
}

TEST_CASE("Latin words and numbers match whole - half-width characters count half") {
  v1::PageText page;
  page.set_text("2011年度 iso9001\n");
  AddWord(&page, "2011年度", 100, 100, 300, 140);  // 4 x 0.5 + 2: 2011 is 100 px, 年 and 度 50
  AddWord(&page, "iso9001", 320, 100, 460, 140);
  auto year = node::HighlightBoxes(page, "2011年", Folder());
  REQUIRE(year.ok());
  REQUIRE(year->size() == 1);
  CHECK(Same((*year)[0], 100, 100, 250, 140));
  CHECK(node::HighlightBoxes(page, "201", Folder())->empty());
  CHECK(node::HighlightBoxes(page, "ISO9001", Folder())->size() == 1);
  CHECK(node::HighlightBoxes(page, "iso", Folder())->empty());
}

TEST_CASE("a page read as vertical text - columns are lines - words split downwards") {
  v1::PageText page;
  page.set_ocr_languages("chi_sim_vert");
  page.set_text("第二条本\n办法适用\n");
  AddWord(&page, "第二条本", 500, 100, 540, 260);  // a column, right to left
  AddWord(&page, "办法适用", 440, 100, 480, 260);
  auto boxes = node::HighlightBoxes(page, "本办法", Folder());
  REQUIRE(boxes.ok());
  REQUIRE(boxes->size() == 2);
  CHECK(Same((*boxes)[0], 500, 220, 540, 260));
  CHECK(Same((*boxes)[1], 440, 100, 480, 180));
}
