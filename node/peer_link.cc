#include "node/peer_link.h"

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "federation/certs.h"
#include "federation/directory.h"
#include "federation/key_file.h"
#include "federation/sm2.h"
#include "node/grpc_status.h"
#include "node/remote_requests.h"

namespace kuaguan::node {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

constexpr char kDirectoryCache[] = "fed/directory-cache";

std::string When(int64_t micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

absl::Status FromGrpc(const grpc::Status& st, absl::string_view what) {
  return absl::Status(static_cast<absl::StatusCode>(st.error_code()), absl::StrCat(what, ": ", st.error_message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PeerLink>> PeerLink::Open(const NodeConfig& config, Store* store) {
  auto link = std::unique_ptr<PeerLink>(new PeerLink());
  link->config_ = config;
  link->store_ = store;
  ASSIGN_OR_RETURN(link->passphrase_, federation::LoadPassphrase(config.KeyFile(), /*create=*/true));
  const fs::path keys = config.data_dir / "keys";
  std::error_code ec;
  if (!fs::exists(keys / "tls.pem", ec)) return link;
  ASSIGN_OR_RETURN(auto key, federation::ReadKeyFile(keys / "tls.key", link->passphrase_));
  ASSIGN_OR_RETURN(auto cached, store->GetMeta(kDirectoryCache));
  if (!cached) return absl::DataLossError("enrolled, but the cached directory is missing from the store");
  v1::SignedDirectory s;
  s.ParseFromString(*cached);
  absl::MutexLock lock(&link->mu_);
  link->directory_.ParseFromString(s.directory());
  ASSIGN_OR_RETURN(link->tls_pem_, federation::ReadTextFile(keys / "tls.pem"));
  ASSIGN_OR_RETURN(link->seal_pem_, federation::ReadTextFile(keys / "seal.pem"));
  ASSIGN_OR_RETURN(auto seal_key, federation::ReadKeyFile(keys / "seal.key", link->passphrase_));
  link->seal_.key = std::move(seal_key);
  link->seal_.cert_pem = link->seal_pem_;
  ASSIGN_OR_RETURN(link->seal_.seal_der, federation::ReadTextFile(keys / "seal.esl"));
  ASSIGN_OR_RETURN(link->identity_.root_pem, federation::ReadTextFile(keys / "root.pem"));
  link->identity_.key_pem = federation::PlainKeyPem(*key);
  link->identity_.chain_pem = link->tls_pem_ + link->directory_.issuing_pem();
  link->enrolled_ = true;
  return link;
}

PeerLink::~PeerLink() {
  {
    absl::MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  if (refresher_.joinable()) refresher_.join();
}

void PeerLink::Wake(uint64_t version) {
  if (version <= Info().version()) return;
  absl::MutexLock lock(&wake_mu_);
  wake_ = true;
}

bool PeerLink::enrolled() const {
  absl::MutexLock lock(&mu_);
  return enrolled_;
}

federation::TlsIdentity PeerLink::identity() const {
  absl::MutexLock lock(&mu_);
  return identity_;
}

absl::StatusOr<v1::EnrollResult> PeerLink::Enroll(const v1::EnrollCommand& command, const std::string& peer_address,
                                                  const std::string& actor) {
  if (enrolled()) {
    return absl::FailedPreconditionError("this node is already enrolled (its certificates are in data_dir/keys)");
  }
  const std::vector<std::string> parts = absl::StrSplit(command.token(), '.');
  if (parts.size() != 3 || parts[0] != config_.archive_id) {
    return absl::InvalidArgumentError(absl::StrCat("the token is malformed or not for archive ", config_.archive_id));
  }
  Botan::AutoSeeded_RNG rng;
  auto tls_key = federation::NewKey(federation::KeyKind::kEcdsaP256, rng);
  auto seal_key = federation::NewKey(federation::KeyKind::kSm2, rng);
  v1::EnrollRequest req;
  req.set_token(command.token());
  Botan::X509_Cert_Options opts(config_.archive_id);
  const auto csr = Botan::X509::create_cert_req(opts, *tls_key, "SHA-256", rng).BER_encode();
  req.set_tls_csr(std::string(csr.begin(), csr.end()));
  const auto seal_pub = federation::Sm2PublicKeyDer(*seal_key);
  req.set_seal_public_key(std::string(seal_pub.begin(), seal_pub.end()));
  req.set_seal_proof(federation::Sm2Sign(*seal_key, req.token() + req.seal_public_key()));
  req.set_address(peer_address);
  auto channel = federation::PinnedRootChannel(command.provincial(), parts[2]);
  auto stub = v1::Federation::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  v1::EnrollResponse resp;
  grpc::Status st = stub->Enroll(&ctx, req, &resp);
  if (!st.ok()) {
    absl::Status failed = FromGrpc(st, absl::StrCat("enrollment at ", command.provincial(), " refused"));
    (void)store_->Audit({actor, "federation.enroll", command.provincial(), absl::StrCat("refused: ", failed.message())});
    return failed;
  }
  v1::Directory d;
  d.ParseFromString(resp.directory().directory());
  auto root_info = federation::ParseCert(d.root_pem());
  if (!root_info.ok() || root_info->sha256_hex != parts[2]) {
    return absl::UnauthenticatedError("the directory's root is not the one pinned in the token");
  }
  ASSIGN_OR_RETURN(auto dir, federation::VerifyDirectory(resp.directory(), d.root_pem(), std::chrono::system_clock::now(), nullptr));
  ASSIGN_OR_RETURN(auto tls_info, federation::CheckTlsCert(resp.tls_cert_pem(), dir.issuing_pem(), dir.root_pem(),
                                                           std::chrono::system_clock::now()));
  ASSIGN_OR_RETURN(auto seal_info, federation::CheckSealCert(resp.seal_cert_pem(), dir.seal_maker_pem(), dir.root_pem(),
                                                             std::chrono::system_clock::now()));
  if (tls_info.subject_cn != config_.archive_id) return absl::UnauthenticatedError("the certificate names another archive");
  const fs::path keys = config_.data_dir / "keys";
  RETURN_IF_ERROR(federation::WriteKeyFile(keys / "tls.key", *tls_key, passphrase_));
  RETURN_IF_ERROR(federation::WriteKeyFile(keys / "seal.key", *seal_key, passphrase_));
  RETURN_IF_ERROR(federation::WriteTextFile(keys / "root.pem", dir.root_pem()));
  RETURN_IF_ERROR(federation::WriteTextFile(keys / "seal.pem", resp.seal_cert_pem()));
  RETURN_IF_ERROR(federation::WriteTextFile(keys / "seal.esl", resp.seal()));
  RETURN_IF_ERROR(store_->PutMeta({{kDirectoryCache, resp.directory().SerializeAsString()}},
                                  {actor, "federation.enroll", command.provincial(),
                                   absl::StrCat("ok: TLS ", tls_info.serial_hex, ", seal ", seal_info.serial_hex)}));
  if (!resp.person_key().empty()) {
    RETURN_IF_ERROR(store_->SetFederationPersonKey(
        resp.person_key(), {actor, "federation.person-key", config_.archive_id, "ok: identity-number hashes now match across archives"}));
  }
  RETURN_IF_ERROR(federation::WriteTextFile(keys / "tls.pem", resp.tls_cert_pem()));  // last: marks the node enrolled
  {
    absl::MutexLock lock(&mu_);
    directory_ = dir;
    tls_pem_ = resp.tls_cert_pem();
    seal_pem_ = resp.seal_cert_pem();
    seal_.key = std::move(seal_key);
    seal_.cert_pem = seal_pem_;
    seal_.seal_der = resp.seal();
    identity_.key_pem = federation::PlainKeyPem(*tls_key);
    identity_.chain_pem = tls_pem_ + dir.issuing_pem();
    identity_.root_pem = dir.root_pem();
    enrolled_ = true;
  }
  v1::EnrollResult r;
  r.set_archive(config_.archive_id);
  r.set_tls_serial(tls_info.serial_hex);
  r.set_seal_serial(seal_info.serial_hex);
  r.set_peer_address(peer_address);
  *r.mutable_directory() = federation::DirectoryInfoOf(dir, std::chrono::system_clock::now());
  return r;
}

absl::Status PeerLink::AcceptDirectory(const v1::SignedDirectory& signed_dir, const std::string& actor) {
  absl::MutexLock lock(&mu_);
  auto d = federation::VerifyDirectory(signed_dir, identity_.root_pem, std::chrono::system_clock::now(), &directory_);
  if (!d.ok()) {
    (void)store_->Audit({actor, "federation.directory", "", absl::StrCat("refused: ", d.status().message())});
    return d.status();
  }
  if (d->version() == directory_.version()) return absl::OkStatus();
  RETURN_IF_ERROR(store_->PutMeta({{kDirectoryCache, signed_dir.SerializeAsString()}},
                                  {actor, "federation.directory", absl::StrCat("version ", d->version()), "ok"}));
  directory_ = *std::move(d);
  identity_.chain_pem = tls_pem_ + directory_.issuing_pem();
  accepted_.clear();  // revocations and registrations may have changed
  return absl::OkStatus();
}

absl::StatusOr<v1::StaffAddResult> PeerLink::AddStaff(const v1::StaffAddRequest& request,
                                                      const std::string& node_address, const std::string& actor) {
  if (!enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  std::string address, code;
  {
    absl::MutexLock lock(&mu_);
    address = directory_.provincial_address();
    code = directory_.provincial_code();
  }
  auto stub = v1::Federation::NewStub(ChannelTo(code, address));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::StaffCertRequest req;
  req.set_from(config_.archive_id);
  req.set_name(request.name());
  req.set_role(request.role());
  req.set_csr(request.csr());
  v1::StaffCertResponse resp;
  grpc::Status st = stub->IssueStaffCert(&ctx, req, &resp);
  const std::string object = absl::StrCat(request.role(), " ", request.name());
  if (!st.ok()) {
    absl::Status failed = FromGrpc(st, "the provincial CA refused the staff certificate");
    (void)store_->Audit({actor, "staff.add", object, absl::StrCat("refused: ", failed.message())});
    return failed;
  }
  ASSIGN_OR_RETURN(auto info, federation::CheckStaffCert(resp.cert_pem(), resp.issuing_pem(), identity().root_pem,
                                                         std::chrono::system_clock::now()));
  RETURN_IF_ERROR(store_->Audit({actor, "staff.add", object, absl::StrCat("ok: certificate ", info.cert.serial_hex)}));
  v1::StaffAddResult r;
  r.set_archive(info.archive);
  r.set_name(info.name);
  r.set_role(info.role);
  r.set_serial(info.cert.serial_hex);
  r.set_cert_pem(resp.cert_pem());
  r.set_issuing_pem(resp.issuing_pem());
  r.set_root_pem(resp.root_pem());
  r.set_node_address(node_address);
  return r;
}

absl::StatusOr<v1::DirectoryInfo> PeerLink::Refresh(const std::string& actor) {
  if (!enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  std::string address, code;
  uint64_t have = 0;
  {
    absl::MutexLock lock(&mu_);
    address = directory_.provincial_address();
    code = directory_.provincial_code();
    have = directory_.version();
  }
  auto stub = v1::Federation::NewStub(ChannelTo(code, address));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::DirectoryRequest req;
  req.set_have_version(have);
  v1::SignedDirectory s;
  grpc::Status st = stub->GetDirectory(&ctx, req, &s);
  if (!st.ok()) return FromGrpc(st, absl::StrCat("the provincial node at ", address, " did not answer"));
  RETURN_IF_ERROR(AcceptDirectory(s, actor));
  return Info();
}

void PeerLink::StartRefresher() {
  refresher_ = std::thread([this] {
    while (true) {
      int64_t seconds = 300;
      {
        absl::MutexLock lock(&mu_);
        if (directory_.refresh_seconds() > 0) seconds = directory_.refresh_seconds();
      }
      {
        absl::MutexLock lock(&wake_mu_);
        auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) { return wake_ || stop_; };
        wake_mu_.AwaitWithTimeout(absl::Condition(&woken), absl::Seconds(seconds));
        if (stop_) return;
        wake_ = false;
      }
      if (!enrolled()) continue;
      if (auto r = Refresh("kuaguand"); !r.ok()) {
        std::fprintf(stderr, "kuaguand: directory refresh failed (working from the cache): %s\n",
                     std::string(r.status().message()).c_str());
      }
    }
  });
}

v1::DirectoryInfo PeerLink::Info() {
  absl::MutexLock lock(&mu_);
  return federation::DirectoryInfoOf(directory_, std::chrono::system_clock::now());
}

absl::Status PeerLink::CheckInbound(const grpc::ServerContext& ctx, const std::string& claimed, const std::string& action) {
  absl::Status st;
  {
    absl::MutexLock lock(&mu_);
    const auto now = std::chrono::system_clock::now();
    if (federation::Expired(directory_, now)) {
      st = absl::FailedPreconditionError(absl::StrCat(
          "archive ", config_.archive_id, "'s directory expired at ", When(directory_.expires_micros()),
          ": it cannot check peers until the provincial node is reachable again"));
    } else {
      // A full check verifies the chain (two ECDSA signatures, ~1 ms); a peer that passed it
      // under this directory version is remembered until its certificate expires.
      const std::string pem = federation::PeerCertPem(ctx);
      const std::string key = absl::StrCat(claimed, "|", pem);
      if (claimed == directory_.provincial_code()) {
        auto info = federation::CheckTlsCert(pem, directory_.issuing_pem(), directory_.root_pem(), now);
        st = !info.ok() ? info.status()
             : info->sha256_hex != directory_.provincial_tls_sha256()
                 ? absl::PermissionDeniedError("the certificate is not the provincial node's")
                 : absl::OkStatus();
        accepted_.erase(key);
      } else {
      auto it = accepted_.find(key);
      if (it == accepted_.end() || now > it->second) {
        st = federation::CheckPeer(directory_, claimed, pem, now);
        if (st.ok()) {
          if (auto info = federation::ParseCert(pem); info.ok()) accepted_[key] = info->not_after;
        }
      }
      }
    }
  }
  if (!st.ok()) {
    (void)store_->Audit({absl::StrCat("peer:", claimed), action, ctx.peer(), absl::StrCat("refused: ", st.message())});
    std::fprintf(stderr, "kuaguand: refused %s from %s (%s): %s\n", action.c_str(), claimed.c_str(), ctx.peer().c_str(),
                 std::string(st.message()).c_str());
  }
  return st;
}

absl::StatusOr<federation::StaffInfo> PeerLink::CheckStaff(const grpc::ServerContext& ctx, const std::string& action) {
  absl::StatusOr<federation::StaffInfo> staff;
  {
    absl::MutexLock lock(&mu_);
    const auto now = std::chrono::system_clock::now();
    if (federation::Expired(directory_, now)) {
      staff = absl::FailedPreconditionError(absl::StrCat("the directory expired at ", When(directory_.expires_micros())));
    } else {
      staff = federation::CheckStaffCert(federation::PeerCertPem(ctx), directory_.issuing_pem(), directory_.root_pem(), now);
      if (staff.ok() && staff->archive != config_.archive_id) {
        staff = absl::PermissionDeniedError(absl::StrCat("the staff certificate is archive ", staff->archive,
                                                         "'s; this node is ", config_.archive_id));
      }
      for (const auto& serial : directory_.revoked_serials()) {
        if (staff.ok() && staff->cert.serial_hex == serial) {
          staff = absl::PermissionDeniedError(absl::StrCat("staff certificate ", serial, " is revoked"));
        }
      }
    }
  }
  if (!staff.ok()) {
    (void)store_->Audit({"staff:?", action, ctx.peer(), absl::StrCat("refused: ", staff.status().message())});
    return absl::PermissionDeniedError(staff.status().message());
  }
  return staff;
}

std::shared_ptr<grpc::Channel> PeerLink::ChannelTo(const std::string& code, const std::string& address) {
  absl::MutexLock lock(&mu_);
  auto& slot = channels_[code];
  if (!slot.second || slot.first != address) slot = {address, federation::MutualTlsChannel(identity_, address, code)};
  return slot.second;
}

absl::StatusOr<v1::PeerList> PeerLink::Peers(const v1::PeersRequest& request) {
  if (!enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  v1::Directory d;
  {
    absl::MutexLock lock(&mu_);
    d = directory_;
  }
  v1::PeerList list;
  *list.mutable_directory() = federation::DirectoryInfoOf(d, std::chrono::system_clock::now());
  const auto timeout = std::chrono::milliseconds(request.timeout_ms() == 0 ? 2000 : request.timeout_ms());
  std::vector<std::thread> threads;
  for (int i = 0; i < d.members_size(); ++i) list.add_peers();
  for (int i = 0; i < d.members_size(); ++i) {
    threads.emplace_back([&, i] {
      const auto& m = d.members(i);
      v1::PeerState* p = list.mutable_peers(i);
      p->set_code(m.code());
      p->set_name(m.name());
      p->set_level(m.level());
      p->set_address(m.address());
      p->set_self(m.code() == config_.archive_id);
      p->set_revoked(m.revoked());
      if (auto info = federation::ParseCert(m.tls_cert_pem()); info.ok()) {
        p->set_cert_not_after_micros(
            std::chrono::duration_cast<std::chrono::microseconds>(info->not_after.time_since_epoch()).count());
      }
      if (m.revoked()) return;
      auto stub = v1::Peer::NewStub(ChannelTo(m.code(), m.address()));
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + timeout);
      v1::PingRequest req;
      req.set_from(config_.archive_id);
      v1::PingResponse resp;
      const int64_t t0 = absl::ToUnixMicros(absl::Now());
      grpc::Status st = stub->Ping(&ctx, req, &resp);
      const int64_t t1 = absl::ToUnixMicros(absl::Now());
      if (!st.ok()) {
        p->set_error(st.error_message());
        return;
      }
      p->set_reachable(true);
      p->set_rtt_ms(double(t1 - t0) / 1000);
      p->set_clock_skew_ms(double(resp.time_micros() - (t0 + t1) / 2) / 1000);
    });
  }
  for (auto& t : threads) t.join();
  return list;
}

absl::StatusOr<v1::SearchResponse> PeerLink::FederatedSearch(const v1::SearchRequest& request, const std::string& actor) {
  if (!enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  if (request.query().empty()) return absl::InvalidArgumentError("a federated search needs a query");
  const absl::Time start = absl::Now();
  v1::Directory d;
  {
    absl::MutexLock lock(&mu_);
    d = directory_;
  }
  const auto timeout = std::chrono::milliseconds(request.timeout_ms() == 0 ? 3000 : request.timeout_ms());
  const uint32_t limit = request.limit() == 0 ? 10 : request.limit();
  std::vector<const v1::Member*> targets;
  for (const auto& m : d.members()) {
    if (!m.revoked() && m.code() != config_.archive_id) targets.push_back(&m);
  }
  std::vector<v1::PeerSearchResponse> answers(targets.size());
  v1::SearchResponse out;
  for (size_t i = 0; i < targets.size(); ++i) out.add_archives();
  std::vector<std::thread> threads;
  for (size_t i = 0; i < targets.size(); ++i) {
    threads.emplace_back([&, i] {
      const v1::Member& m = *targets[i];
      auto* a = out.mutable_archives(static_cast<int>(i));
      a->set_code(m.code());
      a->set_name(m.name());
      auto stub = v1::Peer::NewStub(ChannelTo(m.code(), m.address()));
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + timeout);
      v1::PeerSearchRequest req;
      req.set_from(config_.archive_id);
      req.set_query(request.query());
      req.set_limit(limit);
      const absl::Time t0 = absl::Now();
      grpc::Status st = stub->Search(&ctx, req, &answers[i]);
      a->set_elapsed_ms(absl::ToDoubleMilliseconds(absl::Now() - t0));
      if (st.ok()) {
        a->set_state("ok");
        a->set_hits(static_cast<uint32_t>(answers[i].hits_size()));
      } else {
        a->set_state(st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? "slow"
                     : st.error_code() == grpc::StatusCode::UNAVAILABLE     ? "down"
                                                                            : "refused");
        a->set_error(st.error_message());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < targets.size(); ++i) {
    out.set_total(out.total() + answers[i].total());
    for (auto& h : *answers[i].mutable_hits()) {
      h.set_archive(targets[i]->code());
      h.set_archive_name(targets[i]->name());
      *out.add_hits() = std::move(h);
    }
  }
  std::stable_sort(out.mutable_hits()->begin(), out.mutable_hits()->end(),
                   [](const v1::SearchHit& a, const v1::SearchHit& b) { return a.score() > b.score(); });
  while (out.hits_size() > static_cast<int>(limit)) out.mutable_hits()->RemoveLast();
  out.set_elapsed_ms(absl::ToDoubleMilliseconds(absl::Now() - start));
  RETURN_IF_ERROR(store_->Audit({actor, "federation.search", request.query(),
                                 absl::StrCat("ok: ", out.hits_size(), " hits from ", targets.size(), " archives")}));
  return out;
}

absl::StatusOr<std::unique_ptr<v1::Peer::Stub>> PeerLink::PeerStub(const std::string& code) {
  if (!enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  std::string address;
  {
    absl::MutexLock lock(&mu_);
    const v1::Member* m = federation::FindMember(directory_, code);
    if (m == nullptr) return absl::NotFoundError(absl::StrCat("archive ", code, " is not a member of the federation"));
    if (m->revoked()) {
      return absl::FailedPreconditionError(absl::StrCat("archive ", code, " was revoked: ", m->revoked_reason()));
    }
    address = m->address();
  }
  return v1::Peer::NewStub(ChannelTo(code, address));
}

std::string PeerLink::MemberName(const std::string& code) {
  absl::MutexLock lock(&mu_);
  const v1::Member* m = federation::FindMember(directory_, code);
  return m == nullptr ? "" : m->name();
}

v1::TrustBundle PeerLink::Trust() {
  absl::MutexLock lock(&mu_);
  return federation::TrustOf(directory_);
}

absl::StatusOr<SealKit> PeerLink::Seal() {
  absl::MutexLock lock(&mu_);
  if (!enrolled_ || !seal_.key) return absl::FailedPreconditionError("this node has no seal: it is not enrolled (kuaguan enroll)");
  return seal_;
}

absl::StatusOr<v1::CertBundle> PeerLink::ExportCerts() {
  absl::MutexLock lock(&mu_);
  if (!enrolled_) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  v1::CertBundle b;
  b.set_root_pem(identity_.root_pem);
  b.set_chain_pem(directory_.issuing_pem());
  b.set_node_pem(tls_pem_);
  b.set_seal_pem(seal_pem_);
  b.set_seal_maker_pem(directory_.seal_maker_pem());
  auto cached = store_->GetMeta(kDirectoryCache);
  if (cached.ok() && *cached) b.set_directory(**cached);
  return b;
}

grpc::Status PeerService::Ping(grpc::ServerContext* ctx, const v1::PingRequest* req, v1::PingResponse* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.ping"); !st.ok()) return ToGrpcStatus(st);
  resp->set_code(code_);
  resp->set_time_micros(absl::ToUnixMicros(absl::Now()));
  resp->set_directory_version(link_->Info().version());
  return grpc::Status::OK;
}

grpc::Status PeerService::DirectoryChanged(grpc::ServerContext* ctx, const v1::DirectoryChangedRequest* req,
                                           v1::DirectoryChangedResponse* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.directory-changed"); !st.ok()) {
    return ToGrpcStatus(st);
  }
  link_->Wake(req->version());
  resp->set_have_version(link_->Info().version());
  return grpc::Status::OK;
}

grpc::Status PeerService::Search(grpc::ServerContext* ctx, const v1::PeerSearchRequest* req,
                                 v1::PeerSearchResponse* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.search"); !st.ok()) return ToGrpcStatus(st);
  auto found = holdings_->PeerSearch(req->query(), req->limit(), req->from());
  if (!found.ok()) return ToGrpcStatus(found.status());
  resp->set_code(code_);
  resp->set_total(found->total());
  resp->set_elapsed_ms(found->elapsed_ms());
  *resp->mutable_hits() = std::move(*found->mutable_hits());
  return grpc::Status::OK;
}

grpc::Status PeerService::SubmitRequest(grpc::ServerContext* ctx, const v1::RemoteRequest* req,
                                        v1::SubmitResponse* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from_archive(), "peer.submit"); !st.ok()) return ToGrpcStatus(st);
  return Reply(requests_->Receive(*req, req->from_archive()), resp);
}

grpc::Status PeerService::UpdateRequest(grpc::ServerContext* ctx, const v1::RequestUpdate* req, v1::UpdateAck* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.update"); !st.ok()) return ToGrpcStatus(st);
  return Reply(requests_->ApplyUpdate(*req, req->from()), resp);
}

grpc::Status PeerService::CheckCertificate(grpc::ServerContext* ctx, const v1::CertificateQuery* req,
                                           v1::CertificateStatus* resp) {
  if (absl::Status st = link_->CheckInbound(*ctx, req->from(), "peer.certificate"); !st.ok()) return ToGrpcStatus(st);
  return Reply(requests_->CertificateState(*req), resp);
}

}  // namespace kuaguan::node
