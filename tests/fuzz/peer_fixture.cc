#include "tests/fuzz/peer_fixture.h"

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/clock.h"
#include "base/worker_pool.h"
#include "document/seal_picture.h"
#include "federation/federated_search.h"
#include "index/record_index.h"
#include "ingest/identity_number.h"
#include "node/store.h"
#include "seal/ca.h"
#include "seal/key_file.h"
#include "seal/keyed_hash.h"
#include "seal/sm2.h"
#include "tests/fuzz/fuzz_util.h"

namespace kuaguan::fuzz {
namespace {

namespace v1 = kuaguan::v1;
namespace fed = kuaguan::federation;

constexpr char kBackName[] = "郑州市档案馆";
constexpr char kFrontName[] = "开封市档案馆";

// Stops the process: the world could not be built, so nothing can be fuzzed.
[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "peer fixture: %s\n", what.c_str());
  std::abort();
}

template <typename T>
T Must(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) Fail(absl::StrCat(what, ": ", v.status().ToString()));
  return *std::move(v);
}

void Must(const absl::Status& st, const char* what) {
  if (!st.ok()) Fail(absl::StrCat(what, ": ", st.ToString()));
}

std::string ZhangSan() {
  const std::string first17 = "41010219800101123";
  return first17 + kuaguan::ingest::IdentityCheckChar(first17);
}

// A clock that stands still (deadlines and validity windows do not move while fuzzing).
class StillClock final : public base::Clock {
 public:
  explicit StillClock(absl::Time at) : at_(at) {}
  absl::Time Now() const override { return at_; }

 private:
  const absl::Time at_;
};

// One archive's view of the federation: both members, the shared trust, its own seal.
class Members final : public fed::Membership {
 public:
  Members(const v1::Directory* directory, const v1::TrustBundle* trust, fed::SealKit kit)
      : directory_(directory), trust_(trust), kit_(std::move(kit)) {}
  bool enrolled() const override { return true; }
  v1::Directory Directory() const override { return *directory_; }
  std::string MemberName(const std::string& code) const override {
    for (const auto& m : directory_->members()) {
      if (m.code() == code) return m.name();
    }
    return "";
  }
  v1::TrustBundle Trust() const override { return *trust_; }
  absl::StatusOr<fed::SealKit> Seal() const override { return kit_; }

 private:
  const v1::Directory* const directory_;
  const v1::TrustBundle* const trust_;
  const fed::SealKit kit_;
};

// Calls go straight to the other node; what travels is kept (the first messages, for seeds).
class Loopback final : public fed::PeerClient {
 public:
  void Add(const std::string& code, fed::RemoteRequests* node, fed::HoldingsView* holdings) {
    nodes_[code] = node;
    holdings_[code] = holdings;
  }
  std::vector<v1::RemoteRequest> submitted;
  std::vector<v1::RequestUpdate> updates;

  absl::StatusOr<v1::PingResponse> Ping(const std::string& archive, const v1::PingRequest&,
                                        absl::Duration) override {
    if (!nodes_.contains(archive)) return absl::NotFoundError("no such member");
    v1::PingResponse resp;
    resp.set_code(archive);
    return resp;
  }
  absl::StatusOr<v1::PeerSearchResponse> Search(const std::string& archive,
                                                const v1::PeerSearchRequest& req,
                                                absl::Duration) override {
    if (!holdings_.contains(archive)) return absl::NotFoundError("no such member");
    auto found = holdings_[archive]->PeerSearch(req.query(), req.limit(), req.from());
    if (!found.ok()) return found.status();
    v1::PeerSearchResponse resp;
    resp.set_code(archive);
    resp.set_total(found->total());
    *resp.mutable_hits() = found->hits();
    return resp;
  }
  absl::StatusOr<v1::SubmitResponse> Submit(const std::string& archive,
                                            const v1::RemoteRequest& r) override {
    if (!nodes_.contains(archive)) return absl::NotFoundError("no such member");
    if (submitted.size() < 8) submitted.push_back(r);
    return nodes_[archive]->back_office()->Receive(r, r.from_archive());
  }
  absl::StatusOr<v1::UpdateAck> Update(const std::string& archive,
                                       const v1::RequestUpdate& u) override {
    if (!nodes_.contains(archive)) return absl::NotFoundError("no such member");
    if (updates.size() < 16) updates.push_back(u);
    return nodes_[archive]->ApplyUpdate(u, u.from());
  }
  absl::StatusOr<v1::CertificateStatus> CheckCertificate(const std::string& archive,
                                                         const v1::CertificateQuery& q) override {
    if (!nodes_.contains(archive)) return absl::NotFoundError("no such member");
    return nodes_[archive]->back_office()->CertificateState(q);
  }

