// kuaguan-desk: the front-desk client. A thin gRPC client to the staff member's own node over
// mutual TLS with the staff certificate named in the profile (written by `kuaguan staff add`).
//   kuaguan-desk --profile DIR/desk.toml whoami | request … | list | status ID | fetch ID --out F | receipt ID
//     | lookup …
// Certificates are verified here, against the directory's trust material, before they are written.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "seal/certs.h"
#include "seal/sealed_certificate.h"
#include "seal/tls.h"
#include "seal/digest.h"
#include "cli/cli_args.h"
#include "cli/command_context.h"
#include "cli/desk_lookup.h"
#include "cli/profile.h"
#include "google/protobuf/util/json_util.h"
#include "kuaguan/v1/desk.grpc.pb.h"
#include "cli/render.h"
#include "base/media_type.h"
#include "base/printable.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;
namespace cli = kuaguan::cli;
namespace seal = kuaguan::seal;
using kuaguan::cli::Profile;

absl::StatusOr<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(p.string(), ": cannot read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Fail(const std::string& msg) {
  std::cerr << "kuaguan-desk: " << kuaguan::base::Printable(msg, 4096) << "\n";
  return 1;
}

constexpr char kUsage[] =
    "usage: kuaguan-desk --profile DIR/desk.toml [--json] COMMAND [ARGS]\n"
    "  whoami\n"
    "  request --name NAME (--target CODE | --find QUERY) --category CATEGORY --purpose TEXT\n"
    "          [--id-number-file FILE|-] [--record CODE]... [--attach FILE]... [--request-id ID]\n"
    "          [--auth-body NAME --auth-kind department|rights-holder --auth-scope TEXT\n"
    "           --auth-until YYYY-MM-DD [--auth-from YYYY-MM-DD] [--auth-number 文号]\n"
    "           [--auth-record CODE]... --auth-doc FILE]\n"
    "                      with --auth-*: the authorization (授权) of the competent department or\n"
    "                      the rights holder that conditionally shared records (有条件共享) need\n"
    "                      file a remote request for the person (查档申请); prints the request id.\n"
    "                      The identity number (身份证号) is typed at the prompt, or read from standard\n"
    "                      input or FILE: never from the command line (process list, shell history)\n"
    "  list [--state STATE]  this archive's requests, newest first\n"
    "  status ID           the request's states with times and actors, and its deadline\n"
    "  fetch ID --out FILE.pdf\n"
    "                      the certificate, verified before it is written\n"
    "  receipt ID          a printable receipt for the person (回执)\n"
    "  lookup --name NAME [--category CATEGORY]... [--id-number-file FILE|-] [--timeout-ms MS]\n"
    "         [--file 1,3 --purpose TEXT]\n"
    "                      the records about the person at every archive (本人档案查询), in the\n"
    "                      livelihood categories (民生档案), after you have checked the identity\n"
    "                      document: archive, category, date, code and title, no content; archives\n"
    "                      that did not answer within MS (default 3000) are named. --file (or the\n"
    "                      prompt on a terminal) files a request for the chosen records, one per\n"
    "                      archive and category\n"
    "\n"
    "The global options --profile FILE and --json may go before or after the command; these two\n"
    "are the same:\n"
    "  kuaguan-desk --profile desk/desk.toml --json list\n"
    "  kuaguan-desk list --profile desk/desk.toml --json\n"
    "Example:\n"
    "  kuaguan-desk --profile desk/desk.toml request --name 王建国 --target 410100 --category 婚姻登记 \\\n"
    "      --purpose 办理养老保险待遇   (then type the identity number at the prompt)\n"
    "  kuaguan-desk --profile desk/desk.toml lookup --name 王建国 --file 1,3 --purpose 办理退休手续\n"
    "--help or -h, wherever it is given, prints this text (as does `kuaguan-desk help`).\n";

