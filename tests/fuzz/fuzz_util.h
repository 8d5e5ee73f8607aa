// What the libFuzzer harnesses share: a scratch directory made once per process (under
// $KUAGUAN_FUZZ_SCRATCH, else on tmpfs when there is one, so that the store's fsyncs cost little),
// seeds generated at start-up written to $KUAGUAN_FUZZ_SEED_DIR (run.sh points it at the scratch
// copy of the corpus, never at the tree), an invariant check that stops the process with a
// message, and a UTF-8 check over every string field of a message. Header-only; harnesses only.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "base/utf8.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"

namespace kuaguan::fuzz {

// Stops the fuzzer (a crash libFuzzer reports and saves the input of) when `cond` is false.
#define FUZZ_CHECK(cond, what)                                                                     \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "FUZZ INVARIANT BROKEN at %s:%d: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                                     \
      std::abort();                                                                                \
    }                                                                                              \
  } while (0)

inline absl::string_view AsView(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// A directory for the whole process, removed when the object goes (a crash leaves it: run.sh
// points KUAGUAN_FUZZ_SCRATCH at a folder of its own and removes that).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    std::error_code ec;
    const char* chosen = std::getenv("KUAGUAN_FUZZ_SCRATCH");
    const std::filesystem::path base =
        chosen != nullptr && *chosen != '\0' ? std::filesystem::path(chosen)
        : std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0
            ? std::filesystem::path("/dev/shm")
            : std::filesystem::temp_directory_path();
    std::filesystem::create_directories(base, ec);
    std::string tmpl = (base / ("kuaguan-fuzz-" + name + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes `seeds` (file name, bytes) into $KUAGUAN_FUZZ_SEED_DIR when it is set; libFuzzer reads
// its corpus directories after LLVMFuzzerInitialize, so they join the run's corpus.
inline void WriteSeeds(const std::vector<std::pair<std::string, std::string>>& seeds) {
  const char* dir = std::getenv("KUAGUAN_FUZZ_SEED_DIR");
  if (dir == nullptr || *dir == '\0') return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  for (const auto& [name, bytes] : seeds) {
    std::ofstream out(std::filesystem::path(dir) / ("generated-" + name), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
}

// True when every string (not bytes) field of `msg`, nested messages included, is valid UTF-8,
// as proto3 requires of what we store and send. Names the first bad field in `*where`.
inline bool StringsAreUtf8(const google::protobuf::Message& msg, std::string* where) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* r = msg.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(msg, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->type() == FieldDescriptor::TYPE_STRING) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(msg, f); ++i) {
          if (!base::IsValidUtf8(r->GetRepeatedString(msg, f, i))) {
            *where = f->full_name();
            return false;
          }
        }
      } else if (!base::IsValidUtf8(r->GetString(msg, f))) {
        *where = f->full_name();
        return false;
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(msg, f); ++i) {
          if (!StringsAreUtf8(r->GetRepeatedMessage(msg, f, i), where)) return false;
        }
      } else if (!StringsAreUtf8(r->GetMessage(msg, f), where)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace kuaguan::fuzz
