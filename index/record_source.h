// What a full index rebuild reads: a consistent view of the store's active records.
#pragma once

#include <cstdint>
#include <functional>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "kuaguan/v1/record.pb.h"

namespace kuaguan::index {

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // The store change sequence this view reflects.
  virtual uint64_t Seq() const = 0;
  // Number of active records in the view (for progress).
  virtual uint64_t Count() const = 0;
  // Calls `fn` for each active record whose code sorts after `after` (all when empty), in code
  // order, until `fn` returns false. Returns the first read error.
  virtual absl::Status ForEachAfter(absl::string_view after,
                                    const std::function<bool(const kuaguan::v1::Record&)>& fn) = 0;
};

}  // namespace kuaguan::index
