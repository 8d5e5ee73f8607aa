#include "node/store.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"

#include "seal/audit_chain.h"
#include "seal/secret_box.h"
#include "tests/testing/temp_dir.h"

using namespace kuaguan::node;
namespace v1 = kuaguan::v1;

namespace {

RecordWrite NewRecord(const std::string& code, const std::string& title) {
  RecordWrite w;
  w.current.mutable_record()->set_code(code);
  w.current.mutable_record()->set_title(title);
  w.current.set_version(1);
  w.current.set_state(v1::RECORD_STATE_ACTIVE);
  w.version.set_version(1);
  w.version.set_change(v1::CHANGE_KIND_CREATED);
  *w.version.mutable_record() = w.current.record();
  return w;
}

}  // namespace

TEST_CASE("commits write records - versions - change log - counters and audit together") {
  kuaguan::testing::TempDir dir;
  {
    auto store = Store::Open(dir.path());
    REQUIRE(store.ok());
    auto seq = (*store)->Commit({NewRecord("A1-0001", "题名一"), NewRecord("A1-0002", "题名二")},
                                {"张三", "record.import", "f.csv", "ok"});
    REQUIRE(seq.ok());
    CHECK(*seq == 2);
    auto w = NewRecord("A1-0001", "题名一（修订）");
    w.current.set_version(2);
    w.version.set_version(2);
    w.version.set_change(v1::CHANGE_KIND_MODIFIED);
    REQUIRE((*store)->Commit({w}, {"张三", "record.modify", "A1-0001", "ok"}).ok());
    REQUIRE((*store)->Audit({"李四", "record.get", "A1-0001", "ok"}).ok());
  }
  auto store = Store::Open(dir.path());
  REQUIRE(store.ok());
  CHECK((*store)->LastSeq() == 3);
  const auto counts = (*store)->Counts();
  CHECK(counts.records == 2);
  CHECK(counts.versions == 3);
  CHECK(counts.audit_entries == 3);
  auto got = (*store)->GetRecord("A1-0001");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->record().title() == "题名一（修订）");
  auto history = (*store)->History("A1-0001");
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].record().title() == "题名一");
  CHECK((*history)[1].store_seq() == 3);
  auto changes = (*store)->ChangesAfter(1, 10);
  REQUIRE(changes->size() == 2);
  CHECK((*changes)[1] == std::make_pair(uint64_t{3}, std::string("A1-0001")));
  kuaguan::seal::AuditChainVerifier verifier;
  REQUIRE((*store)->ForEachAudit([&](const v1::AuditEntry& e) {
    REQUIRE(verifier.Add(e).ok());
    return true;
  }).ok());
  CHECK(verifier.entries() == 3);
  CHECK((*(*store)->GetRecord("nope")) == std::nullopt);
}

