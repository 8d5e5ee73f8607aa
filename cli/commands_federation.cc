// The federation commands: ca token / revoke / roll-signer (provincial node), enroll, directory
// refresh, peers and cert export (archive nodes). `search --federated` lives with search.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "seal/key_file.h"
#include "seal/log_proof.h"

namespace kuaguan::cli {
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kCall = std::chrono::seconds(30);

std::string When(int64_t micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(micros), absl::LocalTimeZone());
}

std::string DirectoryLine(const v1::DirectoryInfo& d) {
  return absl::StrFormat("directory version %d, %d members, %d revoked certificates, issued %s, expires %s%s\n",
                         d.version(), d.members(), d.revoked_serials(), When(d.issued_micros()),
                         When(d.expires_micros()), d.expired() ? " (EXPIRED)" : "");
}

absl::Status Token(CommandContext& ctx) {
  auto archive = ctx.args.Get("--archive");
  if (!archive) {
    return absl::InvalidArgumentError(
        "usage: kuaguan ca token --archive CODE --name NAME [--level LEVEL] [--hours H]");
  }
  const std::string name(absl::StripAsciiWhitespace(ctx.args.Get("--name").value_or("")));
  if (name.empty()) {
    return absl::InvalidArgumentError(
        "usage: kuaguan ca token --archive CODE --name NAME [--level LEVEL] [--hours H]: "
        "--name NAME, the archive's name (档案馆名称), is required; its seal carries it");
  }
  v1::TokenRequest req;
  req.set_archive(*archive);
  req.set_name(name);
  req.set_level(ctx.args.Get("--level").value_or(""));
  if (auto h = ctx.args.Get("--hours")) {
    uint32_t hours = 0;
    if (!absl::SimpleAtoi(*h, &hours) || hours == 0) return absl::InvalidArgumentError(absl::StrCat("--hours '", *h, "' is not a positive number"));
    req.set_valid_hours(hours);
  }
  v1::TokenResponse resp;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->federation().CreateToken(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ProtoJson(resp)
                 : absl::StrCat("Enrollment token for ", resp.archive(), " (one use, expires ", When(resp.expires_micros()),
                                "):\n", resp.token(), "\n"));
  return absl::OkStatus();
}

absl::Status Revoke(CommandContext& ctx) {
  const auto& pos = ctx.args.positional();
  auto reason = ctx.args.Get("--reason");
  auto serial = ctx.args.Get("--serial");
  if (!reason || (pos.size() != 2 && !serial)) {
    return absl::InvalidArgumentError("usage: kuaguan ca revoke CODE --reason TEXT | ca revoke --serial HEX --reason TEXT");
  }
  v1::RevokeRequest req;
  if (pos.size() == 2) req.set_archive(pos[1]);
  req.set_serial(serial.value_or(""));
  req.set_reason(*reason);
  v1::DirectoryInfo resp;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->federation().Revoke(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ProtoJson(resp) : absl::StrCat("Revoked. Published ", DirectoryLine(resp)));
  return absl::OkStatus();
}

absl::Status RollSigner(CommandContext& ctx) {
  v1::DirectoryInfo resp;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->federation().RollSigner(call.get(), v1::RollSignerRequest(), &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ProtoJson(resp)
                 : absl::StrCat(resp.next_signer() ? "Next directory signer announced (stage 1 of 2): run "
                                                     "`kuaguan ca roll-signer` again once every node has refreshed.\n"
                                                   : "The announced directory signer now signs (stage 2 of 2).\n",
                                DirectoryLine(resp)));
  return absl::OkStatus();
}

}  // namespace

absl::Status CaCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--archive", "--name", "--level", "--hours", "--reason", "--serial"}}));
  const auto& pos = ctx.args.positional();
  if (!pos.empty() && pos[0] == "token") return Token(ctx);
  if (!pos.empty() && pos[0] == "revoke") return Revoke(ctx);
  if (!pos.empty() && pos[0] == "roll-signer") return RollSigner(ctx);
  return absl::InvalidArgumentError("usage: kuaguan ca token|revoke|roll-signer ...");
}

absl::Status EnrollCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--provincial", "--token"}}));
  auto provincial = ctx.args.Get("--provincial");
  auto token = ctx.args.Get("--token");
  if (!provincial || !token) return absl::InvalidArgumentError("usage: kuaguan enroll --provincial HOST:PORT --token TOKEN");
  v1::EnrollCommand req;
  req.set_provincial(*provincial);
  req.set_token(*token);
  v1::EnrollResult resp;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->federation().Enroll(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ProtoJson(resp)
                 : absl::StrCat("Enrolled archive ", resp.archive(), ": TLS certificate ", resp.tls_serial(),
                                ", SM2 seal certificate ", resp.seal_serial(), "; serving peers on ",
                                resp.peer_address(), "\n", DirectoryLine(resp.directory())));
  return absl::OkStatus();
}

