// Node commands: init, status, stats, reindex, audit verify and list.
#include <atomic>
#include <optional>
#include <csignal>
#include <thread>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/progress.h"
#include "cli/interrupt.h"
#include "cli/render.h"
#include "base/archive_id.h"

namespace kuaguan::cli {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kShort = std::chrono::seconds(30);
constexpr auto kLong = std::chrono::hours(6);

}  // namespace

absl::Status InitCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(
      const Args args,
      Args::Parse(argv, {{"--json", "--force"},
                         {"--archive-id", "--name", "--role", "--listen", "--data-dir", "--peer-listen",
                          "--enroll-listen", "--socket-group"}}));
  if (args.positional().size() != 1) {
    return absl::InvalidArgumentError(
        "usage: kuaguan init DIR --archive-id CODE --name NAME [--role archive|provincial] "
        "[--listen HOST:PORT] [--peer-listen HOST:PORT] [--enroll-listen HOST:PORT] [--socket-group GROUP]");
  }
  const fs::path dir = args.positional()[0];
  base::NodeConfig c;
  if (!args.Get("--archive-id")) return absl::InvalidArgumentError("init needs --archive-id CODE");
  if (!args.Get("--name")) return absl::InvalidArgumentError("init needs --name NAME");
  c.archive_id = *args.Get("--archive-id");
  c.name = *args.Get("--name");
  c.role = args.Get("--role").value_or("archive");
  c.listen = args.Get("--listen").value_or("127.0.0.1:0");
  c.data_dir = args.Get("--data-dir").value_or("data");
  c.peer_listen = args.Get("--peer-listen").value_or("127.0.0.1:0");
  c.enroll_listen = args.Get("--enroll-listen").value_or("127.0.0.1:0");
  c.socket_group = args.Get("--socket-group").value_or("kuaguan");
  RETURN_IF_ERROR(base::ValidateConfig(c));
  const fs::path file = dir / "kuaguan.toml";
  std::error_code ec;
  if (fs::exists(file, ec) && !args.Has("--force")) {
    return absl::AlreadyExistsError(
        absl::StrCat(file.string(), " already exists (use --force to overwrite it)"));
  }
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
  }
  {
    std::ofstream out(file.string() + ".tmp", std::ios::binary | std::ios::trunc);
    out << base::RenderConfig(c);
    if (!out.flush()) return absl::InternalError(absl::StrCat("cannot write ", file.string()));
  }
  fs::rename(file.string() + ".tmp", file, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot write ", file.string(), ": ", ec.message()));
  ASSIGN_OR_RETURN(const base::NodeConfig loaded, base::LoadConfig(file));
  const auto level = base::ParseArchiveId(c.archive_id)->level;
  if (args.Has("--json")) {
    Print(ToJson(JObj({{"config", JStr(fs::absolute(file).string())},
                       {"data_dir", JStr(loaded.data_dir.string())},
                       {"archive_id", JStr(c.archive_id)},
                       {"name", JStr(c.name)},
                       {"level", JStr(std::string(base::ArchiveLevelName(level)))},
                       {"role", JStr(c.role)},
                       {"listen", JStr(c.listen)}})));
  } else {
    Print(absl::StrCat("Wrote ", file.string(), " for archive ", c.archive_id, " (", c.name, ", ",
                       base::ArchiveLevelName(level), " level, role ", c.role,
                       ").\nStart the node with: kuaguand --config ", file.string(), "\n"));
  }
  return absl::OkStatus();
}

