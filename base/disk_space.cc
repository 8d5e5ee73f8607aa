#include "base/disk_space.h"

#include <sys/statvfs.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kuaguan::base {

absl::Status CheckDiskSpace(const std::filesystem::path& dir, uint64_t needed, uint64_t reserve,
                            absl::string_view what) {
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) return absl::OkStatus();
  const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (free_bytes >= needed + reserve) return absl::OkStatus();
  auto mib = [](uint64_t bytes) { return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / (1 << 20)); };
  return absl::ResourceExhaustedError(absl::StrCat(
      "disk full: no space left for ", what, " (", mib(free_bytes), " free on ", dir.string(), "; it needs ",
      mib(needed), " and ", mib(reserve), " kept free for the store); nothing was written: free space and try again"));
}

}  // namespace kuaguan::base