absl::Status DirectoryCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {}}));
  if (ctx.args.positional().size() != 1 || ctx.args.positional()[0] != "refresh") {
    return absl::InvalidArgumentError("usage: kuaguan directory refresh");
  }
  v1::DirectoryInfo resp;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->federation().RefreshDirectory(call.get(), v1::RefreshRequest(), &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  Print(ctx.json ? ProtoJson(resp) : DirectoryLine(resp));
  return absl::OkStatus();
}

absl::Status PeersCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {"--timeout-ms"}}));
  v1::PeersRequest req;
  if (auto t = ctx.args.Get("--timeout-ms")) {
    uint32_t ms = 0;
    if (!absl::SimpleAtoi(*t, &ms)) return absl::InvalidArgumentError(absl::StrCat("--timeout-ms '", *t, "' is not a number"));
    req.set_timeout_ms(ms);
  }
  v1::PeerList resp;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->federation().ListPeers(call.get(), req, &resp);
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ProtoJson(resp));
    return absl::OkStatus();
  }
  std::string out = DirectoryLine(resp.directory());
  absl::StrAppend(&out, absl::StrFormat("directory age %.0f s\n", resp.directory().age_s()));
  for (const auto& p : resp.peers()) {
    std::string state = p.self() ? "this node" : p.revoked() ? "REVOKED" : p.reachable() ? "reachable" : "UNREACHABLE";
    absl::StrAppend(&out, absl::StrFormat("%s  %-6s %s  %s  %s", p.code(), p.level(), p.name(), p.address(), state));
    if (p.reachable()) absl::StrAppend(&out, absl::StrFormat("  rtt %.1f ms  skew %+.0f ms", p.rtt_ms(), p.clock_skew_ms()));
    absl::StrAppend(&out, "  certificate until ", When(p.cert_not_after_micros()));
    if (!p.error().empty() && !p.self()) absl::StrAppend(&out, "  (", p.error(), ")");
    absl::StrAppend(&out, "\n");
  }
  Print(out);
  return absl::OkStatus();
}

absl::Status CertCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{}, {}}));
  const auto& pos = ctx.args.positional();
  if (pos.size() != 2 || pos[0] != "export") return absl::InvalidArgumentError("usage: kuaguan cert export DIR");
  v1::CertBundle b;
  auto call = ctx.client->Context(kCall);
  grpc::Status st = ctx.client->federation().ExportCerts(call.get(), v1::CertExportRequest(), &b);
  if (!st.ok()) return ctx.client->Explain(st);
  const std::filesystem::path dir = pos[1];
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::vector<Json> files;
  for (const auto& [name, pem] : {std::pair{"root.pem", &b.root_pem()}, std::pair{"chain.pem", &b.chain_pem()},
                                  std::pair{"node.pem", &b.node_pem()}, std::pair{"seal.pem", &b.seal_pem()},
                                  std::pair{"seal-maker.pem", &b.seal_maker_pem()}}) {
    std::ofstream out(dir / name, std::ios::trunc);
    out << *pem;
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", (dir / name).string()));
    files.push_back(JStr((dir / name).string()));
  }
  {
    std::ofstream out(dir / "directory.signed", std::ios::binary | std::ios::trunc);
    out << b.directory();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", (dir / "directory.signed").string()));
    files.push_back(JStr((dir / "directory.signed").string()));
  }
  // The transparency log's key and a recent checkpoint, for verify --trust to check inclusion.
  std::string log_note = "; no transparency-log checkpoint: ";
  {
    v1::LogCheckpoint cp;
    auto log_call = ctx.client->Context(kCall);
    grpc::Status got = ctx.client->hub().GetLogCheckpoint(log_call.get(), v1::LogQuery(), &cp);
    if (got.ok() && seal::VerifyLogCheckpoint(cp.note(), cp.log_key_pem()).ok()) {
      RETURN_IF_ERROR(seal::WriteTextFile(dir / "log-key.pem", cp.log_key_pem()));
      RETURN_IF_ERROR(seal::WriteTextFile(dir / "log-checkpoint", cp.note()));
      files.push_back(JStr((dir / "log-key.pem").string()));
      files.push_back(JStr((dir / "log-checkpoint").string()));
      log_note = absl::StrCat(", log-key.pem and log-checkpoint (transparency log size ", cp.size(), ")");
    } else {
      absl::StrAppend(&log_note, got.ok() ? "its signature does not verify" : got.error_message());
    }
  }
  Print(ctx.json ? ToJson(JObj({{"dir", JStr(dir.string())}, {"files", JArr(std::move(files))}}))
                 : absl::StrCat("Wrote root.pem, chain.pem, node.pem, seal.pem, seal-maker.pem and directory.signed",
                                log_note, " to ", dir.string(),
                                "\n(check: openssl verify -CAfile root.pem -untrusted chain.pem node.pem;\n"
                                " verify certificates without a node: kuaguan verify FILE --trust ", dir.string(), ")\n"));
  return absl::OkStatus();
}

}  // namespace kuaguan::cli
