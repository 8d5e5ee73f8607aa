#include "base/openmp_env.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace kuaguan::base {

bool OpenMpSingleThreaded() {
  const char* v = std::getenv("OMP_THREAD_LIMIT");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

void EnsureSingleThreadedOpenMp(char** argv) {
  if (OpenMpSingleThreaded()) return;
  setenv("OMP_THREAD_LIMIT", "1", 1);
  execv("/proc/self/exe", argv);
}

}  // namespace kuaguan::base
