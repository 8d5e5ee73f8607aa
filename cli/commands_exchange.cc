// kuaguan exchange request|import|list: direct exchange (直接交换, R5.7). The node asks the holding
// archive for a package and verifies it; the command writes it to a file (*.kgx), which may be
// carried elsewhere and imported later, read-only, by the node that asked for it.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "seal/digest.h"

namespace kuaguan::cli {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kFetch = std::chrono::minutes(10);
constexpr auto kImport = std::chrono::minutes(10);
constexpr auto kCall = std::chrono::seconds(60);
constexpr char kUsage[] =
    "usage: kuaguan exchange request --from ARCHIVE (--query Q | --record CODE...) --out FILE.kgx [--max N] "
    "[--no-pages] | exchange import FILE.kgx | exchange list";
// The largest package file (federation/exchange_package.h kMaxPackageBytes).
constexpr uintmax_t kMaxFileBytes = uintmax_t{56} << 20;

Json InfoJson(const v1::ExchangePackageInfo& p) {
  std::vector<Json> codes;
  for (const auto& c : p.codes()) codes.push_back(JStr(c));
  return JObj({{"package_id", JStr(p.package_id())},
               {"from_archive", JStr(p.from_archive())},
               {"from_name", JStr(p.from_name())},
               {"to_archive", JStr(p.to_archive())},
               {"created", JStr(p.created_micros() ? FormatChinaTime(p.created_micros()) : "")},
               {"imported", JStr(p.imported_micros() ? FormatChinaTime(p.imported_micros()) : "")},
               {"imported_by", JStr(p.imported_by())},
               {"query", JStr(p.query())},
               {"records", JNum(p.records())},
               {"pages", JNum(p.pages())},
               {"not_given", JNum(p.not_given())},
               {"truncated", JBool(p.truncated())},
               {"bytes", JNum(static_cast<double>(p.bytes()))},
               {"sm3", JStr(seal::ToHex(p.sm3()))},
               {"codes", JArr(codes)}});
}

std::string InfoText(const v1::ExchangePackageInfo& p) {
  std::string out = absl::StrCat("package (直接交换包) ", p.package_id(), " from ", p.from_name(), " (", p.from_archive(),
                                 ") for ", p.to_archive(), ", made ", FormatChinaTime(p.created_micros()), "\n  ",
                                 p.records(), " records, ", p.pages(), " masked pages, ", p.not_given(),
                                 " asked for or found but not given (not unconditionally shared, or absent)");
  if (p.truncated()) absl::StrAppend(&out, "; stopped at the package limit (ask again for the rest)");
  absl::StrAppend(&out, "\n  ", p.bytes(), " bytes, SM3 ", seal::ToHex(p.sm3()), "\n");
  if (p.imported_micros() != 0) {
    absl::StrAppend(&out, "  imported ", FormatChinaTime(p.imported_micros()), " by ", p.imported_by(),
                    ", read-only, as ", p.from_archive(), "/CODE\n");
  }
  return out;
}

absl::Status Request(CommandContext& ctx) {
  v1::ExchangeFetchRequest req;
  const auto from = ctx.args.Get("--from");
  const auto out = ctx.args.Get("--out");
  if (!from) return absl::InvalidArgumentError(absl::StrCat("--from ARCHIVE is required; ", kUsage));
  if (!out) return absl::InvalidArgumentError(absl::StrCat("--out FILE.kgx is required; ", kUsage));
  req.set_from(*from);
  if (auto q = ctx.args.Get("--query")) req.set_query(*q);
  for (const auto& c : ctx.args.All("--record")) req.add_codes(c);
  if (req.query().empty() == (req.codes_size() == 0)) {
    return absl::InvalidArgumentError("give --query Q or --record CODE (repeatable), one of the two");
  }
  if (auto n = ctx.args.Get("--max")) {
    uint32_t v = 0;
    if (!absl::SimpleAtoi(*n, &v) || v == 0) return absl::InvalidArgumentError(absl::StrCat("--max '", *n, "' is not a positive number"));
    req.set_max_records(v);
  }
  req.set_no_pages(ctx.args.Has("--no-pages"));
  std::error_code ec;
  if (fs::exists(*out, ec)) return absl::AlreadyExistsError(absl::StrCat(*out, ": already exists (choose another --out)"));
  v1::ExchangeFetchReply reply;
  auto call = ctx.client->Context(std::chrono::duration_cast<std::chrono::seconds>(kFetch));
  if (grpc::Status st = ctx.client->exchange().Fetch(call.get(), req, &reply); !st.ok()) return ctx.client->Explain(st);
  const std::string tmp = *out + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return absl::PermissionDeniedError(absl::StrCat(*out, ": cannot write"));
    f << reply.package();
    if (!f.flush()) return absl::DataLossError(absl::StrCat(*out, ": write failed"));
  }
  fs::rename(tmp, *out, ec);
  if (ec) return absl::InternalError(absl::StrCat(*out, ": ", ec.message()));
  if (ctx.json) {
    Json j = InfoJson(reply.info());
    (*j.mutable_struct_value()->mutable_fields())["file"] = JStr(*out);
    Print(ToJson(j));
  } else {
    Print(absl::StrCat(InfoText(reply.info()), "  written to ", *out, " (verified: signed by ", reply.info().from_archive(),
                       "; import it with kuaguan exchange import ", *out, ")\n"));
  }
  return absl::OkStatus();
}

absl::Status Import(CommandContext& ctx, const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  if (const auto size = fs::file_size(path, ec); !ec && size > kMaxFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", size >> 20, " MiB; a package is at most ", kMaxFileBytes >> 20, " MiB"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open (not readable)"));
  std::ostringstream ss;
  ss << in.rdbuf();
  v1::ExchangeImportRequest req;
  req.set_package(ss.str());
  v1::ExchangePackageInfo info;
  auto call = ctx.client->Context(std::chrono::duration_cast<std::chrono::seconds>(kImport));
  if (grpc::Status st = ctx.client->exchange().Import(call.get(), req, &info); !st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ToJson(InfoJson(info)));
  } else {
    Print(InfoText(info));
  }
  return absl::OkStatus();
}

absl::Status List(CommandContext& ctx) {
  v1::ExchangeList list;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->exchange().List(call.get(), {}, &list); !st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    std::vector<Json> packages;
    for (const auto& p : list.packages()) packages.push_back(InfoJson(p));
    Print(ToJson(JObj({{"packages", JArr(packages)}})));
    return absl::OkStatus();
  }
  if (list.packages().empty()) {
    Print("no packages imported (kuaguan exchange request, then exchange import)\n");
    return absl::OkStatus();
  }
  std::string out;
  for (const auto& p : list.packages()) absl::StrAppend(&out, InfoText(p));
  Print(out);
  return absl::OkStatus();
}

}  // namespace

absl::Status ExchangeCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--no-pages"}, {"--from", "--query", "--record", "--out", "--max"}}));
  const auto& pos = ctx.args.positional();
  if (pos.size() == 1 && pos[0] == "request") return Request(ctx);
  if (pos.size() == 2 && pos[0] == "import") return Import(ctx, pos[1]);
  if (pos.size() == 1 && pos[0] == "list") return List(ctx);
  return absl::InvalidArgumentError(kUsage);
}

}  // namespace kuaguan::cli
