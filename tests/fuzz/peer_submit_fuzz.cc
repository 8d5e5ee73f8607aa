// Feeds: switches (sender, target, fresh id, the person's hash) and a RemoteRequest to a real back
// office's Receive (peer_fixture.h). Asserts: only requests addressed to us by their sender, with
// a person, good attachments and a well-formed authorization (if any), are taken, as sent;
// answers never quote a not-shared record.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "federation/authorization.h"
#include "federation/request_rules.h"
#include "seal/digest.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/peer_fixture.h"

namespace {

namespace v1 = kuaguan::v1;
using kuaguan::fuzz::PeerWorld;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  PeerWorld& w = PeerWorld::Get();
  std::vector<std::pair<std::string, std::string>> seeds;
  for (size_t i = 0; i < w.submitted().size(); ++i) {
    seeds.emplace_back(absl::StrCat("submitted-", i),
                       std::string(1, '\x1f') + w.submitted()[i].SerializeAsString());
    seeds.emplace_back(absl::StrCat("replayed-", i),
                       std::string(1, '\0') + w.submitted()[i].SerializeAsString());
  }
  if (!w.submitted().empty()) {
    v1::RemoteRequest with = w.submitted()[0];
    auto* a = with.add_attachments();
    a->set_name("身份证.png");
    a->set_media_type("image/png");
    a->set_data(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + std::string(64, '\x42'));
    a->set_sm3(kuaguan::seal::Sm3(a->data()));
    seeds.emplace_back("with-attachment", std::string(1, '\x1f') + with.SerializeAsString());
    v1::RemoteRequest authorized = w.submitted()[0];
    v1::Authorization* z = authorized.mutable_authorization();
    z->set_body("开封市自然资源和规划局");
    z->set_kind(v1::AUTHORIZER_DEPARTMENT);
    z->set_scope("查阅并出具证明");
    z->set_valid_from("2026-01-01");
    z->set_valid_until("2027-12-31");
    z->set_document_number("汴自然资函〔2026〕12号");
    z->add_record_codes("K2-TD·1990-Y-0003");
    *z->mutable_document() = *a;
    seeds.emplace_back("with-authorization", std::string(1, '\x1f') + authorized.SerializeAsString());
  }
  kuaguan::fuzz::WriteSeeds(seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static uint64_t fresh = 0;
  PeerWorld& w = PeerWorld::Get();
  const uint8_t use = data[0];
  v1::RemoteRequest r;
  if (!r.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  if (use & 1) r.set_from_archive(kuaguan::fuzz::kFront);
  if (use & 2) r.set_target_archive(kuaguan::fuzz::kBack);
  if (use & 4) r.set_request_id(absl::StrFormat("%s-20260914-f%015x", r.from_archive(), ++fresh));
  if (use & 8) r.set_person_hash(w.person_hash());
  if ((use & 16) && r.person_name().empty()) r.set_person_name("张三");
  // The peer service passes the sender its TLS certificate proved; here, the one the request names.
  const std::string from = r.from_archive();
  auto answer = w.back()->back_office()->Receive(r, from);
  w.Pump();
  if (!answer.ok()) {
    FUZZ_CHECK(!answer.status().message().empty(), "a refusal says why");
    return 0;
  }
  FUZZ_CHECK(r.target_archive() == kuaguan::fuzz::kBack, "a request for another archive is taken");
  FUZZ_CHECK(r.request_id().rfind(from + "-", 0) == 0, "a request id of another archive is taken");
  FUZZ_CHECK(!r.person_name().empty() && r.person_hash().size() == 32,
             "a request without a person is taken");
  for (const auto& a : r.attachments()) {
    FUZZ_CHECK(kuaguan::federation::CheckAttachment(a).ok(),
               "a bad attachment is taken: " + a.name());
  }
  FUZZ_CHECK(kuaguan::federation::CheckAuthorizationForm(r.authorization()).ok(),
             "a malformed authorization is taken");
  FUZZ_CHECK(answer->SerializeAsString().find(kuaguan::fuzz::kNotSharedWords) == std::string::npos,
             "the answer tells what a not-shared record says");
  auto stored = w.back()->book()->Get(r.request_id(), /*full=*/true);
  FUZZ_CHECK(stored.ok(), stored.status().ToString());
  FUZZ_CHECK(stored->back_office(), "kept as a back-office request");
  FUZZ_CHECK(
      stored->request().SerializeAsString() == r.SerializeAsString() ||
          stored->content_sm3() == kuaguan::seal::Sm3(kuaguan::seal::SerializeDeterministic(r)),
      "the request is kept as it was sent");
  return 0;
}
