// kuaguan appraisal (开放鉴定, R3.5): the queue of records whose open period has come, work plans,
// the appraiser's decisions (初审), 复审 and 终审, the report and its approval, and the open
// announcement (开放公告) signed with the node's key. Each command is one call to the node however
// many items it names; the node checks who may act (node/appraisal.h).
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/csv.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/render.h"
#include "kuaguan/v1/appraisal.pb.h"
#include "seal/digest.h"

namespace kuaguan::cli {
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kCall = std::chrono::seconds(600);  // plans of many thousand items

constexpr char kUsage[] =
    "usage: kuaguan appraisal queue [--limit N] | plan create --scope fonds=F,years=Y1-Y2,categories=C "
    "--appraiser 姓名... [--from-queue] [--limit N] | plan list | plan show PLAN [--items] | "
    "decide PLAN (CODE... | --all | --from FILE.csv) (--open [--catalog-only --reason R] | --control --reason R | "
    "--defer YYYY-MM-DD --reason R) [--finding ASPECT=TEXT] | review PLAN --step second|final (CODE... | --all) "
    "[--return --reason R] | report PLAN --out FILE.pdf | approve-report PLAN | announce PLAN --out FILE.pdf";

Json U(uint64_t n) { return JNum(static_cast<double>(n)); }

std::string OutcomeWord(v1::AppraisalOutcome o) {
  switch (o) {
    case v1::APPRAISAL_OUTCOME_OPEN: return "open";
    case v1::APPRAISAL_OUTCOME_CONTROLLED: return "controlled";
    case v1::APPRAISAL_OUTCOME_DEFERRED: return "deferred";
    default: return "";
  }
}

std::string PlanStateWord(v1::AppraisalPlanState s) {
  switch (s) {
    case v1::APPRAISAL_PLAN_STATE_IN_WORK: return "in-work";
    case v1::APPRAISAL_PLAN_STATE_REPORT_APPROVED: return "report-approved";
    case v1::APPRAISAL_PLAN_STATE_ANNOUNCED: return "announced";
    default: return "unknown";
  }
}

std::string ItemStateWord(v1::AppraisalItemState s) {
  switch (s) {
    case v1::APPRAISAL_ITEM_STATE_AWAITING_DECISION: return "awaiting-decision";
    case v1::APPRAISAL_ITEM_STATE_AWAITING_SECOND: return "awaiting-second";
    case v1::APPRAISAL_ITEM_STATE_AWAITING_FINAL: return "awaiting-final";
    case v1::APPRAISAL_ITEM_STATE_DONE: return "done";
    default: return "unknown";
  }
}

std::string StepWord(v1::AppraisalStep s) {
  switch (s) {
    case v1::APPRAISAL_STEP_FIRST: return "first";
    case v1::APPRAISAL_STEP_SECOND: return "second";
    case v1::APPRAISAL_STEP_FINAL: return "final";
    default: return "";
  }
}

std::string DecisionLine(const v1::ItemDecision& d) {
  switch (d.outcome()) {
    case v1::APPRAISAL_OUTCOME_OPEN:
      return d.catalog_only() ? absl::StrCat("开放目录 catalog open, content controlled: ", d.reason()) : "开放 open";
    case v1::APPRAISAL_OUTCOME_CONTROLLED: return absl::StrCat("控制 controlled: ", d.reason());
    case v1::APPRAISAL_OUTCOME_DEFERRED: return absl::StrCat("延期 deferred until ", d.until(), ": ", d.reason());
    default: return "-";
  }
}

Json CountsJson(const v1::AppraisalCounts& c) {
  return JObj({{"items", U(c.items())},
               {"awaiting_decision", U(c.awaiting_decision())},
               {"awaiting_second", U(c.awaiting_second())},
               {"awaiting_final", U(c.awaiting_final())},
               {"done", U(c.done())},
               {"open", U(c.open())},
               {"catalog_only", U(c.catalog_only())},
               {"controlled", U(c.controlled())},
               {"deferred", U(c.deferred())},
               {"returned", U(c.returned())}});
}

std::string CountsText(const v1::AppraisalCounts& c) {
  return absl::StrCat(c.items(), " items: ", c.awaiting_decision(), " awaiting a decision (待初审), ", c.awaiting_second(),
                      " awaiting 复审, ", c.awaiting_final(), " awaiting 终审, ", c.done(), " through 终审; decided ",
                      c.open(), " 开放 (", c.catalog_only(), " catalog only), ", c.controlled(), " 控制, ", c.deferred(),
                      " 延期; ", c.returned(), " sent back");
}

Json Strings(const google::protobuf::RepeatedPtrField<std::string>& v) {
  std::vector<Json> out;
  for (const std::string& s : v) out.push_back(JStr(s));
  return JArr(out);
}

Json DecisionJson(const v1::ItemDecision& d) {
  return JObj({{"outcome", JStr(OutcomeWord(d.outcome()))},
               {"catalog_only", JBool(d.catalog_only())},
               {"reason", JStr(d.reason())},
               {"until", JStr(d.until())},
               {"findings", JObj({{"catalog", JStr(d.findings().catalog())},
                                  {"content", JStr(d.findings().content())},
                                  {"completeness", JStr(d.findings().completeness())},
                                  {"value", JStr(d.findings().value())}})}});
}

Json PlanJson(const v1::AppraisalPlan& p) {
  std::vector<Json> items;
  for (const v1::AppraisalItem& i : p.items()) {
    std::vector<Json> acts;
    for (const v1::AppraisalAct& a : i.acts()) {
      acts.push_back(JObj({{"step", JStr(StepWord(a.step()))},
                           {"person", JStr(a.person())},
                           {"actor", JStr(a.actor())},
                           {"time", JStr(FormatChinaTime(a.time_micros()))},
                           {"returned", JBool(a.returned())},
                           {"reason", JStr(a.reason())}}));
    }
    items.push_back(JObj({{"code", JStr(i.code())},
                          {"title", JStr(i.title())},
                          {"date", JStr(i.date())},
                          {"state", JStr(ItemStateWord(i.state()))},
                          {"round", U(i.round())},
                          {"decision", DecisionJson(i.decision())},
                          {"acts", JArr(acts)}}));
  }
  return JObj({{"id", JStr(p.id())},
               {"state", JStr(PlanStateWord(p.state()))},
               {"scope", JObj({{"fonds", Strings(p.scope().fonds())},
                               {"year_from", JNum(p.scope().year_from())},
                               {"year_to", JNum(p.scope().year_to())},
                               {"categories", Strings(p.scope().categories())}})},
               {"from_queue", JBool(p.from_queue())},
               {"appraisers", Strings(p.appraisers())},
               {"created_by", JStr(p.created_by())},
               {"created", JStr(FormatChinaTime(p.created_micros()))},
               {"counts", CountsJson(p.counts())},
               {"report_approved_by", JStr(p.report_approved_by())},
               {"report_approved", JStr(p.report_approved_micros() ? FormatChinaTime(p.report_approved_micros()) : "")},
               {"report_sm3", JStr(seal::ToHex(p.report_sm3()))},
               {"announcement", JStr(p.announcement())},
               {"announced", JStr(p.announced_micros() ? FormatChinaTime(p.announced_micros()) : "")},
               {"items", JArr(items)}});
}

std::string PlanText(const v1::AppraisalPlan& p) {
  std::string out = absl::StrCat(
      "Plan ", p.id(), " (开放鉴定工作计划) — ", PlanStateWord(p.state()), "\n  scope: fonds ",
      p.scope().fonds().empty() ? "all" : absl::StrJoin(p.scope().fonds(), ", "), "; years ",
      p.scope().year_from() ? absl::StrCat(p.scope().year_from()) : "…", "-",
      p.scope().year_to() ? absl::StrCat(p.scope().year_to()) : "…", "; categories ",
      p.scope().categories().empty() ? "all" : absl::StrJoin(p.scope().categories(), ", "),
      p.from_queue() ? " (from the queue)" : "", "\n  appraisers: ", absl::StrJoin(p.appraisers(), ", "),
      "\n  created by ", p.created_by(), " at ", FormatChinaTime(p.created_micros()), "\n  ", CountsText(p.counts()), "\n");
  if (!p.report_approved_by().empty()) {
    absl::StrAppend(&out, "  report approved by ", p.report_approved_by(), " at ", FormatChinaTime(p.report_approved_micros()),
                    " (SM3 ", seal::ToHex(p.report_sm3()), ")\n");
  }
  if (!p.announcement().empty()) {
    absl::StrAppend(&out, "  announced: 开放公告 ", p.announcement(), " at ", FormatChinaTime(p.announced_micros()), "\n");
  }
  for (const v1::AppraisalItem& i : p.items()) {
    absl::StrAppend(&out, "  ", i.code(), "  ", i.title(), "  [", ItemStateWord(i.state()), "] ", DecisionLine(i.decision()),
                    "\n");
    for (const v1::AppraisalAct& a : i.acts()) {
      absl::StrAppend(&out, "      ", StepWord(a.step()), " by ", a.person(), " at ", FormatChinaTime(a.time_micros()),
                      a.returned() ? absl::StrCat(": sent back (", a.reason(), ")") : "", "\n");
    }
  }
  return out;
}

// "fonds=Z109+Z110,years=1990-2000,categories=WS+婚姻登记" (keys may also repeat).
absl::StatusOr<v1::AppraisalScope> ParseScope(const std::vector<std::string>& texts) {
  v1::AppraisalScope scope;
  for (const std::string& text : texts) {
    for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
      const auto eq = part.find('=');
      if (eq == absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("--scope '", part, "': KEY=VALUE (fonds, years or categories)"));
      }
      const std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(part.substr(0, eq)));
      const absl::string_view value = absl::StripAsciiWhitespace(part.substr(eq + 1));
      if (key == "fonds") {
        for (absl::string_view f : absl::StrSplit(value, '+', absl::SkipWhitespace())) scope.add_fonds(std::string(f));
      } else if (key == "categories" || key == "category") {
        for (absl::string_view c : absl::StrSplit(value, '+', absl::SkipWhitespace())) scope.add_categories(std::string(c));
      } else if (key == "years" || key == "year") {
        const std::vector<std::string> ys = absl::StrSplit(value, '-');
        int from = 0, to = 0;
        if (ys.size() > 2 || (!ys[0].empty() && !absl::SimpleAtoi(ys[0], &from)) ||
            (ys.size() == 2 && !ys[1].empty() && !absl::SimpleAtoi(ys[1], &to))) {
          return absl::InvalidArgumentError(absl::StrCat("--scope years='", value, "': YEAR or FROM-TO, e.g. 1990-2000"));
        }
        scope.set_year_from(from);
        scope.set_year_to(ys.size() == 1 ? from : to);
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--scope key '", key, "': fonds, years or categories"));
      }
    }
  }
  return scope;
}

