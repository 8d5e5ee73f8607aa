#include "node/exchange.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include <botan/auto_rng.h>
#include <botan/hex.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/grpc_status.h"
#include "base/status_macros.h"
#include "federation/request_rules.h"
#include "ingest/personal_data.h"
#include "kuaguan/v1/exchange.grpc.pb.h"
#include "seal/digest.h"
#include "seal/directory.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;
namespace {

constexpr absl::string_view kPackageKey = "exchange/package/";
constexpr size_t kMaxImportedCodeBytes = 200;  // the index keeps a code as one term

std::string Outcome(const absl::Status& s) {
  return s.ok() ? "ok" : absl::StrCat(absl::StatusCodeToString(s.code()), ": ", s.message());
}

std::string Masked(const std::string& text) { return ingest::MaskPersonalData(text, ingest::FindPersonalData(text)); }

// What was asked, for the audit and the manifest.
std::string Asked(const std::string& query, const google::protobuf::RepeatedPtrField<std::string>& codes) {
  if (!query.empty()) return absl::StrCat("query ", Masked(query));
  return absl::StrCat(codes.size(), " codes");
}

absl::Status CheckAsk(const std::string& query, const google::protobuf::RepeatedPtrField<std::string>& codes,
                      uint32_t max_records) {
  if (query.empty() == codes.empty()) {
    return absl::InvalidArgumentError("ask for a package by --query or by --record codes (one of the two)");
  }
  if (codes.size() > static_cast<int>(kMaxPackageRecords)) {
    return absl::InvalidArgumentError(absl::StrCat("a package asks for at most ", kMaxPackageRecords, " codes"));
  }
  if (max_records > kMaxPackageRecords) {
    return absl::InvalidArgumentError(absl::StrCat("--max ", max_records, ": at most ", kMaxPackageRecords, " records a package"));
  }
  return absl::OkStatus();
}

std::string NewPackageId(const std::string& archive, int64_t now_micros) {
  Botan::AutoSeeded_RNG rng;
  return absl::StrCat(archive, "-", federation::DayString(federation::DayOf(now_micros)), "-",
                      Botan::hex_encode(rng.random_vec(6), false));
}

}  // namespace

std::string ImportedCode(const std::string& archive, const std::string& code) { return absl::StrCat(archive, "/", code); }

v1::ExchangePackageInfo PackageInfo(const federation::ExchangePackage& package, const std::string& bytes) {
  const v1::ExchangeManifest& m = package.manifest;
  v1::ExchangePackageInfo info;
  info.set_package_id(m.package_id());
  info.set_from_archive(m.from_archive());
  info.set_from_name(m.from_name());
  info.set_to_archive(m.to_archive());
  info.set_created_micros(m.created_micros());
  info.set_records(m.records());
  info.set_pages(m.pages());
  info.set_not_given(m.not_given());
  info.set_truncated(m.truncated());
  info.set_sm3(seal::Sm3(bytes));
  info.set_bytes(bytes.size());
  info.set_query(m.query());
  return info;
}

DirectExchange::DirectExchange(std::string archive_id, std::string name, Store* store, Holdings* holdings,
                               federation::PeerLink* link, const base::Clock* clock)
    : archive_id_(std::move(archive_id)), name_(std::move(name)), store_(store), holdings_(holdings), link_(link),
      clock_(clock) {}

