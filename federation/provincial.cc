#include "federation/provincial.h"

#include <botan/auto_rng.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pk_keys.h>

#include <algorithm>
#include <fstream>
#include <thread>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "document/seal_picture.h"
#include "base/archive_id.h"
#include "base/rate_limit.h"
#include "seal/certs.h"
#include "seal/directory.h"
#include "seal/enrollment_token.h"
#include "seal/key_file.h"
#include "seal/sm2.h"
#include "kuaguan/v1/federation.grpc.pb.h"

namespace kuaguan::federation {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

constexpr std::chrono::hours kNodeCertValidity(24 * 365 * 2);
constexpr char kMemberPrefix[] = "fed/member/";
constexpr char kTokenPrefix[] = "fed/token/";
constexpr char kRevokedPrefix[] = "fed/revoked/";
constexpr char kDirectoryKey[] = "fed/directory";
constexpr char kPersonKey[] = "fed/person-key";  // the federation's key for identity-number hashes
constexpr char kSealPurpose[] = "电子出证专用章";  // the seal serves remote certification only (R5.4)
// How often refused enrollment attempts counted by the rate limit are looked at for auditing.
constexpr absl::Duration kRefusalReportEvery = absl::Seconds(5);

std::string Sha256Hex(const std::string& data) {
  return Botan::hex_encode(Botan::HashFunction::create_or_throw("SHA-256")->process(data), false);
}

std::string When(int64_t micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

std::string LevelOf(const std::string& code) {
  auto id = base::ParseArchiveId(code);
  if (!id.ok()) return "";
  switch (id->level) {
    case base::ArchiveLevel::kProvincial: return "province";
    case base::ArchiveLevel::kMunicipal: return "city";
    case base::ArchiveLevel::kCounty: return "county";
  }
  return "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<Provincial>> Provincial::Open(const base::NodeConfig& config, StateStore* store,
                                                            const base::Clock* clock) {
  auto p = std::unique_ptr<Provincial>(new Provincial());
  p->config_ = config;
  p->store_ = store;
  p->clock_ = clock;
  ASSIGN_OR_RETURN(const std::string pass, seal::LoadPassphrase(config.KeyFile(), /*create=*/true));
  const fs::path ca_dir = config.data_dir / "ca";
  std::error_code ec;
  if (fs::exists(ca_dir / "root.pem", ec)) {
    ASSIGN_OR_RETURN(p->ca_, seal::CertificateAuthority::Open(ca_dir, pass));
  } else {
    ASSIGN_OR_RETURN(p->ca_, seal::CertificateAuthority::Create(ca_dir, pass, config.archive_id, config.name));
    Botan::AutoSeeded_RNG rng;
    const auto person_key = rng.random_vec(32);
    RETURN_IF_ERROR(store->PutMeta({{kPersonKey, std::string(person_key.begin(), person_key.end())}},
                                   {"kuaguand", "ca.create", config.archive_id, "ok: CA and federation person key made"}));
  }
  // The provincial node's own TLS identity, issued by its CA.
  const fs::path key_path = config.data_dir / "keys" / "tls.key", cert_path = config.data_dir / "keys" / "tls.pem";
  std::unique_ptr<Botan::Private_Key> key;
  std::string cert;
  if (fs::exists(cert_path, ec)) {
    ASSIGN_OR_RETURN(key, seal::ReadKeyFile(key_path, pass));
    ASSIGN_OR_RETURN(cert, seal::ReadTextFile(cert_path));
  } else {
    Botan::AutoSeeded_RNG rng;
    key = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
    ASSIGN_OR_RETURN(cert, p->ca_->IssueTlsCertForKey(*key, config.archive_id, config.name, kNodeCertValidity));
    RETURN_IF_ERROR(seal::WriteKeyFile(key_path, *key, pass));
    RETURN_IF_ERROR(seal::WriteTextFile(cert_path, cert));
  }
  p->identity_.key_pem = seal::PlainKeyPem(*key);
  p->identity_.chain_pem = cert + p->ca_->issuing_pem() + p->ca_->root_pem();
  p->identity_.root_pem = p->ca_->root_pem();
  p->notifier_ = std::thread([raw = p.get()] { raw->NotifyLoop(); });
  ASSIGN_OR_RETURN(auto stored, store->GetMeta(kDirectoryKey));
  if (stored) {
    absl::MutexLock lock(&p->mu_);
    p->signed_.ParseFromString(*stored);
    p->current_.ParseFromString(p->signed_.directory());
    p->address_ = p->current_.provincial_address();
  }
  return p;
}

absl::Status Provincial::SetAddress(const std::string& peer_address) {
  absl::MutexLock lock(&mu_);
  if (address_ == peer_address && current_.version() > 0) return absl::OkStatus();
  address_ = peer_address;
  return PublishLocked({}, {"kuaguand", "federation.publish", peer_address, "ok: provincial address"}).status();
}

absl::StatusOr<v1::TokenResponse> Provincial::CreateToken(const v1::TokenRequest& request, const std::string& actor) {
  RETURN_IF_ERROR(base::ParseArchiveId(request.archive()).status());
  if (request.archive() == config_.archive_id) {
    return absl::InvalidArgumentError("the provincial node does not enroll itself");
  }
  if (request.name().empty()) {
    return absl::InvalidArgumentError(
        "a token needs the archive's name (档案馆名称): its seal carries it");
  }
  const std::string level = request.level().empty() ? LevelOf(request.archive()) : request.level();
  if (level != "province" && level != "city" && level != "county") {
    return absl::InvalidArgumentError(absl::StrCat("level '", request.level(), "' is not province, city or county"));
  }
  Botan::AutoSeeded_RNG rng;
  seal::EnrollmentToken token;
  token.archive = request.archive();
  token.secret = Botan::hex_encode(rng.random_vec(32), false);
  token.root_sha256 = seal::ParseCert(ca_->root_pem())->sha256_hex;
  token.provincial_sha256 = OwnTlsSha256();
  v1::EnrollToken t;
  t.set_archive(request.archive());
  t.set_name(request.name());
  t.set_level(level);
  const int64_t now = clock_->NowMicros();
  t.set_expires_micros(now + int64_t{request.valid_hours() == 0 ? 72 : request.valid_hours()} * 3600 * 1000000);
  t.set_secret_sha256(Sha256Hex(token.secret));
  RETURN_IF_ERROR(store_->PutMeta({{kTokenPrefix + t.secret_sha256(), t.SerializeAsString()}},
                                  {actor, "ca.token", request.archive(), absl::StrCat("ok: expires ", When(t.expires_micros()))}));
  v1::TokenResponse r;
  r.set_token(token.ToString());
  r.set_archive(request.archive());
  r.set_expires_micros(t.expires_micros());
  r.set_root_sha256(token.root_sha256);
  r.set_provincial_sha256(token.provincial_sha256);
  return r;
}

absl::Status Provincial::LimitEnrollment(const std::string& address, const std::string& actor) {
  const base::RateLimitPolicy& p = enroll_limit_.policy();
  auto too_many = [&] {
    return absl::ResourceExhaustedError(absl::StrCat(
        "too many enrollment attempts from ", address, " (限流: at most ", p.per_minute, " a minute, bursts of ",
        p.burst, "): try again in a minute"));
  };
  switch (enroll_limit_.Attempt(address, clock_->Now())) {
    case base::AddressRateLimit::Verdict::kAllowed:
      return absl::OkStatus();
    case base::AddressRateLimit::Verdict::kRefusedFirst: {
      absl::Status st = too_many();
      (void)store_->Audit({actor, "federation.enroll", "",
                           absl::StrCat("refused: ", st.message(), "; further refusals from ", address,
                                        " are counted and audited together")});
      return st;
    }
    case base::AddressRateLimit::Verdict::kRefused:
      break;
  }
  return too_many();
}

void Provincial::AuditEnrollmentRefusals(bool all) {
  const absl::Time now = clock_->Now();
  for (const auto& r : enroll_limit_.TakeReports(now, all)) {
    const int64_t minutes = std::max<int64_t>(1, absl::ToInt64Minutes(now - r.since + absl::Seconds(30)));
    (void)store_->Audit({absl::StrCat("enroll:", r.address), "federation.enroll", "",
                         absl::StrCat("refused ", r.refused, r.after_first ? " more" : "", " enrollment attempts from ",
                                      r.address, " in the last ", minutes == 1 ? "minute" : absl::StrCat(minutes, " minutes"),
                                      " (too many attempts, 限流)")});
  }
}

absl::StatusOr<v1::EnrollResponse> Provincial::Enroll(const v1::EnrollRequest& request, const std::string& peer) {
  const std::string actor = absl::StrCat("enroll:", peer);
  // Before anything that costs a lock, a signature check or a disk write.
  RETURN_IF_ERROR(LimitEnrollment(base::PeerAddress(peer), actor));
  absl::MutexLock lock(&mu_);
  auto refuse = [&](absl::Status st) -> absl::Status {
    (void)store_->Audit({actor, "federation.enroll", "", absl::StrCat("refused: ", st.message())});
    return st;
  };
  auto token = seal::ParseEnrollmentToken(request.token());
  if (!token.ok()) return refuse(token.status());
  if (token->root_sha256 != seal::ParseCert(ca_->root_pem())->sha256_hex) {
    return refuse(absl::PermissionDeniedError("the token belongs to another federation (its root is not ours)"));
  }
  if (token->provincial_sha256 != OwnTlsSha256()) {
    return refuse(absl::PermissionDeniedError("the token pins another certificate than this provincial node's"));
  }
  ASSIGN_OR_RETURN(auto stored, store_->GetMeta(kTokenPrefix + Sha256Hex(token->secret)));
  if (!stored) return refuse(absl::PermissionDeniedError("unknown enrollment token"));
  v1::EnrollToken t;
  t.ParseFromString(*stored);
  const int64_t now = clock_->NowMicros();
  if (t.archive() != token->archive) return refuse(absl::PermissionDeniedError("the token names another archive"));
  if (t.used_micros() != 0) {
    return refuse(absl::PermissionDeniedError(absl::StrCat("the token was already used at ", When(t.used_micros()))));
  }
  if (now > t.expires_micros()) {
    return refuse(absl::PermissionDeniedError(absl::StrCat("the token expired at ", When(t.expires_micros()))));
  }
  if (request.address().empty()) return refuse(absl::InvalidArgumentError("the node sent no peer address"));
  const std::string proof_data = request.token() + request.seal_public_key();
  if (absl::Status st = seal::Sm2Verify(request.seal_public_key(), proof_data, request.seal_proof()); !st.ok()) {
    return refuse(absl::PermissionDeniedError(absl::StrCat("seal key proof of possession: ", st.message())));
  }
  auto tls = ca_->IssueTlsCert(std::vector<uint8_t>(request.tls_csr().begin(), request.tls_csr().end()), t.archive(),
                               t.name(), kNodeCertValidity);
  if (!tls.ok()) return refuse(tls.status());
  const std::vector<uint8_t> seal_key(request.seal_public_key().begin(), request.seal_public_key().end());
  auto seal = ca_->IssueSealCert(seal_key, t.archive(), t.name(), kNodeCertValidity);
  if (!seal.ok()) return refuse(seal.status());
  auto picture = document::RenderSealPng(t.name(), kSealPurpose, 600);
  if (!picture.ok()) return refuse(picture.status());
  const auto seal_info = seal::ParseCert(*seal);
  auto e_seal = ca_->MakeArchiveSeal(absl::StrCat(t.archive(), "-", seal_info->serial_hex),
                                     absl::StrCat(t.name(), kSealPurpose), *seal, *picture);
  if (!e_seal.ok()) return refuse(e_seal.status());
  const auto info = seal::ParseCert(*tls);
  std::vector<std::pair<std::string, std::string>> entries;
  if (const v1::Member* old = seal::FindMember(current_, t.archive()); old != nullptr) {
    auto old_info = seal::ParseCert(old->tls_cert_pem());
    if (old_info.ok()) entries.emplace_back(kRevokedPrefix + old_info->serial_hex, "superseded by re-enrollment");
  }
  v1::Member m;
  m.set_code(t.archive());
  m.set_name(t.name());
  m.set_level(t.level());
  m.set_address(request.address());
  m.set_tls_cert_pem(*tls);
  m.set_tls_cert_sha256(info->sha256_hex);
  m.set_seal_cert_pem(*seal);
  m.set_enrolled_micros(now);
  t.set_used_micros(now);
  entries.emplace_back(kMemberPrefix + m.code(), m.SerializeAsString());
  entries.emplace_back(kTokenPrefix + t.secret_sha256(), t.SerializeAsString());
  ASSIGN_OR_RETURN(auto published,
                   PublishLocked(std::move(entries), {actor, "federation.enroll", t.archive(),
                                                      absl::StrCat("ok: TLS certificate ", info->serial_hex)}));
  ASSIGN_OR_RETURN(auto person_key, store_->GetMeta(kPersonKey));
  v1::EnrollResponse r;
  if (person_key) r.set_person_key(*person_key);
  r.set_tls_cert_pem(*tls);
  r.set_seal_cert_pem(*seal);
  r.set_seal(*e_seal);
  *r.mutable_directory() = std::move(published);
  return r;
}

absl::Status Provincial::CheckMember(const std::string& code, const std::string& pem) {
  absl::MutexLock lock(&mu_);
  if (absl::Status st = seal::CheckPeer(current_, code, pem, clock_->NowChrono()); !st.ok()) {
    return absl::PermissionDeniedError(st.message());
  }
  return absl::OkStatus();
}

std::optional<std::string> Provincial::MemberCert(const std::string& code) {
  absl::MutexLock lock(&mu_);
  const v1::Member* m = seal::FindMember(current_, code);
  if (m == nullptr) return std::nullopt;
  return m->tls_cert_pem();
}

v1::Directory Provincial::Directory() {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::StatusOr<v1::StaffCertResponse> Provincial::IssueStaffCert(const v1::StaffCertRequest& request,
                                                                  const std::string& caller_pem) {
  absl::MutexLock lock(&mu_);
  const std::string object = absl::StrCat(request.from(), " ", request.role(), " ", request.name());
  if (absl::Status st = seal::CheckPeer(current_, request.from(), caller_pem, clock_->NowChrono());
      !st.ok()) {
    (void)store_->Audit({absl::StrCat("peer:", request.from()), "ca.staff", object, absl::StrCat("refused: ", st.message())});
    return absl::PermissionDeniedError(st.message());
  }
  auto cert = ca_->IssueStaffCert(std::vector<uint8_t>(request.csr().begin(), request.csr().end()), request.from(),
                                  request.name(), request.role(), std::chrono::hours(24 * 365));
  if (!cert.ok()) {
    (void)store_->Audit({absl::StrCat("peer:", request.from()), "ca.staff", object,
                         absl::StrCat("refused: ", cert.status().message())});
    return cert.status();
  }
  RETURN_IF_ERROR(store_->Audit({absl::StrCat("peer:", request.from()), "ca.staff", object,
                                 absl::StrCat("ok: ", seal::ParseCert(*cert)->serial_hex)}));
  v1::StaffCertResponse r;
  r.set_cert_pem(*cert);
  r.set_issuing_pem(ca_->issuing_pem());
  r.set_root_pem(ca_->root_pem());
  return r;
}

absl::StatusOr<v1::DirectoryInfo> Provincial::Revoke(const v1::RevokeRequest& request, const std::string& actor) {
  absl::MutexLock lock(&mu_);
  if (request.reason().empty()) return absl::InvalidArgumentError("a revocation needs a reason (--reason)");
  std::vector<std::pair<std::string, std::string>> entries;
  std::string object;
  if (!request.archive().empty()) {
    const v1::Member* found = seal::FindMember(current_, request.archive());
    if (found == nullptr) return absl::NotFoundError(absl::StrCat("archive ", request.archive(), " is not a member"));
    v1::Member m = *found;
    m.set_revoked(true);
    m.set_revoked_reason(request.reason());
    entries.emplace_back(kMemberPrefix + m.code(), m.SerializeAsString());
    if (auto info = seal::ParseCert(m.tls_cert_pem()); info.ok()) {
      entries.emplace_back(kRevokedPrefix + info->serial_hex, request.reason());
    }
    object = request.archive();
  } else if (!request.serial().empty()) {
    entries.emplace_back(kRevokedPrefix + absl::AsciiStrToUpper(request.serial()), request.reason());
    object = absl::StrCat("serial ", request.serial());
  } else {
    return absl::InvalidArgumentError("name an archive or a certificate serial to revoke");
  }
  RETURN_IF_ERROR(PublishLocked(std::move(entries), {actor, "ca.revoke", object, absl::StrCat("ok: ", request.reason())})
                      .status());
  return Info();
}

absl::StatusOr<v1::DirectoryInfo> Provincial::RollSigner(const std::string& actor) {
  absl::MutexLock lock(&mu_);
  std::string stage;
  if (ca_->next_signer_pem().empty()) {
    RETURN_IF_ERROR(ca_->PrepareNextSigner().status());
    stage = "next directory signer announced; run again once every node has refreshed";
  } else {
    RETURN_IF_ERROR(ca_->PromoteNextSigner());
    stage = "the announced signer now signs";
  }
  RETURN_IF_ERROR(PublishLocked({}, {actor, "ca.roll-signer", "", absl::StrCat("ok: ", stage)}).status());
  return Info();
}

std::string Provincial::OwnTlsSha256() const {
  auto own = seal::ParseCert(identity_.chain_pem);  // the first certificate of the chain: ours
  return own.ok() ? own->sha256_hex : "";
}

v1::DirectoryInfo Provincial::Info() const {
  return seal::DirectoryInfoOf(current_, clock_->NowChrono());
}

absl::StatusOr<v1::SignedDirectory> Provincial::Current() {
  absl::MutexLock lock(&mu_);
  const int64_t now = clock_->NowMicros();
  const auto half = static_cast<int64_t>(config_.directory_validity_hours * 3600e6 / 2);
  if (current_.version() == 0 || now > current_.issued_micros() + half) {
    return PublishLocked({}, {"kuaguand", "federation.publish", "", "ok: periodic"});
  }
  return signed_;
}

absl::StatusOr<v1::SignedDirectory> Provincial::PublishLocked(std::vector<std::pair<std::string, std::string>> entries,
                                                              const AuditNote& note) {
  std::map<std::string, v1::Member> members;
  std::map<std::string, std::string> revoked;
  ASSIGN_OR_RETURN(const auto stored_members, store_->ScanMeta(kMemberPrefix));
  ASSIGN_OR_RETURN(const auto stored_revoked, store_->ScanMeta(kRevokedPrefix));
  auto take = [&](const std::string& key, const std::string& value) {
    if (key.rfind(kMemberPrefix, 0) == 0) members[key].ParseFromString(value);
    if (key.rfind(kRevokedPrefix, 0) == 0) revoked[key.substr(sizeof(kRevokedPrefix) - 1)] = value;
  };
  for (const auto& [k, v] : stored_members) take(k, v);
  for (const auto& [k, v] : stored_revoked) take(k, v);
  for (const auto& [k, v] : entries) take(k, v);
  v1::Directory d;
  d.set_version(current_.version() + 1);
  d.set_provincial_code(config_.archive_id);
  d.set_provincial_address(address_);
  const int64_t now = clock_->NowMicros();
  d.set_issued_micros(now);
  d.set_expires_micros(now + static_cast<int64_t>(config_.directory_validity_hours * 3600e6));
  d.set_refresh_seconds(config_.directory_refresh_seconds);
  d.set_replica_quota_bytes(static_cast<uint64_t>(config_.replica_quota_gb * (1 << 30)));
  for (auto& [key, m] : members) *d.add_members() = std::move(m);
  for (const auto& [serial, reason] : revoked) d.add_revoked_serials(serial);
  d.set_root_pem(ca_->root_pem());
  d.set_issuing_pem(ca_->issuing_pem());
  d.set_seal_maker_pem(ca_->seal_maker_pem());
  d.set_signer_pem(ca_->signer_pem());
  d.set_next_signer_pem(ca_->next_signer_pem());
  d.set_provincial_tls_sha256(OwnTlsSha256());
  v1::SignedDirectory s = seal::SignDirectory(d, ca_.get());
  entries.emplace_back(kDirectoryKey, s.SerializeAsString());
  AuditNote n = note;
  n.outcome = absl::StrCat(note.outcome, "; directory version ", d.version());
  RETURN_IF_ERROR(store_->PutMeta(entries, n));
  current_ = std::move(d);
  signed_ = s;
  Notify();
  return s;
}

void Provincial::Notify() {
  absl::MutexLock lock(&notify_mu_);
  pending_ = current_;
}

void Provincial::NotifyLoop() {
  while (true) {
    v1::Directory directory;
    bool changed = false;
    {
      absl::MutexLock lock(&notify_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(notify_mu_) { return pending_.has_value() || stop_; };
      // Wakes at least every few seconds to audit the enrollment refusals of windows that ended.
      notify_mu_.AwaitWithTimeout(absl::Condition(&ready), kRefusalReportEvery);
      if (stop_) return;
      if (pending_.has_value()) {
        directory = *std::move(pending_);
        pending_.reset();
        changed = true;
      }
    }
    AuditEnrollmentRefusals(/*all=*/false);
    if (!changed) continue;
    for (const auto& m : directory.members()) {
      {
        absl::MutexLock lock(&notify_mu_);
        if (stop_) return;
      }
      auto stub = v1::Peer::NewStub(seal::MutualTlsChannel(identity_, m.address(), m.code()));
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      v1::DirectoryChangedRequest req;
      req.set_from(directory.provincial_code());
      req.set_version(directory.version());
      v1::DirectoryChangedResponse resp;
      (void)stub->DirectoryChanged(&ctx, req, &resp);
    }
  }
}

Provincial::~Provincial() {
  {
    absl::MutexLock lock(&notify_mu_);
    stop_ = true;
  }
  if (notifier_.joinable()) notifier_.join();
  AuditEnrollmentRefusals(/*all=*/true);
}

}  // namespace kuaguan::federation
