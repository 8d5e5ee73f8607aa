// kuaguan-desk: the front-desk client. A thin gRPC client to the staff member's own node over
// mutual TLS with the staff certificate named in the profile (written by `kuaguan staff add`).
//   kuaguan-desk --profile DIR/desk.toml whoami [--json]
// Remote requests (request, list, status, fetch) come with the remote-request issue.
#include <grpcpp/grpcpp.h>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "federation/certs.h"
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

}  // namespace

int main(int argc, char** argv) {
  std::string profile_path, command;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--profile" && i + 1 < argc) {
      profile_path = argv[++i];
    } else if (a == "--json") {
      json = true;
    } else if (command.empty()) {
      command = a;
    } else {
      return Fail(absl::StrCat("unexpected argument '", a, "'"));
    }
  }
  if (profile_path.empty() || command != "whoami") {
    std::cerr << "usage: kuaguan-desk --profile DIR/desk.toml whoami [--json]\n";
    return 2;
  }
  auto profile = LoadProfile(profile_path);
  if (!profile.ok()) return Fail(std::string(profile.status().message()));
  grpc::SslCredentialsOptions opts{profile->root_pem, profile->key_pem, profile->cert_pem};
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(kuaguan::federation::PeerHostName(profile->archive));
  auto channel = grpc::CreateCustomChannel(profile->node, grpc::SslCredentials(opts), args);
  auto stub = kuaguan::v1::Desk::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  kuaguan::v1::WhoAmIResponse r;
  grpc::Status st = stub->WhoAmI(&ctx, kuaguan::v1::WhoAmIRequest(), &r);
  if (!st.ok()) return Fail(absl::StrCat("node ", profile->node, " refused: ", st.error_message()));
  if (json) {
    std::cout << kuaguan::cli::ProtoJson(r);
  } else {
    std::cout << r.name() << " (" << r.role() << ") at " << r.archive() << " " << r.archive_name()
              << "; certificate " << r.certificate_serial() << " valid until "
              << absl::FormatTime("%Y-%m-%d", absl::FromUnixMicros(r.certificate_not_after_micros()), absl::LocalTimeZone())
              << "\n";
  }
  return 0;
}
