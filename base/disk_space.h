// Room on the filesystem that holds the node's data. RocksDB as packaged aborts when its
// write-ahead log meets a full disk (the log writer asserts after a failed append), so the node
// never lets a write reach a disk without room for it: each write first checks the free space
// and is refused, as "disk full", while it would eat into a reserve kept for the store's own work
// (memtable flushes, compactions, the index). Thread-safe: stateless.
#pragma once

#include <cstdint>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace kuaguan::base {

// Kept free for changes (imports, ingests, requests): a memtable flush and the index's update
// must still fit after the change is written.
inline constexpr uint64_t kChangeReserveBytes = uint64_t{16} << 20;
// Kept free for an audit entry alone (a read, a refusal): reads go on while changes are refused.
inline constexpr uint64_t kAuditReserveBytes = uint64_t{4} << 20;

// OK when the filesystem holding `dir` has `needed` bytes free beyond `reserve`; otherwise
// RESOURCE_EXHAUSTED "disk full: …" naming `what`, the free space and what it needs. OK when the
// free space cannot be read (the write itself then says what is wrong).
absl::Status CheckDiskSpace(const std::filesystem::path& dir, uint64_t needed, uint64_t reserve,
                            absl::string_view what);

}  // namespace kuaguan::base
