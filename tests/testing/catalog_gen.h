// Generates realistic Chinese catalog records for demos, tests and benchmarks, from our own
// vocabulary (agencies, subjects, document types, names). Deterministic for a given seed.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "kuaguan/v1/record.pb.h"

namespace kuaguan::testing {

struct CatalogGenOptions {
  uint64_t count = 1000;
  uint64_t seed = 1;
  bool full_text = false;  // add a paragraph of body text to each record
};

// `count` records with valid, unique reference codes.
std::vector<kuaguan::v1::Record> GenerateRecords(const CatalogGenOptions& options);

// The records as a catalog file: CSV with Chinese element names, or JSON Lines with English keys.
std::string CatalogCsv(const std::vector<kuaguan::v1::Record>& records);
std::string CatalogJsonLines(const std::vector<kuaguan::v1::Record>& records);

}  // namespace kuaguan::testing
