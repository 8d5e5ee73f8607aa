#include "ingest/record_checks.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ingest/reference_code.h"

namespace kuaguan::ingest {
namespace v1 = kuaguan::v1;

std::vector<proto::FieldError> FinishRecord(v1::Record* r) {
  std::vector<proto::FieldError> errors;
  if (r->code().empty()) {
    errors.push_back({"code", "", "档号 is required"});
  } else {
    auto ref = ParseReferenceCode(r->code());
    if (!ref.ok()) {
      errors.push_back({"code", r->code(), std::string(ref.status().message())});
    } else {
      *r->mutable_reference() = *ref;
    }
  }
  if (r->title().empty()) errors.push_back({"title", "", "题名 is required"});

  const int date_year = r->date().empty() ? 0 : std::stoi(r->date().substr(0, 4));
  if (r->year() == 0 && date_year != 0) r->set_year(date_year);
  if (r->year() == 0) {
    errors.push_back({"year", "", "年度 is required (or a 日期 to derive it from)"});
  } else if (date_year != 0 && date_year != r->year()) {
    errors.push_back({"year", absl::StrCat(r->year()),
                      absl::StrCat("年度 does not match 日期 ", r->date())});
  }
  const auto& ref = r->reference();
  if (!ref.year().empty() && r->year() != 0 && ref.year() != absl::StrCat(r->year())) {
    errors.push_back({"year", absl::StrCat(r->year()),
                      absl::StrCat("年度 does not match the year ", ref.year(), " in 档号")});
  }
  if (!ref.retention().empty()) {
    if (r->retention() == v1::RETENTION_UNSPECIFIED) {
      auto rt = proto::ParseRetention(ref.retention());
      if (rt.ok()) r->set_retention(*rt);
    } else if (RetentionCodePart(r->retention()) != ref.retention()) {
      errors.push_back({"retention", proto::RetentionLabel(r->retention()),
                        absl::StrCat("保管期限 does not match the retention ", ref.retention(),
                                     " in 档号")});
    }
  }
  if (!r->fonds_number().empty() && !ref.fonds().empty() && r->fonds_number() != ref.fonds()) {
    errors.push_back({"fonds_number", r->fonds_number(),
                      absl::StrCat("全宗号 does not match the fonds ", ref.fonds(), " in 档号")});
  }
  if (r->share_class() == v1::SHARE_CLASS_UNSPECIFIED) {
    r->set_share_class(v1::SHARE_CLASS_NOT_SHARED);
  }
  if (r->open_status() == v1::OPEN_STATUS_UNSPECIFIED) {
    // No 控制标识 given: an unconditionally shared record is open from its formation (R3.2),
    // anything else controlled until an open appraisal says otherwise.
    r->set_open_status(r->share_class() == v1::SHARE_CLASS_UNCONDITIONAL ? v1::OPEN_STATUS_OPEN
                                                                          : v1::OPEN_STATUS_CONTROLLED);
  }
  return errors;
}

}  // namespace kuaguan::ingest
