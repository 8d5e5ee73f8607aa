// The enrollment token's form: four parts with both pins, hex in either case, and the old
// three-part form (which pinned only the root) and malformed ones refused with a reason that
// never repeats the secret.
#include <catch2/catch.hpp>

#include <string>

#include "absl/strings/ascii.h"
#include "seal/enrollment_token.h"

using kuaguan::seal::EnrollmentToken;
using kuaguan::seal::ParseEnrollmentToken;

namespace {

EnrollmentToken Good() {
  EnrollmentToken t;
  t.archive = "410200";
  t.secret = std::string(64, 'c');
  t.root_sha256 = std::string(32, 'a') + std::string(32, '1');
  t.provincial_sha256 = std::string(32, 'b') + std::string(32, '2');
  return t;
}

}  // namespace

TEST_CASE("an enrollment token round-trips and pins both the root and the provincial node") {
  const EnrollmentToken t = Good();
  const std::string text = t.ToString();
  CHECK(text.size() == 201);
  auto parsed = ParseEnrollmentToken(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->archive == "410200");
  CHECK(parsed->secret == t.secret);
  CHECK(parsed->root_sha256 == t.root_sha256);
  CHECK(parsed->provincial_sha256 == t.provincial_sha256);
  // Hex in upper case (copied by hand) and surrounding white space are read the same.
  auto upper = ParseEnrollmentToken("  " + absl::AsciiStrToUpper(text) + "\n");
  REQUIRE(upper.ok());
  CHECK(upper->ToString() == text);
}

TEST_CASE("old-form and malformed enrollment tokens are refused with a reason, never echoing the secret") {
  const EnrollmentToken t = Good();
  const std::string old_form = t.archive + "." + t.secret + "." + t.root_sha256;
  auto old = ParseEnrollmentToken(old_form);
  REQUIRE_FALSE(old.ok());
  CHECK(old.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(old.status().message().find("old form") != absl::string_view::npos);
  CHECK(old.status().message().find("kuaguan ca token") != absl::string_view::npos);

  auto with = [&](auto change) {
    EnrollmentToken bad = Good();
    change(bad);
    return ParseEnrollmentToken(bad.ToString());
  };
  CHECK(with([](EnrollmentToken& b) { b.archive = "41020"; }).status().message().find("six digits") !=
        absl::string_view::npos);
  CHECK(with([](EnrollmentToken& b) { b.archive = "41020x"; }).status().message().find("six digits") !=
        absl::string_view::npos);
  CHECK(with([](EnrollmentToken& b) { b.secret.pop_back(); }).status().message().find("secret") !=
        absl::string_view::npos);
  CHECK(with([](EnrollmentToken& b) { b.root_sha256[3] = 'g'; }).status().message().find("root pin") !=
        absl::string_view::npos);
  CHECK(with([](EnrollmentToken& b) { b.provincial_sha256 += "00"; }).status().message().find("provincial") !=
        absl::string_view::npos);
  for (const std::string& bad : {std::string(""), std::string("."), std::string("a.b.c.d.e"), t.ToString() + ".",
                                 std::string(100000, '.'), std::string(600, 'a')}) {
    auto r = ParseEnrollmentToken(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.status().message().find(t.secret) == absl::string_view::npos);
  }
}
