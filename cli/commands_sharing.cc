// Sharing by the rules: kuaguan policy explain (what a requester may receive of a record and
// every rule that led there) and kuaguan digitize queue (records on paper that requests wait
// for, most demanded first).
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/commands.h"
#include "cli/render.h"

namespace kuaguan::cli {
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kCall = std::chrono::seconds(60);

constexpr char kPolicyUsage[] = "usage: kuaguan policy explain CODE [--for ARCHIVE | --person] [--json]";
constexpr char kDigitizeUsage[] = "usage: kuaguan digitize queue [--all] [--limit N] [--json]";

std::string AudienceText(const v1::AudienceDecision& d) {
  std::string who = d.audience() == "peer"         ? "an unrelated archive (无关馆)"
                    : d.audience() == "authorized" ? "a requester with an accepted authorization (授权申请人)"
                                                   : "the person the record concerns (本人)";
  if (!d.for_archive().empty() && d.audience() != "person") absl::StrAppend(&who, ": ", d.for_archive());
  std::string out = absl::StrCat("for ", who, "\n  catalog (目录): ", d.list() ? "yes" : "no", "   full text and pages, certificate (全文): ",
                                 d.text() ? "yes" : "no", "\n");
  if (!d.authorization().empty()) absl::StrAppend(&out, "  authorization: ", d.authorization(), "\n");
  if (!d.refusal().empty()) absl::StrAppend(&out, "  because: ", d.refusal(), "\n");
  for (const auto& r : d.rules()) {
    absl::StrAppend(&out, "    ", r.rule(), std::string(r.rule().size() < 13 ? 13 - r.rule().size() : 1, ' '), r.finding(),
                    "  → ", r.effect(), "\n");
  }
  return out;
}

}  // namespace

absl::Status PolicyCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--person"}, {"--for"}}));
  const auto& pos = ctx.args.positional();
  if (pos.size() != 2 || pos[0] != "explain") return absl::InvalidArgumentError(kPolicyUsage);
  v1::ExplainRequest req;
  req.set_code(pos[1]);
  req.set_person(ctx.args.Has("--person"));
  if (auto a = ctx.args.Get("--for")) req.set_for_archive(*a);
  if (req.person() && !req.for_archive().empty()) {
    return absl::InvalidArgumentError("policy explain: --for ARCHIVE or --person, not both");
  }
  v1::ExplainResponse resp;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->requests().Explain(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ProtoJson(resp));
    return absl::OkStatus();
  }
  std::string out = absl::StrCat("record ", resp.code(), "  ", resp.title(), "\n");
  for (const auto& d : resp.decisions()) absl::StrAppend(&out, AudienceText(d));
  Print(out);
  return absl::OkStatus();
}

absl::Status DigitizeCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--all"}, {"--limit"}}));
  const auto& pos = ctx.args.positional();
  if (pos.size() != 1 || pos[0] != "queue") return absl::InvalidArgumentError(kDigitizeUsage);
  v1::DigitizeQueueRequest req;
  req.set_include_done(ctx.args.Has("--all"));
  if (auto l = ctx.args.Get("--limit")) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(*l, &n) || n == 0) return absl::InvalidArgumentError(absl::StrCat("--limit '", *l, "' is not a positive number"));
    req.set_limit(n);
  }
  v1::DigitizeQueueList q;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->requests().DigitizeQueue(call.get(), req, &q);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ProtoJson(q));
    return absl::OkStatus();
  }
  std::string out;
  for (const auto& i : q.items()) {
    absl::StrAppend(&out, i.done() ? "done     " : "waiting  ", i.code(), "  ", i.title(), "\n           ",
                    i.requests_size(), " request(s) waiting: ", absl::StrJoin(i.requests(), ", "), "; earliest due ",
                    i.earliest_due(), "; expected by ", i.expected_date(), "; queued ", FormatMicros(i.queued_micros()),
                    i.done() ? absl::StrCat("; digitized ", FormatMicros(i.done_micros())) : "", "\n");
  }
  if (q.items().empty()) out = "the digitization queue (数字化队列) is empty\n";
  Print(out);
  return absl::OkStatus();
}

}  // namespace kuaguan::cli
