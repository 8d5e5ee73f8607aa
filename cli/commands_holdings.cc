// Holdings commands: import, get, search, modify, withdraw, export.
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/csv.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/render.h"
#include "proto/record_fields.h"
#include "seal/digest.h"

namespace kuaguan::cli {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kShort = std::chrono::seconds(30);
constexpr auto kLong = std::chrono::hours(6);

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  if (fs::is_directory(path, ec)) return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory"));
  if (const auto size = fs::file_size(path, ec); !ec && size > static_cast<uintmax_t>(base::kMaxAdminMessageBytes) - (1 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", size >> 20, " MiB; a catalog file is at most ",
                                                   (base::kMaxAdminMessageBytes >> 20) - 1, " MiB (split it)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open (not readable)"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ss.str();
}

// Writes `content` to `path` through a temporary file, so a failure leaves no half file.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
    out << content;
    if (!out.flush()) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return absl::InternalError(absl::StrCat(path, ": ", ec.message()));
  return absl::OkStatus();
}

std::string FieldLabel(const std::string& key) {
  const proto::CatalogField* f = proto::FindCatalogField(key);
  if (f == nullptr) return key == "-" ? "row" : key;
  return absl::StrCat(f->chinese, " (", f->key, ")");
}

bool IsJsonLines(const std::string& path) {
  const std::string lower = absl::AsciiStrToLower(path);
  return absl::EndsWith(lower, ".jsonl") || absl::EndsWith(lower, ".ndjson") ||
         absl::EndsWith(lower, ".json");
}

// The rejected rows, re-importable once fixed: the original header (or JSON keys) plus a
// 错误原因 column that import ignores.
std::string RejectsFile(const v1::ImportResult& r) {
  std::map<uint32_t, std::vector<std::string>> reasons;
  for (const auto& e : r.errors()) {
    reasons[e.line()].push_back(absl::StrCat(FieldLabel(e.field()), ": ", e.reason()));
  }
  std::vector<std::string> per_row;
  for (const auto& [line, rs] : reasons) {
    per_row.push_back(absl::StrCat("line ", line, ": ", absl::StrJoin(rs, "; ")));
  }
  std::string out;
  if (r.format() == "csv") {
    out = absl::StrCat("\xEF\xBB\xBF", r.header(), ",", proto::kRejectReasonColumn, "\n");
    for (int i = 0; i < r.rejected_rows_size(); ++i) {
      absl::StrAppend(&out, r.rejected_rows(i), ",",
                      base::CsvEscape(i < static_cast<int>(per_row.size()) ? per_row[i] : ""),
                      "\n");
    }
  } else {
    for (int i = 0; i < r.rejected_rows_size(); ++i) {
      std::string row = r.rejected_rows(i);
      const std::string reason = i < static_cast<int>(per_row.size()) ? per_row[i] : "";
      const size_t close = row.rfind('}');
      if (close != std::string::npos) {
        Json v = JStr(reason);
        std::string quoted = ToJson(v);
        quoted.pop_back();
        const bool empty = row.find_first_not_of(" \t{", row.find('{')) == close;
        row.insert(close, absl::StrCat(empty ? "\"" : ",\"", proto::kRejectReasonColumn, "\":",
                                       quoted));
      }
      absl::StrAppend(&out, row, "\n");
    }
  }
  return out;
}

}  // namespace