absl::Status StatusCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {}));
  v1::NodeStatus s;
  auto call = ctx.client->Context(kShort);
  grpc::Status st = ctx.client->stub().GetStatus(call.get(), {}, &s);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ToJson(JObj({{"archive_id", JStr(s.archive_id())},
                       {"name", JStr(s.archive_name())},
                       {"role", JStr(s.role())},
                       {"listen", JStr(s.listen())},
                       {"peer_listen", JStr(s.peer_listen())},
                       {"enroll_listen", JStr(s.enroll_listen())},
                       {"web_listen", JStr(s.web_listen())},
                       {"metrics_listen", JStr(s.metrics_listen())},
                       {"enrolled", JBool(s.enrolled())},
                       {"socket", JStr(s.socket())},
                       {"data_dir", JStr(s.data_dir())},
                       {"store_seq", JNum(static_cast<double>(s.store_seq()))},
                       {"index_seq", JNum(static_cast<double>(s.index_seq()))},
                       {"started", JStr(FormatMicros(s.started_micros()))},
                       {"versions", JObj({{"kuaguan", JStr(s.version())},
                                          {"rocksdb", JStr(s.rocksdb_version())},
                                          {"xapian", JStr(s.xapian_version())},
                                          {"botan", JStr(s.botan_version())}})}})));
  } else {
    Print(absl::StrCat("archive    ", s.archive_id(), " ", s.archive_name(), "\nrole       ",
                       s.role(), "\nlisten     ", s.listen(),
                       s.peer_listen().empty() ? "" : absl::StrCat("\npeers      ", s.peer_listen(), " (mutual TLS)"),
                       s.enroll_listen().empty() ? "" : absl::StrCat("\nenrollment ", s.enroll_listen(), " (TLS)"),
                       s.web_listen().empty() ? "" : absl::StrCat("\nweb page   http://", s.web_listen(), " (kuaguan hub login)"),
                       s.metrics_listen().empty() ? "" : absl::StrCat("\nmetrics    http://", s.metrics_listen(), "/metrics"),
                       "\nenrolled   ", s.enrolled() ? "yes" : "no", "\nsocket     ", s.socket(),
                       "\ndata dir   ", s.data_dir(), "\nstore seq  ", s.store_seq(),
                       "\nindex seq  ", s.index_seq(), "\nstarted    ",
                       FormatMicros(s.started_micros()), "\nversions   kuaguan ", s.version(),
                       ", RocksDB ", s.rocksdb_version(), ", Xapian ", s.xapian_version(),
                       ", Botan ", s.botan_version(), "\n"));
  }
  return absl::OkStatus();
}

absl::Status StatsCommand(const Argv& argv) {
  // `stats requests`, whatever global flags come before the sub-command word.
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--config") {
      ++i;  // its value
      continue;
    }
    if (argv[i].rfind("--", 0) == 0) continue;
    if (argv[i] != "requests") break;
    Argv rest(argv.begin(), argv.end());
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
    return RequestStatsCommand(rest);
  }
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {}));
  v1::NodeStats s;
  auto call = ctx.client->Context(kShort);
  grpc::Status st = ctx.client->stub().GetStats(call.get(), {}, &s);
  if (!st.ok()) return ctx.client->Explain(st);
  auto n = [](uint64_t v) { return JNum(static_cast<double>(v)); };
  if (ctx.json) {
    Print(ToJson(JObj({{"records", n(s.records())},
                       {"active", n(s.active())},
                       {"withdrawn", n(s.withdrawn())},
                       {"versions", n(s.versions())},
                       {"audit_entries", n(s.audit_entries())},
                       {"indexed_documents", n(s.indexed_documents())},
                       {"store_bytes", n(s.store_bytes())},
                       {"index_bytes", n(s.index_bytes())},
                       {"store_seq", n(s.store_seq())},
                       {"index_seq", n(s.index_seq())}})));
  } else {
    Print(absl::StrFormat(
        "records            %d (%d active, %d withdrawn)\nversions           %d\n"
        "audit entries      %d\nindexed documents  %d\nstore size         %.1f MiB\n"
        "index size         %.1f MiB\nstore / index seq  %d / %d\n",
        s.records(), s.active(), s.withdrawn(), s.versions(), s.audit_entries(),
        s.indexed_documents(), s.store_bytes() / 1048576.0, s.index_bytes() / 1048576.0,
        s.store_seq(), s.index_seq()));
  }
  return absl::OkStatus();
}

absl::Status ReindexCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {}));
  auto call = ctx.client->Context(kLong);
  // Ctrl-C cancels the call; the node keeps what it has built and a rerun resumes.
  std::optional<InterruptCancels> interrupt(call.get());
  auto reader = ctx.client->stub().Reindex(call.get(), {});
  v1::ReindexProgress p, last;
  ProgressBar bar("records");
  while (reader->Read(&p)) {
    bar.Update(p.done(), p.total());
    last = p;
  }
  bar.Finish();
  grpc::Status st = reader->Finish();
  interrupt.reset();
  if (st.error_code() == grpc::StatusCode::CANCELLED) {
    return absl::CancelledError(absl::StrCat("reindex interrupted after ", last.done(),
                                             " records; run kuaguan reindex again to resume"));
  }
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ToJson(JObj({{"records", JNum(static_cast<double>(last.done()))},
                       {"elapsed_s", JNum(last.elapsed_s())},
                       {"resumed", JBool(last.resumed())}})));
  } else {
    Print(absl::StrFormat("Reindexed %d records in %.1f s%s.\n", last.done(), last.elapsed_s(),
                          last.resumed() ? " (resumed an interrupted rebuild)" : ""));
  }
  return absl::OkStatus();
}

