#include "cli/desk_lookup.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/printable.h"
#include "cli/command_context.h"
#include "cli/render.h"
#include "kuaguan/v1/desk.grpc.pb.h"
#include "kuaguan/v1/lookup.grpc.pb.h"
#include "proto/record_fields.h"
#include "seal/tls.h"

namespace kuaguan::cli {
namespace {

namespace v1 = kuaguan::v1;

int Fail(const std::string& msg, int code = 1) {
  std::cerr << "kuaguan-desk: " << base::Printable(msg, 4096) << "\n";
  return code;
}

// "1,3" -> {1, 3}: the records' numbers as the lookup lists them. INVALID_ARGUMENT for anything else.
absl::StatusOr<std::vector<uint32_t>> ParseChoice(const std::string& text) {
  std::vector<uint32_t> out;
  std::set<uint32_t> seen;
  for (absl::string_view part : absl::StrSplit(text, absl::ByAnyChar(", "), absl::SkipWhitespace())) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(part, &n) || n == 0) {
      return absl::InvalidArgumentError(absl::StrCat("--file: '", part, "' is not a record number (e.g. --file 1,3)"));
    }
    if (seen.insert(n).second) out.push_back(n);
  }
  return out;
}

std::string Line(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  std::string line;
  std::getline(std::cin, line);
  return std::string(absl::StripAsciiWhitespace(line));
}

// The chosen records of one archive and category: one request.
struct Group {
  std::string archive, archive_name;
  v1::LivelihoodCategory category;
  std::vector<std::string> codes;
};

std::string ListText(const v1::DeskLookupResponse& r) {
  std::string out = absl::StrCat("Records about ", r.person_id_masked(), " (查询 lookup ", r.lookup_id(), "): ",
                                 r.records_size(), " from ", r.answered_size(), " archives answering\n");
  for (const v1::LookupHit& h : r.records()) {
    absl::StrAppend(&out, "  ", h.index(), ". ", h.archive(), " ", h.archive_name(), "  ",
                    proto::LivelihoodLabel(h.category()), "  ", h.date(), "  ", h.code(), "  ", h.title(), "\n");
  }
  if (r.records().empty()) absl::StrAppend(&out, "  none (无)\n");
  for (const std::string& a : r.truncated()) {
    absl::StrAppend(&out, "  ", a, " has more records than it lists: ask a narrower --category\n");
  }
  for (const v1::LookupGap& g : r.unanswered()) {
    absl::StrAppend(&out, "no answer (未答复) from ", g.archive(), " ", g.archive_name(), ": ", g.error(), "\n");
  }
  return out;
}

}  // namespace

