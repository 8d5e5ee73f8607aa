#include "federation/share_policy.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "proto/record_fields.h"

namespace kuaguan::federation {
namespace {

namespace v1 = kuaguan::v1;

bool Shares(v1::ShareClass c) {
  return c == v1::SHARE_CLASS_UNCONDITIONAL || c == v1::SHARE_CLASS_CONDITIONAL;
}

// Why a part of class `c` (as in force after the open status) does not reach `audience`, or "".
// Secrecy above 限制 is refused by its own rule.
std::string PartRefusal(v1::ShareClass c, v1::Secrecy secrecy, Audience audience, const char* part) {
  switch (audience) {
    case Audience::kPeer:
      if (c != v1::SHARE_CLASS_UNCONDITIONAL) {
        return absl::StrCat(part, " is ", proto::ShareClassLabel(c), ": not for an unrelated archive");
      }
      if (secrecy == v1::SECRECY_RESTRICTED) return absl::StrCat(part, " is 限制 (restricted): needs an authorization");
      return "";
    case Audience::kAuthorized:
      if (!Shares(c)) return absl::StrCat(part, " is ", proto::ShareClassLabel(c), ": never leaves the archive");
      return "";
    case Audience::kPerson:
      if (!Shares(c)) return absl::StrCat(part, " is ", proto::ShareClassLabel(c), ": not given remotely, even to the person");
      if (secrecy == v1::SECRECY_RESTRICTED) return absl::StrCat(part, " is 限制 (restricted): needs an authorization");
      return "";
  }
  return "unknown requester";
}

// The class after the open status: a controlled (控制) record's unconditional part needs an
// authorization, like a conditional one.
v1::ShareClass InForce(v1::ShareClass c, bool open) {
  return (!open && c == v1::SHARE_CLASS_UNCONDITIONAL) ? v1::SHARE_CLASS_CONDITIONAL : c;
}

}  // namespace

v1::ShareClass CatalogClass(const v1::Record& r) {
  return r.share_class() == v1::SHARE_CLASS_UNSPECIFIED ? v1::SHARE_CLASS_NOT_SHARED : r.share_class();
}

v1::ShareClass TextClass(const v1::Record& r) {
  return r.text_share_class() == v1::SHARE_CLASS_UNSPECIFIED ? CatalogClass(r) : r.text_share_class();
}

int FormationYear(const v1::Record& r) {
  int year = 0;
  if (r.date().size() >= 4 && absl::SimpleAtoi(r.date().substr(0, 4), &year) && year > 0) return year;
  return r.year() > 0 ? r.year() : 0;
}

const char* AudienceName(Audience a) {
  switch (a) {
    case Audience::kPeer:
      return "peer";
    case Audience::kAuthorized:
      return "authorized";
    case Audience::kPerson:
      return "person";
  }
  return "?";
}

ShareDecision DecideShare(const v1::StoredRecord& stored, Audience audience, const PolicyContext& ctx) {
  const v1::Record& r = stored.record();
  ShareDecision d;
  std::string hard;  // a refusal of everything
  auto rule = [&](std::string id, std::string finding, std::string refusal) {
    d.rules.push_back({std::move(id), std::move(finding), refusal.empty() ? "allows" : "refuses: " + refusal});
    if (!refusal.empty() && hard.empty()) hard = std::move(refusal);
  };

  const bool withdrawn = stored.state() != v1::RECORD_STATE_ACTIVE;
  rule("state", withdrawn ? "撤回 withdrawn" : "in force", withdrawn ? "withdrawn (撤回)" : "");
  rule("hold", stored.held() ? absl::StrCat("held for the secrecy mark ", stored.held_mark()) : "not held",
       stored.held() ? "held for a secrecy mark until a security officer releases it" : "");
  rule("ingest-batch", stored.ingest_batch().empty() ? "catalog entry" : absl::StrCat("ingest batch ", stored.ingest_batch()),
       ctx.batch_accepted ? "" : "its ingest batch is not yet accepted");
  rule("origin",
       stored.origin().archive().empty() ? "held here"
                                         : absl::StrCat("a read-only copy from ", stored.origin().archive()),
       stored.origin().archive().empty() ? "" : "a copy received by direct exchange is never passed on");
  const v1::Secrecy secrecy = r.secrecy();
  std::string secrecy_refusal;
  if (secrecy == v1::SECRECY_UNSPECIFIED) {
    secrecy_refusal = "no secrecy level (密级) is recorded";
  } else if (secrecy >= v1::SECRECY_SECRET) {
    secrecy_refusal = absl::StrCat("密级 ", proto::SecrecyLabel(secrecy), ": state secret, never shared");
  } else if (secrecy == v1::SECRECY_RESTRICTED && audience == Audience::kPeer) {
    secrecy_refusal = "密级 限制 (restricted): only with an authorization";
  }
  rule("secrecy", absl::StrCat("密级 ", proto::SecrecyLabel(secrecy)), secrecy_refusal);

  // Open status, the open period and the appraisal: they decide whether an unconditional part is
  // open to anyone or needs an authorization.
  const bool open = r.open_status() == v1::OPEN_STATUS_OPEN;
  int this_year = 0;
  if (ctx.today.size() >= 4) (void)absl::SimpleAtoi(ctx.today.substr(0, 4), &this_year);
  const int formed = FormationYear(r);
  std::string period;
  if (formed == 0) {
    period = "formation date unknown";
  } else {
    const int due = formed + ctx.open_years;
    period = absl::StrCat("formed ", formed, "; the open period (", ctx.open_years, " years) ",
                          due <= this_year ? "ended in " : "ends in ", due);
    if (!open && due <= this_year) {
      absl::StrAppend(&period, ctx.appraisal_in_progress.empty()
                                   ? "; due for open appraisal (开放鉴定), still controlled until announced"
                                   : absl::StrCat("; being appraised in plan ", ctx.appraisal_in_progress));
    }
  }
  rule("open-period", period, "");
  const v1::AppraisalMark& mark = stored.appraisal();
  if (mark.outcome() != v1::APPRAISAL_OUTCOME_UNSPECIFIED) {
    std::string what = mark.outcome() == v1::APPRAISAL_OUTCOME_OPEN         ? "开放 open"
                       : mark.outcome() == v1::APPRAISAL_OUTCOME_CONTROLLED ? "控制 controlled"
                                                                            : "延期 deferred";
    if (!mark.until().empty()) absl::StrAppend(&what, " until ", mark.until());
    if (!mark.reason().empty()) absl::StrAppend(&what, " (", mark.reason(), ")");
    rule("appraisal", absl::StrCat("appraised in plan ", mark.plan(), ", announcement ", mark.announcement(), ": ", what), "");
  }
  rule("open-status",
       open ? "开放 open" : "控制 controlled: unconditionally shared parts need an authorization while controlled",
       "");

  const v1::ShareClass catalog = InForce(CatalogClass(r), open);
  const v1::ShareClass text = InForce(TextClass(r), open);
  const std::string catalog_refusal =
      audience == Audience::kPerson ? "" : PartRefusal(catalog, secrecy, audience, "the catalog");
  rule("catalog-class",
       absl::StrCat("目录 ", proto::ShareClassLabel(CatalogClass(r)),
                    audience == Audience::kPerson ? "; the person may see the records about them (R6.1)" : ""),
       catalog_refusal);
  const std::string text_refusal = PartRefusal(text, secrecy, audience, "the full text");
  d.rules.push_back({"text-class", absl::StrCat("全文 ", proto::ShareClassLabel(TextClass(r))),
                     text_refusal.empty() ? "allows" : "refuses: " + text_refusal});

  d.list = hard.empty();
  d.text = d.list && text_refusal.empty();
  d.refusal = !hard.empty() ? hard : text_refusal;
  return d;
}

}  // namespace kuaguan::federation
