// Electronic seals in the shape of GB/T 38540-2020 (SESeal and SES_Signature), in our own DER
// and signed with SM2/SM3: the seal maker (the provincial CA) makes each archive's seal, binding
// its name, the digest of its SM2 seal certificate, a validity window and the seal picture; the
// archive stamps a document with it, signing the whole seal, the time, the document's SM3 and its
// seal certificate. Parsing is strict: a structure that is not exactly what we would encode is
// refused, so no byte of a stamp can change unnoticed.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace Botan {
class Private_Key;
}

namespace kuaguan::seal {

struct SealInfo {
  std::string seal_id;        // esID: unique in the federation (archive code and a number)
  std::string name;           // the seal's name, e.g. 郑州市档案馆电子出证专用章
  std::vector<std::string> signer_cert_sm3;  // SM3 (32 bytes) of each seal certificate allowed to use it
  std::chrono::system_clock::time_point created, valid_from, valid_to;
  std::string picture_png;
  int width_mm = 42, height_mm = 42;
};

// Makes a seal (SESeal DER) signed by the maker's SM2 key; `maker_cert_der` is its certificate.
std::string MakeSeal(const SealInfo& info, const Botan::Private_Key& maker_key, const std::string& maker_cert_der);

struct ParsedSeal {
  SealInfo info;
  std::string maker_cert_der;
};

// Parses a seal and checks the maker's signature with the SM2 public key of `maker_cert_der`
// (the caller decides whether that maker is trusted). UNAUTHENTICATED or INVALID_ARGUMENT with
// the reason.
absl::StatusOr<ParsedSeal> VerifySeal(const std::string& seal_der, const std::string& maker_cert_der);

struct Stamp {
  std::string seal_der;
  std::chrono::system_clock::time_point time;
  std::string data_sm3;     // SM3 of what is stamped
  std::string property;     // what kind of document, e.g. "kuaguan-certificate-1"
  std::string signer_cert_der;
};

// Stamps (SES_Signature DER): the signer's SM2 signature over the version, the whole seal, the
// time, the data's SM3, the property and the signer's certificate.
std::string MakeStamp(const Stamp& stamp, const Botan::Private_Key& signer_key);

// Parses a stamp and checks the signature with the SM2 key of the certificate inside it. It does
// not judge the seal or the certificate (see VerifySeal, CheckSealCert). UNAUTHENTICATED or
// INVALID_ARGUMENT with the reason.
absl::StatusOr<Stamp> VerifyStamp(const std::string& stamp_der);

// SM3 of a certificate's DER, as seals list their allowed signers.
std::string CertSm3(const std::string& cert_der);

// The DER of a PEM certificate. INVALID_ARGUMENT when it is not one.
absl::StatusOr<std::string> PemToDer(const std::string& pem);

}  // namespace kuaguan::seal
