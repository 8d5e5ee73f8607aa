// kuaguan check [--repair [--from DIR]] (system admin): the node reads its whole store back (table
// and blob file checksums, every record's SM3, every page image, the audit chain, the index
// against the store) and reports each finding; with --repair it stages healthy copies of damaged
// files from the newest backup holding one, put in place when the node restarts. Exit status
// non-zero while damage remains (also after staging: the restart and a second check clear it).
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/interrupt.h"
#include "cli/progress.h"
#include "cli/render.h"

namespace kuaguan::cli {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kLong = std::chrono::hours(24);

Json U64(uint64_t n) { return JNum(static_cast<double>(n)); }

Json ReportJson(const v1::CheckReport& r) {
  std::vector<Json> findings, staged;
  for (const auto& f : r.findings()) {
    findings.push_back(JObj({{"kind", JStr(f.kind())},
                             {"what", JStr(f.what())},
                             {"problem", JStr(f.problem())},
                             {"file", JStr(f.file())},
                             {"repair", JStr(f.repair())}}));
  }
  for (const auto& s : r.staged()) staged.push_back(JStr(s));
  return JObj({{"ok", JBool(r.ok())},
               {"table_files", U64(r.table_files())},
               {"blob_files", U64(r.blob_files())},
               {"bytes_checked", U64(r.bytes_checked())},
               {"records_checked", U64(r.records_checked())},
               {"pages_checked", U64(r.pages_checked())},
               {"originals_checked", U64(r.originals_checked())},
               {"audit_entries", U64(r.audit_entries())},
               {"store_seq", U64(r.store_seq())},
               {"index_seq", U64(r.index_seq())},
               {"indexed_documents", U64(r.indexed_documents())},
               {"active_records", U64(r.active_records())},
               {"findings", JArr(findings)},
               {"staged", JArr(staged)},
               {"took_s", JNum(static_cast<double>(r.took_micros()) / 1e6)}});
}

std::string ReportText(const v1::CheckReport& r) {
  std::string out = absl::StrCat(
      r.ok() ? "Store is whole (存储检查通过): " : "Store is DAMAGED (存储损坏): ", r.table_files(), " table files and ",
      r.blob_files(), " blob files (", absl::StrFormat("%.1f MiB", static_cast<double>(r.bytes_checked()) / (1 << 20)),
      "), ", r.records_checked(), " records, ", r.pages_checked(), " page images (", r.originals_checked(),
      " originals by SM3), ", r.audit_entries(), " audit entries; index at change ", r.index_seq(), " of ", r.store_seq(),
      ", ", r.indexed_documents(), " documents for ", r.active_records(), " active records",
      absl::StrFormat(" (%.1f s).\n", static_cast<double>(r.took_micros()) / 1e6));
  for (const auto& f : r.findings()) {
    absl::StrAppend(&out, "  ", f.what(), ": ", f.problem(), "\n");
    if (!f.repair().empty()) absl::StrAppend(&out, "    repair: ", f.repair(), "\n");
  }
  if (r.staged_size() > 0) {
    absl::StrAppend(&out, "Staged for the next start: ", absl::StrJoin(r.staged(), ", "),
                    ".\nRestart the node to put them in place (systemctl restart kuaguand@NAME, or stop and start "
                    "kuaguand), then run kuaguan check again.\n");
  } else if (!r.ok()) {
    bool files = false;
    for (const auto& f : r.findings()) files = files || !f.file().empty();
    if (files && r.findings(0).repair().empty()) {
      absl::StrAppend(&out, "Run kuaguan check --repair to stage healthy copies of the damaged files from the newest backup.\n");
    }
  }
  return out;
}

}  // namespace

absl::Status CheckCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--repair"}, {"--from"}}));
  if (!ctx.args.positional().empty() || (ctx.args.Get("--from") && !ctx.args.Has("--repair"))) {
    return absl::InvalidArgumentError("usage: kuaguan check [--json] [--repair [--from DIR]]");
  }
  v1::CheckRequest req;
  req.set_repair(ctx.args.Has("--repair"));
  if (auto from = ctx.args.Get("--from")) req.set_from(fs::absolute(*from).lexically_normal().string());
  auto call = ctx.client->Context(kLong);
  std::optional<InterruptCancels> interrupt(call.get());
  auto reader = ctx.client->ops().CheckStore(call.get(), req);
  v1::CheckProgress p, last;
  std::optional<ProgressBar> bar;
  std::string phase;
  while (reader->Read(&p)) {
    if (!p.finished() && p.phase() != phase) {
      if (bar) bar->Finish();
      phase = p.phase();
      bar.emplace(phase == "files" ? "bytes of table and blob files" : absl::StrCat(phase, " checked"));
    }
    if (bar && !p.finished()) bar->Update(p.done(), std::max(p.done(), p.total()));
    last = p;
  }
  if (bar) bar->Finish();
  const grpc::Status st = reader->Finish();
  interrupt.reset();
  if (st.error_code() == grpc::StatusCode::CANCELLED) return absl::CancelledError("check interrupted; nothing was changed");
  if (!st.ok()) return ctx.client->Explain(st);
  const v1::CheckReport& r = last.report();
  Print(ctx.json ? ToJson(ReportJson(r)) : ReportText(r));
  if (!r.ok()) {
    return absl::DataLossError(absl::StrCat("the store has ", r.findings_size(), " findings",
                                            r.staged_size() > 0 ? "; repairs staged, restart the node" : ""));
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::cli
