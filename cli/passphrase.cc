#include "cli/passphrase.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace kuaguan::cli {
namespace {

std::optional<std::string> FileOf(const std::optional<std::string>& file) {
  if (file) return file;
  if (const char* env = std::getenv("KUAGUAN_PASSPHRASE_FILE"); env != nullptr && *env != '\0') return env;
  return std::nullopt;
}

absl::StatusOr<std::string> FromFile(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return absl::NotFoundError(absl::StrCat("cannot read the passphrase file ", path));
  return line;
}

absl::StatusOr<std::string> Typed(const std::string& prompt) {
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) return absl::InvalidArgumentError("no terminal to type a passphrase on: give --passphrase-file FILE");
  termios old{};
  const bool is_tty = ::tcgetattr(tty, &old) == 0;
  if (is_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  (void)!::write(tty, prompt.data(), prompt.size());
  std::string line;
  char c = 0;
  while (::read(tty, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (is_tty) ::tcsetattr(tty, TCSAFLUSH, &old);
  (void)!::write(tty, "\n", 1);
  ::close(tty);
  return line;
}

}  // namespace

absl::StatusOr<std::string> NewPassphrase(const std::optional<std::string>& file, const std::string& what) {
  absl::StatusOr<std::string> p;
  if (auto f = FileOf(file)) {
    p = FromFile(*f);
  } else {
    p = Typed(absl::StrCat("New ", what, ": "));
    if (p.ok()) {
      absl::StatusOr<std::string> again = Typed(absl::StrCat("The same again: "));
      if (!again.ok()) return again.status();
      if (*again != *p) return absl::InvalidArgumentError("the two passphrases differ");
    }
  }
  if (p.ok() && p->size() < 8) return absl::InvalidArgumentError(absl::StrCat(what, " is shorter than 8 characters"));
  return p;
}

absl::StatusOr<std::string> ExistingPassphrase(const std::optional<std::string>& file, const std::string& what) {
  if (auto f = FileOf(file)) return FromFile(*f);
  return Typed(absl::StrCat(what, ": "));
}

}  // namespace kuaguan::cli
