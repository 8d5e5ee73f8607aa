#include "base/archive_id.h"

#include <catch2/catch.hpp>

using namespace kuaguan::base;

TEST_CASE("archive ids give their level") {
  CHECK(ParseArchiveId("410000")->level == ArchiveLevel::kProvincial);
  CHECK(ParseArchiveId("410100")->level == ArchiveLevel::kMunicipal);
  CHECK(ParseArchiveId("410102")->level == ArchiveLevel::kCounty);
}

TEST_CASE("bad archive ids are refused with a reason") {
  CHECK_FALSE(ParseArchiveId("41010").ok());
  CHECK_FALSE(ParseArchiveId("41a100").ok());
  CHECK_FALSE(ParseArchiveId("990000").ok());
  CHECK_FALSE(ParseArchiveId("000000").ok());
}
