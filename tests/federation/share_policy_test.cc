// The share policy against a table written out by hand: every combination of the catalog's and
// the full text's share class, open status and secrecy, for an unrelated peer (a requester
// without authorization is one), a requester with an accepted authorization and the person
// concerned; then withdrawal, holds, unaccepted batches and received copies, which refuse
// everyone; then age and appraisal state, which change the explanation and never open a record.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "federation/share_policy.h"

namespace {

namespace v1 = kuaguan::v1;
namespace fed = kuaguan::federation;

const v1::ShareClass kCatalog[] = {v1::SHARE_CLASS_UNCONDITIONAL, v1::SHARE_CLASS_CONDITIONAL, v1::SHARE_CLASS_NOT_SHARED};
// UNSPECIFIED: the full text follows the catalog's class.
const v1::ShareClass kText[] = {v1::SHARE_CLASS_UNSPECIFIED, v1::SHARE_CLASS_UNCONDITIONAL, v1::SHARE_CLASS_CONDITIONAL,
                                v1::SHARE_CLASS_NOT_SHARED};
const v1::OpenStatus kOpen[] = {v1::OPEN_STATUS_OPEN, v1::OPEN_STATUS_CONTROLLED};
const v1::Secrecy kSecrecy[] = {v1::SECRECY_PUBLIC, v1::SECRECY_RESTRICTED, v1::SECRECY_SECRET, v1::SECRECY_CONFIDENTIAL,
                                v1::SECRECY_TOP_SECRET};

// T: catalog and full text (and a certificate); L: the catalog only; -: nothing, not even that
// it exists. In the order catalog × text × open status × secrecy above, five secrecy levels per
// group.
const char* const kPeer =
    "T---- ----- T---- ----- L---- ----- L---- ----- ----- ----- ----- ----- "
    "----- ----- ----- ----- ----- ----- ----- ----- ----- ----- ----- ----- ";
const char* const kAuthorized =
    "TT--- TT--- TT--- TT--- TT--- TT--- LL--- LL--- TT--- TT--- TT--- TT--- "
    "TT--- TT--- LL--- LL--- ----- ----- ----- ----- ----- ----- ----- ----- ";
const char* const kPerson =
    "TL--- TL--- TL--- TL--- TL--- TL--- LL--- LL--- TL--- TL--- TL--- TL--- "
    "TL--- TL--- LL--- LL--- LL--- LL--- TL--- TL--- TL--- TL--- LL--- LL--- ";

v1::StoredRecord Record(v1::ShareClass catalog, v1::ShareClass text, v1::OpenStatus open, v1::Secrecy secrecy) {
  v1::StoredRecord r;
  r.set_state(v1::RECORD_STATE_ACTIVE);
  r.mutable_record()->set_code("Z109-WS·1990-Y-0001");
  r.mutable_record()->set_title("关于张三婚姻登记的材料");
  r.mutable_record()->set_date("19900506");
  r.mutable_record()->set_share_class(catalog);
  r.mutable_record()->set_text_share_class(text);
  r.mutable_record()->set_open_status(open);
  r.mutable_record()->set_secrecy(secrecy);
  return r;
}

fed::PolicyContext Today() {
  fed::PolicyContext ctx;
  ctx.today = "2026-12-06";
  ctx.open_years = 25;
  return ctx;
}

char Letter(const fed::ShareDecision& d) { return d.text ? 'T' : d.list ? 'L' : '-'; }

std::string Table(fed::Audience audience) {
  std::string out;
  for (auto catalog : kCatalog) {
    for (auto text : kText) {
      for (auto open : kOpen) {
        for (auto secrecy : kSecrecy) out += Letter(fed::DecideShare(Record(catalog, text, open, secrecy), audience, Today()));
        out += ' ';
      }
    }
  }
  return out;
}

std::string Rules(const fed::ShareDecision& d) {
  std::vector<std::string> lines;
  for (const auto& r : d.rules) lines.push_back(absl::StrCat(r.id, ": ", r.finding, " -> ", r.effect));
  return absl::StrJoin(lines, "\n");
}

const fed::Audience kAll[] = {fed::Audience::kPeer, fed::Audience::kAuthorized, fed::Audience::kPerson};

}  // namespace

