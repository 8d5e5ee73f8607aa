#include "seal/e_seal.h"

#include <botan/asn1_str.h>
#include <botan/asn1_time.h>
#include <botan/ber_dec.h>
#include <botan/der_enc.h>
#include <botan/pem.h>
#include <botan/x509cert.h>

#include "absl/strings/str_cat.h"
#include "seal/certs.h"
#include "seal/sm2.h"
#include "seal/digest.h"

namespace kuaguan::seal {
namespace {

constexpr size_t kVersion = 4;
constexpr char kVendor[] = "Kuaguan";

using Bytes = std::vector<uint8_t>;

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string ToString(const Bytes& b) { return std::string(b.begin(), b.end()); }

// eSealInfo ::= SEQUENCE { header, esID, property, picture }
Bytes EncodeSealInfo(const SealInfo& info) {
  Bytes out;
  Botan::DER_Encoder enc(out);
  enc.start_cons(Botan::SEQUENCE)
      .start_cons(Botan::SEQUENCE)
      .encode(Botan::ASN1_String("ES", Botan::IA5_STRING))
      .encode(kVersion)
      .encode(Botan::ASN1_String(kVendor, Botan::IA5_STRING))
      .end_cons()
      .encode(Botan::ASN1_String(info.seal_id, Botan::IA5_STRING))
      .start_cons(Botan::SEQUENCE)
      .encode(size_t{1})  // type: official seal (单位印章)
      .encode(Botan::ASN1_String(info.name, Botan::UTF8_STRING))
      .encode(size_t{2})  // certListType: digests of certificates
      .start_cons(Botan::SEQUENCE);
  for (const auto& d : info.signer_cert_sm3) enc.encode(ToBytes(d), Botan::OCTET_STRING);
  enc.end_cons()
      .encode(Botan::X509_Time(info.created))
      .encode(Botan::X509_Time(info.valid_from))
      .encode(Botan::X509_Time(info.valid_to))
      .end_cons()
      .start_cons(Botan::SEQUENCE)
      .encode(Botan::ASN1_String("PNG", Botan::IA5_STRING))
      .encode(ToBytes(info.picture_png), Botan::OCTET_STRING)
      .encode(static_cast<size_t>(info.width_mm))
      .encode(static_cast<size_t>(info.height_mm))
      .end_cons()
      .end_cons();
  return out;
}

Bytes EncodeSeal(const Bytes& info_der, const std::string& maker_cert_der, const std::string& signature) {
  Bytes out;
  Botan::DER_Encoder enc(out);
  enc.start_cons(Botan::SEQUENCE)
      .raw_bytes(info_der)
      .start_cons(Botan::SEQUENCE)
      .encode(ToBytes(maker_cert_der), Botan::OCTET_STRING)
      .encode(Botan::OID::from_string(kSm2SignatureOid))
      .encode(ToBytes(signature), Botan::BIT_STRING)
      .end_cons()
      .end_cons();
  return out;
}

// TBS_Sign ::= SEQUENCE { version, eseal, timeInfo, dataHash, propertyInfo, cert, signatureAlgorithm }
Bytes EncodeToSign(const Stamp& s) {
  Bytes out;
  Botan::DER_Encoder enc(out);
  enc.start_cons(Botan::SEQUENCE)
      .encode(kVersion)
      .raw_bytes(ToBytes(s.seal_der))
      .encode(Botan::X509_Time(s.time))
      .encode(ToBytes(s.data_sm3), Botan::BIT_STRING)
      .encode(Botan::ASN1_String(s.property, Botan::IA5_STRING))
      .encode(ToBytes(s.signer_cert_der), Botan::OCTET_STRING)
      .encode(Botan::OID::from_string(kSm2SignatureOid))
      .end_cons();
  return out;
}

Bytes EncodeStamp(const Bytes& to_sign, const std::string& signature) {
  Bytes out;
  Botan::DER_Encoder enc(out);
  enc.start_cons(Botan::SEQUENCE)
      .raw_bytes(to_sign)
      .encode(Botan::OID::from_string(kSm2SignatureOid))
      .encode(ToBytes(signature), Botan::BIT_STRING)
      .end_cons();
  return out;
}

// The whole TLV of the next object.
Bytes NextRaw(Botan::BER_Decoder& dec) {
  const Botan::BER_Object obj = dec.get_next_object();
  Bytes out;
  Botan::DER_Encoder enc(out);
  enc.add_object(obj.type(), obj.get_class(), obj.bits(), obj.length());
  return out;
}

std::string NextString(Botan::BER_Decoder& dec) {
  Botan::ASN1_String s;
  dec.decode(s);
  return s.value();
}

std::chrono::system_clock::time_point NextTime(Botan::BER_Decoder& dec) {
  Botan::X509_Time t;
  dec.decode(t);
  return t.to_std_timepoint();
}

std::string NextOctets(Botan::BER_Decoder& dec, Botan::ASN1_Tag tag) {
  Bytes b;
  dec.decode(b, tag);
  return ToString(b);
}

void ExpectSm2Oid(Botan::BER_Decoder& dec) {
  Botan::OID oid;
  dec.decode(oid);
  if (oid != Botan::OID::from_string(kSm2SignatureOid)) {
    throw Botan::Decoding_Error(absl::StrCat("signature algorithm ", oid.to_string(), " is not SM2 with SM3"));
  }
}

absl::StatusOr<std::string> PublicKeyOf(const std::string& cert_der) {
  try {
    Botan::X509_Certificate cert(ToBytes(cert_der));
    const Bytes spki = cert.subject_public_key_info();
    return ToString(spki);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("the certificate does not parse: ", e.what()));
  }
}

}  // namespace