TEST_CASE("a commit carries meta keys in its batch - and one checking the version before refuses a stale one") {
  kuaguan::testing::TempDir dir;
  auto store = Store::Open(dir.path());
  REQUIRE(store.ok());
  REQUIRE((*store)->Commit({NewRecord("A1-0001", "题名一")}, {"张三", "record.import", "f.csv", "ok"}).ok());
  auto w = NewRecord("A1-0001", "题名一（开放）");
  w.current.set_version(2);
  w.version.set_version(2);
  w.check_previous = true;
  REQUIRE((*store)->Commit({w}, {"李四", "appraisal.announce.records", "A1-0001", "ok"},
                           {{"appraisal/active/A1-0001", ""}}).ok());
  auto active = (*store)->GetMeta("appraisal/active/A1-0001");
  REQUIRE(active.ok());
  CHECK(*active == std::optional<std::string>(""));
  // Written again as version 2 (another writer read version 1 meanwhile): refused, nothing written.
  const uint64_t seq = (*store)->LastSeq();
  auto stale = (*store)->Commit({w}, {"李四", "appraisal.announce.records", "A1-0001", "ok"}, {{"appraisal/x", "y"}});
  CHECK(stale.status().code() == absl::StatusCode::kAborted);
  CHECK((*store)->LastSeq() == seq);
  CHECK(!(*(*store)->GetMeta("appraisal/x")).has_value());
  CHECK((*(*store)->History("A1-0001")).size() == 2);
  // The identity-hash keys are never written this way.
  CHECK((*store)->Commit({}, {"李四", "x", "", "ok"}, {{"person_key", "k"}}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a second open of the same store is refused clearly") {
  kuaguan::testing::TempDir dir;
  auto first = Store::Open(dir.path());
  REQUIRE(first.ok());
  auto second = Store::Open(dir.path());
  REQUIRE_FALSE(second.ok());
  CHECK(std::string(second.status().message()).find("in use") != std::string::npos);
}

TEST_CASE("keyed writes go to their family with one audit entry and survive a reopen") {
  kuaguan::testing::TempDir dir;
  {
    auto store = *Store::Open(dir.path());
    const uint64_t audits = store->Counts().audit_entries;
    REQUIRE(store->Write({{Family::kRequests, "410100-20261123-aa", std::string("请求")},
                          {Family::kOutbox, SeqKey(1), std::string("message")},
                          {Family::kCertificates, "410100-2026-000001-5", std::string("certificate")}},
                         {"tester", "request.FILED", "410100-20261123-aa"})
                .ok());
    CHECK(store->Counts().audit_entries == audits + 1);
    CHECK(**store->Get(Family::kRequests, "410100-20261123-aa") == "请求");
    CHECK_FALSE(store->Get(Family::kMeta, "410100-20261123-aa")->has_value());  // families are apart
    CHECK(store->Scan(Family::kOutbox, "")->size() == 1);
    // An acknowledged outbox message is the one thing removed.
    REQUIRE(store->Write({{Family::kOutbox, SeqKey(1), std::nullopt}}, {"outbox", "request.delivered", "x"}).ok());
    CHECK(store->Scan(Family::kOutbox, "")->empty());
  }
  auto store = *Store::Open(dir.path());
  CHECK(**store->Get(Family::kCertificates, "410100-2026-000001-5") == "certificate");
  CHECK(store->Scan(Family::kRequests, "410100-")->size() == 1);
  bool audited = false;
  REQUIRE(store->ForEachAudit([&](const kuaguan::v1::AuditEntry& e) {
    audited |= e.action() == "request.delivered";
    return true;
  }).ok());
  CHECK(audited);
}

TEST_CASE("no identity number enters the audit log, whoever writes the note") {
  kuaguan::testing::TempDir dir;
  auto store = *Store::Open(dir.path());
  const std::string id = "11010519491231002X";
  REQUIRE(store->Audit({"desk", "request.file", absl::StrCat("any:", id), absl::StrCat("refused: --id-number ", id, " is wrong")}).ok());
  REQUIRE(store->Write({{Family::kMeta, "k", std::string("v")}}, {absl::StrCat("someone ", id), "x", id, "ok 13800138000"}).ok());
  int seen = 0;
  REQUIRE(store->ForEachAudit([&](const kuaguan::v1::AuditEntry& e) {
    const std::string all = absl::StrCat(e.actor(), e.object(), e.outcome());
    CHECK(all.find("19491231") == std::string::npos);
    if (e.action() == "x") CHECK(e.outcome() == "ok 13800138000");  // only identity numbers are masked
    ++seen;
    return true;
  }).ok());
  CHECK(seen >= 2);
}

TEST_CASE("the identity-number hash keys are sealed at rest under the key passphrase") {
  kuaguan::testing::TempDir dir;
  std::string key;
  {  // an earlier version kept the key plain
    auto store = Store::Open(dir.path() / "s");
    REQUIRE(store.ok());
    auto made = (*store)->PersonKey();
    REQUIRE(made.ok());
    key = *made;
  }
  {
    auto store = Store::Open(dir.path() / "s");
    REQUIRE(store.ok());
    REQUIRE((*store)->SealSecretsWith("node passphrase").ok());
    auto raw = (*store)->Scan(Family::kMeta, "person_key");
    REQUIRE(raw.ok());
    REQUIRE(raw->size() == 1);
    CHECK(kuaguan::seal::IsSealedSecret(raw->front().second));
    CHECK(raw->front().second.find(key) == std::string::npos);
    CHECK(*(*store)->PersonKey() == key);
    REQUIRE((*store)->SetFederationPersonKey(std::string(32, 'f'), {"test", "federation.person-key", "", "ok"}).ok());
    auto fed = (*store)->Scan(Family::kMeta, "person_key_federation");
    REQUIRE(fed.ok());
    CHECK(kuaguan::seal::IsSealedSecret(fed->front().second));
    CHECK(*(*store)->PersonKey() == std::string(32, 'f'));
  }
  {
    auto store = Store::Open(dir.path() / "s");
    REQUIRE(store.ok());
    CHECK((*store)->SealSecretsWith("another passphrase").code() == absl::StatusCode::kUnauthenticated);
  }
  {
    auto store = Store::Open(dir.path() / "s");
    REQUIRE(store.ok());
    CHECK((*store)->PersonKey().status().code() == absl::StatusCode::kFailedPrecondition);
    REQUIRE((*store)->SealSecretsWith("node passphrase").ok());
    CHECK(*(*store)->PersonKey() == std::string(32, 'f'));
  }
}
