#include "federation/peer_link.h"

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "seal/certs.h"
#include "seal/directory.h"
#include "seal/enrollment_token.h"
#include "seal/key_file.h"
#include "seal/sm2.h"

namespace kuaguan::federation {
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

absl::StatusOr<std::unique_ptr<PeerLink>> PeerLink::Open(const base::NodeConfig& config, StateStore* store,
                                                        const base::Clock* clock) {
  auto link = std::unique_ptr<PeerLink>(new PeerLink());
  link->config_ = config;
  link->store_ = store;
  link->clock_ = clock;
  ASSIGN_OR_RETURN(link->passphrase_, seal::LoadPassphrase(config.KeyFile(), /*create=*/true));
  const fs::path keys = config.data_dir / "keys";
  std::error_code ec;
  if (!fs::exists(keys / "tls.pem", ec)) return link;
  ASSIGN_OR_RETURN(auto key, seal::ReadKeyFile(keys / "tls.key", link->passphrase_));
  ASSIGN_OR_RETURN(auto cached, store->GetMeta(kDirectoryCache));
  if (!cached) return absl::DataLossError("enrolled, but the cached directory is missing from the store");
  v1::SignedDirectory s;
  s.ParseFromString(*cached);
  absl::MutexLock lock(&link->mu_);
  link->directory_.ParseFromString(s.directory());
  ASSIGN_OR_RETURN(link->tls_pem_, seal::ReadTextFile(keys / "tls.pem"));
  ASSIGN_OR_RETURN(link->seal_pem_, seal::ReadTextFile(keys / "seal.pem"));
  ASSIGN_OR_RETURN(auto seal_key, seal::ReadKeyFile(keys / "seal.key", link->passphrase_));
  link->seal_.key = std::move(seal_key);
  link->seal_.cert_pem = link->seal_pem_;
  ASSIGN_OR_RETURN(link->seal_.seal_der, seal::ReadTextFile(keys / "seal.esl"));
  ASSIGN_OR_RETURN(link->identity_.root_pem, seal::ReadTextFile(keys / "root.pem"));
  link->identity_.key_pem = seal::PlainKeyPem(*key);
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

seal::TlsIdentity PeerLink::identity() const {
  absl::MutexLock lock(&mu_);
  return identity_;
}

absl::StatusOr<v1::EnrollResult> PeerLink::Enroll(const v1::EnrollCommand& command, const std::string& peer_address,
                                                  const std::string& actor) {
  if (enrolled()) {
    return absl::FailedPreconditionError("this node is already enrolled (its certificates are in data_dir/keys)");
  }
  ASSIGN_OR_RETURN(const seal::EnrollmentToken token, seal::ParseEnrollmentToken(command.token()));
  if (token.archive != config_.archive_id) {
    return absl::InvalidArgumentError(absl::StrCat("the token is for archive ", token.archive, ", not for archive ",
                                                   config_.archive_id));
  }
  Botan::AutoSeeded_RNG rng;
  auto tls_key = seal::NewKey(seal::KeyKind::kEcdsaP256, rng);
  auto seal_key = seal::NewKey(seal::KeyKind::kSm2, rng);
  v1::EnrollRequest req;
  req.set_token(token.ToString());
  Botan::X509_Cert_Options opts(config_.archive_id);
  const auto csr = Botan::X509::create_cert_req(opts, *tls_key, "SHA-256", rng).BER_encode();
  req.set_tls_csr(std::string(csr.begin(), csr.end()));
  const auto seal_pub = seal::Sm2PublicKeyDer(*seal_key);
  req.set_seal_public_key(std::string(seal_pub.begin(), seal_pub.end()));
  req.set_seal_proof(seal::Sm2Sign(*seal_key, req.token() + req.seal_public_key()));
  req.set_address(peer_address);
  // Only the provincial node's own certificate, pinned in the token, is answered: a member (or
  // anyone else) at that address fails the handshake before the token leaves.
  auto channel = seal::PinnedEnrollmentChannel(command.provincial(), token.root_sha256, token.provincial_sha256);
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
  auto root_info = seal::ParseCert(d.root_pem());
  if (!root_info.ok() || root_info->sha256_hex != token.root_sha256) {
    return absl::UnauthenticatedError("the directory's root is not the one pinned in the token");
  }
  if (d.provincial_tls_sha256() != token.provincial_sha256) {
    return absl::UnauthenticatedError("the directory names another provincial node than the one pinned in the token");
  }
  ASSIGN_OR_RETURN(auto dir, seal::VerifyDirectory(resp.directory(), d.root_pem(), clock_->NowChrono(), nullptr));
  ASSIGN_OR_RETURN(auto tls_info, seal::CheckTlsCert(resp.tls_cert_pem(), dir.issuing_pem(), dir.root_pem(),
                                                           clock_->NowChrono()));
  ASSIGN_OR_RETURN(auto seal_info, seal::CheckSealCert(resp.seal_cert_pem(), dir.seal_maker_pem(), dir.root_pem(),
                                                             clock_->NowChrono()));
  if (tls_info.subject_cn != config_.archive_id) return absl::UnauthenticatedError("the certificate names another archive");
  const fs::path keys = config_.data_dir / "keys";
  RETURN_IF_ERROR(seal::WriteKeyFile(keys / "tls.key", *tls_key, passphrase_));
  RETURN_IF_ERROR(seal::WriteKeyFile(keys / "seal.key", *seal_key, passphrase_));
  RETURN_IF_ERROR(seal::WriteTextFile(keys / "root.pem", dir.root_pem()));
  RETURN_IF_ERROR(seal::WriteTextFile(keys / "seal.pem", resp.seal_cert_pem()));
  RETURN_IF_ERROR(seal::WriteTextFile(keys / "seal.esl", resp.seal()));
  RETURN_IF_ERROR(store_->PutMeta({{kDirectoryCache, resp.directory().SerializeAsString()}},
                                  {actor, "federation.enroll", command.provincial(),
                                   absl::StrCat("ok: TLS ", tls_info.serial_hex, ", seal ", seal_info.serial_hex)}));
  if (!resp.person_key().empty()) {
    RETURN_IF_ERROR(store_->SetFederationPersonKey(
        resp.person_key(), {actor, "federation.person-key", config_.archive_id, "ok: identity-number hashes now match across archives"}));
  }
  RETURN_IF_ERROR(seal::WriteTextFile(keys / "tls.pem", resp.tls_cert_pem()));  // last: marks the node enrolled
  {
    absl::MutexLock lock(&mu_);
    directory_ = dir;
    tls_pem_ = resp.tls_cert_pem();
    seal_pem_ = resp.seal_cert_pem();
    seal_.key = std::move(seal_key);
    seal_.cert_pem = seal_pem_;
    seal_.seal_der = resp.seal();
    identity_.key_pem = seal::PlainKeyPem(*tls_key);
    identity_.chain_pem = tls_pem_ + dir.issuing_pem();
    identity_.root_pem = dir.root_pem();
    enrolled_ = true;
  }
  v1::EnrollResult r;
  r.set_archive(config_.archive_id);
  r.set_tls_serial(tls_info.serial_hex);
  r.set_seal_serial(seal_info.serial_hex);
  r.set_peer_address(peer_address);
  *r.mutable_directory() = seal::DirectoryInfoOf(dir, clock_->NowChrono());
  return r;
}

absl::Status PeerLink::AcceptDirectory(const v1::SignedDirectory& signed_dir, const std::string& actor) {
  absl::MutexLock lock(&mu_);
  auto d = seal::VerifyDirectory(signed_dir, identity_.root_pem, clock_->NowChrono(), &directory_);
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
  ASSIGN_OR_RETURN(auto info, seal::CheckStaffCert(resp.cert_pem(), resp.issuing_pem(), identity().root_pem,
                                                         clock_->NowChrono()));
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
  return seal::DirectoryInfoOf(directory_, clock_->NowChrono());
}

absl::Status PeerLink::CheckInbound(const grpc::ServerContext& ctx, const std::string& claimed, const std::string& action) {
  absl::Status st;
  {
    absl::MutexLock lock(&mu_);
    const auto now = clock_->NowChrono();
    if (seal::Expired(directory_, now)) {
      st = absl::FailedPreconditionError(absl::StrCat(
          "archive ", config_.archive_id, "'s directory expired at ", When(directory_.expires_micros()),
          ": it cannot check peers until the provincial node is reachable again"));
    } else {
      // A full check verifies the chain (two ECDSA signatures, ~1 ms); a peer that passed it
      // under this directory version is remembered until its certificate expires.
      const std::string pem = seal::PeerCertPem(ctx);
      const std::string key = absl::StrCat(claimed, "|", pem);
      if (claimed == directory_.provincial_code()) {
        auto info = seal::CheckTlsCert(pem, directory_.issuing_pem(), directory_.root_pem(), now);
        st = !info.ok() ? info.status()
             : info->sha256_hex != directory_.provincial_tls_sha256()
                 ? absl::PermissionDeniedError("the certificate is not the provincial node's")
                 : absl::OkStatus();
        accepted_.erase(key);
      } else {
      auto it = accepted_.find(key);
      if (it == accepted_.end() || now > it->second) {
        st = seal::CheckPeer(directory_, claimed, pem, now);
        if (st.ok()) {
          if (auto info = seal::ParseCert(pem); info.ok()) accepted_[key] = info->not_after;
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

absl::StatusOr<seal::StaffInfo> PeerLink::CheckStaff(const grpc::ServerContextBase& ctx, const std::string& action) {
  absl::StatusOr<seal::StaffInfo> staff;
  {
    absl::MutexLock lock(&mu_);
    const auto now = clock_->NowChrono();
    if (seal::Expired(directory_, now)) {
      staff = absl::FailedPreconditionError(absl::StrCat("the directory expired at ", When(directory_.expires_micros())));
    } else {
      staff = seal::CheckStaffCert(seal::PeerCertPem(ctx), directory_.issuing_pem(), directory_.root_pem(), now);
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
  if (!slot.second || slot.first != address) slot = {address, seal::MutualTlsChannel(identity_, address, code)};
  return slot.second;
}

absl::StatusOr<std::unique_ptr<v1::Peer::Stub>> PeerLink::PeerStub(const std::string& code) {
  ASSIGN_OR_RETURN(auto channel, PeerChannel(code));
  return v1::Peer::NewStub(channel);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> PeerLink::PeerChannel(const std::string& code) {
  if (!enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  std::string address;
  {
    absl::MutexLock lock(&mu_);
    const v1::Member* m = seal::FindMember(directory_, code);
    if (m == nullptr) return absl::NotFoundError(absl::StrCat("archive ", code, " is not a member of the federation"));
    if (m->revoked()) {
      return absl::FailedPreconditionError(absl::StrCat("archive ", code, " was revoked: ", m->revoked_reason()));
    }
    address = m->address();
  }
  return ChannelTo(code, address);
}

absl::StatusOr<std::unique_ptr<v1::Hub::Stub>> PeerLink::HubStub() {
  if (!enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  std::string address, code;
  {
    absl::MutexLock lock(&mu_);
    address = directory_.provincial_address();
    code = directory_.provincial_code();
  }
  return v1::Hub::NewStub(ChannelTo(code, address));
}

v1::Directory PeerLink::Directory() const {
  absl::MutexLock lock(&mu_);
  return directory_;
}

std::string PeerLink::MemberName(const std::string& code) const {
  absl::MutexLock lock(&mu_);
  const v1::Member* m = seal::FindMember(directory_, code);
  return m == nullptr ? "" : m->name();
}

v1::TrustBundle PeerLink::Trust() const {
  absl::MutexLock lock(&mu_);
  return seal::TrustOf(directory_);
}

absl::StatusOr<SealKit> PeerLink::Seal() const {
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

}  // namespace kuaguan::federation
