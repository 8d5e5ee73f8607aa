#include "federation/person_lookup.h"

#include <algorithm>

#include <botan/auto_rng.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/actor.h"
#include "base/status_macros.h"
#include "federation/request_rules.h"
#include "ingest/identity_number.h"
#include "proto/record_fields.h"
#include "seal/digest.h"
#include "seal/keyed_hash.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

constexpr uint32_t kDefaultTimeoutMs = 3000;
constexpr uint32_t kMaxTimeoutMs = 30000;
constexpr int kMaxCategoryArgs = 16;

std::string NewLookupId(const std::string& archive, absl::Time now) {
  Botan::AutoSeeded_RNG rng;
  const auto r = rng.random_vec(5);
  return absl::StrCat(archive, "-L", absl::FormatTime("%Y%m%d", now, Beijing()), "-",
                      seal::ToHex(std::string(r.begin(), r.end())));
}

// The checked identity number (18 characters), or INVALID_ARGUMENT saying what is wrong without
// repeating the number.
absl::StatusOr<std::string> CheckedNumber(const std::string& number, absl::Time now) {
  const auto id = ingest::ParseIdentityNumber(number);
  if (!id) {
    return absl::InvalidArgumentError("--id-number: not an identity number (18 characters, a real birth date)");
  }
  if (!id->check_ok && !id->old_form) {
    return absl::InvalidArgumentError("--id-number: the check character is wrong (mistyped digit?)");
  }
  if (id->normalized.substr(6, 8) > absl::FormatTime("%Y%m%d", now, Beijing())) {
    return absl::InvalidArgumentError("--id-number: the birth date is in the future");
  }
  return id->normalized;
}

// How an archive's failure to answer reads: slow, down or refused, and its words.
std::string Gap(const absl::Status& st) {
  const char* what = st.code() == absl::StatusCode::kDeadlineExceeded ? "slow (no answer in time)"
                     : st.code() == absl::StatusCode::kUnavailable     ? "unreachable"
                                                                       : "refused";
  return absl::StrCat(what, ": ", st.message());
}

}  // namespace

absl::StatusOr<v1::DeskLookupResponse> PersonLookup::Lookup(const v1::DeskLookupRequest& in,
                                                            const seal::StaffInfo& clerk) {
  const std::string actor =
      base::Actor{clerk.name, clerk.role, absl::StrCat("certificate:", clerk.cert.serial_hex)}.ToString();
  if (clerk.role != "front-desk") {
    return absl::PermissionDeniedError(
        absl::StrCat("lookups by identity are front-desk work (前台受理员); this certificate is for a ", clerk.role));
  }
  if (!members_->enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  if (in.person_name().empty()) return absl::InvalidArgumentError("--name: the person's name is required");
  ASSIGN_OR_RETURN(const std::string number, CheckedNumber(in.id_number(), clock_->Now()));
  if (in.timeout_ms() > kMaxTimeoutMs) {
    return absl::InvalidArgumentError(absl::StrCat("--timeout-ms: at most ", kMaxTimeoutMs));
  }
  if (in.categories_size() > kMaxCategoryArgs) {
    return absl::InvalidArgumentError(absl::StrCat("--category: at most ", kMaxCategoryArgs, " given"));
  }
  v1::PersonLookupRequest ask;
  for (const std::string& c : in.categories()) {
    auto category = proto::ParseLivelihood(c);
    if (!category.ok()) return absl::InvalidArgumentError(absl::StrCat("--category: ", category.status().message()));
    if (*category == v1::LIVELIHOOD_NONE) {
      return absl::InvalidArgumentError(absl::StrCat("--category ", c, ": not one of the eight livelihood categories"));
    }
    if (std::find(ask.categories().begin(), ask.categories().end(), *category) == ask.categories().end()) {
      ask.add_categories(*category);
    }
  }
  ASSIGN_OR_RETURN(const std::string key, store_->PersonKey());
  ask.set_from(archive_);
  ask.set_person_hash(seal::PersonKeyedHash(key, number));
  ask.set_person_id_masked(absl::StrCat(number.substr(0, 6), std::string(8, '*'), number.substr(14)));
  ask.set_clerk_cert_pem(clerk.cert.pem);
  ask.set_lookup_id(NewLookupId(archive_, clock_->Now()));
  const absl::Duration timeout = absl::Milliseconds(in.timeout_ms() == 0 ? kDefaultTimeoutMs : in.timeout_ms());

  // This archive first, then the others in the directory's order.
  const v1::Directory d = members_->Directory();
  std::vector<const v1::Member*> targets;
  for (const auto& m : d.members()) {
    if (m.code() == archive_) targets.insert(targets.begin(), &m);
    else if (!m.revoked()) targets.push_back(&m);
  }
  std::vector<absl::StatusOr<v1::PersonLookupResponse>> answers(targets.size(),
                                                                absl::UnknownError("not asked"));
  std::vector<absl::AnyInvocable<void()>> calls;
  for (size_t i = 0; i < targets.size(); ++i) {
    calls.push_back([&, i] {
      answers[i] = targets[i]->code() == archive_ ? self_->Answer(ask) : peers_->Lookup(targets[i]->code(), ask, timeout);
    });
  }
  while (!calls.empty()) {
    const size_t n = std::min(calls.size(), kWave);
    std::vector<absl::AnyInvocable<void()>> wave(std::make_move_iterator(calls.begin()),
                                                 std::make_move_iterator(calls.begin() + n));
    calls.erase(calls.begin(), calls.begin() + n);
    RETURN_IF_ERROR(pool_->RunAll(std::move(wave)));
  }

  v1::DeskLookupResponse out;
  out.set_lookup_id(ask.lookup_id());
  out.set_person_id_masked(ask.person_id_masked());
  std::vector<std::string> silent;
  for (size_t i = 0; i < targets.size(); ++i) {
    const v1::Member& m = *targets[i];
    if (!answers[i].ok()) {
      v1::LookupGap* g = out.add_unanswered();
      g->set_archive(m.code());
      g->set_archive_name(m.name());
      g->set_error(Gap(answers[i].status()));
      silent.push_back(m.code());
      continue;
    }
    out.add_answered(m.code());
    if (answers[i]->truncated()) out.add_truncated(m.code());
    for (const v1::LookupRecord& r : answers[i]->records()) {
      v1::LookupHit* h = out.add_records();
      h->set_index(static_cast<uint32_t>(out.records_size()));
      h->set_archive(m.code());
      h->set_archive_name(m.name());
      h->set_category(r.category());
      h->set_title(r.title());
      h->set_date(r.date());
      h->set_code(r.code());
    }
  }
  RETURN_IF_ERROR(store_->Audit(
      {actor, "lookup.person", absl::StrCat("person:", ask.person_id_masked(), " lookup:", ask.lookup_id()),
       absl::StrCat("ok: ", out.records_size(), " records from ", out.answered_size(), " of ", targets.size(),
                    " archives", silent.empty() ? "" : absl::StrCat("; no answer from ", absl::StrJoin(silent, ", ")))}));
  return out;
}

}  // namespace kuaguan::federation
