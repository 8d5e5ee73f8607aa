// kuaguan-desk: the front-desk client. A thin gRPC client to the staff member's own node over
// mutual TLS with the staff certificate named in the profile (written by `kuaguan staff add`).
//   kuaguan-desk --profile DIR/desk.toml whoami | request … | list | status ID | fetch ID --out F | receipt ID
// Certificates are verified here, against the directory's trust material, before they are written.
#include <grpcpp/grpcpp.h>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "seal/certs.h"
#include "seal/sealed_certificate.h"
#include "seal/tls.h"
#include "seal/digest.h"
#include "cli/cli_args.h"
#include "google/protobuf/util/json_util.h"
#include "kuaguan/v1/desk.grpc.pb.h"
#include "cli/render.h"

namespace {

namespace fs = std::filesystem;

struct Profile {
  std::string node, archive, name, role, cert_pem, key_pem, root_pem;
};

absl::StatusOr<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(p.string(), ": cannot read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<Profile> LoadProfile(const fs::path& path) {
  toml::table t;
  try {
    t = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ":", e.source().begin.line, ": ", std::string(e.description())));
  }
  Profile p;
  const auto desk = t["desk"];
  const fs::path dir = path.parent_path();
  std::string cert, key, root;
  for (auto [k, out] : {std::pair{"node", &p.node}, std::pair{"archive", &p.archive}, std::pair{"name", &p.name},
                        std::pair{"role", &p.role}, std::pair{"certificate", &cert}, std::pair{"key", &key},
                        std::pair{"root", &root}}) {
    auto v = desk[k].value<std::string>();
    if (!v) return absl::InvalidArgumentError(absl::StrCat(path.string(), ": [desk] ", k, " is missing"));
    *out = *v;
  }
  auto in_dir = [&](const std::string& f) { return fs::path(f).is_absolute() ? fs::path(f) : dir / f; };
  auto c = ReadFile(in_dir(cert));
  auto k = ReadFile(in_dir(key));
  auto r = ReadFile(in_dir(root));
  for (auto* s : {&c, &k, &r}) {
    if (!s->ok()) return s->status();
  }
  p.cert_pem = *c;
  p.key_pem = *k;
  p.root_pem = *r;
  return p;
}

int Fail(const std::string& msg) {
  std::cerr << "kuaguan-desk: " << msg << "\n";
  return 1;
}

constexpr char kUsage[] =
    "usage: kuaguan-desk --profile DIR/desk.toml [--json] COMMAND [ARGS]\n"
    "  whoami\n"
    "  request --name NAME --id-number ID (--target CODE | --find QUERY) --category CATEGORY --purpose TEXT\n"
    "          [--record CODE]... [--attach FILE]... [--request-id ID]\n"
    "                      file a remote request for the person (查档申请); prints the request id\n"
    "  list [--state STATE]  this archive's requests, newest first\n"
    "  status ID           the request's states with times and actors, and its deadline\n"
    "  fetch ID --out FILE.pdf\n"
    "                      the certificate, verified before it is written\n"
    "  receipt ID          a printable receipt for the person (回执)\n"
    "\n"
    "The global options --profile FILE and --json may go before or after the command; these two\n"
    "are the same:\n"
    "  kuaguan-desk --profile desk/desk.toml --json list\n"
    "  kuaguan-desk list --profile desk/desk.toml --json\n"
    "--help or -h, wherever it is given, prints this text (as does `kuaguan-desk help`).\n";

int Report(const grpc::Status& st, const std::string& node) {
  if (st.error_code() == grpc::StatusCode::UNAVAILABLE) return Fail(absl::StrCat("node ", node, " is unreachable: ", st.error_message()));
  return Fail(st.error_message());
}

