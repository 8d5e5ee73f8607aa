#include "federation/lookup_responder.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/printable.h"
#include "base/status_macros.h"
#include "ingest/personal_data.h"
#include "seal/certs.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr char kAction[] = "lookup.person";
constexpr size_t kHashBytes = 32;
// Candidates read from the index: records naming the person, any category.
constexpr uint32_t kSearchLimit = 1000;

bool Only(const std::string& s, absl::string_view allowed) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || allowed.find(c) != absl::string_view::npos;
  });
}

// The checks that need no state: INVALID_ARGUMENT naming the field.
absl::Status CheckFields(const v1::PersonLookupRequest& r) {
  if (r.from().empty() || r.from().size() > kLookupMaxIdField || !Only(r.from(), "")) {
    return absl::InvalidArgumentError("from: not an archive code");
  }
  if (r.person_hash().size() != kHashBytes) {
    return absl::InvalidArgumentError(absl::StrCat("person_hash: ", r.person_hash().size(), " bytes, not ", kHashBytes));
  }
  if (r.person_id_masked().empty() || r.person_id_masked().size() > kLookupMaxIdField ||
      !Only(r.person_id_masked(), "*")) {
    return absl::InvalidArgumentError("person_id_masked: not a masked identity number");
  }
  if (r.lookup_id().empty() || r.lookup_id().size() > kLookupMaxIdField || !Only(r.lookup_id(), "-")) {
    return absl::InvalidArgumentError("lookup_id: missing or not letters, digits and '-'");
  }
  if (r.categories_size() > 8) return absl::InvalidArgumentError("categories: more than the eight there are");
  for (int c : r.categories()) {
    if (c == v1::LIVELIHOOD_NONE || !v1::LivelihoodCategory_IsValid(c)) {
      return absl::InvalidArgumentError(absl::StrCat("categories: ", c, " is not a livelihood category"));
    }
  }
  if (r.clerk_cert_pem().size() > kLookupMaxCertPem) {
    return absl::InvalidArgumentError(absl::StrCat("clerk_cert_pem: over ", kLookupMaxCertPem, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<seal::StaffInfo> LookupResponder::Clerk(const v1::PersonLookupRequest& r) {
  if (!members_->enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  if (r.clerk_cert_pem().empty()) {
    return absl::PermissionDeniedError("no clerk's certificate: lookups are answered for front-desk clerks (前台受理员) only");
  }
  const v1::Directory d = members_->Directory();
  auto staff = seal::CheckStaffCert(r.clerk_cert_pem(), d.issuing_pem(), d.root_pem(), clock_->NowChrono());
  if (!staff.ok()) return absl::PermissionDeniedError(absl::StrCat("the clerk's certificate: ", staff.status().message()));
  if (staff->archive != r.from()) {
    return absl::PermissionDeniedError(absl::StrCat("the clerk's certificate is archive ", staff->archive,
                                                    "'s; the lookup comes from ", r.from()));
  }
  if (staff->role != "front-desk") {
    return absl::PermissionDeniedError(absl::StrCat(
        "lookups are answered for front-desk clerks (前台受理员) only; this certificate is for a ", staff->role));
  }
  for (const auto& serial : d.revoked_serials()) {
    if (serial == staff->cert.serial_hex) {
      return absl::PermissionDeniedError(absl::StrCat("the clerk's certificate ", serial, " is revoked"));
    }
  }
  return staff;
}

absl::StatusOr<v1::PersonLookupResponse> LookupResponder::Answer(const v1::PersonLookupRequest& r) {
  // Until the fields are checked, the audit shows them made printable and cut short.
  std::string actor = absl::StrCat("peer:", base::Printable(r.from(), kLookupMaxIdField));
  auto refuse = [&](absl::Status st) -> absl::Status {
    (void)store_->Audit({actor, kAction,
                         absl::StrCat("person:", base::Printable(r.person_id_masked(), kLookupMaxIdField),
                                      " lookup:", base::Printable(r.lookup_id(), kLookupMaxIdField)),
                         absl::StrCat("refused: ", st.message())});
    return st;
  };
  if (absl::Status st = CheckFields(r); !st.ok()) return refuse(st);
  auto clerk = Clerk(r);
  if (!clerk.ok()) return refuse(clerk.status());
  actor = absl::StrCat("archive ", r.from(), " clerk ", clerk->name, " (", clerk->cert.serial_hex, ")");
  if (limit_.Attempt(clerk->cert.serial_hex, clock_->Now()) != base::AddressRateLimit::Verdict::kAllowed) {
    return refuse(absl::ResourceExhaustedError(absl::StrCat(
        "clerk ", clerk->name, " asked more than ", limit_.policy().per_minute, " lookups a minute here; try again shortly")));
  }

  const std::set<int> wanted(r.categories().begin(), r.categories().end());
  v1::SearchRequest by_person;
  by_person.set_person_hash(r.person_hash());
  by_person.set_limit(kSearchLimit);
  if (wanted.size() == 1) {
    by_person.set_has_livelihood(true);
    by_person.set_livelihood(static_cast<v1::LivelihoodCategory>(*wanted.begin()));
  }
  auto found = holdings_->Search(by_person, actor);
  if (!found.ok()) return refuse(found.status());

  v1::PersonLookupResponse out;
  out.set_archive(archive_);
  out.set_truncated(found->hits_size() >= static_cast<int>(kSearchLimit));
  for (const v1::SearchHit& h : found->hits()) {
    auto view = holdings_->Decide(h.code(), Audience::kPerson);
    if (!view.ok()) {
      if (view.status().code() == absl::StatusCode::kNotFound) continue;  // withdrawn since it was indexed
      return refuse(view.status());
    }
    const v1::Record& rec = view->record.record();
    const bool names_person = std::any_of(rec.persons().begin(), rec.persons().end(),
                                          [&](const v1::Person& p) { return p.id_hash() == r.person_hash(); });
    if (!names_person || rec.livelihood() == v1::LIVELIHOOD_NONE || !view->decision.list) continue;
    if (!wanted.empty() && wanted.count(rec.livelihood()) == 0) continue;
    if (out.records_size() >= kLookupMaxRecords) {
      out.set_truncated(true);
      break;
    }
    v1::LookupRecord* l = out.add_records();
    l->set_code(rec.code());
    l->set_title(ingest::MaskPersonalData(rec.title(), ingest::FindPersonalData(rec.title())));
    l->set_date(!rec.date().empty() ? rec.date() : rec.year() > 0 ? absl::StrCat(rec.year()) : "");
    l->set_category(rec.livelihood());
  }
  std::sort(out.mutable_records()->begin(), out.mutable_records()->end(),
            [](const v1::LookupRecord& a, const v1::LookupRecord& b) {
              return std::tie(a.date(), a.code()) < std::tie(b.date(), b.code());
            });
  RETURN_IF_ERROR(store_->Audit({actor, kAction,
                                 absl::StrCat("person:", r.person_id_masked(), " lookup:", r.lookup_id()),
                                 absl::StrCat("ok: ", out.records_size(), " records listed",
                                              out.truncated() ? " (truncated)" : "")}));
  return out;
}

}  // namespace kuaguan::federation
