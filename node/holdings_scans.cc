// Holdings: scanned items — committing an ingested item, its page images (original, access,
// thumbnail, or the shared copy with personal data covered) and the items held for a secrecy
// mark. The contract is in holdings.h.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "index/chinese_folding.h"
#include "ingest/page_image.h"
#include "ingest/personal_data.h"
#include "node/holdings.h"

#include "federation/digitize_queue.h"
#include "node/page_highlight.h"
#include "seal/digest.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;
namespace {

// The access copy of page `t` with the matches of `query` highlighted, as PNG. NOT_FOUND
// (naming the query as `shown`) when the query is not on the page, INVALID_ARGUMENT when it has
// nothing to search for.
absl::StatusOr<v1::PageImage> HighlightedAccessPage(Store& store, index::ChineseFolder& folder,
                                                    const std::string& code,
                                                    const v1::PageText& t, const std::string& query,
                                                    const std::string& shown) {
  ASSIGN_OR_RETURN(const std::vector<ingest::Box> boxes, HighlightBoxes(t, query, folder));
  if (boxes.empty()) {
    return absl::NotFoundError(absl::StrCat("'", shown, "' is not on page ", t.page(), " of ", code,
                                            " (as recognized by OCR)"));
  }
  ASSIGN_OR_RETURN(const std::string jpeg,
                   store.PageBlob(PageDerivativeKey(t.sm3(), t.file_page(), "access")));
  ASSIGN_OR_RETURN(std::string png, ingest::HighlightedPage(jpeg, static_cast<int>(t.width()),
                                                            static_cast<int>(t.height()), boxes));
  v1::PageImage image;
  image.set_content(std::move(png));
  image.set_format("png");
  image.set_boxes(static_cast<uint32_t>(boxes.size()));
  return image;
}

}  // namespace

absl::Status Holdings::CommitScanned(RecordWrite w, const std::string& actor) {
  absl::MutexLock lock(&change_mu_);
  const std::string code = w.current.record().code();
  ASSIGN_OR_RETURN(const auto existing, store_->GetRecord(code));
  // A record held only as a catalog entry gets its scans as a new version (按需数字化).
  const bool digitizes = existing && existing->state() == v1::RECORD_STATE_ACTIVE && !existing->held() &&
                         federation::Undigitized(existing->record());
  if (existing && !digitizes) return absl::AlreadyExistsError(absl::StrCat(code, " is already in the store"));
  const int64_t now = clock_->NowMicros();
  const uint32_t version = digitizes ? existing->version() + 1 : 1;
  w.current.set_version(version);
  w.current.set_state(v1::RECORD_STATE_ACTIVE);
  w.current.set_created_micros(digitizes ? existing->created_micros() : now);
  w.current.set_updated_micros(now);
  if (digitizes) *w.current.mutable_appraisal() = existing->appraisal();
  SetContentDigests(w.current.record(), w.current.mutable_content_sm3(),
                    w.current.mutable_content_sha256());
  w.version.set_version(version);
  w.version.set_change(digitizes ? v1::CHANGE_KIND_MODIFIED : v1::CHANGE_KIND_CREATED);
  w.version.set_state(v1::RECORD_STATE_ACTIVE);
  *w.version.mutable_record() = w.current.record();
  w.version.set_actor(actor);
  w.version.set_reason(absl::StrCat(digitizes ? "digitized (按需数字化) in ingest batch " : "ingest batch ",
                                    w.current.ingest_batch()));
  w.version.set_time_micros(now);
  w.version.set_content_sm3(w.current.content_sm3());
  w.version.set_content_sha256(w.current.content_sha256());
  const std::string outcome =
      w.current.held() ? absl::StrCat("ok: held for secrecy mark ", w.current.held_mark()) : "ok";
  RETURN_IF_ERROR(store_->Commit({std::move(w)}, {actor, digitizes ? "ingest.digitized" : "ingest.item", code, outcome}).status());
  IndexAfterCommit();
  return absl::OkStatus();
}

absl::StatusOr<v1::PageImage> Holdings::GetPage(const v1::PageRequest& request,
                                                const std::string& actor) {
  return GetPageFor(request, actor, federation::Audience::kPeer);
}