int Report(const grpc::Status& st, const std::string& node) {
  if (st.error_code() == grpc::StatusCode::UNAVAILABLE) return Fail(absl::StrCat("node ", node, " is unreachable: ", st.error_message()));
  return Fail(st.error_message());
}

// One call to the clerk's node: the parsed arguments, the profile, the stub over mutual TLS
// and the request id a command names.
struct Session {
  const cli::Args& args;
  Profile profile;
  std::unique_ptr<v1::Desk::Stub> stub;
  std::unique_ptr<grpc::ClientContext> ctx;
  bool json = false;
  std::string id;

  v1::RequestRef Ref() const {
    v1::RequestRef ref;
    ref.set_request_id(id);
    return ref;
  }
};

int WhoAmI(Session& s) {
  v1::WhoAmIResponse r;
  grpc::Status st = s.stub->WhoAmI(s.ctx.get(), v1::WhoAmIRequest(), &r);
  if (!st.ok()) return Fail(absl::StrCat("node ", s.profile.node, " refused: ", st.error_message()));
  if (s.json) {
    cli::Print(cli::ProtoJson(r));
  } else {
    cli::Print(absl::StrCat(r.name(), " (", r.role(), ") at ", r.archive(), " ", r.archive_name(), "; certificate ",
                            r.certificate_serial(), " valid until ",
                            absl::FormatTime("%Y-%m-%d", absl::FromUnixMicros(r.certificate_not_after_micros()),
                                             absl::LocalTimeZone()),
                            "\n"));
  }
  return 0;
}

// The person's identity number: from --id-number-file (FILE, or - for standard input), else typed
// at a prompt (a terminal) or read from standard input; the first line, spaces trimmed.
absl::StatusOr<std::string> IdNumber(const cli::Args& args) {
  if (args.Get("--id-number")) {
    return absl::InvalidArgumentError(
        "--id-number: the identity number is not taken from the command line (the process list and shell "
        "history would keep it); type it at the prompt, or use --id-number-file FILE (- for standard input)");
  }
  std::string line;
  const auto file = args.Get("--id-number-file");
  if (file && *file != "-") {
    std::ifstream in(*file);
    if (!in) return absl::NotFoundError(absl::StrCat("--id-number-file ", *file, ": cannot read"));
    std::getline(in, line);
  } else {
    if (!file && isatty(STDIN_FILENO)) std::cerr << "身份证号 Identity number: " << std::flush;
    std::getline(std::cin, line);
  }
  line = std::string(absl::StripAsciiWhitespace(line));
  if (line.empty()) return absl::InvalidArgumentError("no identity number was given (身份证号)");
  if (line.size() > 64) return absl::InvalidArgumentError("the identity number given is far too long");
  return line;
}