TEST_CASE("every class, status and secrecy against the table, for each requester") {
  CHECK(Table(fed::Audience::kPeer) == kPeer);
  CHECK(Table(fed::Audience::kAuthorized) == kAuthorized);
  CHECK(Table(fed::Audience::kPerson) == kPerson);
}

TEST_CASE("a refusal names the rule that refused") {
  const auto controlled = fed::DecideShare(
      Record(v1::SHARE_CLASS_UNCONDITIONAL, v1::SHARE_CLASS_UNSPECIFIED, v1::OPEN_STATUS_CONTROLLED, v1::SECRECY_PUBLIC),
      fed::Audience::kPeer, Today());
  CHECK_FALSE(controlled.list);
  CHECK(controlled.refusal == "the catalog is 有条件共享: not for an unrelated archive");
  const auto secret = fed::DecideShare(
      Record(v1::SHARE_CLASS_UNCONDITIONAL, v1::SHARE_CLASS_UNSPECIFIED, v1::OPEN_STATUS_OPEN, v1::SECRECY_CONFIDENTIAL),
      fed::Audience::kPerson, Today());
  CHECK(secret.refusal == "密级 机密: state secret, never shared");
  const auto text_kept = fed::DecideShare(
      Record(v1::SHARE_CLASS_UNCONDITIONAL, v1::SHARE_CLASS_NOT_SHARED, v1::OPEN_STATUS_OPEN, v1::SECRECY_PUBLIC),
      fed::Audience::kPeer, Today());
  CHECK(text_kept.list);
  CHECK_FALSE(text_kept.text);
  CHECK(text_kept.refusal == "the full text is 暂不共享: not for an unrelated archive");
  // The rules come in a fixed order, each with its finding and its effect.
  std::vector<std::string> ids;
  for (const auto& r : text_kept.rules) ids.push_back(r.id);
  CHECK(absl::StrJoin(ids, ",") == "state,hold,ingest-batch,origin,secrecy,open-period,open-status,catalog-class,text-class");
}

TEST_CASE("withdrawn, held, unaccepted and received copies refuse everyone, the person too") {
  const auto open = Record(v1::SHARE_CLASS_UNCONDITIONAL, v1::SHARE_CLASS_UNSPECIFIED, v1::OPEN_STATUS_OPEN, v1::SECRECY_PUBLIC);
  for (auto audience : kAll) CHECK(fed::DecideShare(open, audience, Today()).text);

  auto withdrawn = open;
  withdrawn.set_state(v1::RECORD_STATE_WITHDRAWN);
  auto held = open;
  held.set_held(true);
  held.set_held_mark("机密★10年");
  auto copy = open;
  copy.mutable_origin()->set_archive("410200");
  auto unaccepted_ctx = Today();
  unaccepted_ctx.batch_accepted = false;
  auto unspecified = open;
  unspecified.mutable_record()->set_secrecy(v1::SECRECY_UNSPECIFIED);
  for (auto audience : kAll) {
    INFO(fed::AudienceName(audience));
    const auto w = fed::DecideShare(withdrawn, audience, Today());
    CHECK_FALSE(w.list);
    CHECK(w.refusal == "withdrawn (撤回)");
    CHECK_FALSE(fed::DecideShare(held, audience, Today()).list);
    CHECK_FALSE(fed::DecideShare(copy, audience, Today()).list);
    CHECK_FALSE(fed::DecideShare(open, audience, unaccepted_ctx).list);
    CHECK(fed::DecideShare(open, audience, unaccepted_ctx).refusal == "its ingest batch is not yet accepted");
    CHECK_FALSE(fed::DecideShare(unspecified, audience, Today()).list);
  }
  // Unspecified classes fail closed: not shared.
  const auto bare = Record(v1::SHARE_CLASS_UNSPECIFIED, v1::SHARE_CLASS_UNSPECIFIED, v1::OPEN_STATUS_OPEN, v1::SECRECY_PUBLIC);
  CHECK(fed::CatalogClass(bare.record()) == v1::SHARE_CLASS_NOT_SHARED);
  CHECK(fed::TextClass(bare.record()) == v1::SHARE_CLASS_NOT_SHARED);
  CHECK_FALSE(fed::DecideShare(bare, fed::Audience::kAuthorized, Today()).list);
}

