#include "seal/key_file.h"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/ecdsa.h>
#include <botan/hex.h>
#include <botan/pkcs8.h>
#include <botan/sm2.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kuaguan::seal {
namespace fs = std::filesystem;

absl::Status WritePrivateFile(const fs::path& path, const std::string& data, bool durable) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat(tmp.string(), ": cannot create: ", std::strerror(errno)));
  }
  bool ok = ::fchmod(fd, 0600) == 0;
  for (size_t done = 0; ok && done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && (!durable || ::fsync(fd) == 0);
  const int err = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int why = ok ? errno : err;
    ::unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(path.string(), ": cannot write: ", std::strerror(why)));
  }
  if (!durable) return absl::OkStatus();
  if (const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return absl::OkStatus();
}

absl::Status SyncFilesystem(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot open ", path.string(), ": ", std::strerror(errno)));
  const bool ok = ::syncfs(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("cannot sync ", path.string(), ": ", std::strerror(err)));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPrivateFile(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return absl::NotFoundError(absl::StrCat(path.string(), ": no such file"));
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        path.string(), ": readable by group or others (mode ", absl::StrFormat("%04o", st.st_mode & 0777),
        "); chmod 600 it"));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<Botan::Private_Key> NewKey(KeyKind kind, Botan::RandomNumberGenerator& rng) {
  if (kind == KeyKind::kSm2) return std::make_unique<Botan::SM2_PrivateKey>(rng, Botan::EC_Group("sm2p256v1"));
  return std::make_unique<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group("secp256r1"));
}

absl::Status WriteKeyFile(const fs::path& path, const Botan::Private_Key& key,
                          const std::string& passphrase) {
  if (passphrase.empty()) return absl::InvalidArgumentError("a key passphrase must not be empty");
  try {
    Botan::AutoSeeded_RNG rng;
    // PBES2 with PBKDF2-SHA-256 and AES-256/CBC: what OpenSSL reads too (`openssl pkey`).
    const std::string pem = Botan::PKCS8::PEM_encode(key, rng, passphrase, std::chrono::milliseconds(100),
                                                     "PBE-PKCS5v20(AES-256/CBC,SHA-256)");
    return WritePrivateFile(path, pem);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path.string(), ": cannot encrypt the key: ", e.what()));
  }
}

absl::StatusOr<std::unique_ptr<Botan::Private_Key>> ReadKeyFile(const fs::path& path,
                                                                const std::string& passphrase) {
  auto pem = ReadPrivateFile(path);
  if (!pem.ok()) return pem.status();
  try {
    Botan::DataSource_Memory source(*pem);
    return Botan::PKCS8::load_key(source, passphrase);
  } catch (const std::exception& e) {
    return absl::UnauthenticatedError(
        absl::StrCat(path.string(), ": cannot decrypt the key (wrong passphrase?): ", e.what()));
  }
}

absl::StatusOr<std::string> ReadTextFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path.string(), ": no such file"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::Status WriteTextFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path.string(), ": cannot write"));
  return absl::OkStatus();
}

std::string PlainKeyPem(const Botan::Private_Key& key) { return Botan::PKCS8::PEM_encode(key); }

absl::StatusOr<std::string> LoadPassphrase(const fs::path& file, bool create) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (!create) return absl::NotFoundError(absl::StrCat(file.string(), ": no key passphrase file"));
    Botan::AutoSeeded_RNG rng;
    const std::string pass = Botan::hex_encode(rng.random_vec(32));
    if (absl::Status st = WritePrivateFile(file, pass + "\n"); !st.ok()) return st;
  }
  auto data = ReadPrivateFile(file);
  if (!data.ok()) return data.status();
  std::string pass = *std::move(data);
  while (!pass.empty() && (pass.back() == '\n' || pass.back() == '\r')) pass.pop_back();
  if (pass.empty()) return absl::InvalidArgumentError(absl::StrCat(file.string(), ": empty passphrase"));
  return pass;
}

}  // namespace kuaguan::seal
