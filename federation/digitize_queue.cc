#include "federation/digitize_queue.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr char kPrefix[] = "digitize/";

KeyWrite Put(const v1::DigitizeItem& item) {
  return KeyWrite{Family::kMeta, absl::StrCat(kPrefix, item.code()), item.SerializeAsString()};
}

}  // namespace

bool Undigitized(const v1::Record& r) { return r.files_size() == 0 && r.full_text().empty(); }

bool CatalogOnly(const v1::Record& r) { return r.pages() > 0 && Undigitized(r); }

absl::StatusOr<std::optional<v1::DigitizeItem>> DigitizeQueue::Get(const std::string& code) {
  ASSIGN_OR_RETURN(const auto raw, store_->GetMeta(absl::StrCat(kPrefix, code)));
  if (!raw) return std::nullopt;
  v1::DigitizeItem item;
  if (!item.ParseFromString(*raw)) return absl::DataLossError(absl::StrCat("digitization item ", code, " does not parse"));
  return item;
}

absl::StatusOr<KeyWrite> DigitizeQueue::Enqueue(const std::string& code, const std::string& title,
                                                const std::string& request_id, const std::string& due,
                                                const std::string& expected, int64_t now_micros) {
  ASSIGN_OR_RETURN(auto kept, Get(code));
  v1::DigitizeItem item;
  if (kept && !kept->done()) item = *std::move(kept);
  if (item.code().empty()) {
    item.set_code(code);
    item.set_queued_micros(now_micros);
    item.set_expected_date(expected);
  }
  item.set_title(title);
  if (std::find(item.requests().begin(), item.requests().end(), request_id) == item.requests().end()) {
    item.add_requests(request_id);
  }
  if (item.earliest_due().empty() || due < item.earliest_due()) item.set_earliest_due(due);
  return Put(item);
}

KeyWrite DigitizeQueue::Done(v1::DigitizeItem item, int64_t now_micros) {
  item.set_done(true);
  item.set_done_micros(now_micros);
  return Put(item);
}

absl::StatusOr<std::vector<v1::DigitizeItem>> DigitizeQueue::List(bool include_done, size_t limit) {
  ASSIGN_OR_RETURN(const auto rows, store_->ScanMeta(kPrefix));
  std::vector<v1::DigitizeItem> items;
  for (const auto& [key, value] : rows) {
    v1::DigitizeItem item;
    if (!item.ParseFromString(value)) return absl::DataLossError(absl::StrCat(key, " does not parse"));
    if (include_done || !item.done()) items.push_back(std::move(item));
  }
  std::stable_sort(items.begin(), items.end(), [](const v1::DigitizeItem& a, const v1::DigitizeItem& b) {
    if (a.done() != b.done()) return !a.done();
    if (a.requests_size() != b.requests_size()) return a.requests_size() > b.requests_size();
    return a.earliest_due() < b.earliest_due();
  });
  if (items.size() > limit) items.resize(limit);
  return items;
}

}  // namespace kuaguan::federation