absl::StatusOr<v1::PageImage> Holdings::GetPageFor(const v1::PageRequest& request, const std::string& actor,
                                                   federation::Audience audience) {
  const std::string object = absl::StrCat(request.code(), " page ", request.page());
  const char* action = request.shared() ? "page.get.shared" : "page.get";
  ASSIGN_OR_RETURN(const auto current, store_->GetRecord(request.code()));
  if (!current) {
    return AuditFailure(actor, action, object,
                        absl::NotFoundError(absl::StrCat("no record with code ", request.code())));
  }
  const std::string& copy = request.copy();
  const bool highlight = !request.highlight().empty();
  if (highlight && (request.shared() || (!copy.empty() && copy != "access"))) {
    return AuditFailure(
        actor, action, object,
        absl::InvalidArgumentError("a highlight is drawn on the access copy, for local "
                                   "use (not with --shared, --thumbnail or jpeg)"));
  }
  if (request.shared()) {
    if (absl::Status st = SharedCheck(*current, /*text=*/true, audience); !st.ok()) return AuditFailure(actor, action, object, st);
  }
  ASSIGN_OR_RETURN(const auto texts, store_->PageTexts(request.code()));
  if (texts.empty()) {
    return AuditFailure(actor, action, object,
                        absl::OutOfRangeError(absl::StrCat(request.code(),
                                                           " has no scanned pages (a catalog "
                                                           "record without page images)")));
  }
  if (request.page() < 1 || request.page() > texts.size()) {
    return AuditFailure(actor, action, object,
                        absl::OutOfRangeError(absl::StrCat(
                            "page ", request.page(), " is out of range: ", request.code(), " has ",
                            texts.size(), " scanned pages")));
  }
  const v1::PageText& t = texts[request.page() - 1];
  if (highlight) {
    // Identity and phone numbers in a query are masked in the audit log, as for search.
    const std::string shown = ingest::MaskPersonalData(
        request.highlight(), ingest::FindPersonalData(request.highlight()));
    const std::string audited = absl::StrCat(object, " access highlight:", shown);
    auto image = HighlightedAccessPage(*store_, index_->folder(), request.code(), t, request.highlight(), shown);
    if (!image.ok()) return AuditFailure(actor, action, audited, image.status());
    image->set_pages(static_cast<uint32_t>(texts.size()));
    RETURN_IF_ERROR(
        store_->Audit({actor, action, audited, absl::StrCat("ok: ", image->boxes(), " boxes")}));
    return image;
  }
  v1::PageImage image;
  image.set_pages(static_cast<uint32_t>(texts.size()));
  if (copy == "jpeg" && !request.shared()) {
    return AuditFailure(actor, action, object,
                        absl::InvalidArgumentError("a jpeg copy is the shared page for certificates (--shared)"));
  }
  if (copy == "access" || copy == "thumbnail") {
    if (request.shared()) {
      return AuditFailure(actor, action, object,
                          absl::InvalidArgumentError("the shared view is the masked page itself; "
                                                     "access and thumbnail copies are for local use"));
    }
    ASSIGN_OR_RETURN(std::string jpeg, store_->PageBlob(PageDerivativeKey(t.sm3(), t.file_page(), copy)));
    image.set_content(std::move(jpeg));
    image.set_format("jpeg");
    RETURN_IF_ERROR(store_->Audit({actor, action, absl::StrCat(object, " ", copy), "ok"}));
    return image;
  }
  if (!copy.empty() && copy != "original" && copy != "jpeg") {
    return AuditFailure(actor, action, object,
                        absl::InvalidArgumentError(absl::StrCat(
                            "unknown page copy '", copy, "' (original, access or thumbnail)")));
  }
  ASSIGN_OR_RETURN(std::string bytes, store_->PageBlob(t.sm3()));
  if (!request.shared()) {
    image.set_content(std::move(bytes));
    image.set_format("original");
  } else {
    std::vector<ingest::Box> boxes;
    for (const auto& w : t.words()) {
      if (w.masked()) boxes.push_back({w.left(), w.top(), w.right(), w.bottom()});
    }
    const bool jpeg = copy == "jpeg";
    // The certificate copy is made once per page and set of masks, then kept beside the original.
    std::string masks;
    for (const auto& b : boxes) absl::StrAppend(&masks, b.left, ",", b.top, ",", b.right, ",", b.bottom, ";");
    const std::string cache_key =
        PageDerivativeKey(t.sm3(), t.file_page(), absl::StrCat("certificate-", seal::ToHex(seal::Sm3(masks)).substr(0, 16)));
    if (jpeg) {
      auto cached = store_->PageBlob(cache_key);
      if (cached.ok()) {
        image.set_content(*std::move(cached));
        image.set_format("jpeg");
        RETURN_IF_ERROR(store_->Audit({actor, action, object, "ok"}));
        return image;
      }
    }
    auto page = ingest::RedactedPage(bytes, static_cast<int>(t.file_page()), boxes,
                                     jpeg ? ingest::RedactedFormat::kJpeg : ingest::RedactedFormat::kPng);
    if (!page.ok()) return AuditFailure(actor, action, object, page.status());
    image.set_content(*std::move(page));
    image.set_format(jpeg ? "jpeg" : "png");
    if (jpeg) {
      RETURN_IF_ERROR(store_->Write({{Family::kPages, cache_key, image.content()}},
                                    {actor, action, object, "ok: certificate copy made and kept"}));
      return image;
    }
  }
  RETURN_IF_ERROR(store_->Audit({actor, action, object, "ok"}));
  return image;
}

absl::StatusOr<v1::HeldList> Holdings::ListHeld(const std::string& actor) {
  v1::HeldList list;
  RETURN_IF_ERROR(store_->ForEachRecord([&](const v1::StoredRecord& r) {
    if (r.held()) {
      auto* h = list.add_items();
      h->set_code(r.record().code());
      h->set_title(r.record().title());
      h->set_mark(r.held_mark());
      h->set_batch(r.ingest_batch());
    }
    return true;
  }));
  RETURN_IF_ERROR(store_->Audit({actor, "ingest.held", "", absl::StrCat("ok: ", list.items_size())}));
  return list;
}

absl::StatusOr<v1::ChangeResponse> Holdings::ReleaseHeld(const v1::ReleaseRequest& request,
                                                         const std::string& actor) {
  absl::MutexLock lock(&change_mu_);
  const std::string& code = request.code();
  if (absl::StripAsciiWhitespace(request.reason()).empty()) {
    return AuditFailure(actor, "ingest.release", code,
                        absl::InvalidArgumentError("a release needs a reason (--reason TEXT)"));
  }
  ASSIGN_OR_RETURN(auto existing, store_->GetRecord(code));
  if (!existing) {
    return AuditFailure(actor, "ingest.release", code,
                        absl::NotFoundError(absl::StrCat("no record with code ", code)));
  }
  if (!existing->held()) {
    return AuditFailure(actor, "ingest.release", code,
                        absl::FailedPreconditionError(absl::StrCat(code, " is not held")));
  }
  v1::StoredRecord current = *std::move(existing);
  current.set_held(false);
  return CommitChange(std::move(current), v1::CHANGE_KIND_MODIFIED,
                      absl::StrCat("released from hold: ", request.reason()), actor,
                      "ingest.release");
}

}  // namespace kuaguan::node
