// A temporary directory for a test, removed (with its contents) when the object goes away.
#pragma once

#include <filesystem>

namespace kuaguan::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace kuaguan::testing