int DeskLookup(const Args& args, const Profile& profile, bool json, IdNumberReader read_id_number) {
  v1::DeskLookupRequest req;
  const auto name = args.Get("--name");
  if (!name) return Fail("lookup: --name NAME is required (the name on the identity document)", 2);
  req.set_person_name(*name);
  for (const auto& c : args.All("--category")) req.add_categories(c);
  if (auto t = args.Get("--timeout-ms")) {
    uint32_t ms = 0;
    if (!absl::SimpleAtoi(*t, &ms)) return Fail(absl::StrCat("--timeout-ms '", *t, "' is not a number"), 2);
    req.set_timeout_ms(ms);
  }
  std::vector<uint32_t> chosen;
  if (auto file = args.Get("--file")) {
    auto parsed = ParseChoice(*file);
    if (!parsed.ok()) return Fail(std::string(parsed.status().message()), 2);
    chosen = *std::move(parsed);
  }
  std::string purpose = args.Get("--purpose").value_or("");
  if (!chosen.empty() && purpose.empty()) return Fail("lookup --file: --purpose TEXT is required for the requests", 2);
  auto id_number = read_id_number(args);
  if (!id_number.ok()) return Fail(std::string(id_number.status().message()));
  req.set_id_number(*id_number);

  const seal::TlsIdentity identity{profile.key_pem, profile.cert_pem, profile.root_pem};
  auto channel = seal::MutualTlsChannel(identity, profile.node, profile.archive);
  v1::DeskLookupResponse found;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    grpc::Status st = v1::DeskLookup::NewStub(channel)->Lookup(&ctx, req, &found);
    if (!st.ok()) {
      return Fail(st.error_code() == grpc::StatusCode::UNAVAILABLE
                      ? absl::StrCat("node ", profile.node, " is unreachable: ", st.error_message())
                      : st.error_message());
    }
  }
  // On a terminal without --file or --json, the clerk chooses at a prompt.
  if (!json && chosen.empty() && !args.Get("--file") && !found.records().empty() && isatty(STDIN_FILENO)) {
    Print(ListText(found));
    auto parsed = ParseChoice(Line("File requests for which records? numbers like 1,3 (Enter: none): "));
    if (!parsed.ok()) return Fail(std::string(parsed.status().message()), 2);
    chosen = *std::move(parsed);
    if (!chosen.empty() && purpose.empty()) purpose = Line("查档目的 Purpose: ");
    if (!chosen.empty() && purpose.empty()) return Fail("no purpose given: nothing filed", 2);
  } else if (!json) {
    Print(ListText(found));
  }

  std::vector<Group> groups;
  for (uint32_t n : chosen) {
    if (n > static_cast<uint32_t>(found.records_size())) {
      return Fail(absl::StrCat("--file: there is no record ", n, " (the lookup listed ", found.records_size(), ")"), 2);
    }
    const v1::LookupHit& h = found.records(static_cast<int>(n) - 1);
    auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) {
      return x.archive == h.archive() && x.category == h.category();
    });
    if (g == groups.end()) g = groups.insert(groups.end(), Group{h.archive(), h.archive_name(), h.category(), {}});
    g->codes.push_back(h.code());
  }
  auto desk = v1::Desk::NewStub(channel);
  std::vector<Json> filed, not_filed;
  std::string text;
  for (const Group& g : groups) {
    v1::FileRequestRequest file;
    file.set_person_name(*name);
    file.set_id_number(*id_number);
    file.set_target(g.archive);
    file.set_category(proto::LivelihoodLabel(g.category));
    file.set_purpose(purpose);
    for (const auto& c : g.codes) file.add_record_codes(c);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::StoredRequest stored;
    const grpc::Status st = desk->FileRequest(&ctx, file, &stored);
    std::vector<Json> codes;
    for (const auto& c : g.codes) codes.push_back(JStr(c));
    if (st.ok()) {
      filed.push_back(JObj({{"archive", JStr(g.archive)},
                            {"category", JStr(proto::LivelihoodLabel(g.category))},
                            {"records", JArr(codes)},
                            {"request_id", JStr(stored.request().request_id())}}));
      absl::StrAppend(&text, "filed request ", stored.request().request_id(), " at ", g.archive, " ", g.archive_name,
                      " for ", g.codes.size(), " records (", proto::LivelihoodLabel(g.category), ")\n");
    } else {
      not_filed.push_back(JObj({{"archive", JStr(g.archive)},
                                {"category", JStr(proto::LivelihoodLabel(g.category))},
                                {"records", JArr(codes)},
                                {"error", JStr(st.error_message())}}));
      absl::StrAppend(&text, "not filed at ", g.archive, " ", g.archive_name, ": ", st.error_message(), "\n");
    }
  }
  if (json) {
    std::vector<Json> answered, unanswered, truncated, records;
    for (const auto& a : found.answered()) answered.push_back(JStr(a));
    for (const auto& a : found.truncated()) truncated.push_back(JStr(a));
    for (const auto& g : found.unanswered()) {
      unanswered.push_back(JObj({{"archive", JStr(g.archive())}, {"archive_name", JStr(g.archive_name())},
                                 {"error", JStr(g.error())}}));
    }
    for (const auto& h : found.records()) {
      records.push_back(JObj({{"index", JNum(h.index())},
                              {"archive", JStr(h.archive())},
                              {"archive_name", JStr(h.archive_name())},
                              {"category", JStr(proto::LivelihoodLabel(h.category()))},
                              {"title", JStr(h.title())},
                              {"date", JStr(h.date())},
                              {"code", JStr(h.code())}}));
    }
    Print(ToJson(JObj({{"lookup_id", JStr(found.lookup_id())},
                       {"person_id_masked", JStr(found.person_id_masked())},
                       {"answered", JArr(answered)},
                       {"unanswered", JArr(unanswered)},
                       {"truncated", JArr(truncated)},
                       {"records", JArr(records)},
                       {"filed", JArr(filed)},
                       {"not_filed", JArr(not_filed)}})));
  } else {
    Print(text);
  }
  return not_filed.empty() ? 0 : 1;
}

}  // namespace kuaguan::cli