int FileRequest(Session& s) {
  v1::FileRequestRequest req;
  auto id_number = IdNumber(s.args);
  if (!id_number.ok()) return Fail(std::string(id_number.status().message()));
  req.set_id_number(*id_number);
  for (auto [flag, set] : std::initializer_list<std::pair<const char*, void (v1::FileRequestRequest::*)(const std::string&)>>{
           {"--name", &v1::FileRequestRequest::set_person_name},
           {"--target", &v1::FileRequestRequest::set_target},
           {"--find", &v1::FileRequestRequest::set_find},
           {"--category", &v1::FileRequestRequest::set_category},
           {"--purpose", &v1::FileRequestRequest::set_purpose},
           {"--request-id", &v1::FileRequestRequest::set_request_id}}) {
    if (auto v = s.args.Get(flag)) (req.*set)(*v);
  }
  for (const auto& c : s.args.All("--record")) req.add_record_codes(c);
  for (const auto& f : s.args.All("--attach")) {
    auto data = ReadFile(f);
    if (!data.ok()) return Fail(absl::StrCat("--attach ", f, ": cannot read"));
    auto* a = req.add_attachments();
    a->set_name(fs::path(f).filename().string());
    a->set_media_type(kuaguan::base::SniffMediaType(*data));
    if (a->media_type().empty()) return Fail(absl::StrCat("--attach ", f, ": not a PDF, PNG, JPEG or TIFF file"));
    a->set_sm3(seal::Sm3(*data));
    a->set_data(*std::move(data));
  }
  if (s.args.Get("--auth-body") || s.args.Get("--auth-doc")) {
    // 有条件共享: the authorization of the competent department or the rights holder.
    v1::Authorization* a = req.mutable_authorization();
    a->set_body(s.args.Get("--auth-body").value_or(""));
    const std::string kind = s.args.Get("--auth-kind").value_or("");
    if (kind == "department" || kind == "主管部门") {
      a->set_kind(v1::AUTHORIZER_DEPARTMENT);
    } else if (kind == "rights-holder" || kind == "权利人") {
      a->set_kind(v1::AUTHORIZER_RIGHTS_HOLDER);
    } else {
      return Fail(absl::StrCat("--auth-kind '", kind, "': department (主管部门) or rights-holder (权利人)"));
    }
    a->set_scope(s.args.Get("--auth-scope").value_or(""));
    a->set_valid_from(s.args.Get("--auth-from").value_or(
        absl::FormatTime("%Y-%m-%d", absl::Now(), absl::FixedTimeZone(8 * 3600))));
    a->set_valid_until(s.args.Get("--auth-until").value_or(""));
    a->set_document_number(s.args.Get("--auth-number").value_or(""));
    for (const auto& c : s.args.All("--auth-record")) a->add_record_codes(c);
    const std::string doc = s.args.Get("--auth-doc").value_or("");
    if (doc.empty()) return Fail("--auth-doc FILE: the authorization document (PDF or image) is required");
    auto data = ReadFile(doc);
    if (!data.ok()) return Fail(absl::StrCat("--auth-doc ", doc, ": cannot read"));
    v1::Attachment* d = a->mutable_document();
    d->set_name(fs::path(doc).filename().string());
    d->set_media_type(kuaguan::base::SniffMediaType(*data));
    if (d->media_type().empty()) return Fail(absl::StrCat("--auth-doc ", doc, ": not a PDF, PNG, JPEG or TIFF file"));
    d->set_sm3(seal::Sm3(*data));
    d->set_data(*std::move(data));
  }
  v1::StoredRequest r;
  grpc::Status st = s.stub->FileRequest(s.ctx.get(), req, &r);
  if (!st.ok()) return Report(st, s.profile.node);
  if (s.json) {
    // The stored request, with the new id also at the top for scripts (`.request_id`).
    google::protobuf::Value doc;
    (void)google::protobuf::util::JsonStringToMessage(cli::ProtoJson(r), &doc);
    (*doc.mutable_struct_value()->mutable_fields())["request_id"] = cli::JStr(r.request().request_id());
    cli::Print(cli::ToJson(doc));
  } else {
    cli::Print(absl::StrCat("request_id ", r.request().request_id(), "\n", cli::RequestText(r, false)));
  }
  return 0;
}

int List(Session& s) {
  v1::ListRequestsRequest req;
  req.set_side("front");
  if (auto state = s.args.Get("--state")) {
    auto parsed = cli::ParseRequestState(*state);
    if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
    req.set_state(*parsed);
  }
  v1::RequestList r;
  grpc::Status st = s.stub->ListRequests(s.ctx.get(), req, &r);
  if (!st.ok()) return Report(st, s.profile.node);
  if (s.json) {
    cli::Print(cli::ProtoJson(r));
  } else {
    std::string out;
    for (const auto& x : r.requests()) absl::StrAppend(&out, cli::RequestLine(x));
    cli::Print(r.requests().empty() ? "no requests\n" : out);
  }
  return 0;
}

int Status(Session& s) {
  v1::StoredRequest r;
  grpc::Status st = s.stub->GetRequest(s.ctx.get(), s.Ref(), &r);
  if (!st.ok()) return Report(st, s.profile.node);
  cli::Print(s.json ? cli::ProtoJson(r) : cli::RequestText(r, true));
  return 0;
}

