// The back office's commands (kuaguan requests …), kuaguan stats requests and kuaguan verify.
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "google/protobuf/util/json_util.h"
#include "seal/digest.h"
#include "seal/directory.h"
#include "seal/log_proof.h"
#include "seal/key_file.h"
#include "seal/sealed_certificate.h"

namespace kuaguan::cli {
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kCall = std::chrono::seconds(60);


absl::Status PrintList(const CommandContext& ctx, const v1::RequestList& list) {
  if (ctx.json) {
    Print(ProtoJson(list));
    return absl::OkStatus();
  }
  std::string out;
  for (const auto& r : list.requests()) absl::StrAppend(&out, RequestLine(r));
  if (list.requests().empty()) out = "no requests\n";
  Print(out);
  return absl::OkStatus();
}

absl::Status PrintRequest(const CommandContext& ctx, const v1::StoredRequest& r) {
  Print(ctx.json ? ProtoJson(r) : RequestText(r, true));
  return absl::OkStatus();
}

constexpr char kUsage[] =
    "usage: kuaguan requests list [--side front|back] [--state STATE] | show ID | issue ID --record CODE... | "
    "approve ID | not-found ID [--reason R] | refuse ID --reason R | extend ID --reason R | "
    "authorize ID (--accept | --refuse --reason R) | "
    "overdue [--as-of YYYY-MM-DD] | dead-letter | retry SEQ | "
    "revoke-certificate SERIAL --reason R";

}  // namespace

