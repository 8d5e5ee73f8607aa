#include "seal/sealed_certificate.h"

#include <botan/asn1_str.h>
#include <botan/ber_dec.h>
#include <botan/der_enc.h>
#include <botan/pem.h>

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "seal/certs.h"
#include "seal/e_seal.h"
#include "seal/certificate_serial.h"
#include "seal/digest.h"

namespace kuaguan::seal {
namespace {

constexpr char kMarker[] = "%KuaguanSeal-1\n";

using Bytes = std::vector<uint8_t>;

struct Trailer {
  uint64_t size = 0;
  std::string root, info;
  uint64_t startxref = 0;
};

// PDF white space.
bool IsPdfSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0'; }

// Reads white space (at least one when `required`) then 1-19 digits at `*at`, advancing it.
bool ReadNumber(absl::string_view s, size_t* at, bool required_space, uint64_t* out) {
  size_t i = *at;
  const size_t spaces_from = i;
  while (i < s.size() && IsPdfSpace(s[i])) ++i;
  if (required_space && i == spaces_from) return false;
  const size_t digits_from = i;
  while (i < s.size() && i - digits_from < 20 && absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == digits_from || i - digits_from > 19) return false;
  if (!absl::SimpleAtoi(s.substr(digits_from, i - digits_from), out)) return false;
  *at = i;
  return true;
}

// The first `key` in `s` followed by a number; nullopt when there is none.
std::optional<uint64_t> NumberAfter(absl::string_view s, absl::string_view key) {
  for (size_t at = s.find(key); at != absl::string_view::npos; at = s.find(key, at + 1)) {
    size_t i = at + key.size();
    uint64_t n = 0;
    if (ReadNumber(s, &i, true, &n)) return n;
  }
  return std::nullopt;
}

// The first `key` in `s` followed by an indirect reference "N G R", as written ("N G R").
std::optional<std::string> ReferenceAfter(absl::string_view s, absl::string_view key) {
  for (size_t at = s.find(key); at != absl::string_view::npos; at = s.find(key, at + 1)) {
    size_t i = at + key.size();
    uint64_t number = 0, generation = 0;
    if (!ReadNumber(s, &i, true, &number) || !ReadNumber(s, &i, true, &generation)) continue;
    const size_t before_r = i;
    while (i < s.size() && IsPdfSpace(s[i])) ++i;
    if (i == before_r || i >= s.size() || s[i] != 'R') continue;
    return absl::StrCat(number, " ", generation, " R");
  }
  return std::nullopt;
}

// The last classic trailer of `pdf` (cairo writes one, no cross-reference streams), read by hand
// from at most the last 64 KiB: every step is bounded, whatever the bytes.
absl::StatusOr<Trailer> LastTrailer(const std::string& pdf) {
  constexpr size_t kMaxTail = 64 << 10;
  const size_t at = pdf.rfind("trailer");
  if (at == std::string::npos) return absl::InvalidArgumentError("the PDF has no trailer");
  if (pdf.size() - at > kMaxTail) return absl::InvalidArgumentError("the PDF trailer is too long");
  const absl::string_view tail = absl::string_view(pdf).substr(at);
  Trailer t;
  const std::optional<uint64_t> size = NumberAfter(tail, "/Size");
  if (!size) return absl::InvalidArgumentError("the PDF trailer has no /Size");
  t.size = *size;
  const std::optional<std::string> root = ReferenceAfter(tail, "/Root");
  if (!root) return absl::InvalidArgumentError("the PDF trailer has no /Root");
  t.root = *root;
  t.info = ReferenceAfter(tail, "/Info").value_or("");
  const size_t sx = tail.rfind("startxref");
  size_t i = sx == absl::string_view::npos ? tail.size() : sx + 9;
  bool ends = sx != absl::string_view::npos && ReadNumber(tail, &i, true, &t.startxref);
  if (ends) {
    const size_t before = i;
    while (i < tail.size() && IsPdfSpace(tail[i])) ++i;
    ends = i > before && tail.substr(i, 5) == "%%EOF";
    i += 5;
    while (ends && i < tail.size() && IsPdfSpace(tail[i])) ++i;
    ends = ends && i >= tail.size();
  }
  if (!ends) return absl::InvalidArgumentError("the PDF does not end with startxref and %%EOF");
  return t;
}

std::string ObjectHeader(uint64_t number, size_t length) {
  return absl::StrCat(number, " 0 obj\n<< /Type /KuaguanSeal /Length ", length, " >>\nstream\n");
}

// The incremental update that adds `payload` to `pdf`.
absl::StatusOr<std::string> UpdateSection(const std::string& pdf, const std::string& payload) {
  if (pdf.rfind("%PDF-", 0) != 0) return absl::InvalidArgumentError("not a PDF file (no %PDF- header)");
  if (pdf.empty() || pdf.back() != '\n') return absl::InvalidArgumentError("the PDF does not end with a line break");
  auto trailer = LastTrailer(pdf);
  if (!trailer.ok()) return trailer.status();
  const uint64_t number = trailer->size;
  const size_t object_at = pdf.size() + sizeof(kMarker) - 1;
  std::string out = kMarker;
  absl::StrAppend(&out, ObjectHeader(number, payload.size()), payload, "\nendstream\nendobj\n");
  const size_t xref_at = pdf.size() + out.size();
  absl::StrAppend(&out, "xref\n", number, " 1\n", absl::StrFormat("%010u 00000 n \n", object_at));
  absl::StrAppend(&out, "trailer\n<< /Size ", number + 1, " /Root ", trailer->root);
  if (!trailer->info.empty()) absl::StrAppend(&out, " /Info ", trailer->info);
  absl::StrAppend(&out, " /Prev ", trailer->startxref, " /KuaguanSeal ", number, " 0 R >>\nstartxref\n", xref_at,
                  "\n%%EOF\n");
  return out;
}

std::string EncodePayload(const std::string& content, const std::string& stamp) {
  Bytes out;
  Botan::DER_Encoder enc(out);
  enc.start_cons(Botan::SEQUENCE)
      .encode(Botan::ASN1_String(kCertificateProperty, Botan::IA5_STRING))
      .encode(Bytes(content.begin(), content.end()), Botan::OCTET_STRING)
      .encode(Bytes(stamp.begin(), stamp.end()), Botan::OCTET_STRING)
      .end_cons();
  return std::string(out.begin(), out.end());
}

struct Parts {
  std::string pdf, content, stamp;
};

absl::StatusOr<Parts> Split(const std::string& file) {
  const std::string marker = absl::StrCat("\n", kMarker);
  const size_t at = file.rfind(marker);
  if (at == std::string::npos) {
    return absl::InvalidArgumentError("no Kuaguan seal in this file: it is not a sealed certificate, or it was cut");
  }
  Parts parts;
  parts.pdf = file.substr(0, at + 1);
  const absl::string_view head = absl::string_view(file).substr(at + marker.size(), 200);
  // "N 0 obj\n<< /Type /KuaguanSeal /Length L >>\nstream\n", read by hand.
  size_t i = 0;
  uint64_t number = 0, length = 0;
  constexpr absl::string_view kMiddle = " 0 obj\n<< /Type /KuaguanSeal /Length";
  constexpr absl::string_view kEnd = " >>\nstream\n";
  if (!ReadNumber(head, &i, false, &number) || head.substr(i, kMiddle.size()) != kMiddle ||
      !ReadNumber(head, &(i += kMiddle.size()), true, &length) || head.substr(i, kEnd.size()) != kEnd ||
      ObjectHeader(number, length) != head.substr(0, i + kEnd.size())) {
    return absl::InvalidArgumentError("the seal section of the file is damaged");
  }
  const size_t payload_at = at + marker.size() + i + kEnd.size();
  if (payload_at + length > file.size()) return absl::InvalidArgumentError("the seal section of the file is cut short");
  const std::string payload = file.substr(payload_at, length);
  auto section = UpdateSection(parts.pdf, payload);
  if (!section.ok()) return absl::InvalidArgumentError(absl::StrCat("the sealed PDF is damaged: ", section.status().message()));
  if (parts.pdf + *section != file) {
    return absl::InvalidArgumentError("the file was changed after sealing: its seal section is not as written");
  }
  try {
    Botan::BER_Decoder top(Bytes(payload.begin(), payload.end()));
    Botan::BER_Decoder seq = top.start_cons(Botan::SEQUENCE);
    Botan::ASN1_String property;
    Bytes content, stamp;
    seq.decode(property).decode(content, Botan::OCTET_STRING).decode(stamp, Botan::OCTET_STRING).verify_end();
    top.verify_end();
    if (property.value() != kCertificateProperty) {
      return absl::InvalidArgumentError(absl::StrCat("unknown seal data kind \"", property.value(), "\""));
    }
    parts.content.assign(content.begin(), content.end());
    parts.stamp.assign(stamp.begin(), stamp.end());
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("the seal data does not parse: ", e.what()));
  }
  if (EncodePayload(parts.content, parts.stamp) != payload) {
    return absl::InvalidArgumentError("the seal data is not in its canonical encoding: it was altered");
  }
  return parts;
}

std::string DataDigest(const std::string& content, const std::string& pdf) { return seal::Sm3(content + pdf); }

}  // namespace

