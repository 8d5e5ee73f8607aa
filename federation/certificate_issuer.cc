#include "federation/certificate_issuer.h"

#include "federation/authorization.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/actor.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "federation/request_rules.h"
#include "document/certificate_pdf.h"
#include "seal/e_seal.h"
#include "seal/sealed_certificate.h"
#include "proto/record_fields.h"
#include "seal/certificate_serial.h"
#include "seal/digest.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

namespace {

std::string DisplayDate(const std::string& yyyymmdd) {
  if (yyyymmdd.size() != 8) return yyyymmdd;
  return absl::StrCat(yyyymmdd.substr(0, 4), "-", yyyymmdd.substr(4, 2), "-", yyyymmdd.substr(6, 2));
}

}  // namespace

absl::StatusOr<std::string> CertificateIssuer::ReserveSerial(absl::Time now, const std::string& actor) {
  const int year = absl::ToCivilYear(now, Beijing()).year();
  const std::string seq_key = absl::StrCat("cert-seq/", archive_, "/", year);
  absl::MutexLock lock(&serial_mu_);
  ASSIGN_OR_RETURN(auto last, store_->GetMeta(seq_key));
  uint64_t seq = 0;
  if (last && !absl::SimpleAtoi(*last, &seq)) {
    return absl::DataLossError(absl::StrCat("bad counter ", seq_key));
  }
  ++seq;
  const std::string serial = seal::FormatSerial({archive_, year, seq});
  RETURN_IF_ERROR(store_->PutMeta({{seq_key, absl::StrCat(seq)}},
                                  {actor, "certificate.serial", serial, "ok: reserved"}));
  return serial;
}

absl::Status CertificateIssuer::AddRecord(const Certified& record, const std::string& actor,
                                        document::CertificateDocument* doc,
                                        v1::CertificateContent* content) {
  const std::string& code = record.code;
  auto got = holdings_->GetFor(code, actor, record.audience);
  if (!got.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("record ", code, " cannot be certified: ", got.status().message()));
  }
  const v1::Record& rec = got->record().record();
  auto* item = content->add_records();
  item->set_code(rec.code());
  item->set_title(rec.title());
  item->set_date(DisplayDate(rec.date()));
  item->set_record_sm3(seal::Sm3(seal::SerializeDeterministic(rec)));
  uint32_t pages = 0;
  for (uint32_t page = 1;; ++page) {
    v1::PageRequest pr;
    pr.set_code(code);
    pr.set_page(page);
    pr.set_shared(true);
    pr.set_copy("jpeg");
    auto image = holdings_->GetPageFor(pr, actor, record.audience);
    if (!image.ok()) {
      if (image.status().code() == absl::StatusCode::kOutOfRange || image.status().code() == absl::StatusCode::kNotFound) break;
      return absl::FailedPreconditionError(absl::StrCat("record ", code, " page ", page, ": ", image.status().message()));
    }
    ++pages;
    doc->pages.push_back({image->content(), absl::StrCat("档号 ", code, " — 第 ", page, " 页 / 共 ", image->pages(), " 页")});
    if (page >= image->pages()) break;
  }
  item->set_pages(pages);
  doc->records.push_back({rec.code(), rec.title(), DisplayDate(rec.date()), static_cast<int>(pages),
                         seal::ToHex(item->record_sm3())});
  return absl::OkStatus();
}

absl::StatusOr<IssuedDocument> CertificateIssuer::Issue(const v1::StoredRequest& stored,
                                                        const std::vector<Certified>& codes,
                                                        const std::string& clerk, const std::string& approver) {
  if (codes.empty()) return absl::InvalidArgumentError("name at least one record to certify (--record CODE)");
  ASSIGN_OR_RETURN(const SealKit seal, members_->Seal());
  const v1::RemoteRequest& r = stored.request();
  const std::string actor = absl::StrCat("request:", r.request_id());
  const absl::Time now = clock_->Now();
  // The requesting archive's name as the directory gives it, never as the request says.
  const std::string requesting_name = members_->MemberName(r.from_archive());
  if (requesting_name.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("archive ", r.from_archive(), " is not in the directory: no certificate is issued to it"));
  }

  document::CertificateDocument doc;
  v1::CertificateContent content;
  bool authorized = false;
  for (const Certified& c : codes) {
    RETURN_IF_ERROR(AddRecord(c, actor, &doc, &content));
    authorized |= c.audience == Audience::kAuthorized;
  }
  ASSIGN_OR_RETURN(const std::string serial, ReserveSerial(now, clerk));

  content.set_serial(serial);
  content.set_request_id(r.request_id());
  content.set_issuing_archive(archive_);
  content.set_issuing_name(name_);
  content.set_requesting_archive(r.from_archive());
  content.set_requesting_name(requesting_name);
  content.set_person_name(r.person_name());
  content.set_person_id_masked(r.person_id_masked());
  content.set_category(r.category());
  content.set_purpose(r.purpose());
  content.set_issued_micros(absl::ToUnixMicros(now));
  const std::string clerk_name = base::ParseActor(clerk).person;  // the person, not how they logged in
  content.set_clerk(clerk_name);
  if (!approver.empty()) content.set_approver(base::ParseActor(approver).person);
  if (authorized) content.set_authorization(DescribeAuthorization(r.authorization()));
  const std::string content_sm3 = seal::Sm3(seal::SerializeDeterministic(content));

  ASSIGN_OR_RETURN(const std::string maker_der, seal::PemToDer(members_->Trust().seal_maker_pem()));
  ASSIGN_OR_RETURN(const seal::ParsedSeal parsed_seal, seal::VerifySeal(seal.seal_der, maker_der));
  doc.serial = serial;
  doc.issuing_code = archive_;
  doc.issuing_name = name_;
  doc.requesting_code = r.from_archive();
  doc.requesting_name = requesting_name;
  doc.person_name = r.person_name();
  doc.person_id_masked = r.person_id_masked();
  doc.category = proto::LivelihoodLabel(r.category());
  doc.purpose = r.purpose();
  doc.issued_at = absl::FormatTime("%Y-%m-%d %H:%M", now, Beijing());
  doc.clerk = clerk_name;
  doc.approver = content.approver();
  doc.authorization = content.authorization();
  doc.seal_png = parsed_seal.info.picture_png;
  doc.qr_text = absl::StrCat("KUAGUAN-CERT:", serial, ":SM3:", seal::ToHex(content_sm3));
  doc.created_unix_seconds = absl::ToUnixSeconds(now);
  ASSIGN_OR_RETURN(const std::string pdf, document::RenderCertificatePdf(doc));
  ASSIGN_OR_RETURN(std::string file, seal::SealCertificate(pdf, content, seal.seal_der, seal.cert_pem, *seal.key,
                                                                 absl::ToChronoTime(now)));
  IssuedDocument out;
  out.certificate.set_serial(serial);
  out.certificate.set_sm3(seal::Sm3(file));
  out.certificate.set_pdf(std::move(file));
  out.certificate.set_issued_micros(content.issued_micros());
  out.certificate.set_pages(static_cast<uint32_t>(doc.pages.size() + 1));
  out.content = std::move(content);
  return out;
}

}  // namespace kuaguan::federation