absl::Status RequestsCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--accept", "--refuse"}, {"--side", "--state", "--record", "--reason", "--as-of", "--limit"}}));
  const auto& pos = ctx.args.positional();
  if (pos.empty()) return absl::InvalidArgumentError(kUsage);
  const std::string& verb = pos[0];
  auto& stub = ctx.client->requests();
  auto call = ctx.client->Context(kCall);
  if (verb == "list" || verb == "overdue") {
    if (pos.size() != 1) return absl::InvalidArgumentError(kUsage);
    v1::RequestList list;
    grpc::Status st;
    if (verb == "list") {
      v1::ListRequestsRequest req;
      if (auto side = ctx.args.Get("--side")) {
        if (*side != "front" && *side != "back" && *side != "all") {
          return absl::InvalidArgumentError(absl::StrCat("--side '", *side, "' is not front, back or all"));
        }
        req.set_side(*side);
      }
      if (auto state = ctx.args.Get("--state")) {
        ASSIGN_OR_RETURN(auto s, ParseRequestState(*state));
        req.set_state(s);
      }
      st = stub.List(call.get(), req, &list);
    } else {
      v1::OverdueRequest req;
      if (auto d = ctx.args.Get("--as-of")) req.set_as_of(*d);
      st = stub.Overdue(call.get(), req, &list);
    }
    if (!st.ok()) return ctx.client->Explain(st);
    return PrintList(ctx, list);
  }
  if (verb == "dead-letter") {
    if (pos.size() != 1) return absl::InvalidArgumentError(kUsage);
    v1::DeadLetterList list;
    grpc::Status st = stub.DeadLetters(call.get(), v1::RequestStatsRequest(), &list);
    if (!st.ok()) return ctx.client->Explain(st);
    Print(ctx.json ? ProtoJson(list) : DeadLetterText(list));
    return absl::OkStatus();
  }
  if (pos.size() != 2) return absl::InvalidArgumentError(kUsage);
  const std::string& id = pos[1];
  if (verb == "retry") {
    v1::DeadLetterRef ref;
    uint64_t seq = 0;
    if (absl::SimpleAtoi(id, &seq)) ref.set_seq(seq);
    if (ref.seq() == 0) {
      return absl::InvalidArgumentError(absl::StrCat("requests retry: '", id, "' is not a message number (requests dead-letter lists them)"));
    }
    v1::OutboxItem item;
    grpc::Status st = stub.RetryDeadLetter(call.get(), ref, &item);
    if (!st.ok()) return ctx.client->Explain(st);
    Print(ctx.json ? ProtoJson(item)
                   : absl::StrCat("message ", ref.seq(), " to ", item.target(), " is queued again (重新投递)\n"));
    return absl::OkStatus();
  }
  if (verb == "revoke-certificate") {
    v1::RevokeCertificateCommand cmd;
    cmd.set_serial(id);
    if (auto reason = ctx.args.Get("--reason")) cmd.set_reason(*reason);
    v1::IssuedCertificate c;
    grpc::Status st = stub.RevokeCertificate(call.get(), cmd, &c);
    if (!st.ok()) return ctx.client->Explain(st);
    c.clear_pdf();
    Print(ctx.json ? ProtoJson(c) : absl::StrCat("certificate ", c.serial(), " revoked: ", c.revoked_reason(), "\n"));
    return absl::OkStatus();
  }
  if (verb == "show") {
    v1::RequestRef ref;
    ref.set_request_id(id);
    v1::RequestDetail d;
    grpc::Status st = stub.Show(call.get(), ref, &d);
    if (!st.ok()) return ctx.client->Explain(st);
    if (ctx.json) {
      Print(ProtoJson(d));
      return absl::OkStatus();
    }
    std::string out = RequestText(d.request(), true);
    if (!d.candidates().empty()) absl::StrAppend(&out, "likely records (可能的档案):\n");
    for (const auto& h : d.candidates()) {
      absl::StrAppend(&out, "  ", h.code(), "  ", h.title(), "  ", h.date(), "  [", h.matched_field(), "]\n");
    }
    Print(out);
    return absl::OkStatus();
  }
  v1::StoredRequest r;
  grpc::Status st;
  if (verb == "issue") {
    v1::IssueCommand cmd;
    cmd.set_request_id(id);
    for (const auto& c : ctx.args.All("--record")) cmd.add_record_codes(c);
    if (cmd.record_codes().empty()) return absl::InvalidArgumentError("requests issue: name the records with --record CODE");
    st = stub.Issue(call.get(), cmd, &r);
  } else if (verb == "authorize") {
    if (ctx.args.Has("--accept") == ctx.args.Has("--refuse")) {
      return absl::InvalidArgumentError("requests authorize: give --accept or --refuse --reason TEXT");
    }
    v1::AuthorizeCommand cmd;
    cmd.set_request_id(id);
    cmd.set_accept(ctx.args.Has("--accept"));
    if (auto reason = ctx.args.Get("--reason")) cmd.set_reason(*reason);
    st = stub.Authorize(call.get(), cmd, &r);
  } else if (verb == "approve") {
    v1::RequestRef ref;
    ref.set_request_id(id);
    st = stub.Approve(call.get(), ref, &r);
  } else if (verb == "not-found" || verb == "refuse" || verb == "extend") {
    v1::DecisionCommand cmd;
    cmd.set_request_id(id);
    cmd.set_state(verb == "not-found" ? v1::REQUEST_STATE_NOT_FOUND
                  : verb == "refuse"  ? v1::REQUEST_STATE_REFUSED
                                      : v1::REQUEST_STATE_EXTENDED);
    if (auto reason = ctx.args.Get("--reason")) cmd.set_reason(*reason);
    st = stub.Decide(call.get(), cmd, &r);
  } else {
    return absl::InvalidArgumentError(kUsage);
  }
  if (!st.ok()) return ctx.client->Explain(st);
  return PrintRequest(ctx, r);
}

absl::Status RequestStatsCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {}));
  v1::RequestStats stats;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->requests().Stats(call.get(), {}, &stats);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ProtoJson(stats));
    return absl::OkStatus();
  }
  std::string out = absl::StrFormat("%-5s %-7s %-8s %-12s %8s %6s %9s %7s %4s %7s %4s\n", "side", "month", "archive",
                                    "category", "accepted", "issued", "not found", "refused", "open", "on time", "late");
  for (const auto& r : stats.rows()) {
    absl::StrAppend(&out, absl::StrFormat("%-5s %-7s %-8s %-12s %8d %6d %9d %7d %4d %7d %4d\n", r.side(), r.month(),
                                          r.archive(), r.category(), r.accepted(), r.issued(), r.not_found(),
                                          r.refused(), r.open(), r.on_time(), r.late()));
  }
  if (stats.rows().empty()) out = "no requests yet\n";
  Print(out);
  return absl::OkStatus();
}