absl::StatusOr<std::string> DirectExchange::MakePackage(const v1::PackageRequest& request) {
  const std::string actor = absl::StrCat("peer:", request.from());
  auto refuse = [&](const absl::Status& st) -> absl::Status {
    RETURN_IF_ERROR(store_->Audit({actor, "exchange.package", Asked(request.query(), request.codes()), Outcome(st)}));
    return st;
  };
  if (absl::Status st = CheckAsk(request.query(), request.codes(), request.max_records()); !st.ok()) return refuse(st);
  if (!link_->enrolled()) return refuse(absl::FailedPreconditionError("this archive has not enrolled"));
  const uint32_t max_records = request.max_records() == 0 ? kDefaultPackageRecords : request.max_records();

  // The candidates: the codes asked for, or what the query finds among unconditionally shared,
  // public records (each still decided below).
  std::vector<std::string> candidates;
  if (!request.codes().empty()) {
    std::set<std::string> seen;
    for (const auto& c : request.codes()) {
      if (seen.insert(c).second) candidates.push_back(c);
    }
  } else {
    v1::SearchRequest search;
    search.set_query(request.query());
    search.set_field("catalog");
    search.set_share_class(v1::SHARE_CLASS_UNCONDITIONAL);
    search.set_secrecy(v1::SECRECY_PUBLIC);
    // One more than wanted, to know whether the package stops short.
    const uint32_t want = max_records + 1;
    while (candidates.size() < want) {
      search.set_offset(static_cast<uint32_t>(candidates.size()));
      search.set_limit(std::min<uint32_t>(1000, want - static_cast<uint32_t>(candidates.size())));
      absl::StatusOr<v1::SearchResponse> found = holdings_->Search(search, actor);
      if (!found.ok()) return refuse(found.status());
      for (const auto& h : found->hits()) candidates.push_back(h.code());
      if (found->hits_size() < static_cast<int>(search.limit())) break;
    }
  }

  v1::ExchangeManifest manifest;
  const int64_t now = clock_->NowMicros();
  manifest.set_package_id(NewPackageId(archive_id_, now));
  manifest.set_from_archive(archive_id_);
  manifest.set_from_name(name_);
  manifest.set_to_archive(request.from());
  manifest.set_created_micros(now);
  manifest.set_query(Masked(request.query()));
  for (const auto& c : request.codes()) manifest.add_codes(c);
  std::vector<v1::ExchangeEntry> entries;
  size_t bytes = 0;
  uint32_t records = 0, not_given = 0;
  bool truncated = false;
  for (const std::string& code : candidates) {
    if (records == max_records) {
      truncated = true;
      break;
    }
    absl::StatusOr<federation::SharedView> view = holdings_->Decide(code, federation::Audience::kPeer);
    if (!view.ok() && view.status().code() != absl::StatusCode::kNotFound) return refuse(view.status());
    if (!view.ok() || !view->decision.list) {
      ++not_given;  // absent and refused alike: a peer learns nothing of what it may not list
      continue;
    }
    absl::StatusOr<v1::GetRecordResponse> got = holdings_->Get(code, false, actor, /*shared=*/true);
    if (!got.ok()) {
      ++not_given;
      continue;
    }
    std::vector<v1::ExchangeEntry> these(1);
    *these[0].mutable_record() = got->record().record();
    size_t these_bytes = these[0].ByteSizeLong();
    if (view->decision.text && !request.no_pages() && !got->record().record().page_starts().empty()) {
      ASSIGN_OR_RETURN(const auto texts, store_->PageTexts(code));
      for (const auto& t : texts) {
        v1::PageRequest page;
        page.set_code(code);
        page.set_page(t.page());
        page.set_shared(true);
        absl::StatusOr<v1::PageImage> image = holdings_->GetPage(page, actor);
        if (!image.ok()) return refuse(image.status());
        v1::ExchangeEntry e;
        e.mutable_page()->set_code(code);
        e.mutable_page()->set_page(t.page());
        e.mutable_page()->set_format(image->format());
        e.mutable_page()->set_image(std::move(*image->mutable_content()));
        e.mutable_page()->set_text(Masked(t.text()));
        these_bytes += e.ByteSizeLong();
        these.push_back(std::move(e));
      }
    }
    if (bytes + these_bytes > kPackageBudgetBytes) {
      truncated = true;
      break;
    }
    bytes += these_bytes;
    ++records;
    for (auto& e : these) entries.push_back(std::move(e));
  }
  manifest.set_not_given(not_given);
  manifest.set_truncated(truncated);
  const v1::Directory directory = link_->Directory();
  const v1::Member* member = seal::FindMember(directory, archive_id_);
  if (member == nullptr) return refuse(absl::FailedPreconditionError("this archive is not in the directory it holds"));
  absl::StatusOr<std::string> package =
      federation::WritePackage(manifest, entries, link_->identity().key_pem, member->tls_cert_pem());
  if (!package.ok()) return refuse(package.status());
  RETURN_IF_ERROR(store_->Audit({actor, "exchange.package",
                                 absl::StrCat(manifest.package_id(), " for ", request.from(), ": ",
                                              Asked(request.query(), request.codes())),
                                 absl::StrCat("ok: ", records, " records, ", entries.size() - records, " pages, ",
                                              not_given, " not given", truncated ? ", stopped at the limit" : "")}));
  return package;
}