absl::Status ImportCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--update", "--dry-run"}, {"--skip-bad"}}));
  if (ctx.args.positional().size() != 1) {
    return absl::InvalidArgumentError(
        "usage: kuaguan import FILE [--skip-bad REJECTS.csv] [--update] [--dry-run]");
  }
  const std::string path = ctx.args.positional()[0];
  ASSIGN_OR_RETURN(std::string content, ReadFile(path));
  v1::ImportRequest req;
  req.set_file_name(path);
  req.set_content(std::move(content));
  req.set_skip_bad(ctx.args.Get("--skip-bad").has_value());
  req.set_update(ctx.args.Has("--update"));
  req.set_dry_run(ctx.args.Has("--dry-run"));
  v1::ImportResult r;
  auto call = ctx.client->Context(kLong);
  grpc::Status st = ctx.client->stub().Import(call.get(), req, &r);
  if (!st.ok()) return ctx.client->Explain(st);

  std::string rejects_path;
  if (req.skip_bad() && r.rejected() > 0) {
    rejects_path = *ctx.args.Get("--skip-bad");
    RETURN_IF_ERROR(WriteFileAtomically(rejects_path, RejectsFile(r)));
  }
  if (ctx.json) {
    std::vector<Json> errors;
    for (const auto& e : r.errors()) {
      errors.push_back(JObj({{"line", JNum(e.line())},
                             {"field", JStr(e.field())},
                             {"value", JStr(e.value())},
                             {"reason", JStr(e.reason())}}));
    }
    Print(ToJson(JObj({{"file", JStr(path)},
                       {"format", JStr(r.format())},
                       {"encoding", JStr(r.encoding())},
                       {"rows", JNum(r.rows())},
                       {"created", JNum(r.created())},
                       {"updated", JNum(r.updated())},
                       {"unchanged", JNum(r.unchanged())},
                       {"rejected", JNum(r.rejected())},
                       {"committed", JBool(r.committed())},
                       {"rejects_file", JStr(rejects_path)},
                       {"extra_columns", JArr([&] {
                          std::vector<Json> cols;
                          for (const auto& c : r.extra_columns()) cols.push_back(JStr(c));
                          return cols;
                        }())},
                       {"errors", JArr(std::move(errors))}})));
  } else {
    std::string out;
    for (const auto& e : r.errors()) {
      absl::StrAppend(&out, path, ": line ", e.line(), ": ", FieldLabel(e.field()),
                      e.value().empty() ? "" : absl::StrCat(" '", e.value(), "'"), ": ",
                      e.reason(), "\n");
    }
    absl::StrAppend(&out, "Import of ", path, " (", r.format(), ", ", r.encoding(), "): ", r.rows(),
                    " rows; ", r.created(), " created, ", r.updated(), " updated, ",
                    r.unchanged(), " unchanged, ", r.rejected(), " rejected",
                    req.dry_run() ? " (dry run: nothing written)" : "", ".\n");
    if (!rejects_path.empty()) absl::StrAppend(&out, "Rejected rows written to ", rejects_path, ".\n");
    if (r.extra_columns_size() > 0) {
      absl::StrAppend(&out, "Columns kept as extra fields (not DA/T 46 elements known here): ",
                      absl::StrJoin(r.extra_columns(), ", "), ".\n");
    }
    Print(out);
  }
  if (r.rejected() > 0 && !r.committed() && !req.dry_run()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "import rejected: ", r.rejected(), " of ", r.rows(), " rows in ", path,
        " are bad (store unchanged); fix them, or import the good rows with --skip-bad REJECTS.csv"));
  }
  if (req.dry_run() && r.rejected() > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("check failed: ", r.rejected(), " of ", r.rows(), " rows in ", path, " are bad"));
  }
  return absl::OkStatus();
}

absl::Status GetCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--history", "--shared"}, {}}));
  if (ctx.args.positional().size() != 1) {
    return absl::InvalidArgumentError("usage: kuaguan get CODE [--history] [--shared]");
  }
  v1::GetRecordRequest req;
  req.set_code(ctx.args.positional()[0]);
  req.set_history(ctx.args.Has("--history"));
  req.set_shared(ctx.args.Has("--shared"));
  v1::GetRecordResponse resp;
  auto call = ctx.client->Context(kShort);
  grpc::Status st = ctx.client->stub().GetRecord(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  const auto& s = resp.record();
  if (ctx.json) {
    Json doc = StoredRecordJson(s);
    if (req.history()) {
      std::vector<Json> versions;
      for (const auto& v : resp.history()) {
        versions.push_back(JObj({{"version", JNum(v.version())},
                                 {"change", JStr(ChangeName(v.change()))},
                                 {"state", JStr(StateName(v.state()))},
                                 {"actor", JStr(v.actor())},
                                 {"reason", JStr(v.reason())},
                                 {"time", JStr(FormatMicros(v.time_micros()))},
                                 {"sm3", JStr(seal::ToHex(v.content_sm3()))},
                                 {"record", RecordJson(v.record())}}));
      }
      (*doc.mutable_struct_value()->mutable_fields())["history"] = JArr(std::move(versions));
    }
    Print(ToJson(doc));
    return absl::OkStatus();
  }
  std::string out = absl::StrCat(s.record().code(), "  version ", s.version(), ", ",
                                 StateName(s.state()), ", updated ", FormatMicros(s.updated_micros()),
                                 "\n", RecordText(s.record()), "  SM3: ",
                                 seal::ToHex(s.content_sm3()), "\n");
  if (const auto& a = s.appraisal(); a.outcome() != v1::APPRAISAL_OUTCOME_UNSPECIFIED) {
    absl::StrAppend(&out, "  开放鉴定 appraised: ",
                    a.outcome() == v1::APPRAISAL_OUTCOME_OPEN         ? "开放 open"
                    : a.outcome() == v1::APPRAISAL_OUTCOME_CONTROLLED ? "控制 controlled"
                                                                      : "延期 deferred",
                    a.until().empty() ? "" : absl::StrCat(" until ", a.until()),
                    a.reason().empty() ? "" : absl::StrCat(" (", a.reason(), ")"), "; plan ", a.plan(),
                    ", announcement ", a.announcement(), " of ", FormatMicros(a.announced_micros()), "\n");
  }
  if (!s.origin().archive().empty()) {
    absl::StrAppend(&out, "  直接交换 read-only copy from ", s.origin().archive(), " (package ", s.origin().package(),
                    ", imported ", FormatMicros(s.origin().imported_micros()), ")\n");
  }
  if (req.history()) {
    absl::StrAppend(&out, "History:\n");
    for (const auto& v : resp.history()) {
      absl::StrAppend(&out, "  v", v.version(), "  ", FormatMicros(v.time_micros()), "  ",
                      ChangeName(v.change()), " by ", v.actor(),
                      v.reason().empty() ? "" : absl::StrCat(": ", v.reason()), "\n");
    }
  }
  Print(out);
  return absl::OkStatus();
}

