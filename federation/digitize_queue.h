// The digitization queue (按需数字化, R3.6): records held only as catalog entries that requests
// need, ordered by demand (requests waiting, then the earliest due date). Kept in the meta family
// under "digitize/CODE"; an item is never removed, it is marked done when its scans are ingested
// and accepted. Changes are returned as KeyWrites so that each is written in the same batch as
// the request change that causes it. Thread-compatible: the back office serializes changes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "federation/state_store.h"
#include "kuaguan/v1/request.pb.h"

namespace kuaguan::federation {

class DigitizeQueue {
 public:
  explicit DigitizeQueue(StateStore* store) : store_(store) {}

  // The item for `code`, or nullopt.
  absl::StatusOr<std::optional<kuaguan::v1::DigitizeItem>> Get(const std::string& code);

  // Adds request `request_id` (due `due`) as waiting for `code`: a new item expected on
  // `expected`, or one more request on a waiting item. An item done before is queued again.
  absl::StatusOr<KeyWrite> Enqueue(const std::string& code, const std::string& title,
                                   const std::string& request_id, const std::string& due,
                                   const std::string& expected, int64_t now_micros);

  // The item marked done at `now_micros`.
  static KeyWrite Done(kuaguan::v1::DigitizeItem item, int64_t now_micros);

  // Waiting items (and done ones with `include_done`), most demanded first, at most `limit`.
  absl::StatusOr<std::vector<kuaguan::v1::DigitizeItem>> List(bool include_done, size_t limit);

 private:
  StateStore* const store_;
};

// Whether a record is held only as a catalog entry: its catalog counts pages (页数) on paper,
// and there are no scanned files and no full text. A catalog entry without a page count is
// certified as the catalog it is.
bool CatalogOnly(const kuaguan::v1::Record& r);
// Whether a record has neither scanned files nor full text: an ingest of its code adds its scans
// as a new version.
bool Undigitized(const kuaguan::v1::Record& r);

}  // namespace kuaguan::federation