absl::StatusOr<federation::ExchangePackage> DirectExchange::Verified(const std::string& bytes) {
  if (!link_->enrolled()) return absl::FailedPreconditionError("this archive has not enrolled: it cannot check the sender");
  ASSIGN_OR_RETURN(federation::ExchangePackage pkg, federation::ParsePackage(bytes));
  const std::string& from = pkg.manifest.from_archive();
  if (from == archive_id_) return absl::InvalidArgumentError("the package is this archive's own");
  if (pkg.manifest.to_archive() != archive_id_) {
    return absl::InvalidArgumentError(
        absl::StrCat("the package was made for archive ", pkg.manifest.to_archive(), ", not this one (", archive_id_, ")"));
  }
  if (absl::Status st = seal::CheckPeer(link_->Directory(), from, pkg.cert_pem, absl::ToChronoTime(clock_->Now())); !st.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("the package's certificate is not archive ", from, "'s: ", st.message()));
  }
  RETURN_IF_ERROR(federation::VerifyPackageSignature(pkg));
  return pkg;
}

absl::StatusOr<v1::ExchangeFetchReply> DirectExchange::Fetch(const v1::ExchangeFetchRequest& request,
                                                             const std::string& actor) {
  const std::string object = absl::StrCat("from ", request.from(), ": ", Asked(request.query(), request.codes()));
  absl::StatusOr<v1::ExchangeFetchReply> reply = [&]() -> absl::StatusOr<v1::ExchangeFetchReply> {
    if (request.from().empty()) return absl::InvalidArgumentError("--from: name the holding archive (档案馆代码)");
    if (request.from() == archive_id_) return absl::InvalidArgumentError("--from is this archive itself");
    RETURN_IF_ERROR(CheckAsk(request.query(), request.codes(), request.max_records()));
    if (!link_->enrolled()) return absl::FailedPreconditionError("this archive has not enrolled");
    ASSIGN_OR_RETURN(auto channel, link_->PeerChannel(request.from()));
    auto stub = v1::Exchange::NewStub(channel);
    v1::PackageRequest ask;
    ask.set_from(archive_id_);
    ask.set_query(request.query());
    *ask.mutable_codes() = request.codes();
    ask.set_max_records(request.max_records());
    ask.set_no_pages(request.no_pages());
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(10)));
    v1::PackageReply answer;
    RETURN_IF_ERROR(base::FromGrpcStatus(stub->Package(&ctx, ask, &answer)));
    ASSIGN_OR_RETURN(const federation::ExchangePackage pkg, Verified(answer.package()));
    if (pkg.manifest.from_archive() != request.from()) {
      return absl::UnauthenticatedError(
          absl::StrCat("archive ", request.from(), " answered with a package of ", pkg.manifest.from_archive()));
    }
    v1::ExchangeFetchReply out;
    *out.mutable_info() = PackageInfo(pkg, answer.package());
    *out.mutable_package() = std::move(*answer.mutable_package());
    return out;
  }();
  RETURN_IF_ERROR(store_->Audit(
      {actor, "exchange.request", object,
       reply.ok() ? absl::StrCat("ok: package ", reply->info().package_id(), ", ", reply->info().records(), " records, ",
                                 reply->info().pages(), " pages")
                  : Outcome(reply.status())}));
  return reply;
}