TEST_CASE("age and appraisal state are explained and never open a controlled record") {
  const auto controlled =
      Record(v1::SHARE_CLASS_UNCONDITIONAL, v1::SHARE_CLASS_UNSPECIFIED, v1::OPEN_STATUS_CONTROLLED, v1::SECRECY_PUBLIC);
  struct Case {
    const char* date;
    const char* in_progress;
    v1::AppraisalOutcome outcome;
    int open_years;
    const char* expect;  // in the open-period or appraisal finding
  };
  const Case cases[] = {
      {"19900506", "", v1::APPRAISAL_OUTCOME_UNSPECIFIED, 25,
       "formed 1990; the open period (25 years) ended in 2015; due for open appraisal (开放鉴定), still controlled until announced"},
      {"19900506", "", v1::APPRAISAL_OUTCOME_UNSPECIFIED, 30, "the open period (30 years) ended in 2020"},
      {"20100101", "", v1::APPRAISAL_OUTCOME_UNSPECIFIED, 25, "formed 2010; the open period (25 years) ends in 2035"},
      {"19900506", "AP-2026-001", v1::APPRAISAL_OUTCOME_UNSPECIFIED, 25, "being appraised in plan AP-2026-001"},
      {"19900506", "", v1::APPRAISAL_OUTCOME_DEFERRED, 25, "延期 deferred until 2030-01-01 (涉及未结案件)"},
      {"19900506", "", v1::APPRAISAL_OUTCOME_CONTROLLED, 25, "控制 controlled (涉及未结案件)"},
      {"", "", v1::APPRAISAL_OUTCOME_UNSPECIFIED, 25, "formation date unknown"},
  };
  for (const Case& c : cases) {
    auto r = controlled;
    r.mutable_record()->set_date(c.date);
    if (c.outcome != v1::APPRAISAL_OUTCOME_UNSPECIFIED) {
      r.mutable_appraisal()->set_outcome(c.outcome);
      r.mutable_appraisal()->set_plan("AP-2025-003");
      r.mutable_appraisal()->set_announcement("KF-2025-3");
      r.mutable_appraisal()->set_reason("涉及未结案件");
      if (c.outcome == v1::APPRAISAL_OUTCOME_DEFERRED) r.mutable_appraisal()->set_until("2030-01-01");
    }
    auto ctx = Today();
    ctx.open_years = c.open_years;
    ctx.appraisal_in_progress = c.in_progress;
    const auto d = fed::DecideShare(r, fed::Audience::kPeer, ctx);
    INFO(Rules(d));
    CHECK(Rules(d).find(c.expect) != std::string::npos);
    CHECK_FALSE(d.list);  // controlled until an announcement opens it, whatever its age
    CHECK(fed::DecideShare(r, fed::Audience::kAuthorized, ctx).text);
  }
  // Once announced open (a new version with 开放), the same record reaches any peer.
  auto announced = controlled;
  announced.mutable_record()->set_open_status(v1::OPEN_STATUS_OPEN);
  announced.mutable_appraisal()->set_outcome(v1::APPRAISAL_OUTCOME_OPEN);
  announced.mutable_appraisal()->set_plan("AP-2026-001");
  announced.mutable_appraisal()->set_announcement("郑档开〔2026〕1号");
  const auto d = fed::DecideShare(announced, fed::Audience::kPeer, Today());
  CHECK(d.text);
  CHECK(Rules(d).find("appraised in plan AP-2026-001, announcement 郑档开〔2026〕1号: 开放 open") != std::string::npos);
}

TEST_CASE("the formation year comes from the date, else the year") {
  v1::Record r;
  CHECK(fed::FormationYear(r) == 0);
  r.set_year(1987);
  CHECK(fed::FormationYear(r) == 1987);
  r.set_date("19860301");
  CHECK(fed::FormationYear(r) == 1986);
}