absl::Status SetFinding(v1::AppraisalFindings* f, absl::string_view aspect, const std::string& text) {
  const std::string a = absl::AsciiStrToLower(absl::StripAsciiWhitespace(aspect));
  if (a == "catalog" || aspect == "目录") {
    f->set_catalog(text);
  } else if (a == "content" || aspect == "内容") {
    f->set_content(text);
  } else if (a == "completeness" || aspect == "完整性") {
    f->set_completeness(text);
  } else if (a == "value" || aspect == "价值") {
    f->set_value(text);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("aspect '", aspect, "': catalog (目录), content (内容), completeness (完整性) or value (价值)"));
  }
  return absl::OkStatus();
}

// A decision word of a CSV row: open, open-catalog, control, defer (or 开放, 开放目录, 控制, 延期).
absl::Status SetOutcome(v1::ItemDecision* d, absl::string_view word) {
  const std::string w = absl::AsciiStrToLower(absl::StripAsciiWhitespace(word));
  if (w == "open" || w == "开放") {
    d->set_outcome(v1::APPRAISAL_OUTCOME_OPEN);
  } else if (w == "open-catalog" || w == "开放目录") {
    d->set_outcome(v1::APPRAISAL_OUTCOME_OPEN);
    d->set_catalog_only(true);
  } else if (w == "control" || w == "controlled" || w == "控制") {
    d->set_outcome(v1::APPRAISAL_OUTCOME_CONTROLLED);
  } else if (w == "defer" || w == "deferred" || w == "延期") {
    d->set_outcome(v1::APPRAISAL_OUTCOME_DEFERRED);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("decision '", word, "': open, open-catalog, control or defer (开放, 开放目录, 控制, 延期)"));
  }
  return absl::OkStatus();
}