absl::StatusOr<std::string> SealCertificate(const std::string& pdf, const kuaguan::v1::CertificateContent& content,
                                            const std::string& seal_der, const std::string& seal_cert_pem,
                                            const Botan::Private_Key& seal_key,
                                            std::chrono::system_clock::time_point when) {
  auto cert_der = PemToDer(seal_cert_pem);
  if (!cert_der.ok()) return cert_der.status();
  const std::string content_bytes = seal::SerializeDeterministic(content);
  Stamp stamp;
  stamp.seal_der = seal_der;
  stamp.time = when;
  stamp.data_sm3 = DataDigest(content_bytes, pdf);
  stamp.property = kCertificateProperty;
  stamp.signer_cert_der = *cert_der;
  const std::string payload = EncodePayload(content_bytes, MakeStamp(stamp, seal_key));
  auto section = UpdateSection(pdf, payload);
  if (!section.ok()) return section.status();
  return pdf + *section;
}

absl::StatusOr<VerifiedCertificate> VerifySealedCertificate(const std::string& file,
                                                            const kuaguan::v1::TrustBundle& trust) {
  if (file.size() > kMaxCertificateBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the file has ", file.size(), " bytes; a certificate has at most ",
                                                   kMaxCertificateBytes >> 20, " MiB"));
  }
  auto parts = Split(file);
  if (!parts.ok()) return parts.status();
  auto stamp = VerifyStamp(parts->stamp);
  if (!stamp.ok()) return stamp.status();
  auto maker_der = PemToDer(trust.seal_maker_pem());
  if (!maker_der.ok()) return absl::FailedPreconditionError("no seal maker certificate to verify against");
  auto seal = VerifySeal(stamp->seal_der, *maker_der);
  if (!seal.ok()) return seal.status();
  if (stamp->time < seal->info.valid_from || stamp->time > seal->info.valid_to) {
    return absl::UnauthenticatedError(absl::StrCat("the seal ", seal->info.seal_id, " was not valid when the certificate was sealed"));
  }
  const std::string signer_sm3 = CertSm3(stamp->signer_cert_der);
  if (std::find(seal->info.signer_cert_sm3.begin(), seal->info.signer_cert_sm3.end(), signer_sm3) ==
      seal->info.signer_cert_sm3.end()) {
    return absl::UnauthenticatedError("the signer's certificate is not one the seal lists: the seal was used by someone else");
  }
  if (DataDigest(parts->content, parts->pdf) != stamp->data_sm3) {
    return absl::UnauthenticatedError("the document was changed after sealing: its SM3 digest does not match the seal's");
  }
  VerifiedCertificate out;
  if (!out.content.ParseFromString(parts->content)) {
    return absl::InvalidArgumentError("the certified content does not parse");
  }
  const kuaguan::v1::CertificateContent& c = out.content;
  const std::string signer_pem =
      Botan::PEM_Code::encode(Bytes(stamp->signer_cert_der.begin(), stamp->signer_cert_der.end()), "CERTIFICATE");
  auto signer = CheckSealCert(signer_pem, trust.seal_maker_pem(), trust.root_pem(), stamp->time);
  if (!signer.ok()) return absl::UnauthenticatedError(absl::StrCat("the seal certificate: ", signer.status().message()));
  if (signer->subject_cn != c.issuing_archive()) {
    return absl::UnauthenticatedError(absl::StrCat("the seal certificate belongs to archive ", signer->subject_cn,
                                                    ", not to the issuing archive ", c.issuing_archive()));
  }
  auto serial = seal::ParseSerial(c.serial());
  if (!serial.ok()) return absl::UnauthenticatedError(absl::StrCat("the serial: ", serial.status().message()));
  if (serial->archive != c.issuing_archive()) {
    return absl::UnauthenticatedError(absl::StrCat("serial ", c.serial(), " is not of the issuing archive ", c.issuing_archive()));
  }
  const kuaguan::v1::TrustBundle::MemberSeal* member = nullptr;
  for (const auto& m : trust.members()) {
    if (m.code() == c.issuing_archive()) member = &m;
  }
  if (member == nullptr) {
    return absl::UnauthenticatedError(absl::StrCat("archive ", c.issuing_archive(), " is not a member of this federation"));
  }
  if (member->revoked()) {
    return absl::UnauthenticatedError(absl::StrCat("archive ", c.issuing_archive(), " was revoked from the federation: ",
                                                   member->revoked_reason()));
  }
  for (const auto& revoked : trust.revoked_serials()) {
    if (absl::AsciiStrToUpper(revoked) == signer->serial_hex) {
      return absl::UnauthenticatedError(absl::StrCat("the seal certificate ", signer->serial_hex, " of archive ",
                                                     c.issuing_archive(),
                                                     " is revoked (印章证书已吊销): what it sealed is not valid"));
    }
  }
  // The signer must be the very certificate the directory registers for the archive now: a
  // superseded seal key (re-enrollment) or any other certificate the seal maker made for it is not.
  auto registered = PemToDer(member->seal_cert_pem());
  if (!registered.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("the directory registers no seal certificate for archive ",
                                                   c.issuing_archive()));
  }
  if (*registered != stamp->signer_cert_der) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the seal certificate ", signer->serial_hex, " is not the one the directory registers for archive ",
        c.issuing_archive(), " (not its registered seal certificate: superseded, 已被替换, or never registered)"));
  }
  out.seal_id = seal->info.seal_id;
  out.seal_name = seal->info.name;
  out.sealed_at = stamp->time;
  out.pdf = std::move(parts->pdf);
  out.file_sm3 = seal::Sm3(file);
  return out;
}

kuaguan::v1::VerifyResult DescribeVerification(const absl::StatusOr<VerifiedCertificate>& verified,
                                               const kuaguan::v1::TrustBundle& trust) {
  kuaguan::v1::VerifyResult out;
  out.set_directory_version(trust.directory_version());
  if (!verified.ok()) {
    out.set_reason(std::string(verified.status().message()));
    return out;
  }
  const auto& c = verified->content;
  out.set_valid(true);
  out.set_serial(c.serial());
  out.set_issuing_archive(c.issuing_archive());
  out.set_issuing_name(c.issuing_name());
  out.set_person_name(c.person_name());
  out.set_issued_micros(c.issued_micros());
  for (const auto& r : c.records()) out.add_records(absl::StrCat(r.code(), " ", r.title()));
  out.set_seal_id(verified->seal_id);
  return out;
}

}  // namespace kuaguan::seal