namespace {

// Where the certificate stands in the transparency log: its index and inclusion proof checked
// against a checkpoint signed by the log's key. Online the node asks its hub; offline (--trust
// DIR) the proof is a file (`kuaguan log proof SERIAL --out FILE.pdf.logproof`, or --log-proof)
// and the key and a recent checkpoint are DIR/log-key.pem and DIR/log-checkpoint (cert export).
struct LogCheck {
  bool checked = false;
  bool included = false;
  uint64_t index = 0, tree_size = 0;
  std::string detail;
};

LogCheck CheckLog(const std::string& pdf, const std::string& serial, const v1::InclusionProof* proof,
                  const std::string& log_key_pem, const std::string& trusted_note) {
  LogCheck c;
  c.checked = true;
  if (proof == nullptr) {
    c.detail = "no inclusion proof";
    return c;
  }
  if (proof->entry().serial() != serial || proof->entry().sm3() != seal::Sm3(pdf)) {
    c.detail = "the log's entry is for another serial or another file";
    return c;
  }
  if (absl::Status st = seal::VerifyLogInclusion(*proof, log_key_pem); !st.ok()) {
    c.detail = std::string(st.message());
    return c;
  }
  c.included = true;
  c.index = proof->index();
  c.tree_size = proof->tree_size();
  c.detail = absl::StrCat("entry ", c.index, " of ", c.tree_size, ", inclusion verified against the log's signed checkpoint");
  if (!trusted_note.empty()) {
    auto trusted = seal::VerifyLogCheckpoint(trusted_note, log_key_pem);
    auto own = seal::VerifyLogCheckpoint(proof->checkpoint(), log_key_pem);
    if (!trusted.ok()) {
      absl::StrAppend(&c.detail, "; the trusted checkpoint does not verify: ", trusted.status().message());
    } else if (own.ok() && trusted->first == own->first && trusted->second != own->second) {
      c.included = false;
      c.detail = absl::StrCat("the proof's checkpoint and the trusted checkpoint both have ", own->first,
                              " entries but different roots: the log forked");
    } else if (own.ok() && trusted->first == own->first) {
      absl::StrAppend(&c.detail, " (the trusted checkpoint itself)");
    } else {
      absl::StrAppend(&c.detail, "; the trusted checkpoint has ", trusted->first,
                      " entries (kuaguan log consistency shows both are one log)");
    }
  }
  return c;
}

}  // namespace