absl::Status PageCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--shared", "--access", "--thumbnail"},
                                                {"--out", "--highlight"}}));
  uint32_t page = 0;
  if (ctx.args.positional().size() != 2 || !ctx.args.Get("--out") ||
      !absl::SimpleAtoi(ctx.args.positional()[1], &page)) {
    return absl::InvalidArgumentError(
        "usage: kuaguan page CODE N [--shared | --access | --thumbnail] --out FILE\n"
        "       kuaguan page CODE N --highlight QUERY --out FILE.png  (e.g. --highlight 第三库房)");
  }
  const std::optional<std::string> highlight = ctx.args.Get("--highlight");
  if (highlight && absl::StripAsciiWhitespace(*highlight).empty()) {
    return absl::InvalidArgumentError(
        "--highlight needs a query: the words to box on the page (命中高亮)");
  }
  v1::PageRequest req;
  req.set_code(ctx.args.positional()[0]);
  req.set_page(page);
  req.set_shared(ctx.args.Has("--shared"));
  if (ctx.args.Has("--access")) req.set_copy("access");
  if (ctx.args.Has("--thumbnail")) req.set_copy("thumbnail");
  if (highlight) req.set_highlight(*highlight);
  v1::PageImage image;
  auto call = ctx.client->Context(kShort);
  grpc::Status st = ctx.client->stub().GetPage(call.get(), req, &image);
  if (!st.ok()) return ctx.client->Explain(st);
  const std::string out = *ctx.args.Get("--out");
  RETURN_IF_ERROR(WriteFileAtomically(out, image.content()));
  const std::string copy = highlight ? "access" : req.copy().empty() ? "original" : req.copy();
  if (ctx.json) {
    Print(ToJson(JObj({{"code", JStr(req.code())},
                       {"page", JNum(page)},
                       {"pages", JNum(image.pages())},
                       {"shared", JBool(req.shared())},
                       {"copy", JStr(copy)},
                       {"format", JStr(image.format())},
                       {"bytes", JNum(static_cast<double>(image.content().size()))},
                       {"file", JStr(out)},
                       {"boxes", JNum(image.boxes())}})));
  } else {
    Print(absl::StrCat("Wrote page ", page, " of ", image.pages(), " of ", req.code(),
                       req.shared() ? " (shared: personal data covered)"
                       : highlight  ? absl::StrCat(" (access, ", image.boxes(),
                                                  image.boxes() == 1 ? " box" : " boxes",
                                                   " highlighting '", *highlight, "')")
                                    : absl::StrCat(" (", copy, ")"),
                       " to ", out, ".\n"));
  }
  return absl::OkStatus();
}

