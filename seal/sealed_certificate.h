// A sealed certificate file (出证文件): the certificate PDF as rendered, followed by one PDF
// incremental update that adds a stream object holding the seal data — the canonical certificate
// content (CertificateContent) and the archive's stamp (SES_Signature, see e_seal.h) over
// SM3(content ‖ PDF bytes). So the single file opens in any PDF reader and verifies on its own.
// Verification is byte-exact: the update section is rebuilt from what it holds and must equal
// the file's tail, so changing any byte anywhere fails, with the reason.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/request.pb.h"

namespace Botan {
class Private_Key;
}

namespace kuaguan::seal {

inline constexpr char kCertificateProperty[] = "kuaguan-certificate-1";

// Stamps `pdf` (as rendered) and `content` with the archive's seal (`seal_der`, whose signer list
// must hold `seal_cert_pem`) and its SM2 seal key; returns the sealed file. INVALID_ARGUMENT when
// `pdf` is not a PDF with a classic trailer, or the seal does not list the certificate.
absl::StatusOr<std::string> SealCertificate(const std::string& pdf, const kuaguan::v1::CertificateContent& content,
                                            const std::string& seal_der, const std::string& seal_cert_pem,
                                            const Botan::Private_Key& seal_key,
                                            std::chrono::system_clock::time_point when);

// The largest file taken for a certificate (ours are a few hundred KiB a page).
inline constexpr size_t kMaxCertificateBytes = 32 << 20;

struct VerifiedCertificate {
  kuaguan::v1::CertificateContent content;
  std::string seal_id, seal_name;
  std::chrono::system_clock::time_point sealed_at;
  std::string pdf;       // the PDF as rendered, before sealing
  std::string file_sm3;  // of the whole file
};

// Verifies a sealed file against `trust` (from a signed directory), in the order of GB/T 38540:
// the file's structure; the seal maker (this federation's) and its signature over the seal; the
// seal's validity at sealing time; the signer's certificate (listed by the seal, made by the seal
// maker, of the issuing archive); the stamp's signature; the digest of content and PDF; the
// serial's check character and archive; the issuing archive not revoked; the signer's seal
// certificate not revoked by serial and exactly (byte for byte) the one `trust` registers for the
// archive, so a superseded or revoked seal key makes nothing valid. UNAUTHENTICATED or
// INVALID_ARGUMENT with the first reason found.
absl::StatusOr<VerifiedCertificate> VerifySealedCertificate(const std::string& file,
                                                            const kuaguan::v1::TrustBundle& trust);

// The outcome of a verification as reported to people: valid with what the certificate says, or
// not valid with the reason.
kuaguan::v1::VerifyResult DescribeVerification(const absl::StatusOr<VerifiedCertificate>& verified,
                                               const kuaguan::v1::TrustBundle& trust);

}  // namespace kuaguan::seal