std::string CertSm3(const std::string& cert_der) { return seal::Sm3(cert_der); }

absl::StatusOr<std::string> PemToDer(const std::string& pem) {
  try {
    std::string label;
    const auto der = Botan::PEM_Code::decode(pem, label);
    if (label != "CERTIFICATE") return absl::InvalidArgumentError(absl::StrCat("PEM holds a ", label, ", not a certificate"));
    return std::string(der.begin(), der.end());
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a PEM certificate: ", e.what()));
  }
}

std::string MakeSeal(const SealInfo& info, const Botan::Private_Key& maker_key, const std::string& maker_cert_der) {
  const Bytes info_der = EncodeSealInfo(info);
  return ToString(EncodeSeal(info_der, maker_cert_der, Sm2Sign(maker_key, ToString(info_der))));
}

absl::StatusOr<ParsedSeal> VerifySeal(const std::string& seal_der, const std::string& maker_cert_der) {
  ParsedSeal out;
  std::string signature;
  try {
    Botan::BER_Decoder top(ToBytes(seal_der));
    Botan::BER_Decoder seal = top.start_cons(Botan::SEQUENCE);
    Botan::BER_Decoder info = seal.start_cons(Botan::SEQUENCE);
    Botan::BER_Decoder header = info.start_cons(Botan::SEQUENCE);
    size_t version = 0;
    if (NextString(header) != "ES") return absl::InvalidArgumentError("the seal's header is not \"ES\"");
    header.decode(version);
    if (version != kVersion) return absl::InvalidArgumentError(absl::StrCat("seal version ", version, " is not 4"));
    NextString(header);
    header.verify_end();
    out.info.seal_id = NextString(info);
    Botan::BER_Decoder prop = info.start_cons(Botan::SEQUENCE);
    size_t type = 0, list_type = 0;
    prop.decode(type);
    out.info.name = NextString(prop);
    prop.decode(list_type);
    Botan::BER_Decoder list = prop.start_cons(Botan::SEQUENCE);
    while (list.more_items()) out.info.signer_cert_sm3.push_back(NextOctets(list, Botan::OCTET_STRING));
    list.verify_end();
    out.info.created = NextTime(prop);
    out.info.valid_from = NextTime(prop);
    out.info.valid_to = NextTime(prop);
    prop.verify_end();
    Botan::BER_Decoder picture = info.start_cons(Botan::SEQUENCE);
    NextString(picture);
    out.info.picture_png = NextOctets(picture, Botan::OCTET_STRING);
    size_t w = 0, h = 0;
    picture.decode(w).decode(h);
    picture.verify_end();
    out.info.width_mm = static_cast<int>(w);
    out.info.height_mm = static_cast<int>(h);
    info.verify_end();
    Botan::BER_Decoder sign = seal.start_cons(Botan::SEQUENCE);
    out.maker_cert_der = NextOctets(sign, Botan::OCTET_STRING);
    ExpectSm2Oid(sign);
    signature = NextOctets(sign, Botan::BIT_STRING);
    sign.verify_end();
    seal.verify_end();
    top.verify_end();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("the seal (SESeal) does not parse: ", e.what()));
  }
  const Bytes info_der = EncodeSealInfo(out.info);
  if (ToString(EncodeSeal(info_der, out.maker_cert_der, signature)) != seal_der) {
    return absl::InvalidArgumentError("the seal (SESeal) is not in its canonical encoding: it was altered");
  }
  if (out.maker_cert_der != maker_cert_der) {
    return absl::UnauthenticatedError("the seal was made by another seal maker than this federation's");
  }
  auto key = PublicKeyOf(maker_cert_der);
  if (!key.ok()) return key.status();
  if (absl::Status s = Sm2Verify(*key, ToString(info_der), signature); !s.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the seal maker's signature over the seal does not verify (", s.message(), "): the seal was altered"));
  }
  return out;
}

