// Feeds: a person's search or highlight query (the first byte picks the search field, the rest
// is the query, as UTF-8 the wire already checked) to RecordIndex::Search over a real sharded
// index of a few records with multi-line OCR text, to node::HighlightBoxes over a page's words,
// and the query's bytes as text to index::Flow.
// Asserts: Search answers OK or INVALID_ARGUMENT; at most `limit` hits, each a known record
// with a valid UTF-8 snippet; every box lies on the page; Flow keeps a subsequence of its input
// in order.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "base/utf8.h"
#include "index/chinese_folding.h"
#include "index/record_index.h"
#include "index/text_flow.h"
#include "node/page_highlight.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace v1 = kuaguan::v1;

struct World {
  kuaguan::fuzz::ScratchDir dir{"search_query"};
  std::unique_ptr<kuaguan::index::RecordIndex> index;
  std::unique_ptr<kuaguan::index::ChineseFolder> folder;
  v1::PageText page;
  std::set<std::string> codes;

  World() {
    index = std::move(*kuaguan::index::RecordIndex::Open(dir.path() / "index"));
    folder = std::move(*kuaguan::index::ChineseFolder::Create());
    std::vector<kuaguan::index::IndexUpdate> updates;
    const char* texts[] = {"第二条本\n办法适用于本市各级国家档案馆。\n\n第三条 manage-\nment 2022 年",
                           "婚姻登记档案\n查阅利用办法", "檔案館藏\n\n防汛抗旱"};
    for (int i = 0; i < 3; ++i) {
      v1::Record r;
      r.set_code("F5-000" + std::to_string(i));
      r.set_title(i == 1 ? "本办法适用范围" : "档案工作报告");
      r.set_full_text(texts[i]);
      codes.insert(r.code());
      updates.push_back({r.code(), r});
    }
    FUZZ_CHECK(index->Apply(updates, 1).ok(), "index");
    page.set_text("第二条本\n办法适用于\n");
    page.set_width(1000);
    page.set_height(400);
    const char* words[] = {"第二条", "本", "办法", "适用于"};
    const int lefts[] = {10, 400, 10, 300}, tops[] = {10, 10, 100, 100};
    for (int i = 0; i < 4; ++i) {
      auto* w = page.add_words();
      w->set_text(words[i]);
      w->set_left(lefts[i]);
      w->set_top(tops[i]);
      w->set_right(lefts[i] + 90 * static_cast<int>(kuaguan::base::CodePointCount(words[i])));
      w->set_bottom(tops[i] + 80);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* w = new World();
  if (size == 0) return 0;
  const std::string query(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!kuaguan::base::IsValidUtf8(query)) return 0;

  const auto cps = kuaguan::base::DecodeUtf8(query);
  const kuaguan::index::FlowedText flowed = kuaguan::index::Flow(cps);
  FUZZ_CHECK(flowed.text.size() == flowed.origin.size(), query);
  for (size_t i = 0; i < flowed.origin.size(); ++i) {
    FUZZ_CHECK(flowed.origin[i] < cps.size() && flowed.text[i] == cps[flowed.origin[i]], query);
    FUZZ_CHECK(i == 0 || flowed.origin[i] > flowed.origin[i - 1], query);
  }

  static const char* kFields[] = {"any", "title", "fulltext", "catalog", "code", "persons"};
  kuaguan::index::SearchSpec spec;
  spec.field = kFields[data[0] % 6];
  spec.query = query;
  spec.limit = 1 + data[0] % 4;
  spec.offset = data[0] % 3;
  const auto found = w->index->Search(spec);
  FUZZ_CHECK(found.ok() || found.status().code() == absl::StatusCode::kInvalidArgument,
             found.status().ToString());
  if (found.ok()) {
    FUZZ_CHECK(found->hits.size() <= spec.limit, query);
    for (const auto& h : found->hits) {
      FUZZ_CHECK(w->codes.count(h.code) == 1, h.code);
      FUZZ_CHECK(kuaguan::base::IsValidUtf8(h.snippet), h.snippet);
    }
  }

  const auto boxes = kuaguan::node::HighlightBoxes(w->page, query, *w->folder);
  FUZZ_CHECK(boxes.ok() || boxes.status().code() == absl::StatusCode::kInvalidArgument,
             boxes.status().ToString());
  if (boxes.ok()) {
    for (const auto& b : *boxes) {
      FUZZ_CHECK(b.left >= 0 && b.top >= 0 && b.right <= 1000 && b.bottom <= 400 && b.left <= b.right &&
                     b.top <= b.bottom,
                 query);
    }
  }
  return 0;
}
