#include "federation/state_store.h"

namespace kuaguan::federation {

absl::Status StateStore::PutMeta(const std::vector<std::pair<std::string, std::string>>& entries,
                                 const AuditNote& note) {
  std::vector<KeyWrite> writes;
  writes.reserve(entries.size());
  for (const auto& [key, value] : entries) writes.push_back({Family::kMeta, key, value});
  return Write(writes, note);
}

std::string SeqKey(uint64_t seq) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i) {
    k[i] = static_cast<char>(seq & 0xFF);
    seq >>= 8;
  }
  return k;
}

}  // namespace kuaguan::federation