 private:
  std::map<std::string, fed::RemoteRequests*> nodes_;
  std::map<std::string, fed::HoldingsView*> holdings_;
};

// One archive node: real store, index, holdings and request workflow.
struct Node {
  std::unique_ptr<node::Store> store;
  std::unique_ptr<index::RecordIndex> index;
  std::unique_ptr<node::Holdings> holdings;
  std::unique_ptr<Members> members;
  std::unique_ptr<fed::FederatedSearch> search;
  std::unique_ptr<fed::RemoteRequests> requests;
};

std::string Catalog() {
  return absl::StrCat(
      "档号,题名,责任者,日期,保管期限,密级,共享类别,民生类别,摘要\n",  //
      kNamesPerson, ",张三与李四结婚登记（身份证号 ", ZhangSan(),
      "）,郑州市民政局,1985-05-06,永久,公开,无条件共享,婚姻登记,\n", kOtherPerson,
      ",王五与赵六结婚登记,郑州市民政局,1985-06-07,永久,公开,无条件共享,婚姻登记,\n",  //
      kNotShared, ",张三", kNotSharedWords, "审批,郑州市人事局,1990-01-09,永久,公开,暂不共享,,\n",
      kWithPhone,
      ",张三与王芳结婚登记,郑州市民政局,1986-03-08,永久,公开,无条件共享,婚姻登记,联系电话 ", kPhone,
      "\n");
}

}  // namespace

struct PeerWorld::State {
  ScratchDir dir{"peers"};
  StillClock clock{absl::Now()};
  std::unique_ptr<seal::CertificateAuthority> ca;
  v1::TrustBundle trust;
  v1::Directory directory;
  base::WorkerPool pool{"fuzz fan-out workers", 1, 4};
  Loopback peers;
  Node front, back;
  std::string person_hash, issued_id;
  v1::IssuedCertificate issued;
  absl::flat_hash_map<std::string, v1::IssuedCertificate> all_issued;  // by serial
  std::vector<v1::RemoteRequest> submitted;
  std::vector<v1::RequestUpdate> updates;
  seal::StaffInfo clerk{kFront, "front-desk", "王芳", {}};
};

PeerWorld& PeerWorld::Get() {
  static PeerWorld* world = new PeerWorld();  // lives for the process (its stores stay open)
  return *world;
}

PeerWorld::~PeerWorld() = default;

