// The certificate document (出证文件) as a PDF, drawn with cairo and pango (Noto CJK): an A4
// cover page (serial, issuing and requesting archive, person, category, purpose, the certified
// records with their digests, the statement of legal force, the clerk, the date and a QR code
// carrying the serial and digest), then one page per record page image (the shared, masked
// derivatives). The red seal on every page, and when there are several pages a riding seal
// (骑缝章): page i shows slice i of N of the seal on its right edge, vertically centred, so the
// slices joined make the whole seal. The same input gives the same bytes.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kuaguan::document {

struct CertifiedRecord {
  std::string code, title, date;
  int pages = 0;
  std::string sm3_hex;
};

struct CertificatePage {
  std::string image;    // PNG, or JPEG (embedded as is)
  std::string caption;  // e.g. "档号 X — 第 2 页 / 共 3 页"
};

struct CertificateDocument {
  std::string serial;
  std::string issuing_code, issuing_name, requesting_code, requesting_name;
  std::string person_name, person_id_masked;
  std::string category, purpose;
  std::string issued_at;  // already formatted local time
  std::string clerk;
  std::string approver;  // under dual approval; empty otherwise
  std::string authorization;  // 有条件共享: the authorization it rests on; empty otherwise
  std::vector<CertifiedRecord> records;
  std::vector<CertificatePage> pages;
  std::string seal_png;
  std::string qr_text;
  int64_t created_unix_seconds = 0;  // the PDF's creation date
};

// INVALID_ARGUMENT naming what is wrong: no serial, no records, a page image that is neither a
// PNG nor a JPEG or does not decode, a seal that is not a PNG.
absl::StatusOr<std::string> RenderCertificatePdf(const CertificateDocument& doc);

}  // namespace kuaguan::document
