// The open appraisal's two documents as PDFs, drawn with cairo and pango (Noto CJK) like the
// certificate: the appraisal report (开放鉴定报告: the plan, counts, reasons and every item's
// decision with the three people who passed it) and the open announcement (开放公告: in the
// archive's name, the opened items numbered). A4, as many pages as the lists take, each page
// numbered. The same input gives the same bytes. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace kuaguan::document {

struct AppraisalReportRow {
  std::string code, title, date;
  std::string decision;  // e.g. "开放 open", "控制 controlled: 涉及个人隐私"
  std::string steps;     // e.g. "初审 钱鉴定 · 复审 孙复审 · 终审 李审批"
};

struct AppraisalReport {
  std::string archive_code, archive_name, plan;
  std::vector<std::pair<std::string, std::string>> facts;   // label, value (scope, appraisers...)
  std::vector<std::pair<std::string, std::string>> counts;  // label, number
  std::vector<std::pair<std::string, int>> reasons;          // reason, items
  std::vector<AppraisalReportRow> items;
  std::string digest;    // SM3 of the report's content, hex
  std::string approval;  // "approved by ... at ..." or "not yet approved"
  int64_t created_unix_seconds = 0;
};

struct AnnouncedItem {
  std::string code, title, date;
  bool catalog_only = false;
};

struct OpenAnnouncement {
  std::string archive_code, archive_name, number, plan;
  std::string issued_date;  // YYYY-MM-DD
  int open_years = 25;
  std::vector<AnnouncedItem> items;
  std::string signer;       // who signs (the node's certificate subject or archive)
  int64_t created_unix_seconds = 0;
};

// INVALID_ARGUMENT when the plan or archive is missing.
absl::StatusOr<std::string> RenderAppraisalReportPdf(const AppraisalReport& report);
// INVALID_ARGUMENT when the number or archive is missing, or nothing is opened.
absl::StatusOr<std::string> RenderOpenAnnouncementPdf(const OpenAnnouncement& announcement);

}  // namespace kuaguan::document