PeerWorld::PeerWorld() : s_(std::make_unique<State>()) {
  State& s = *s_;
  s.ca = Must(
      seal::CertificateAuthority::Create(s.dir.path() / "ca", "fuzz", "410000", "河南省档案馆"),
      "CA");
  s.trust.set_root_pem(s.ca->root_pem());
  s.trust.set_seal_maker_pem(s.ca->seal_maker_pem());
  std::map<std::string, fed::SealKit> kits;
  for (const auto& [code, name] : {std::pair{kBack, kBackName}, std::pair{kFront, kFrontName}}) {
    Botan::AutoSeeded_RNG rng;
    fed::SealKit kit;
    std::shared_ptr<Botan::Private_Key> key = seal::NewKey(seal::KeyKind::kSm2, rng);
    kit.cert_pem = Must(
        s.ca->IssueSealCert(seal::Sm2PublicKeyDer(*key), code, name, std::chrono::hours(24 * 365)),
        "seal certificate");
    const std::string picture =
        Must(document::RenderSealPng(name, "电子出证专用章", 300), "seal picture");
    kit.seal_der =
        Must(s.ca->MakeArchiveSeal(absl::StrCat(code, "-1"), absl::StrCat(name, "电子出证专用章"),
                                   kit.cert_pem, picture),
             "seal");
    kit.key = std::move(key);
    kits[code] = kit;
    auto* m = s.trust.add_members();
    m->set_code(code);
    m->set_name(name);
    m->set_seal_cert_pem(kit.cert_pem);
    auto* dm = s.directory.add_members();
    dm->set_code(code);
    dm->set_name(name);
  }
  const std::string person_key(32, 'k');
  for (auto* n : {&s.back, &s.front}) {
    const std::string code = n == &s.back ? kBack : kFront;
    const std::string name = n == &s.back ? kBackName : kFrontName;
    const auto dir = s.dir.path() / code;
    std::filesystem::create_directories(dir);
    n->store = Must(node::Store::Open(dir / "store", &s.clock), "store");
    Must(n->store->SetFederationPersonKey(person_key, {"fuzz", "federation.person-key", code}),
         "person key");
    n->index = Must(index::RecordIndex::Open(dir / "index"), "index");
    n->holdings = std::make_unique<node::Holdings>(n->store.get(), n->index.get(), &s.clock);
    n->members = std::make_unique<Members>(&s.directory, &s.trust, kits[code]);
    n->search = std::make_unique<fed::FederatedSearch>(code, n->members.get(), &s.peers,
                                                       n->store.get(), &s.pool, &s.clock);
    fed::RequestDeps deps{n->store.get(), n->holdings.get(), n->members.get(),
                          &s.peers,       n->search.get(),   &s.clock};
    fed::RequestPolicy policy;
    policy.auto_issue = n == &s.back;
    // One member files far more than a day's quota here, on a day that never ends.
    policy.daily_requests_per_member = std::numeric_limits<uint64_t>::max() / 2;
    policy.daily_attachment_bytes_per_member = std::numeric_limits<uint64_t>::max() / 2;
    n->requests = std::make_unique<fed::RemoteRequests>(code, name, policy, deps);
    s.peers.Add(code, n->requests.get(), n->holdings.get());
  }
  v1::ImportRequest import;
  import.set_file_name("catalog.csv");
  import.set_content(Catalog());
  auto imported = Must(s.back.holdings->Import(import, "fuzz"), "import");
  if (!imported.committed()) Fail("the catalog was not imported");
  s.person_hash = seal::PersonKeyedHash(person_key, ZhangSan());

  // A request auto-issued and delivered: a real certificate, and the messages for seeds.
  s.issued_id = FileFresh(kNamesPerson);
  auto at_front = Must(s.front.requests->book()->Get(s.issued_id, /*full=*/true), "issued request");
  if (at_front.state() != v1::REQUEST_STATE_DELIVERED) {
    Fail(absl::StrCat("the auto-issued request is ", v1::RequestState_Name(at_front.state()),
                      " at the front desk"));
  }
  s.issued = at_front.certificate();
  FileFresh(kOtherPerson);
  FileFresh(kNotShared);
  FileFresh("Z109-HY·1999-Y-9999");
  FileFresh("");
  s.submitted = s.peers.submitted;
  s.updates = s.peers.updates;
}

federation::RemoteRequests* PeerWorld::front() { return s_->front.requests.get(); }
federation::RemoteRequests* PeerWorld::back() { return s_->back.requests.get(); }
node::Holdings* PeerWorld::back_holdings() { return s_->back.holdings.get(); }
const v1::TrustBundle& PeerWorld::trust() const { return s_->trust; }
int64_t PeerWorld::now_micros() const { return s_->clock.NowMicros(); }
const std::string& PeerWorld::person_hash() const { return s_->person_hash; }
const std::string& PeerWorld::issued_id() const { return s_->issued_id; }
const v1::IssuedCertificate& PeerWorld::issued() const { return s_->issued; }
const v1::IssuedCertificate* PeerWorld::issued_with(const std::string& serial) const {
  auto it = s_->all_issued.find(serial);
  return it == s_->all_issued.end() ? nullptr : &it->second;
}
const std::vector<v1::RemoteRequest>& PeerWorld::submitted() const { return s_->submitted; }
const std::vector<v1::RequestUpdate>& PeerWorld::updates() const { return s_->updates; }

std::string PeerWorld::FileFresh(const std::string& record) {
  v1::FileRequestRequest f;
  f.set_person_name("张三");
  f.set_id_number(ZhangSan());
  f.set_target(kBack);
  f.set_category("婚姻登记");
  f.set_purpose("办理退休");
  if (!record.empty()) f.add_record_codes(record);
  auto filed = Must(s_->front.requests->front_desk()->File(f, s_->clerk), "filing");
  Pump();
  const std::string id = filed.request().request_id();
  auto at_front = Must(s_->front.requests->book()->Get(id, /*full=*/true), "filed request");
  if (at_front.has_certificate() && !at_front.certificate().serial().empty()) {
    s_->all_issued[at_front.certificate().serial()] = at_front.certificate();
  }
  return id;
}

void PeerWorld::Pump() {
  for (int round = 0; round < 6; ++round) {
    auto a = s_->front.requests->outbox()->DeliverDue();
    auto b = s_->back.requests->outbox()->DeliverDue();
    Must(a.status(), "front outbox");
    Must(b.status(), "back outbox");
    if (*a == 0 && *b == 0) return;
  }
}

}  // namespace kuaguan::fuzz
