// Feeds: CheckAttachment an attachment built from the bytes (name, declared type, SM3 right or
// wrong, data) and the bytes parsed as an Attachment. Asserts: an accepted one is non-empty, in
// the size limit, plainly named, of the type its bytes and its declaration say; a wrong SM3 fails.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "federation/request_rules.h"
#include "kuaguan/v1/request.pb.h"
#include "seal/digest.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace v1 = kuaguan::v1;

std::string TypeOf(const std::string& d) {
  if (d.rfind("%PDF-", 0) == 0) return "application/pdf";
  if (d.rfind("\x89PNG\r\n\x1a\n", 0) == 0) return "image/png";
  if (d.rfind("\xFF\xD8\xFF", 0) == 0) return "image/jpeg";
  if (d.rfind("II*", 0) == 0 || d.rfind(std::string("MM\0*", 4), 0) == 0) return "image/tiff";
  return "";
}

void Check(const v1::Attachment& a) {
  const absl::Status st = kuaguan::federation::CheckAttachment(a);
  if (!st.ok()) {
    FUZZ_CHECK(st.code() == absl::StatusCode::kInvalidArgument, st.ToString());
    return;
  }
  FUZZ_CHECK(!a.data().empty() && a.data().size() <= kuaguan::federation::kMaxAttachmentBytes,
             "size");
  FUZZ_CHECK(!a.name().empty() && a.name().find('/') == std::string::npos, a.name());
  const std::string type = TypeOf(a.data());
  FUZZ_CHECK(!type.empty(), "an accepted attachment is a PDF, PNG, JPEG or TIFF");
  FUZZ_CHECK(a.media_type().empty() || a.media_type() == type, a.media_type());
  FUZZ_CHECK(a.sm3().empty() || a.sm3() == kuaguan::seal::Sm3(a.data()), "SM3");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    v1::Attachment parsed;
    if (parsed.ParseFromArray(data, static_cast<int>(size))) Check(parsed);
  }
  FuzzedDataProvider in(data, size);
  v1::Attachment a;
  a.set_name(in.ConsumeRandomLengthString(64));
  static const char* const kTypes[] = {"", "application/pdf", "image/png", "image/jpeg",
                                       "image/tiff"};
  const uint8_t type = in.ConsumeIntegral<uint8_t>();
  if (type < 5) {
    a.set_media_type(kTypes[type]);
  } else {
    a.set_media_type(in.ConsumeRandomLengthString(32));
  }
  const uint8_t sm3 = in.ConsumeIntegralInRange<uint8_t>(0, 2);
  a.set_data(in.ConsumeRemainingBytesAsString());
  if (sm3 == 1) a.set_sm3(kuaguan::seal::Sm3(a.data()));
  if (sm3 == 2) {
    std::string wrong = kuaguan::seal::Sm3(a.data());
    wrong[0] = static_cast<char>(wrong[0] ^ 1);
    a.set_sm3(wrong);
  }
  Check(a);
  if (sm3 == 2) FUZZ_CHECK(!kuaguan::federation::CheckAttachment(a).ok(), "a wrong SM3 is refused");
  return 0;
}
