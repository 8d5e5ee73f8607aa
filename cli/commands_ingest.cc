// Ingest commands: ingest scans, ingest held, ingest release.
#include <atomic>
#include <optional>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/csv.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/progress.h"
#include "cli/interrupt.h"
#include "cli/render.h"

namespace kuaguan::cli {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

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

// Sends `base` (every regular file under it that this account may read, as "base/REL") and,
// when it lies outside, the
// manifest (as "manifest/NAME") to the node, read with this account's rights. Sets the
// request's staging area and the manifest and base inside it.
absl::Status Upload(CommandContext& ctx, const fs::path& manifest, const fs::path& base, v1::IngestRequest* req) {
  constexpr size_t kChunk = 1 << 20;
  constexpr size_t kMaxFiles = 100000;
  std::vector<std::pair<fs::path, std::string>> files;  // local path, name in the upload
  std::error_code ec;
  // Folders this account may not enter are passed over: a page inside one is then reported missing.
  for (auto it = fs::recursive_directory_iterator(base, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = "base/" + it->path().lexically_relative(base).generic_string();
    if (it->is_symlink()) {
      std::fprintf(stderr, "kuaguan: %s: not sent (a symbolic link; pages are sent as files)\n", it->path().c_str());
      continue;
    }
    if (it->is_directory()) {
      files.emplace_back(it->path(), name + "/");  // a folder, sent even when empty
    } else if (it->is_regular_file()) {
      files.emplace_back(it->path(), name);
    }
    if (files.size() > kMaxFiles) {
      return absl::InvalidArgumentError(absl::StrCat(base.string(), " holds more than ", kMaxFiles, " files"));
    }
  }
  if (ec) return absl::NotFoundError(absl::StrCat(base.string(), ": ", ec.message()));
  if (fs::is_directory(manifest)) {
    req->set_manifest("base");
  } else {
    const fs::path rel = manifest.lexically_relative(base);
    if (!rel.empty() && rel.begin()->string() != "..") {
      req->set_manifest("base/" + rel.generic_string());
    } else {
      files.emplace_back(manifest, "manifest/" + manifest.filename().string());
      req->set_manifest(files.back().second);
      req->set_base("base");
    }
  }
  auto call = ctx.client->Context(std::chrono::hours(24));
  v1::StagedScans staged;
  auto writer = ctx.client->stub().UploadScans(call.get(), &staged);
  ProgressBar bar("files sent");
  std::vector<char> buf(kChunk);
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].second.back() == '/') {
      v1::ScanChunk folder;
      folder.set_path(files[i].second);
      if (!writer->Write(folder)) break;
      continue;
    }
    std::ifstream in(files[i].first, std::ios::binary);
    if (!in && files[i].first != manifest) continue;  // not this account's to read: a page so left out is reported missing
    if (!in) {
      writer->WritesDone();
      (void)writer->Finish();
      return absl::PermissionDeniedError(absl::StrCat(files[i].first.string(), ": cannot read it (with your rights)"));
    }
    v1::ScanChunk chunk;
    chunk.set_path(files[i].second);
    bool first = true;
    while (first || in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      chunk.set_data(buf.data(), static_cast<size_t>(in.gcount()));
      if ((first || in.gcount() > 0) && !writer->Write(chunk)) break;
      chunk.clear_path();
      first = false;
    }
    bar.Update(i + 1, files.size());
  }
  bar.Finish();
  writer->WritesDone();
  grpc::Status st = writer->Finish();
  if (!st.ok()) return ctx.client->Explain(st);
  req->set_staging(staged.staging());
  return absl::OkStatus();
}

absl::Status Scans(CommandContext& ctx) {
  if (ctx.args.positional().size() != 2) {
    return absl::InvalidArgumentError("usage: kuaguan ingest scans MANIFEST|FOLDER [--base DIR] [--workers N]");
  }
  v1::IngestRequest req;
  std::error_code ec;
  const fs::path manifest = fs::absolute(ctx.args.positional()[1]).lexically_normal();
  if (!fs::exists(manifest, ec)) {
    return absl::NotFoundError(absl::StrCat(manifest.string(), ": no such file or folder"));
  }
  req.set_display_name(ctx.args.positional()[1]);
  const fs::path base = ctx.args.Get("--base") ? fs::absolute(*ctx.args.Get("--base")).lexically_normal()
                        : fs::is_directory(manifest) ? manifest
                                                     : manifest.parent_path();
  if (!fs::is_directory(base, ec)) return absl::NotFoundError(absl::StrCat(base.string(), ": not a folder"));
  if (auto w = ctx.args.Get("--workers")) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(*w, &n) || n == 0 || n > 64) {
      return absl::InvalidArgumentError(absl::StrCat("--workers '", *w, "' is not 1-64"));
    }
    req.set_workers(n);
  }
  RETURN_IF_ERROR(Upload(ctx, manifest, base, &req));
  auto call = ctx.client->Context(std::chrono::hours(24 * 7));
  std::optional<InterruptCancels> interrupt(call.get());
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
  interrupt.reset();
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