std::string MediaType(const std::string& data) {
  if (data.rfind("%PDF-", 0) == 0) return "application/pdf";
  if (data.rfind("\x89PNG", 0) == 0) return "image/png";
  if (data.rfind("\xFF\xD8\xFF", 0) == 0) return "image/jpeg";
  if (data.rfind("II*", 0) == 0 || data.rfind(std::string("MM\0*", 4), 0) == 0) return "image/tiff";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kuaguan;
  std::vector<std::string> rest(argv + 1, argv + argc);
  if (cli::WantsHelp(rest)) {
    std::cout << kUsage;
    return 0;
  }
  auto args = cli::Args::Parse(rest, {{"--json"},
                                      {"--profile", "--name", "--id-number", "--target", "--find", "--category",
                                       "--purpose", "--record", "--attach", "--request-id", "--out", "--state"}});
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
  const bool json = args->Has("--json");
  const std::string command = pos[0];
  auto profile = LoadProfile(*profile_path);
  if (!profile.ok()) return Fail(std::string(profile.status().message()));
  seal::TlsIdentity id{profile->key_pem, profile->cert_pem, profile->root_pem};
  auto stub = v1::Desk::NewStub(seal::MutualTlsChannel(id, profile->node, profile->archive));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto need_id = [&]() -> std::optional<v1::RequestRef> {
    if (pos.size() != 2) return std::nullopt;
    v1::RequestRef ref;
    ref.set_request_id(pos[1]);
    return ref;
  };

  if (command == "whoami" && pos.size() == 1) {
    v1::WhoAmIResponse r;
    grpc::Status st = stub->WhoAmI(&ctx, v1::WhoAmIRequest(), &r);
    if (!st.ok()) return Fail(absl::StrCat("node ", profile->node, " refused: ", st.error_message()));
    if (json) {
      std::cout << cli::ProtoJson(r);
    } else {
      std::cout << r.name() << " (" << r.role() << ") at " << r.archive() << " " << r.archive_name()
                << "; certificate " << r.certificate_serial() << " valid until "
                << absl::FormatTime("%Y-%m-%d", absl::FromUnixMicros(r.certificate_not_after_micros()),
                                    absl::LocalTimeZone())
                << "\n";
    }
    return 0;
  }
  if (command == "request" && pos.size() == 1) {
    v1::FileRequestRequest req;
    for (auto [flag, set] : std::initializer_list<std::pair<const char*, void (v1::FileRequestRequest::*)(const std::string&)>>{
             {"--name", &v1::FileRequestRequest::set_person_name},
             {"--id-number", &v1::FileRequestRequest::set_id_number},
             {"--target", &v1::FileRequestRequest::set_target},
             {"--find", &v1::FileRequestRequest::set_find},
             {"--category", &v1::FileRequestRequest::set_category},
             {"--purpose", &v1::FileRequestRequest::set_purpose},
             {"--request-id", &v1::FileRequestRequest::set_request_id}}) {
      if (auto v = args->Get(flag)) (req.*set)(*v);
    }
    for (const auto& c : args->All("--record")) req.add_record_codes(c);
    for (const auto& f : args->All("--attach")) {
      auto data = ReadFile(f);
      if (!data.ok()) return Fail(absl::StrCat("--attach ", f, ": cannot read"));
      auto* a = req.add_attachments();
      a->set_name(fs::path(f).filename().string());
      a->set_media_type(MediaType(*data));
      if (a->media_type().empty()) return Fail(absl::StrCat("--attach ", f, ": not a PDF, PNG, JPEG or TIFF file"));
      a->set_sm3(seal::Sm3(*data));
      a->set_data(*std::move(data));
    }
    v1::StoredRequest r;
    grpc::Status st = stub->FileRequest(&ctx, req, &r);
    if (!st.ok()) return Report(st, profile->node);
    if (json) {
      // The stored request, with the new id also at the top for scripts (`.request_id`).
      google::protobuf::Value doc;
      (void)google::protobuf::util::JsonStringToMessage(cli::ProtoJson(r), &doc);
      (*doc.mutable_struct_value()->mutable_fields())["request_id"] = cli::JStr(r.request().request_id());
      std::cout << cli::ToJson(doc);
    } else {
      std::cout << "request_id " << r.request().request_id() << "\n" << cli::RequestText(r, false);
    }
    return 0;
  }
  if (command == "list" && pos.size() == 1) {
    v1::ListRequestsRequest req;
    req.set_side("front");
    if (auto state = args->Get("--state")) {
      auto parsed = cli::ParseRequestState(*state);
      if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
      req.set_state(*parsed);
    }
    v1::RequestList r;
    grpc::Status st = stub->ListRequests(&ctx, req, &r);
    if (!st.ok()) return Report(st, profile->node);
    if (json) {
      std::cout << cli::ProtoJson(r);
    } else {
      for (const auto& x : r.requests()) std::cout << cli::RequestLine(x);
      if (r.requests().empty()) std::cout << "no requests\n";
    }
    return 0;
  }
  if (command == "status" && need_id()) {
    v1::StoredRequest r;
    grpc::Status st = stub->GetRequest(&ctx, *need_id(), &r);
    if (!st.ok()) return Report(st, profile->node);
    std::cout << (json ? cli::ProtoJson(r) : cli::RequestText(r, true));
    return 0;
  }
  if (command == "receipt" && need_id()) {
    v1::Receipt r;
    grpc::Status st = stub->GetReceipt(&ctx, *need_id(), &r);
    if (!st.ok()) return Report(st, profile->node);
    std::cout << (json ? cli::ProtoJson(r) : r.text());
    return 0;
  }
  if (command == "fetch" && need_id()) {
    auto out = args->Get("--out");
    if (!out) return Fail("fetch: --out FILE.pdf is required");
    v1::CertificateFile f;
    grpc::Status st = stub->FetchCertificate(&ctx, *need_id(), &f);
    if (!st.ok()) return Report(st, profile->node);
    auto verified = seal::VerifySealedCertificate(f.pdf(), f.trust());
    if (!verified.ok()) return Fail(absl::StrCat("the certificate does not verify; not written: ", verified.status().message()));
    if (verified->content.request_id() != pos[1]) return Fail("the certificate is for another request; not written");
    const fs::path tmp = fs::path(*out).string() + ".part";
    {
      std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
      o << f.pdf();
      if (!o.flush()) return Fail(absl::StrCat(tmp.string(), ": cannot write"));
    }
    std::error_code ec;
    fs::rename(tmp, *out, ec);
    if (ec) return Fail(absl::StrCat(*out, ": ", ec.message()));
    if (json) {
      std::cout << cli::ProtoJson(verified->content);
    } else {
      std::cout << "certificate " << f.serial() << " verified (seal " << verified->seal_id << ", "
                << verified->content.issuing_name() << ") and written to " << *out << " (" << f.pdf().size()
                << " bytes)\n";
    }
    return 0;
  }
  std::cerr << kUsage;
  return 2;
}