// Decisions from a CSV file: a header naming code (档号) and decision (意见), optionally reason
// (理由), until (延期至) and the aspects catalog, content, completeness, value.
absl::StatusOr<std::vector<v1::ItemDecision>> DecisionsFromCsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  ASSIGN_OR_RETURN(const auto rows, base::ParseCsv(ss.str()));
  if (rows.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  std::map<std::string, size_t> col;
  const std::map<std::string, std::string> names = {
      {"code", "code"},         {"档号", "code"},          {"decision", "decision"}, {"意见", "decision"},
      {"reason", "reason"},     {"理由", "reason"},        {"until", "until"},       {"延期至", "until"},
      {"catalog", "catalog"},   {"目录", "catalog"},       {"content", "content"},   {"内容", "content"},
      {"completeness", "completeness"}, {"完整性", "completeness"}, {"value", "value"}, {"价值", "value"}};
  for (size_t i = 0; i < rows[0].fields.size(); ++i) {
    std::string h = absl::AsciiStrToLower(absl::StripAsciiWhitespace(absl::StripPrefix(rows[0].fields[i], "\xEF\xBB\xBF")));
    auto it = names.find(h);
    if (it == names.end()) return absl::InvalidArgumentError(absl::StrCat(path, ": unknown column '", rows[0].fields[i], "'"));
    col[it->second] = i;
  }
  if (!col.contains("code") || !col.contains("decision")) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the header needs code (档号) and decision (意见)"));
  }
  std::vector<v1::ItemDecision> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    auto field = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() || it->second >= rows[r].fields.size()
                 ? std::string()
                 : std::string(absl::StripAsciiWhitespace(rows[r].fields[it->second]));
    };
    v1::ItemDecision d;
    d.set_code(field("code"));
    if (d.code().empty()) return absl::InvalidArgumentError(absl::StrCat(path, " line ", rows[r].line, ": no code"));
    if (absl::Status st = SetOutcome(&d, field("decision")); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, " line ", rows[r].line, ": ", st.message()));
    }
    d.set_reason(field("reason"));
    d.set_until(field("until"));
    for (const char* aspect : {"catalog", "content", "completeness", "value"}) {
      if (!field(aspect).empty()) RETURN_IF_ERROR(SetFinding(d.mutable_findings(), aspect, field(aspect)));
    }
    out.push_back(std::move(d));
  }
  return out;
}

