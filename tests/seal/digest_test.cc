#include "seal/digest.h"

#include <catch2/catch.hpp>

using namespace kuaguan::seal;

TEST_CASE("SM3 and SHA-256 match the standard test vectors") {
  // GB/T 32905-2016 example 1: SM3("abc").
  CHECK(ToHex(Sm3("abc")) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  CHECK(ToHex(Sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
