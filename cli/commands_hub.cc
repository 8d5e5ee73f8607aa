// The provincial node's third job, as its staff and the members see it: hub audit (the
// auditor's query across every member's shipped audit log), hub login (a one-time link to the
// federation page), federation status (members, their state, the alarms), and the transparency
// log (log checkpoint | proof SERIAL | consistency OLD NEW), whose proofs the CLI checks itself.
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "seal/digest.h"
#include "seal/log_proof.h"
#include "seal/merkle_tree.h"

namespace kuaguan::cli {
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kCall = std::chrono::seconds(60);

Json U64(uint64_t n) { return JNum(static_cast<double>(n)); }

absl::StatusOr<uint64_t> Number(const std::string& text, const char* what) {
  uint64_t n = 0;
  if (!absl::SimpleAtoi(text, &n)) return absl::InvalidArgumentError(absl::StrCat(what, " '", text, "' is not a number"));
  return n;
}

absl::Status HubAudit(CommandContext& ctx) {
  v1::HubAuditQuery q;
  q.set_archive(ctx.args.Get("--archive").value_or(""));
  q.set_person(ctx.args.Get("--person").value_or(""));
  q.set_action(ctx.args.Get("--action").value_or(""));
  q.set_object(ctx.args.Get("--object").value_or(""));
  q.set_from_date(ctx.args.Get("--from").value_or(""));
  q.set_to_date(ctx.args.Get("--to").value_or(""));
  if (auto limit = ctx.args.Get("--limit")) {
    ASSIGN_OR_RETURN(const uint64_t n, Number(*limit, "--limit"));
    q.set_limit(static_cast<uint32_t>(std::min<uint64_t>(n, UINT32_MAX)));
  }
  v1::HubAuditList list;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->hub().QueryAudit(call.get(), q, &list); !st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    std::vector<Json> rows;
    for (const auto& r : list.entries()) {
      const auto& e = r.entry();
      rows.push_back(JObj({{"archive", JStr(r.archive())},
                           {"seq", U64(e.seq())},
                           {"time", JStr(FormatChinaTime(e.time_micros()))},
                           {"person", JStr(e.person())},
                           {"role", JStr(e.role())},
                           {"via", JStr(e.via())},
                           {"action", JStr(e.action())},
                           {"object", JStr(e.object())},
                           {"outcome", JStr(e.outcome())}}));
    }
    Print(ToJson(JObj({{"entries", JArr(rows)}, {"matched", U64(list.matched())}})));
    return absl::OkStatus();
  }
  std::string out;
  for (const auto& r : list.entries()) {
    const auto& e = r.entry();
    absl::StrAppend(&out, r.archive(), " #", e.seq(), "  ", FormatChinaTime(e.time_micros()), "  ", e.person(),
                    e.role().empty() ? "" : absl::StrCat(" (", e.role(), ", ", e.via(), ")"), "  ", e.action(), "  ",
                    e.object(), "  ", e.outcome(), "\n");
  }
  absl::StrAppend(&out, list.entries_size(), " of ", list.matched(), " matching entries shown (审计汇总).\n");
  Print(out);
  return absl::OkStatus();
}

absl::Status HubLogin(CommandContext& ctx) {
  v1::WebLoginLink link;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->hub().WebLogin(call.get(), v1::WebLoginRequest(), &link); !st.ok()) {
    return ctx.client->Explain(st);
  }
  if (ctx.json) {
    Print(ToJson(JObj({{"url", JStr(link.url())}})));
  } else {
    Print(absl::StrCat("Open within 5 minutes, once (一次性登录链接):\n  ", link.url(), "\n"));
  }
  return absl::OkStatus();
}

Json AlarmJson(const v1::Alarm& a) {
  return JObj({{"id", JStr(a.id())},
               {"archive", JStr(a.archive())},
               {"kind", JStr(a.kind())},
               {"detail", JStr(a.detail())},
               {"raised", JStr(FormatChinaTime(a.raised_micros()))},
               {"first_bad_entry", U64(a.first_bad_entry())},
               {"open", JBool(a.open())},
               {"resolved_by", JStr(a.resolved_by())},
               {"resolved_reason", JStr(a.resolved_reason())}});
}

absl::Status HubResolve(CommandContext& ctx, const std::string& id) {
  v1::ResolveAlarmRequest req;
  req.set_id(id);
  req.set_reason(ctx.args.Get("--reason").value_or(""));
  v1::Alarm alarm;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->hub().ResolveAlarm(call.get(), req, &alarm); !st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ToJson(AlarmJson(alarm)));
  } else {
    Print(absl::StrCat("alarm ", alarm.id(), " of ", alarm.archive(), " closed (已解除): ", alarm.resolved_reason(), "\n"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status HubCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--archive", "--person", "--action", "--object", "--from", "--to",
                                                     "--limit", "--reason"}}));
  const auto& pos = ctx.args.positional();
  if (pos.size() == 1 && pos[0] == "audit") return HubAudit(ctx);
  if (pos.size() == 1 && pos[0] == "login") return HubLogin(ctx);
  if (pos.size() == 2 && pos[0] == "resolve") return HubResolve(ctx, pos[1]);
  return absl::InvalidArgumentError(
      "usage: kuaguan hub audit [--archive CODE] [--person NAME] [--action A] [--object CODE] [--from DATE --to DATE] "
      "[--limit N] | hub login | hub resolve ALARM-ID --reason TEXT");
}