absl::Status WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status Queue(CommandContext& ctx) {
  v1::QueueRequest req;
  if (auto limit = ctx.args.Get("--limit"); limit) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(*limit, &n) || n == 0) return absl::InvalidArgumentError("--limit: a whole number above 0");
    req.set_limit(n);
  }
  v1::AppraisalQueue q;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->appraisal().Queue(call.get(), req, &q); !st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    std::vector<Json> records;
    for (const v1::QueuedRecord& r : q.records()) {
      records.push_back(JObj({{"code", JStr(r.code())}, {"title", JStr(r.title())}, {"date", JStr(r.date())},
                              {"formed", JNum(r.formed())}, {"due", JNum(r.due())}, {"reason", JStr(r.reason())}}));
    }
    Print(ToJson(JObj({{"total", U(q.total())}, {"open_years", U(q.open_years())}, {"today", JStr(q.today())},
                       {"records", JArr(records)}})));
    return absl::OkStatus();
  }
  std::string out = absl::StrCat(q.total(), " records await open appraisal (待开放鉴定; open period ", q.open_years(),
                                 " years, today ", q.today(), ")", q.records_size() < static_cast<int>(q.total())
                                     ? absl::StrCat(", the first ", q.records_size(), ":\n")
                                     : ":\n");
  for (const v1::QueuedRecord& r : q.records()) {
    absl::StrAppend(&out, "  ", r.code(), "  ", r.title(), "  ", r.date(), "  (", r.reason(), ")\n");
  }
  Print(out);
  return absl::OkStatus();
}

absl::Status PlanCreate(CommandContext& ctx) {
  v1::PlanSpec spec;
  ASSIGN_OR_RETURN(*spec.mutable_scope(), ParseScope(ctx.args.All("--scope")));
  for (const std::string& a : ctx.args.All("--appraiser")) {
    for (absl::string_view name : absl::StrSplit(a, ',', absl::SkipWhitespace())) spec.add_appraisers(std::string(name));
  }
  if (spec.appraisers().empty()) return absl::InvalidArgumentError("name the appraisers: --appraiser 姓名 (as registered)");
  spec.set_from_queue(ctx.args.Has("--from-queue"));
  if (auto limit = ctx.args.Get("--limit"); limit) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(*limit, &n) || n == 0) return absl::InvalidArgumentError("--limit: a whole number above 0");
    spec.set_limit(n);
  }
  v1::AppraisalPlan plan;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->appraisal().CreatePlan(call.get(), spec, &plan); !st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ToJson(PlanJson(plan)) : absl::StrCat("Created ", PlanText(plan)));
  return absl::OkStatus();
}

