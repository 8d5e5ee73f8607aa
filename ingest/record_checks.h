// The checks a catalog row passes once its fields are set (DA/T 46 and the reference code rules).
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "kuaguan/v1/record.pb.h"
#include "proto/record_fields.h"

namespace kuaguan::ingest {

// Completes and cross-checks a record whose fields were set: derives 年度 from 日期 and 保管期限
// from the code when absent, parses the reference code, defaults share class to not shared and
// open status to controlled (fail closed; an unconditionally shared record without one is open
// from formation, R3.2), and checks that year, retention and fonds agree with
// the code and the date. Returns every problem found (empty when the record is good).
std::vector<proto::FieldError> FinishRecord(kuaguan::v1::Record* record);

}  // namespace kuaguan::ingest
