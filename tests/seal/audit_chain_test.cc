#include "seal/audit_chain.h"

#include <catch2/catch.hpp>

using kuaguan::v1::AuditEntry;
using namespace kuaguan::seal;

namespace {

std::vector<AuditEntry> Chain(int n) {
  std::vector<AuditEntry> out;
  std::string prev;
  for (int i = 0; i < n; ++i) {
    AuditEntry e;
    e.set_actor("张三");
    e.set_action("record.get");
    e.set_object("Z109-WS·2011-Y-BGS-000" + std::to_string(i));
    e.set_outcome("ok");
    SealAuditEntry(i, prev, &e);
    prev = e.hash();
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST_CASE("an untouched chain verifies") {
  AuditChainVerifier v;
  for (const auto& e : Chain(5)) REQUIRE(v.Add(e).ok());
  CHECK(v.entries() == 5);
}

TEST_CASE("a changed entry is named") {
  auto chain = Chain(5);
  chain[2].set_actor("李四");
  AuditChainVerifier v;
  REQUIRE(v.Add(chain[0]).ok());
  REQUIRE(v.Add(chain[1]).ok());
  const auto st = v.Add(chain[2]);
  CHECK_FALSE(st.ok());
  CHECK(std::string(st.message()).find("audit entry 3") != std::string::npos);
}

TEST_CASE("a re-hashed changed entry breaks the next link - a gap is found") {
  auto chain = Chain(4);
  chain[1].set_outcome("forged");
  chain[1].set_hash(AuditEntryHash(chain[1]));
  AuditChainVerifier v;
  REQUIRE(v.Add(chain[0]).ok());
  REQUIRE(v.Add(chain[1]).ok());
  CHECK_FALSE(v.Add(chain[2]).ok());

  auto gap = Chain(4);
  AuditChainVerifier g;
  REQUIRE(g.Add(gap[0]).ok());
  CHECK_FALSE(g.Add(gap[2]).ok());
}