std::string MakeStamp(const Stamp& stamp, const Botan::Private_Key& signer_key) {
  const Bytes to_sign = EncodeToSign(stamp);
  return ToString(EncodeStamp(to_sign, Sm2Sign(signer_key, ToString(to_sign))));
}

absl::StatusOr<Stamp> VerifyStamp(const std::string& stamp_der) {
  Stamp out;
  std::string signature;
  try {
    Botan::BER_Decoder top(ToBytes(stamp_der));
    Botan::BER_Decoder sig = top.start_cons(Botan::SEQUENCE);
    Botan::BER_Decoder tbs = sig.start_cons(Botan::SEQUENCE);
    size_t version = 0;
    tbs.decode(version);
    if (version != kVersion) return absl::InvalidArgumentError(absl::StrCat("stamp version ", version, " is not 4"));
    out.seal_der = ToString(NextRaw(tbs));
    out.time = NextTime(tbs);
    out.data_sm3 = NextOctets(tbs, Botan::BIT_STRING);
    out.property = NextString(tbs);
    out.signer_cert_der = NextOctets(tbs, Botan::OCTET_STRING);
    ExpectSm2Oid(tbs);
    tbs.verify_end();
    ExpectSm2Oid(sig);
    signature = NextOctets(sig, Botan::BIT_STRING);
    sig.verify_end();
    top.verify_end();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("the stamp (SES_Signature) does not parse: ", e.what()));
  }
  const Bytes to_sign = EncodeToSign(out);
  if (ToString(EncodeStamp(to_sign, signature)) != stamp_der) {
    return absl::InvalidArgumentError("the stamp (SES_Signature) is not in its canonical encoding: it was altered");
  }
  auto key = PublicKeyOf(out.signer_cert_der);
  if (!key.ok()) return key.status();
  if (absl::Status s = Sm2Verify(*key, ToString(to_sign), signature); !s.ok()) {
    return absl::UnauthenticatedError("the seal signature does not verify with the signer's certificate: the stamp was altered");
  }
  return out;
}

}  // namespace kuaguan::seal
