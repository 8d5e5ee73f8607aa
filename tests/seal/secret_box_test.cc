// Small secrets at rest: sealed under a passphrase, opened only with it, any changed byte refused.
#include <catch2/catch.hpp>

#include "seal/secret_box.h"

using namespace kuaguan::seal;

TEST_CASE("a sealed secret opens with its passphrase only, and not once changed") {
  const std::string key(32, '\x5a');
  auto sealed = SealSecret("correct horse", key);
  REQUIRE(sealed.ok());
  CHECK(IsSealedSecret(*sealed));
  CHECK(sealed->find(key) == std::string::npos);
  auto again = SealSecret("correct horse", key);
  REQUIRE(again.ok());
  CHECK(*again != *sealed);  // a fresh salt and nonce each time
  auto opened = OpenSecret("correct horse", *sealed);
  REQUIRE(opened.ok());
  CHECK(*opened == key);
  CHECK(OpenSecret("wrong horse", *sealed).status().code() == absl::StatusCode::kUnauthenticated);
  std::string changed = *sealed;
  changed[changed.size() / 2] ^= 1;
  CHECK(OpenSecret("correct horse", changed).status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(OpenSecret("correct horse", key).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(SealSecret("", key).status().code() == absl::StatusCode::kInvalidArgument);
}