absl::Status VerifyCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(const Args args, Args::Parse(argv, {{"--online", "--json"},
                                                       {"--trust", "--config", "--profile", "--passphrase-file",
                                                        "--log-proof"}}));
  const auto& pos = args.positional();
  if (pos.size() != 1 || (args.Get("--trust") && args.Has("--online"))) {
    return absl::InvalidArgumentError(
        "usage: kuaguan verify FILE.pdf [--online | --trust DIR [--log-proof FILE]] [--json]");
  }
  std::ifstream in(pos[0], std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(pos[0], ": cannot read"));
  std::stringstream ss;
  ss << in.rdbuf();
  v1::VerifyResult r;
  LogCheck log;
  const bool json = args.Has("--json");
  if (auto dir = args.Get("--trust")) {
    // Without a node: the signed directory and root that `kuaguan cert export` wrote.
    ASSIGN_OR_RETURN(const std::string root, seal::ReadTextFile(std::filesystem::path(*dir) / "root.pem"));
    ASSIGN_OR_RETURN(const std::string raw, seal::ReadTextFile(std::filesystem::path(*dir) / "directory.signed"));
    v1::SignedDirectory signed_dir;
    if (!signed_dir.ParseFromString(raw)) return absl::InvalidArgumentError(absl::StrCat(*dir, "/directory.signed does not parse"));
    auto directory = seal::VerifyDirectory(signed_dir, root, std::chrono::system_clock::now(), nullptr);
    if (!directory.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(*dir, "/directory.signed cannot be used (", directory.status().message(),
                                                        "): export a current one with kuaguan cert export"));
    }
    const v1::TrustBundle trust = seal::TrustOf(*directory);
    r = seal::DescribeVerification(seal::VerifySealedCertificate(ss.str(), trust), trust);
    const std::filesystem::path key_file = std::filesystem::path(*dir) / "log-key.pem";
    if (r.valid() && std::filesystem::exists(key_file)) {
      ASSIGN_OR_RETURN(const std::string key, seal::ReadTextFile(key_file));
      auto note = seal::ReadTextFile(std::filesystem::path(*dir) / "log-checkpoint");
      const std::string proof_file = args.Get("--log-proof").value_or(pos[0] + ".logproof");
      std::ifstream pin(proof_file, std::ios::binary);
      std::stringstream praw;
      praw << pin.rdbuf();
      v1::InclusionProof proof;
      const bool have = pin.good() && praw.str().size() < (1 << 20) && proof.ParseFromString(praw.str());
      log = CheckLog(ss.str(), r.serial(), have ? &proof : nullptr, key, note.ok() ? *note : "");
      if (!have) log.detail = absl::StrCat("no inclusion proof in ", proof_file, " (kuaguan log proof ", r.serial(), " --out ", proof_file, ")");
    }
  } else {
    ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--online"}, {}}));
    v1::VerifyCommand cmd;
    cmd.set_pdf(ss.str());
    cmd.set_online(args.Has("--online"));
    auto call = ctx.client->Context(kCall);
    grpc::Status st = ctx.client->requests().Verify(call.get(), cmd, &r);
    if (!st.ok()) return ctx.client->Explain(st);
    if (r.valid() && cmd.online()) {
      v1::LogQuery q;
      q.set_serial(r.serial());
      v1::InclusionProof proof;
      auto log_call = ctx.client->Context(kCall);
      grpc::Status got = ctx.client->hub().GetLogProof(log_call.get(), q, &proof);
      log = CheckLog(ss.str(), r.serial(), got.ok() ? &proof : nullptr, proof.log_key_pem(), "");
      if (!got.ok()) log.detail = absl::StrCat("the transparency log gave no proof: ", got.error_message());
    }
  }
  if (json) {
    google::protobuf::Struct out;
    if (!google::protobuf::util::JsonStringToMessage(ProtoJson(r), &out).ok()) return absl::InternalError("JSON");
    if (log.checked) {
      google::protobuf::Struct l;
      (*l.mutable_fields())["included"].set_bool_value(log.included);
      (*l.mutable_fields())["index"].set_number_value(static_cast<double>(log.index));
      (*l.mutable_fields())["tree_size"].set_number_value(static_cast<double>(log.tree_size));
      (*l.mutable_fields())["detail"].set_string_value(log.detail);
      *(*out.mutable_fields())["transparency_log"].mutable_struct_value() = l;
    }
    Json v;
    *v.mutable_struct_value() = out;
    Print(ToJson(v));
  } else if (r.valid()) {
    std::string out = absl::StrCat("VALID  ", pos[0], "\n  serial    ", r.serial(), "\n  issued by ", r.issuing_archive(),
                                   " ", r.issuing_name(), " at ", FormatMicros(r.issued_micros()), "\n  person    ",
                                   r.person_name(), "\n  seal      ", r.seal_id(), "\n");
    for (const auto& rec : r.records()) absl::StrAppend(&out, "  record    ", rec, "\n");
    absl::StrAppend(&out, "  checked against directory version ", r.directory_version(), "\n");
    if (r.online_checked()) absl::StrAppend(&out, "  online    ", r.online_answer(), "\n");
    if (log.checked) absl::StrAppend(&out, "  log       ", log.included ? "" : "NOT PROVED: ", log.detail, "\n");
    Print(out);
  }
  if (!r.valid()) return absl::DataLossError(absl::StrCat("INVALID certificate ", pos[0], ": ", r.reason()));
  return absl::OkStatus();
}

}  // namespace kuaguan::cli
