#include "cli/profile.h"

#include <botan/pk_keys.h>
#include <toml++/toml.h>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "cli/passphrase.h"
#include "seal/key_file.h"

namespace kuaguan::cli {
namespace fs = std::filesystem;

absl::StatusOr<Profile> LoadProfile(const fs::path& path, const std::optional<std::string>& passphrase_file) {
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
  auto c = seal::ReadTextFile(in_dir(cert));
  auto r = seal::ReadTextFile(in_dir(root));
  for (auto* s : {&c, &r}) {
    if (!s->ok()) return s->status();
  }
  ASSIGN_OR_RETURN(const std::string passphrase,
                   ExistingPassphrase(passphrase_file, absl::StrCat("passphrase of ", in_dir(key).string())));
  ASSIGN_OR_RETURN(auto private_key, seal::ReadKeyFile(in_dir(key), passphrase));
  p.cert_pem = *c;
  p.key_pem = seal::PlainKeyPem(*private_key);
  p.root_pem = *r;
  return p;
}

}  // namespace kuaguan::cli