absl::Status PlanShow(CommandContext& ctx, bool list) {
  const auto& pos = ctx.args.positional();
  if (list) {
    v1::PlanList plans;
    auto call = ctx.client->Context(kCall);
    if (grpc::Status st = ctx.client->appraisal().ListPlans(call.get(), {}, &plans); !st.ok()) return ctx.client->Explain(st);
    if (ctx.json) {
      std::vector<Json> out;
      for (const auto& p : plans.plans()) out.push_back(PlanJson(p));
      Print(ToJson(JObj({{"plans", JArr(out)}})));
    } else {
      std::string out = plans.plans().empty() ? "No appraisal plans yet (kuaguan appraisal plan create).\n" : "";
      for (const auto& p : plans.plans()) {
        absl::StrAppend(&out, p.id(), "  ", PlanStateWord(p.state()), "  ", CountsText(p.counts()), "\n");
      }
      Print(out);
    }
    return absl::OkStatus();
  }
  if (pos.size() != 3) return absl::InvalidArgumentError("usage: kuaguan appraisal plan show PLAN [--items]");
  v1::PlanRef ref;
  ref.set_plan(pos[2]);
  ref.set_items(ctx.args.Has("--items"));
  v1::AppraisalPlan plan;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->appraisal().ShowPlan(call.get(), ref, &plan); !st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ToJson(PlanJson(plan)) : PlanText(plan));
  return absl::OkStatus();
}

void PrintStep(const CommandContext& ctx, const v1::StepResult& r) {
  const std::string step = r.step() == v1::APPRAISAL_STEP_FIRST ? "初审 (decision)"
                           : r.step() == v1::APPRAISAL_STEP_SECOND ? "复审" : "终审";
  if (ctx.json) {
    Print(ToJson(JObj({{"plan", JStr(r.plan())}, {"step", JStr(StepWord(r.step()))}, {"items", U(r.items())},
                       {"sent_back", JBool(r.sent_back())}, {"counts", CountsJson(r.counts())}})));
    return;
  }
  Print(absl::StrCat(r.sent_back() ? absl::StrCat("Sent back to the appraiser at ", step) : absl::StrCat(step, " recorded"),
                     ": ", r.items(), " items of plan ", r.plan(), ".\n  ", CountsText(r.counts()), "\n"));
}

absl::Status Decide(CommandContext& ctx) {
  const auto& pos = ctx.args.positional();
  if (pos.size() < 2) return absl::InvalidArgumentError(absl::StrCat("usage: ", kUsage));
  v1::DecideCommand cmd;
  cmd.set_plan(pos[1]);
  const int kinds = ctx.args.Has("--open") + ctx.args.Has("--control") + ctx.args.Get("--defer").has_value();
  const auto from = ctx.args.Get("--from");
  v1::ItemDecision each;
  if (kinds > 1) return absl::InvalidArgumentError("give one of --open, --control and --defer");
  if (from) {
    if (kinds > 0 || ctx.args.Has("--all") || pos.size() > 2) {
      return absl::InvalidArgumentError("--from FILE.csv carries each item's decision: no codes, --all, --open, --control or --defer");
    }
    ASSIGN_OR_RETURN(const auto decisions, DecisionsFromCsv(*from));
    for (const auto& d : decisions) *cmd.add_items() = d;
  } else {
    if (kinds == 0) return absl::InvalidArgumentError("the decision: --open, --control --reason R, or --defer YYYY-MM-DD --reason R");
    if (ctx.args.Has("--open")) each.set_outcome(v1::APPRAISAL_OUTCOME_OPEN);
    if (ctx.args.Has("--control")) each.set_outcome(v1::APPRAISAL_OUTCOME_CONTROLLED);
    if (auto until = ctx.args.Get("--defer"); until) {
      each.set_outcome(v1::APPRAISAL_OUTCOME_DEFERRED);
      each.set_until(*until);
    }
    if (ctx.args.Has("--catalog-only")) {
      if (!ctx.args.Has("--open")) return absl::InvalidArgumentError("--catalog-only goes with --open");
      each.set_catalog_only(true);
    }
    each.set_reason(ctx.args.Get("--reason").value_or(""));
    for (const std::string& f : ctx.args.All("--finding")) {
      const auto eq = f.find('=');
      if (eq == std::string::npos) return absl::InvalidArgumentError(absl::StrCat("--finding '", f, "': ASPECT=TEXT"));
      RETURN_IF_ERROR(SetFinding(each.mutable_findings(), f.substr(0, eq), f.substr(eq + 1)));
    }
    if (ctx.args.Has("--all")) {
      if (pos.size() > 2) return absl::InvalidArgumentError("give either codes or --all, not both");
      cmd.set_all(true);
      *cmd.mutable_each() = each;
    } else {
      if (pos.size() == 2) return absl::InvalidArgumentError("name the items: CODE..., --all or --from FILE.csv");
      for (size_t i = 2; i < pos.size(); ++i) {
        v1::ItemDecision d = each;
        d.set_code(pos[i]);
        *cmd.add_items() = std::move(d);
      }
    }
  }
  v1::StepResult r;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->appraisal().Decide(call.get(), cmd, &r); !st.ok()) return ctx.client->Explain(st);
  PrintStep(ctx, r);
  return absl::OkStatus();
}