absl::Status SearchCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--federated"}, {"--field", "--from", "--to", "--limit",
                                                     "--offset", "--year", "--secrecy",
                                                     "--share-class", "--livelihood",
                                                     "--person", "--timeout-ms"}}));
  v1::SearchRequest req;
  const auto& pos = ctx.args.positional();
  req.set_query(absl::StrJoin(pos, " "));
  req.set_field(ctx.args.Get("--field").value_or("any"));
  req.set_from_date(ctx.args.Get("--from").value_or(""));
  req.set_to_date(ctx.args.Get("--to").value_or(""));
  auto number = [&](const char* flag, auto setter) -> absl::Status {
    if (auto v = ctx.args.Get(flag)) {
      int n = 0;
      if (!absl::SimpleAtoi(*v, &n) || n < 0) {
        return absl::InvalidArgumentError(absl::StrCat(flag, " '", *v, "' is not a number"));
      }
      setter(n);
    }
    return absl::OkStatus();
  };
  req.set_person(ctx.args.Get("--person").value_or(""));
  req.set_limit(10);
  RETURN_IF_ERROR(number("--limit", [&](int n) { req.set_limit(n); }));
  RETURN_IF_ERROR(number("--offset", [&](int n) { req.set_offset(n); }));
  RETURN_IF_ERROR(number("--year", [&](int n) { req.set_year(n); }));
  RETURN_IF_ERROR(number("--timeout-ms", [&](int n) { req.set_timeout_ms(n); }));
  if (auto v = ctx.args.Get("--secrecy")) {
    auto e = proto::ParseSecrecy(*v);
    if (!e.ok()) return absl::InvalidArgumentError(absl::StrCat("--secrecy: ", e.status().message()));
    req.set_secrecy(*e);
  }
  if (auto v = ctx.args.Get("--share-class")) {
    auto e = proto::ParseShareClass(*v);
    if (!e.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--share-class: ", e.status().message()));
    }
    req.set_share_class(*e);
  }
  if (auto v = ctx.args.Get("--livelihood")) {
    auto e = proto::ParseLivelihood(*v);
    if (!e.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--livelihood: ", e.status().message()));
    }
    req.set_livelihood(*e);
    req.set_has_livelihood(true);
  }
  v1::SearchResponse resp;
  auto call = ctx.client->Context(kShort);
  const bool federated = ctx.args.Has("--federated");
  grpc::Status st = federated ? ctx.client->federation().FederatedSearch(call.get(), req, &resp)
                              : ctx.client->stub().Search(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json && federated) {
    Print(ProtoJson(resp));
    return absl::OkStatus();
  }
  if (ctx.json) {
    std::vector<Json> hits;
    for (const auto& h : resp.hits()) {
      hits.push_back(JObj({{"code", JStr(h.code())},
                           {"title", JStr(h.title())},
                           {"score", JNum(h.score())},
                           {"snippet", JStr(h.snippet())},
                           {"date", JStr(h.date())},
                           {"responsible", JStr(h.responsible())},
                           {"matched_field", JStr(h.matched_field())},
                           {"page", JNum(h.page())}}));
    }
    Print(ToJson(JObj({{"query", JStr(req.query())},
                       {"field", JStr(req.field())},
                       {"total", JNum(static_cast<double>(resp.total()))},
                       {"elapsed_ms", JNum(resp.elapsed_ms())},
                       {"hits", JArr(std::move(hits))}})));
    return absl::OkStatus();
  }
  std::string out = absl::StrFormat("%d matches (%.1f ms)\n", resp.total(), resp.elapsed_ms());
  int rank = static_cast<int>(req.offset());
  for (const auto& a : resp.archives()) {
    absl::StrAppend(&out, absl::StrFormat("  %s %s: %s, %d hits, %.0f ms%s\n", a.code(), a.name(), a.state(), a.hits(),
                                          a.elapsed_ms(), a.error().empty() ? "" : absl::StrCat(" (", a.error(), ")")));
  }
  for (const auto& h : resp.hits()) {
    absl::StrAppend(&out, absl::StrFormat("%3d. %s  %s  %s%s%s\n", ++rank, h.code(), h.date(), h.title(),
                                          h.page() > 0 ? absl::StrCat("  (page ", h.page(), ")") : "",
                                          h.archive().empty() ? "" : absl::StrCat("  [", h.archive(), " ", h.archive_name(), "]")));
    if (!h.snippet().empty() && h.snippet() != h.title()) absl::StrAppend(&out, "     ", h.snippet(), "\n");
  }
  Print(out);
  return absl::OkStatus();
}