Json BatchJson(const v1::IngestBatch& b) {
  std::vector<Json> qc;
  for (const auto& c : b.qc()) {
    std::vector<Json> findings;
    for (const auto& f : c.findings()) findings.push_back(JStr(f));
    qc.push_back(JObj({{"property", JStr(c.property())},
                       {"passed", JBool(c.passed())},
                       {"findings", JArr(std::move(findings))}}));
  }
  std::vector<Json> sample;
  for (const auto& s : b.sample()) sample.push_back(JStr(s));
  return JObj({{"batch", JStr(b.id())},
               {"manifest", JStr(b.manifest())},
               {"operator", JStr(b.operator_())},
               {"qc_passed", JBool(b.qc_passed())},
               {"accepted", JBool(b.accepted())},
               {"accept_note", JStr(b.accept_note())},
               {"qc", JArr(std::move(qc))},
               {"sample", JArr(std::move(sample))},
               {"summary", SummaryJson(b.summary())}});
}

absl::StatusOr<v1::IngestBatch> FetchBatch(CommandContext& ctx, bool accept) {
  if (ctx.args.positional().size() != 2) {
    return absl::InvalidArgumentError(
        "usage: kuaguan ingest report|accept|sheet BATCH [--override REASON] [--out FILE]");
  }
  v1::BatchRequest req;
  req.set_batch(ctx.args.positional()[1]);
  req.set_override_reason(ctx.args.Get("--override").value_or(""));
  v1::IngestBatch b;
  auto call = ctx.client->Context(std::chrono::minutes(30));
  grpc::Status st = accept ? ctx.client->stub().AcceptBatch(call.get(), req, &b)
                           : ctx.client->stub().GetBatch(call.get(), req, &b);
  if (!st.ok()) return ctx.client->Explain(st);
  return b;
}

absl::Status Report(CommandContext& ctx, bool accept) {
  ASSIGN_OR_RETURN(const v1::IngestBatch b, FetchBatch(ctx, accept));
  if (ctx.json) {
    Print(ToJson(BatchJson(b)));
    return absl::OkStatus();
  }
  std::string out = absl::StrCat("Batch ", b.id(), " (", b.manifest(), ", by ", b.operator_(), "): QC ",
                                 b.qc_passed() ? "passed" : "FAILED", b.accepted() ? ", accepted" : ", not accepted",
                                 b.accept_note().empty() ? "" : absl::StrCat(" (override: ", b.accept_note(), ")"),
                                 "\n");
  for (const auto& c : b.qc()) {
    absl::StrAppend(&out, "  ", c.property(), ": ", c.passed() ? "pass" : "FAIL", "\n");
    for (const auto& f : c.findings()) absl::StrAppend(&out, "    - ", f, "\n");
  }
  absl::StrAppend(&out, "  sample for manual checking (", b.sample_size(), " of ", b.codes_size(), "): ",
                  absl::StrJoin(b.sample(), ", "), "\n");
  Print(out);
  return absl::OkStatus();
}

absl::Status Sheet(CommandContext& ctx) {
  const auto out_path = ctx.args.Get("--out");
  if (!out_path) return absl::InvalidArgumentError("usage: kuaguan ingest sheet BATCH --out FILE");
  ASSIGN_OR_RETURN(const v1::IngestBatch b, FetchBatch(ctx, false));
  std::string csv = "\xEF\xBB\xBF档号,处理步骤,设备,页数,经办人,开始时间,结束时间\n";
  for (const auto& r : b.sheet()) {
    absl::StrAppend(&csv, base::CsvEscape(r.code()), ",", r.step(), ",", base::CsvEscape(r.worker()),
                    ",", r.pages(), ",", base::CsvEscape(r.operator_()), ",",
                    FormatMicros(r.start_micros()), ",", FormatMicros(r.end_micros()), "\n");
  }
  const std::string tmp = *out_path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << csv;
    if (!f.flush()) return absl::PermissionDeniedError(absl::StrCat(*out_path, ": cannot write"));
  }
  std::error_code ec;
  fs::rename(tmp, *out_path, ec);
  if (ec) return absl::InternalError(absl::StrCat(*out_path, ": ", ec.message()));
  if (ctx.json) {
    Print(ToJson(JObj({{"batch", JStr(b.id())}, {"file", JStr(*out_path)}, {"rows", JNum(b.sheet_size())}})));
  } else {
    Print(absl::StrCat("Wrote the process sheet of ", b.id(), " (", b.sheet_size(), " steps) to ", *out_path, ".\n"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status IngestCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx,
                   OpenContext(argv, {{}, {"--base", "--workers", "--reason", "--override", "--out"}}));
  const std::string sub = ctx.args.positional().empty() ? "" : ctx.args.positional()[0];
  if (sub == "scans") return Scans(ctx);
  if (sub == "held") return Held(ctx);
  if (sub == "release") return Release(ctx);
  if (sub == "report") return Report(ctx, false);
  if (sub == "accept") return Report(ctx, true);
  if (sub == "sheet") return Sheet(ctx);
  return absl::InvalidArgumentError(
      "usage: kuaguan ingest scans MANIFEST [--base DIR] [--workers N] | ingest held | "
      "ingest release CODE --reason TEXT | ingest report BATCH | ingest accept BATCH "
      "[--override REASON] | ingest sheet BATCH --out FILE");
}

}  // namespace kuaguan::cli