absl::Status Review(CommandContext& ctx) {
  const auto& pos = ctx.args.positional();
  const auto step = ctx.args.Get("--step");
  if (pos.size() < 2 || !step || (*step != "second" && *step != "final")) {
    return absl::InvalidArgumentError(
        "usage: kuaguan appraisal review PLAN --step second|final (CODE... | --all) [--return --reason R]");
  }
  v1::ReviewCommand cmd;
  cmd.set_plan(pos[1]);
  for (size_t i = 2; i < pos.size(); ++i) cmd.add_codes(pos[i]);
  cmd.set_all(ctx.args.Has("--all"));
  if (cmd.all() && !cmd.codes().empty()) return absl::InvalidArgumentError("give either codes or --all, not both");
  if (!cmd.all() && cmd.codes().empty()) return absl::InvalidArgumentError("name the items: CODE... or --all");
  cmd.set_send_back(ctx.args.Has("--return"));
  cmd.set_reason(ctx.args.Get("--reason").value_or(""));
  if (cmd.send_back() && cmd.reason().empty()) return absl::InvalidArgumentError("--return needs --reason R");
  v1::StepResult r;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = *step == "second" ? ctx.client->appraisal().SecondReview(call.get(), cmd, &r)
                                      : ctx.client->appraisal().FinalReview(call.get(), cmd, &r);
  if (!st.ok()) return ctx.client->Explain(st);
  PrintStep(ctx, r);
  return absl::OkStatus();
}

absl::Status Report(CommandContext& ctx) {
  const auto& pos = ctx.args.positional();
  const auto out = ctx.args.Get("--out");
  if (pos.size() != 2 || !out) return absl::InvalidArgumentError("usage: kuaguan appraisal report PLAN --out FILE.pdf");
  v1::PlanRef ref;
  ref.set_plan(pos[1]);
  v1::ReportDocument doc;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->appraisal().Report(call.get(), ref, &doc); !st.ok()) return ctx.client->Explain(st);
  RETURN_IF_ERROR(WriteBytes(*out, doc.pdf()));
  const v1::AppraisalPlan& p = doc.plan();
  if (ctx.json) {
    Print(ToJson(JObj({{"plan", JStr(p.id())}, {"out", JStr(*out)}, {"bytes", U(doc.pdf().size())},
                       {"sm3", JStr(seal::ToHex(doc.sm3()))}, {"approved", JBool(!p.report_approved_by().empty())},
                       {"counts", CountsJson(p.counts())}})));
  } else {
    Print(absl::StrCat("Wrote the report (开放鉴定报告) of plan ", p.id(), " to ", *out, " (", doc.pdf().size(), " bytes; SM3 ",
                       seal::ToHex(doc.sm3()), ").\n  ", CountsText(p.counts()), "\n  ",
                       p.report_approved_by().empty() ? "Not yet approved (kuaguan appraisal approve-report, by an approver)."
                                                      : absl::StrCat("Approved by ", p.report_approved_by(), "."),
                       "\n"));
  }
  return absl::OkStatus();
}