int Receipt(Session& s) {
  v1::Receipt r;
  grpc::Status st = s.stub->GetReceipt(s.ctx.get(), s.Ref(), &r);
  if (!st.ok()) return Report(st, s.profile.node);
  cli::Print(s.json ? cli::ProtoJson(r) : r.text());
  return 0;
}

int Fetch(Session& s) {
  auto out = s.args.Get("--out");
  if (!out) return Fail("fetch: --out FILE.pdf is required");
  v1::CertificateFile f;
  grpc::Status st = s.stub->FetchCertificate(s.ctx.get(), s.Ref(), &f);
  if (!st.ok()) return Report(st, s.profile.node);
  auto verified = seal::VerifySealedCertificate(f.pdf(), f.trust());
  if (!verified.ok()) return Fail(absl::StrCat("the certificate does not verify; not written: ", verified.status().message()));
  if (verified->content.request_id() != s.id) return Fail("the certificate is for another request; not written");
  const fs::path tmp = fs::path(*out).string() + ".part";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o << f.pdf();
    if (!o.flush()) return Fail(absl::StrCat(tmp.string(), ": cannot write"));
  }
  std::error_code ec;
  fs::rename(tmp, *out, ec);
  if (ec) return Fail(absl::StrCat(*out, ": ", ec.message()));
  if (s.json) {
    cli::Print(cli::ProtoJson(verified->content));
  } else {
    cli::Print(absl::StrCat("certificate ", f.serial(), " verified (seal ", verified->seal_id, ", ",
                            verified->content.issuing_name(), ") and written to ", *out, " (", f.pdf().size(),
                            " bytes)\n"));
  }
  return 0;
}

int Lookup(Session& s) { return cli::DeskLookup(s.args, s.profile, s.json, IdNumber); }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> rest(argv + 1, argv + argc);
  if (cli::WantsHelp(rest)) {
    std::cout << kUsage;
    return 0;
  }
  auto args = cli::Args::Parse(rest, {{"--json"},
                                      {"--profile", "--passphrase-file", "--name", "--id-number", "--id-number-file", "--target", "--find", "--category",
                                       "--purpose", "--record", "--attach", "--request-id", "--out", "--state", "--file", "--timeout-ms",
                                       "--auth-body", "--auth-kind", "--auth-scope", "--auth-from", "--auth-until", "--auth-number",
                                       "--auth-record", "--auth-doc"}});
  if (!args.ok()) return Fail(std::string(args.status().message()));
  const auto& pos = args->positional();
  if (!pos.empty() && pos[0] == "help") {
    std::cout << kUsage;
    return 0;
  }
  auto profile_path = args->Get("--profile");
  if (!profile_path || pos.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  // Commands without a request id, and commands with one.
  static const std::map<std::string, int (*)(Session&)> kPlain = {
      {"whoami", WhoAmI}, {"request", FileRequest}, {"list", List}, {"lookup", Lookup}};
  static const std::map<std::string, int (*)(Session&)> kWithId = {
      {"status", Status}, {"receipt", Receipt}, {"fetch", Fetch}};
  const auto& table = pos.size() == 1 ? kPlain : kWithId;
  const auto command = table.find(pos[0]);
  if (pos.size() > 2 || command == table.end()) {
    std::cerr << kUsage;
    return 2;
  }
  auto profile = cli::LoadProfile(*profile_path, args->Get("--passphrase-file"));
  if (!profile.ok()) return Fail(std::string(profile.status().message()));
  seal::TlsIdentity identity{profile->key_pem, profile->cert_pem, profile->root_pem};
  Session session{*args, *profile, v1::Desk::NewStub(seal::MutualTlsChannel(identity, profile->node, profile->archive)),
                  std::make_unique<grpc::ClientContext>(), args->Has("--json"), pos.size() == 2 ? pos[1] : ""};
  session.ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return command->second(session);
}
