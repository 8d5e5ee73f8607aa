// The role table is well formed, and the audit form of an actor reads back.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "base/actor.h"
#include "base/roles.h"

namespace base = kuaguan::base;

TEST_CASE("the role table: known roles, three 三员 roles, shared methods agree, no role without work") {
  int three = 0;
  for (const base::RoleSpec& r : base::Roles()) {
    three += r.three_role ? 1 : 0;
    INFO(std::string(r.id));
    CHECK_FALSE(base::CommandsOf(r.id).empty());
  }
  CHECK(three == 3);
  std::map<std::string, std::vector<absl::string_view>> by_method;
  std::set<std::string> commands;
  for (const base::CommandRule& c : base::Commands()) {
    INFO(std::string(c.command));
    CHECK(commands.insert(std::string(c.command)).second);
    CHECK_FALSE(c.methods.empty());
    for (absl::string_view r : c.roles) CHECK(base::FindRole(r) != nullptr);
    for (absl::string_view m : c.methods) {
      // A method serving two commands is authorized by the one its request names; only
      // Requests/Decide does that, so other shared methods need the same roles.
      auto [it, fresh] = by_method.emplace(std::string(m), c.roles);
      if (!fresh && m != "Requests/Decide") CHECK(it->second == c.roles);
    }
  }
  // The auditor reads the trail and nothing of the holdings; the system administrator neither.
  for (const char* content : {"get", "page", "search", "export", "import", "modify", "withdraw"}) {
    CHECK_FALSE(base::RoleMay("auditor", content));
    CHECK_FALSE(base::RoleMay("system-admin", content));
  }
  CHECK(base::RoleMay("auditor", "audit list"));
  CHECK_FALSE(base::RoleMay("security-officer", "audit list"));
}

TEST_CASE("an actor's audit form reads back - bare names stay whole") {
  const base::Actor a{"李编目", "cataloguer", "unix:carol"};
  CHECK(a.ToString() == "李编目 (cataloguer, unix:carol)");
  const base::Actor b = base::ParseActor(a.ToString());
  CHECK(b.person == "李编目");
  CHECK(b.role == "cataloguer");
  CHECK(b.via == "unix:carol");
  CHECK(base::ParseActor("kuaguand").person == "kuaguand");
  CHECK(base::ParseActor("kuaguand").role.empty());
  CHECK(base::ParseActor("peer:410200 (x)").person == "peer:410200 (x)");
  CHECK(base::CheckPersonName("王保密").ok());
  CHECK_FALSE(base::CheckPersonName("").ok());
  CHECK_FALSE(base::CheckPersonName("王(保密)").ok());
  CHECK_FALSE(base::CheckPersonName("a\nb").ok());
}