absl::Status ApproveReport(CommandContext& ctx) {
  const auto& pos = ctx.args.positional();
  if (pos.size() != 2) return absl::InvalidArgumentError("usage: kuaguan appraisal approve-report PLAN");
  v1::PlanRef ref;
  ref.set_plan(pos[1]);
  v1::AppraisalPlan p;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->appraisal().ApproveReport(call.get(), ref, &p); !st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ToJson(PlanJson(p))
                 : absl::StrCat("Report of plan ", p.id(), " approved by ", p.report_approved_by(), " (SM3 ",
                                seal::ToHex(p.report_sm3()), "). Next: kuaguan appraisal announce ", p.id(),
                                " --out FILE.pdf\n"));
  return absl::OkStatus();
}

absl::Status Announce(CommandContext& ctx) {
  const auto& pos = ctx.args.positional();
  const auto out = ctx.args.Get("--out");
  if (pos.size() != 2 || !out) return absl::InvalidArgumentError("usage: kuaguan appraisal announce PLAN --out FILE.pdf");
  v1::PlanRef ref;
  ref.set_plan(pos[1]);
  v1::Announcement a;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->appraisal().Announce(call.get(), ref, &a); !st.ok()) return ctx.client->Explain(st);
  const std::string sig = *out + ".sig", cert = *out + ".cert.pem";
  if (!a.pdf().empty()) {
    RETURN_IF_ERROR(WriteBytes(*out, a.pdf()));
    RETURN_IF_ERROR(WriteBytes(sig, a.signature()));
    RETURN_IF_ERROR(WriteBytes(cert, a.cert_pem()));
  }
  if (ctx.json) {
    Print(ToJson(JObj({{"plan", JStr(a.plan())}, {"number", JStr(a.number())}, {"archive", JStr(a.archive())},
                       {"issued", JStr(FormatChinaTime(a.issued_micros()))}, {"issued_by", JStr(a.issued_by())},
                       {"out", JStr(a.pdf().empty() ? "" : *out)}, {"signature", JStr(a.pdf().empty() ? "" : sig)},
                       {"certificate", JStr(a.pdf().empty() ? "" : cert)}, {"opened", U(a.opened())},
                       {"controlled", U(a.controlled())}, {"deferred", U(a.deferred())}, {"versions", U(a.versions())},
                       {"skipped", Strings(a.skipped())}})));
    return absl::OkStatus();
  }
  std::string text = absl::StrCat("开放公告 ", a.number(), " of plan ", a.plan(), " issued by ", a.issued_by(), " at ",
                                  FormatChinaTime(a.issued_micros()), ": ", a.opened(), " opened, ", a.controlled(),
                                  " kept controlled, ", a.deferred(), " deferred; ", a.versions(), " record versions.\n");
  if (a.pdf().empty()) {
    absl::StrAppend(&text, "No record was opened: there is no announcement document.\n");
  } else {
    absl::StrAppend(&text, "Wrote ", *out, ", its signature (node key, not the seal) ", sig, " and the node's certificate ",
                    cert, ".\nCheck: openssl dgst -sha256 -verify <(openssl x509 -in ", cert, " -pubkey -noout) -signature ",
                    sig, " ", *out, "\n");
  }
  if (!a.skipped().empty()) absl::StrAppend(&text, "Not changed (withdrawn since): ", absl::StrJoin(a.skipped(), ", "), "\n");
  Print(text);
  return absl::OkStatus();
}

}  // namespace

absl::Status AppraisalCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--from-queue", "--items", "--all", "--open", "--control", "--catalog-only",
                                                 "--return"},
                                                {"--scope", "--appraiser", "--limit", "--from", "--defer", "--reason",
                                                 "--finding", "--step", "--out"}}));
  const auto& pos = ctx.args.positional();
  const std::string sub = pos.empty() ? "" : pos[0];
  if (sub == "queue" && pos.size() == 1) return Queue(ctx);
  if (sub == "plan" && pos.size() >= 2 && pos[1] == "create" && pos.size() == 2) return PlanCreate(ctx);
  if (sub == "plan" && pos.size() == 2 && pos[1] == "list") return PlanShow(ctx, true);
  if (sub == "plan" && pos.size() >= 2 && pos[1] == "show") return PlanShow(ctx, false);
  if (sub == "decide") return Decide(ctx);
  if (sub == "review") return Review(ctx);
  if (sub == "report") return Report(ctx);
  if (sub == "approve-report") return ApproveReport(ctx);
  if (sub == "announce") return Announce(ctx);
  return absl::InvalidArgumentError(kUsage);
}

}  // namespace kuaguan::cli
