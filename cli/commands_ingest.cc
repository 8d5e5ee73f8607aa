// Ingest commands: ingest scans, ingest held, ingest release.
#include <atomic>
#include <csignal>
#include <filesystem>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/progress.h"
#include "cli/render.h"

namespace kuaguan::cli {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

std::atomic<bool> g_stop{false};
void OnStop(int) { g_stop = true; }

Json SummaryJson(const v1::IngestSummary& s) {
  std::vector<Json> problems;
  for (const auto& p : s.problems()) {
    problems.push_back(JObj({{"code", JStr(p.code())},
                             {"line", JNum(p.line())},
                             {"file", JStr(p.file())},
                             {"reason", JStr(p.reason())}}));
  }
  return JObj({{"batch", JStr(s.batch())},
               {"items", JNum(s.items())},
               {"pages", JNum(s.pages())},
               {"created", JNum(s.created())},
               {"unchanged", JNum(s.unchanged())},
               {"held", JNum(s.held())},
               {"failed", JNum(s.failed())},
               {"personal_data", JNum(s.personal_data())},
               {"mean_confidence", JNum(s.mean_confidence())},
               {"elapsed_s", JNum(s.elapsed_s())},
               {"problems", JArr(std::move(problems))}});
}

absl::Status Scans(CommandContext& ctx) {
  if (ctx.args.positional().size() != 2) {
    return absl::InvalidArgumentError("usage: kuaguan ingest scans MANIFEST [--base DIR] [--workers N]");
  }
  v1::IngestRequest req;
  std::error_code ec;
  const fs::path manifest = fs::absolute(ctx.args.positional()[1]);
  if (!fs::exists(manifest, ec)) {
    return absl::NotFoundError(absl::StrCat(manifest.string(), ": no such file"));
  }
  req.set_manifest_path(manifest.string());
  if (auto b = ctx.args.Get("--base")) req.set_base_dir(fs::absolute(*b).string());
  if (auto w = ctx.args.Get("--workers")) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(*w, &n) || n == 0 || n > 64) {
      return absl::InvalidArgumentError(absl::StrCat("--workers '", *w, "' is not 1-64"));
    }
    req.set_workers(n);
  }
  auto call = ctx.client->Context(std::chrono::hours(24 * 7));
  g_stop = false;
  std::signal(SIGINT, OnStop);
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      if (g_stop) {
        call->TryCancel();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  auto reader = ctx.client->stub().IngestScans(call.get(), req);
  v1::IngestEvent e, last;
  ProgressBar bar("pages");
  while (reader->Read(&e)) {
    if (ctx.json && !e.finished()) {
      Print(ToJson(JObj({{"event", JStr("progress")},
                         {"pages_done", JNum(e.pages_done())},
                         {"pages_total", JNum(e.pages_total())},
                         {"items_done", JNum(e.items_done())},
                         {"items_total", JNum(e.items_total())},
                         {"item", JStr(e.item())}})));
    } else {
      bar.Update(e.pages_done(), e.pages_total());
    }
    last = e;
  }
  bar.Finish();
  grpc::Status st = reader->Finish();
  done = true;
  watcher.join();
  std::signal(SIGINT, SIG_DFL);
  if (st.error_code() == grpc::StatusCode::CANCELLED) {
    return absl::CancelledError(absl::StrCat(
        "ingest interrupted after ", last.items_done(),
        " items; finished items are kept; run the same command again to resume"));
  }
  if (!st.ok()) return ctx.client->Explain(st);
  const auto& s = last.summary();
  if (ctx.json) {
    Json doc = SummaryJson(s);
    (*doc.mutable_struct_value()->mutable_fields())["event"] = JStr("finished");
    Print(ToJson(doc));
  } else {
    std::string out;
    for (const auto& p : s.problems()) {
      absl::StrAppend(&out, manifest.string(), ": line ", p.line(), " ", p.code(),
                      p.file().empty() ? "" : absl::StrCat(" ", p.file()), ": ", p.reason(), "\n");
    }
    absl::StrAppend(&out, absl::StrFormat(
        "Batch %s: %d items, %d pages in %.1f s; %d created, %d unchanged, %d held (secrecy "
        "mark), %d failed; %d personal-data runs masked; mean OCR confidence %.1f.\n",
        s.batch(), s.items(), s.pages(), s.elapsed_s(), s.created(), s.unchanged(), s.held(),
        s.failed(), s.personal_data(), s.mean_confidence()));
    Print(out);
  }
  return absl::OkStatus();
}

absl::Status Held(CommandContext& ctx) {
  v1::HeldList list;
  auto call = ctx.client->Context(std::chrono::seconds(60));
  grpc::Status st = ctx.client->stub().ListHeld(call.get(), {}, &list);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    std::vector<Json> items;
    for (const auto& h : list.items()) {
      items.push_back(JObj({{"code", JStr(h.code())},
                            {"title", JStr(h.title())},
                            {"mark", JStr(h.mark())},
                            {"batch", JStr(h.batch())}}));
    }
    Print(ToJson(JObj({{"held", JArr(std::move(items))}})));
  } else {
    std::string out = absl::StrCat(list.items_size(), " items held for a secrecy mark (密级标志):\n");
    for (const auto& h : list.items()) {
      absl::StrAppend(&out, "  ", h.code(), "  ", h.mark(), "  ", h.title(), "  (batch ", h.batch(), ")\n");
    }
    Print(out);
  }
  return absl::OkStatus();
}

absl::Status Release(CommandContext& ctx) {
  if (ctx.args.positional().size() != 2) {
    return absl::InvalidArgumentError("usage: kuaguan ingest release CODE --reason TEXT");
  }
  v1::ReleaseRequest req;
  req.set_code(ctx.args.positional()[1]);
  req.set_reason(ctx.args.Get("--reason").value_or(""));
  v1::ChangeResponse resp;
  auto call = ctx.client->Context(std::chrono::seconds(60));
  grpc::Status st = ctx.client->stub().ReleaseHeld(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ToJson(JObj({{"code", JStr(req.code())}, {"version", JNum(resp.record().version())},
                       {"held", JBool(resp.record().held())}})));
  } else {
    Print(absl::StrCat("Released ", req.code(), " (version ", resp.record().version(), ").\n"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status IngestCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--base", "--workers", "--reason"}}));
  const std::string sub = ctx.args.positional().empty() ? "" : ctx.args.positional()[0];
  if (sub == "scans") return Scans(ctx);
  if (sub == "held") return Held(ctx);
  if (sub == "release") return Release(ctx);
  return absl::InvalidArgumentError(
      "usage: kuaguan ingest scans MANIFEST [--base DIR] [--workers N] | ingest held | "
      "ingest release CODE --reason TEXT");
}

}  // namespace kuaguan::cli