namespace {

absl::Status AuditList(CommandContext& ctx) {
  v1::AuditListRequest req;
  if (auto since = ctx.args.Get("--since")) {
    uint64_t n = 0;
    if (!absl::SimpleAtoi(*since, &n)) return absl::InvalidArgumentError(absl::StrCat("--since '", *since, "' is not a number"));
    req.set_since(n);
  }
  if (auto limit = ctx.args.Get("--limit")) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(*limit, &n)) return absl::InvalidArgumentError(absl::StrCat("--limit '", *limit, "' is not a number"));
    req.set_limit(n);
  }
  req.set_actor(ctx.args.Get("--actor").value_or(""));
  req.set_action(ctx.args.Get("--action").value_or(""));
  v1::AuditList list;
  auto call = ctx.client->Context(kLong);
  grpc::Status st = ctx.client->stub().ListAudit(call.get(), req, &list);
  if (!st.ok()) return ctx.client->Explain(st);
  const absl::TimeZone beijing = absl::FixedTimeZone(8 * 3600);
  if (ctx.json) {
    std::vector<Json> entries;
    for (const auto& e : list.entries()) {
      entries.push_back(JObj({{"seq", JNum(static_cast<double>(e.seq()))},
                              {"time", JStr(absl::FormatTime("%Y-%m-%dT%H:%M:%E3S%Ez", absl::FromUnixMicros(e.time_micros()), beijing))},
                              {"person", JStr(e.person())},
                              {"role", JStr(e.role())},
                              {"via", JStr(e.via())},
                              {"action", JStr(e.action())},
                              {"object", JStr(e.object())},
                              {"outcome", JStr(e.outcome())}}));
    }
    Print(ToJson(JObj({{"entries", JArr(entries)}, {"last_seq", JNum(static_cast<double>(list.last_seq()))}})));
    return absl::OkStatus();
  }
  std::string out;
  for (const auto& e : list.entries()) {
    absl::StrAppend(&out, e.seq(), "  ", absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(e.time_micros()), beijing),
                    "  ", e.person(), e.role().empty() ? "" : absl::StrCat(" (", e.role(), ", ", e.via(), ")"), "  ",
                    e.action(), "  ", e.object(), "  ", e.outcome(), "\n");
  }
  absl::StrAppend(&out, list.entries_size(), " entries shown; the log's last is ", list.last_seq(), ".\n");
  Print(out);
  return absl::OkStatus();
}

absl::Status AuditVerify(CommandContext& ctx) {
  v1::AuditVerifyResult r;
  auto call = ctx.client->Context(kLong);
  grpc::Status st = ctx.client->stub().VerifyAudit(call.get(), {}, &r);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ToJson(JObj({{"ok", JBool(r.ok())},
                       {"entries", JNum(static_cast<double>(r.entries()))},
                       {"first_broken_seq", JNum(static_cast<double>(r.first_broken_seq()))},
                       {"reason", JStr(r.reason())}})));
  } else if (r.ok()) {
    Print(absl::StrCat("Audit chain intact: ", r.entries(), " entries verified.\n"));
  }
  if (!r.ok()) {
    return absl::DataLossError(absl::StrCat("audit chain broken at entry ", r.first_broken_seq(),
                                            ": ", r.reason()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AuditCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--since", "--actor", "--action", "--limit"}}));
  const auto& pos = ctx.args.positional();
  if (pos.size() == 1 && pos[0] == "verify") return AuditVerify(ctx);
  if (pos.size() == 1 && pos[0] == "list") return AuditList(ctx);
  return absl::InvalidArgumentError(
      "usage: kuaguan audit verify | audit list [--since SEQ] [--actor NAME] [--action A] [--limit N]");
}

}  // namespace kuaguan::cli