absl::Status FederationCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--archive"}}));
  const auto& pos = ctx.args.positional();
  if (pos.size() != 1 || pos[0] != "status") {
    return absl::InvalidArgumentError("usage: kuaguan federation status [--archive CODE]");
  }
  v1::FederationStatusRequest req;
  req.set_archive(ctx.args.Get("--archive").value_or(""));
  v1::FederationView view;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->hub().FederationStatus(call.get(), req, &view); !st.ok()) {
    return ctx.client->Explain(st);
  }
  const int64_t now = view.time_micros();
  if (ctx.json) {
    std::vector<Json> members, alarms;
    for (const auto& m : view.members()) {
      const auto& r = m.last_report();
      std::vector<std::pair<std::string, Json>> states;
      for (const auto& [state, n] : r.requests_by_state()) states.emplace_back(state, U64(n));
      members.push_back(JObj({{"code", JStr(m.code())},
                              {"name", JStr(m.name())},
                              {"state", JStr(m.state())},
                              {"last_report_age_s",
                               JNum(r.time_micros() == 0 ? -1 : static_cast<double>(now - r.time_micros()) / 1e6)},
                              {"version", JStr(r.version())},
                              {"records", U64(r.records())},
                              {"requests", JObj(states)},
                              {"overdue", U64(r.overdue())},
                              {"answered_this_month", U64(r.answered_this_month())},
                              {"answered_in_time_this_month", U64(r.answered_in_time_this_month())},
                              {"outbox_backlog", U64(r.outbox_backlog())},
                              {"dead_letters", U64(r.dead_letters())},
                              {"audit_entries", U64(m.audit_entries())},
                              {"audit_checkpoint", U64(r.audit_checkpoint())},
                              {"directory_version", U64(r.directory_version())},
                              {"cert_expires", JStr(FormatChinaTime(r.cert_expires_micros()))},
                              {"disk_free_bytes", U64(r.disk_free_bytes())},
                              {"last_error", JStr(r.last_error())}}));
    }
    for (const auto& a : view.alarms()) alarms.push_back(AlarmJson(a));
    Print(ToJson(JObj({{"provincial", JStr(view.provincial())},
                       {"time", JStr(FormatChinaTime(now))},
                       {"report_interval_s", JNum(static_cast<double>(view.report_interval_seconds()))},
                       {"log_size", U64(view.log_size())},
                       {"members", JArr(members)},
                       {"alarms", JArr(alarms)}})));
    return absl::OkStatus();
  }
  std::string out = absl::StrCat("Federation of ", view.provincial(), " at ", FormatChinaTime(now), " (联盟状态); transparency log: ",
                                 view.log_size(), " certificates\n");
  for (const auto& m : view.members()) {
    const auto& r = m.last_report();
    absl::StrAppend(&out, "  ", m.code(), "  ", m.name(), "  ", m.state(),
                    r.time_micros() == 0 ? "  never reported"
                                         : absl::StrCat("  reported ", (now - r.time_micros()) / 1000000, " s ago"),
                    "  records ", r.records(), "  overdue ", r.overdue(), "  audit ", m.audit_entries(), "\n");
  }
  size_t open = 0;
  for (const auto& a : view.alarms()) {
    if (!a.open()) continue;
    ++open;
    absl::StrAppend(&out, "  ALARM 告警 [", a.kind(), "] ", a.detail(), "\n");
  }
  if (open == 0) absl::StrAppend(&out, "  no open alarms\n");
  Print(out);
  return absl::OkStatus();
}