absl::StatusOr<v1::ExchangePackageInfo> DirectExchange::Import(const std::string& bytes, const std::string& actor) {
  absl::StatusOr<federation::ExchangePackage> pkg = Verified(bytes);
  const std::string object =
      pkg.ok() ? absl::StrCat(pkg->manifest.package_id(), " from ", pkg->manifest.from_archive())
               : absl::StrCat("a package of ", bytes.size(), " bytes, SM3 ", seal::ToHex(seal::Sm3(bytes)).substr(0, 16));
  auto refuse = [&](const absl::Status& st) -> absl::Status {
    RETURN_IF_ERROR(store_->Audit({actor, "exchange.import", object, Outcome(st)}));
    return st;
  };
  if (!pkg.ok()) return refuse(pkg.status());
  absl::MutexLock lock(&import_mu_);
  const v1::ExchangeManifest& m = pkg->manifest;
  const std::string key = absl::StrCat(kPackageKey, m.package_id());
  ASSIGN_OR_RETURN(const auto earlier, store_->GetMeta(key));
  if (earlier) return refuse(absl::AlreadyExistsError(absl::StrCat("package ", m.package_id(), " is already imported")));

  const int64_t now = clock_->NowMicros();
  v1::ExchangePackageInfo info = PackageInfo(*pkg, bytes);
  info.set_imported_micros(now);
  info.set_imported_by(actor);
  const std::string reason = absl::StrCat("直接交换 package ", m.package_id(), " from ", m.from_archive());
  std::vector<RecordWrite> writes;
  for (const v1::ExchangeEntry& e : pkg->entries) {
    if (e.has_page()) {
      RecordWrite& w = writes.back();  // the record comes before its pages (ParsePackage)
      const std::string sm3 = seal::Sm3(e.page().image());
      w.page_blobs.emplace_back(sm3, e.page().image());
      v1::PageText t;
      t.set_page(e.page().page());
      t.set_file(absl::StrCat("exchange:", m.package_id()));
      t.set_sm3(sm3);
      t.set_text(e.page().text());
      w.page_texts.push_back(std::move(t));
      continue;
    }
    v1::Record record = e.record();
    if (record.code().size() > kMaxImportedCodeBytes) {
      return refuse(absl::InvalidArgumentError(absl::StrCat("a record code in the package is longer than ", kMaxImportedCodeBytes, " bytes")));
    }
    // Keys are the code, then 0x00 and a version: a control character in a code is refused.
    if (std::any_of(record.code().begin(), record.code().end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
      return refuse(absl::InvalidArgumentError("a record code in the package holds a control character"));
    }
    const std::string code = ImportedCode(m.from_archive(), record.code());
    ASSIGN_OR_RETURN(const auto existing, store_->GetRecord(code));
    if (existing && existing->origin().archive() != m.from_archive()) {
      return refuse(absl::FailedPreconditionError(
          absl::StrCat("code ", code, " is held here and is not a copy from archive ", m.from_archive())));
    }
    RecordWrite w;
    w.check_previous = true;
    v1::StoredRecord& s = w.current;
    s.mutable_origin()->set_archive(m.from_archive());
    s.mutable_origin()->set_package(m.package_id());
    s.mutable_origin()->set_imported_micros(now);
    s.mutable_origin()->set_record_sm3(seal::Sm3(seal::SerializeDeterministic(record)));
    record.set_code(code);
    *s.mutable_record() = std::move(record);
    s.set_version(existing ? existing->version() + 1 : 1);
    s.set_state(v1::RECORD_STATE_ACTIVE);
    s.set_created_micros(existing ? existing->created_micros() : now);
    s.set_updated_micros(now);
    SetContentDigests(s.record(), s.mutable_content_sm3(), s.mutable_content_sha256());
    w.version.set_version(s.version());
    w.version.set_change(existing ? v1::CHANGE_KIND_MODIFIED : v1::CHANGE_KIND_CREATED);
    w.version.set_state(s.state());
    *w.version.mutable_record() = s.record();
    w.version.set_actor(actor);
    w.version.set_reason(reason);
    w.version.set_time_micros(now);
    w.version.set_content_sm3(s.content_sm3());
    w.version.set_content_sha256(s.content_sha256());
    info.add_codes(code);
    writes.push_back(std::move(w));
  }
  absl::StatusOr<uint64_t> committed =
      store_->Commit(std::move(writes),
                     {actor, "exchange.import", object,
                      absl::StrCat("ok: ", m.records(), " records, ", m.pages(), " pages, read-only; SM3 ",
                                   seal::ToHex(info.sm3()).substr(0, 16))},
                     {{key, info.SerializeAsString()}});
  if (!committed.ok()) return refuse(committed.status());
  if (absl::Status st = holdings_->CatchUpIndex(); !st.ok()) {
    std::fprintf(stderr, "kuaguand: index behind the store: %s (run kuaguan reindex)\n", std::string(st.message()).c_str());
  }
  return info;
}

absl::StatusOr<v1::ExchangeList> DirectExchange::List(const std::string& actor) {
  ASSIGN_OR_RETURN(const auto entries, store_->ScanMeta(std::string(kPackageKey)));
  v1::ExchangeList list;
  for (const auto& [key, value] : entries) {
    if (!list.add_packages()->ParseFromString(value)) return absl::DataLossError(absl::StrCat(key, " does not parse"));
  }
  std::sort(list.mutable_packages()->begin(), list.mutable_packages()->end(),
            [](const auto& a, const auto& b) { return a.imported_micros() < b.imported_micros(); });
  RETURN_IF_ERROR(store_->Audit({actor, "exchange.list", "", absl::StrCat("ok: ", list.packages_size(), " packages")}));
  return list;
}

}  // namespace kuaguan::node