absl::Status ModifyCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--set", "--reason"}}));
  if (ctx.args.positional().size() != 1 || ctx.args.All("--set").empty()) {
    return absl::InvalidArgumentError(
        "usage: kuaguan modify CODE --set FIELD=VALUE [--set FIELD=VALUE ...] [--reason TEXT]");
  }
  v1::ModifyRequest req;
  req.set_code(ctx.args.positional()[0]);
  req.set_reason(ctx.args.Get("--reason").value_or(""));
  for (const auto& kv : ctx.args.All("--set")) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("--set '", kv, "' is not FIELD=VALUE"));
    }
    auto* fv = req.add_set();
    fv->set_field(kv.substr(0, eq));
    fv->set_value(kv.substr(eq + 1));
  }
  v1::ChangeResponse resp;
  auto call = ctx.client->Context(kShort);
  grpc::Status st = ctx.client->stub().Modify(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  const auto& s = resp.record();
  if (ctx.json) {
    Print(ToJson(JObj({{"code", JStr(s.record().code())},
                       {"version", JNum(s.version())},
                       {"state", JStr(StateName(s.state()))},
                       {"changed", JBool(resp.changed())}})));
  } else {
    Print(resp.changed() ? absl::StrCat("Modified ", s.record().code(), ": now version ",
                                        s.version(), ".\n")
                         : absl::StrCat("Nothing changed in ", s.record().code(), " (version ",
                                        s.version(), ").\n"));
  }
  return absl::OkStatus();
}

absl::Status WithdrawCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--reason"}}));
  if (ctx.args.positional().size() != 1) {
    return absl::InvalidArgumentError("usage: kuaguan withdraw CODE --reason TEXT");
  }
  v1::WithdrawRequest req;
  req.set_code(ctx.args.positional()[0]);
  req.set_reason(ctx.args.Get("--reason").value_or(""));
  v1::ChangeResponse resp;
  auto call = ctx.client->Context(kShort);
  grpc::Status st = ctx.client->stub().Withdraw(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  const auto& s = resp.record();
  if (ctx.json) {
    Print(ToJson(JObj({{"code", JStr(s.record().code())},
                       {"version", JNum(s.version())},
                       {"state", JStr(StateName(s.state()))},
                       {"changed", JBool(true)}})));
  } else {
    Print(absl::StrCat("Withdrew ", s.record().code(), " (撤回) as version ", s.version(),
                       "; its history is kept.\n"));
  }
  return absl::OkStatus();
}

absl::Status ExportCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--include-withdrawn"}, {}}));
  if (ctx.args.positional().size() != 1) {
    return absl::InvalidArgumentError("usage: kuaguan export FILE [--include-withdrawn]");
  }
  const std::string path = ctx.args.positional()[0];
  const bool jsonl = IsJsonLines(path);
  v1::ExportRequest req;
  req.set_include_withdrawn(ctx.args.Has("--include-withdrawn"));
  auto call = ctx.client->Context(kLong);
  auto reader = ctx.client->stub().Export(call.get(), req);
  const auto& fields = proto::CatalogFields();
  std::vector<v1::Record> records;
  std::set<std::string> extra_keys;
  v1::Record r;
  while (reader->Read(&r)) {
    for (const auto& [k, v] : r.extra()) extra_keys.insert(k);
    records.push_back(std::move(r));
  }
  grpc::Status st = reader->Finish();
  if (!st.ok()) return ctx.client->Explain(st);
  const uint64_t n = records.size();
  std::string out;
  if (!jsonl) {
    std::vector<std::string> header;
    for (const auto& f : fields) header.push_back(std::string(f.chinese));
    for (const auto& k : extra_keys) header.push_back(base::CsvEscape(k));
    out = absl::StrCat("\xEF\xBB\xBF", absl::StrJoin(header, ","), "\n");
  }
  for (const auto& rec : records) {
    if (jsonl) {
      std::vector<std::pair<std::string, Json>> kv;
      for (const auto& f : fields) {
        std::string v = f.get(rec);
        if (!v.empty()) kv.emplace_back(std::string(f.key), JStr(v));
      }
      for (const auto& [k, v] : rec.extra()) kv.emplace_back(k, JStr(v));
      absl::StrAppend(&out, ToJson(JObj(std::move(kv))));
    } else {
      std::vector<std::string> row;
      for (const auto& f : fields) row.push_back(base::CsvEscape(f.get(rec)));
      for (const auto& k : extra_keys) {
        auto it = rec.extra().find(k);
        row.push_back(it == rec.extra().end() ? "" : base::CsvEscape(it->second));
      }
      absl::StrAppend(&out, absl::StrJoin(row, ","), "\n");
    }
  }
  RETURN_IF_ERROR(WriteFileAtomically(path, out));
  if (ctx.json) {
    Print(ToJson(JObj({{"file", JStr(path)},
                       {"format", JStr(jsonl ? "jsonl" : "csv")},
                       {"records", JNum(static_cast<double>(n))}})));
  } else {
    Print(absl::StrCat("Exported ", n, " records to ", path, " (", jsonl ? "JSON Lines" : "CSV, UTF-8",
                       ").\n"));
  }
  return absl::OkStatus();
}

}  // namespace kuaguan::cli