absl::Status LogCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--out"}}));
  const auto& pos = ctx.args.positional();
  const char* usage = "usage: kuaguan log checkpoint | log proof SERIAL [--out FILE] | log consistency OLD NEW";
  if (pos.empty()) return absl::InvalidArgumentError(usage);
  v1::LogQuery q;
  if (pos[0] == "checkpoint" && pos.size() == 1) {
    v1::LogCheckpoint cp;
    auto call = ctx.client->Context(kCall);
    if (grpc::Status st = ctx.client->hub().GetLogCheckpoint(call.get(), q, &cp); !st.ok()) return ctx.client->Explain(st);
    ASSIGN_OR_RETURN(const auto checked, seal::VerifyLogCheckpoint(cp.note(), cp.log_key_pem()));
    if (auto out = ctx.args.Get("--out")) {
      std::ofstream(*out) << cp.note();
    }
    if (ctx.json) {
      std::vector<Json> witnesses;
      for (const auto& w : cp.witnesses()) witnesses.push_back(JStr(w));
      Print(ToJson(JObj({{"size", U64(checked.first)},
                         {"root", JStr(seal::ToHex(checked.second))},
                         {"note", JStr(cp.note())},
                         {"witnesses", JArr(witnesses)},
                         {"log_key_pem", JStr(cp.log_key_pem())}})));
    } else {
      Print(absl::StrCat(cp.note(), "\n(size ", checked.first, ", signed by the hub's log key; ", cp.witnesses_size(),
                         " witness cosignatures)\n"));
    }
    return absl::OkStatus();
  }
  if (pos[0] == "proof" && pos.size() == 2) {
    q.set_serial(pos[1]);
    v1::InclusionProof proof;
    auto call = ctx.client->Context(kCall);
    if (grpc::Status st = ctx.client->hub().GetLogProof(call.get(), q, &proof); !st.ok()) return ctx.client->Explain(st);
    const absl::Status verified = seal::VerifyLogInclusion(proof, proof.log_key_pem());
    if (auto out = ctx.args.Get("--out")) {
      std::ofstream f(*out, std::ios::binary);
      f << proof.SerializeAsString();
      if (!f) return absl::InternalError(absl::StrCat("cannot write ", *out));
    }
    if (ctx.json) {
      std::vector<Json> path;
      for (const auto& h : proof.path()) path.push_back(JStr(seal::ToHex(h)));
      Print(ToJson(JObj({{"serial", JStr(proof.entry().serial())},
                         {"sm3", JStr(seal::ToHex(proof.entry().sm3()))},
                         {"archive", JStr(proof.entry().archive())},
                         {"issued_micros", JStr(absl::StrCat(proof.entry().issued_micros()))},
                         {"index", U64(proof.index())},
                         {"tree_size", U64(proof.tree_size())},
                         {"path", JArr(path)},
                         {"checkpoint", JStr(proof.checkpoint())},
                         {"verified", JBool(verified.ok())},
                         {"reason", JStr(std::string(verified.message()))}})));
    } else {
      Print(absl::StrCat("certificate ", proof.entry().serial(), " of ", proof.entry().archive(), ": log entry ",
                         proof.index(), " of ", proof.tree_size(), "; inclusion proof ",
                         verified.ok() ? "verified against the signed checkpoint (已入透明日志)"
                                       : absl::StrCat("DOES NOT VERIFY: ", verified.message()),
                         "\n"));
    }
    return verified;
  }
  if (pos[0] == "consistency" && pos.size() == 3) {
    ASSIGN_OR_RETURN(const uint64_t old_size, Number(pos[1], "OLD"));
    ASSIGN_OR_RETURN(const uint64_t new_size, Number(pos[2], "NEW"));
    q.set_old_size(old_size);
    q.set_new_size(new_size);
    v1::ConsistencyProof proof;
    auto call = ctx.client->Context(kCall);
    if (grpc::Status st = ctx.client->hub().GetLogConsistency(call.get(), q, &proof); !st.ok()) {
      return ctx.client->Explain(st);
    }
    // Both checkpoints are signed by the same log key, which the latest checkpoint names.
    v1::LogCheckpoint latest;
    {
      auto c2 = ctx.client->Context(kCall);
      if (grpc::Status st = ctx.client->hub().GetLogCheckpoint(c2.get(), v1::LogQuery(), &latest); !st.ok()) {
        return ctx.client->Explain(st);
      }
    }
    ASSIGN_OR_RETURN(const auto older, seal::VerifyLogCheckpoint(proof.old_checkpoint(), latest.log_key_pem()));
    ASSIGN_OR_RETURN(const auto newer, seal::VerifyLogCheckpoint(proof.new_checkpoint(), latest.log_key_pem()));
    const std::vector<std::string> path(proof.path().begin(), proof.path().end());
    const absl::Status verified = seal::VerifyConsistency(older.first, newer.first, older.second, newer.second, path);
    if (ctx.json) {
      std::vector<Json> hashes;
      for (const auto& h : path) hashes.push_back(JStr(seal::ToHex(h)));
      Print(ToJson(JObj({{"old_size", U64(older.first)},
                         {"new_size", U64(newer.first)},
                         {"old_root", JStr(seal::ToHex(older.second))},
                         {"new_root", JStr(seal::ToHex(newer.second))},
                         {"path", JArr(hashes)},
                         {"verified", JBool(verified.ok())},
                         {"reason", JStr(std::string(verified.message()))}})));
    } else {
      Print(absl::StrCat("checkpoints ", older.first, " and ", newer.first, ": ",
                         verified.ok() ? "consistent (the later extends the earlier; 一致)"
                                       : absl::StrCat("NOT CONSISTENT: ", verified.message()),
                         "\n"));
    }
    return verified;
  }
  return absl::InvalidArgumentError(usage);
}

}  // namespace kuaguan::cli
