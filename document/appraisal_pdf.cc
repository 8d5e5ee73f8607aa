#include "document/appraisal_pdf.h"

#include <cairo-pdf.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "document/cairo_util.h"

namespace kuaguan::document {
namespace {

constexpr double kWidth = 595.276, kHeight = 841.89;  // A4 in points
constexpr double kMargin = 56;
constexpr double kTextWidth = kWidth - 2 * kMargin;

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// Text flowing down A4 pages: a new page when the next block does not fit, each page with its
// footer. The caller holds FontMutex().
class Flow {
 public:
  Flow(std::string* out, const std::string& title, const std::string& author, const std::string& footer,
       int64_t created)
      : footer_(footer) {
    surface_.reset(cairo_pdf_surface_create_for_stream(Append, out, kWidth, kHeight));
    const std::string when =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S+08:00", absl::FromUnixSeconds(created), absl::FixedTimeZone(8 * 3600));
    cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_CREATE_DATE, when.c_str());
    cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_AUTHOR, author.c_str());
    cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_CREATOR, "Kuaguan");
    cr_.reset(cairo_create(surface_.get()));
    cairo_set_source_rgb(cr_.get(), 0, 0, 0);
  }

  // Draws `text` at indent `x` (from the margin), on a new page when it does not fit.
  void Text(const std::string& text, TextStyle style, double x = 0, double gap = 3) {
    style.width = kTextWidth - x;
    const double h = TextSize(cr_.get(), text, style).second;
    if (y_ + h > kHeight - kMargin) NewPage();
    y_ += DrawText(cr_.get(), text, kMargin + x, y_, style) + gap;
  }
  // A label and its value on one line (the value wrapped in its column).
  void Row(const std::string& label, const std::string& value, double label_width = 150) {
    TextStyle l{10, false, false, label_width - 6, PANGO_ALIGN_LEFT};
    TextStyle v{10, false, false, kTextWidth - label_width, PANGO_ALIGN_LEFT};
    const double h = std::max(TextSize(cr_.get(), label, l).second, TextSize(cr_.get(), value, v).second);
    if (y_ + h > kHeight - kMargin) NewPage();
    DrawText(cr_.get(), label, kMargin, y_, l);
    DrawText(cr_.get(), value, kMargin + label_width, y_, v);
    y_ += h + 3;
  }
  void Space(double h) { y_ += h; }
  void Grey(bool on) { cairo_set_source_rgb(cr_.get(), on ? 0.35 : 0, on ? 0.35 : 0, on ? 0.35 : 0); }

  absl::Status Finish() {
    Footer();
    cairo_show_page(cr_.get());
    cr_.reset();
    cairo_surface_finish(surface_.get());
    if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS) {
      return absl::InternalError(absl::StrCat("PDF: ", cairo_status_to_string(cairo_surface_status(surface_.get()))));
    }
    return absl::OkStatus();
  }

 private:
  void Footer() {
    cairo_save(cr_.get());
    cairo_set_source_rgb(cr_.get(), 0.3, 0.3, 0.3);
    DrawText(cr_.get(), absl::StrCat(footer_, " — 第 ", page_, " 页"), kMargin, kHeight - kMargin + 18,
             {8, false, false, kTextWidth, PANGO_ALIGN_CENTER});
    cairo_restore(cr_.get());
  }
  void NewPage() {
    Footer();
    cairo_show_page(cr_.get());
    ++page_;
    y_ = kMargin;
  }

  Surface surface_;
  Context cr_;
  std::string footer_;
  int page_ = 1;
  double y_ = kMargin;
};

const TextStyle kTitle{20, true, true, kTextWidth, PANGO_ALIGN_CENTER};
const TextStyle kSub{11, false, false, kTextWidth, PANGO_ALIGN_CENTER};
const TextStyle kHead{12, true, false, kTextWidth, PANGO_ALIGN_LEFT};
const TextStyle kBody{10.5, false, true, kTextWidth, PANGO_ALIGN_LEFT};
const TextStyle kItem{9.5, false, false, kTextWidth, PANGO_ALIGN_LEFT};
const TextStyle kSmall{8, false, false, kTextWidth, PANGO_ALIGN_LEFT};
const TextStyle kRight{10.5, false, false, kTextWidth, PANGO_ALIGN_RIGHT};

// A record's date as written in the catalog (YYYYMMDD) in the documents' form, YYYY-MM-DD.
std::string Day(const std::string& d) {
  return d.size() == 8 ? absl::StrCat(d.substr(0, 4), "-", d.substr(4, 2), "-", d.substr(6, 2)) : d;
}

}  // namespace

absl::StatusOr<std::string> RenderAppraisalReportPdf(const AppraisalReport& r) {
  if (r.plan.empty()) return absl::InvalidArgumentError("the report names no plan");
  if (r.archive_name.empty()) return absl::InvalidArgumentError("the report names no archive");
  absl::MutexLock fonts(&FontMutex());
  std::string out;
  Flow f(&out, absl::StrCat("开放鉴定报告 ", r.plan), r.archive_name, absl::StrCat("开放鉴定报告 ", r.plan),
         r.created_unix_seconds);
  f.Text("开放鉴定报告", kTitle, 0, 4);
  f.Text(absl::StrCat("Open appraisal report — ", r.archive_name, " (", r.archive_code, ")"), kSub, 0, 16);
  f.Row("工作计划 Plan", r.plan);
  for (const auto& [label, value] : r.facts) f.Row(label, value);
  f.Space(8);
  f.Text("鉴定结果 Counts", kHead, 0, 6);
  for (const auto& [label, value] : r.counts) f.Row(label, value, 260);
  if (!r.reasons.empty()) {
    f.Space(8);
    f.Text("控制与延期理由 Reasons for control and deferral", kHead, 0, 6);
    for (const auto& [reason, n] : r.reasons) f.Row(absl::StrCat(n, " 件 items"), reason, 80);
  }
  f.Space(8);
  f.Text("逐件鉴定意见 Decisions, item by item (初审 · 复审 · 终审)", kHead, 0, 6);
  for (size_t i = 0; i < r.items.size(); ++i) {
    const AppraisalReportRow& row = r.items[i];
    f.Text(absl::StrCat(i + 1, ". 档号 ", row.code, "  ", row.title, "  ", Day(row.date)), kItem, 0, 1);
    f.Grey(true);
    f.Text(absl::StrCat(row.decision, row.steps.empty() ? "" : "  —  ", row.steps), kSmall, 14, 4);
    f.Grey(false);
  }
  f.Space(12);
  f.Text(r.approval, kBody, 0, 4);
  f.Grey(true);
  f.Text(absl::StrCat("报告摘要 Report digest (SM3): ", r.digest), kSmall);
  f.Grey(false);
  if (absl::Status st = f.Finish(); !st.ok()) return st;
  return out;
}

absl::StatusOr<std::string> RenderOpenAnnouncementPdf(const OpenAnnouncement& a) {
  if (a.number.empty()) return absl::InvalidArgumentError("the announcement has no number");
  if (a.archive_name.empty()) return absl::InvalidArgumentError("the announcement names no archive");
  if (a.items.empty()) return absl::InvalidArgumentError("the announcement opens no record");
  absl::MutexLock fonts(&FontMutex());
  std::string out;
  Flow f(&out, absl::StrCat("开放公告 ", a.number), a.archive_name, absl::StrCat(a.archive_name, " 开放公告 ", a.number),
         a.created_unix_seconds);
  f.Text(a.archive_name, kTitle, 0, 2);
  f.Text("档案开放公告", kTitle, 0, 4);
  f.Text(absl::StrCat("Open announcement No. ", a.number), kSub, 0, 16);
  f.Text(absl::StrCat("根据《中华人民共和国档案法》第二十七条，本馆对形成满 ", a.open_years,
                      " 年的馆藏档案以件为单位进行了开放鉴定（开放鉴定工作计划 ", a.plan,
                      "），经初审、复审、终审三级审查，鉴定报告已经批准。现将下列 ", a.items.size(),
                      " 件档案自本公告发布之日起向社会开放，特此公告。"),
         kBody, 0, 4);
  f.Text(absl::StrCat("Under article 27 of the Archives Law, this archive appraised its records item by item (plan ",
                      a.plan, "; first, second and final review; report approved). The ", a.items.size(),
                      " records below are open to the public from the date of this announcement."),
         {9, false, false, kTextWidth, PANGO_ALIGN_LEFT}, 0, 14);
  f.Text("开放档案目录 Records opened", kHead, 0, 6);
  for (size_t i = 0; i < a.items.size(); ++i) {
    const AnnouncedItem& item = a.items[i];
    f.Text(absl::StrCat(i + 1, ". 档号 ", item.code, "  ", item.title, "  ", Day(item.date),
                        item.catalog_only ? "  （仅开放目录 catalog only）" : ""),
           kItem, 0, 2);
  }
  f.Space(20);
  f.Text(a.archive_name, kRight, 0, 4);
  f.Text(absl::StrCat("公告日期 Issued: ", a.issued_date), kRight, 0, 10);
  f.Grey(true);
  f.Text(absl::StrCat("本公告以本馆节点密钥签名（非电子印章）；签名另附，覆盖本文件全部字节。Signed with the node key of ",
                      a.signer, " (not the electronic seal): a detached signature over this file's bytes."),
         kSmall);
  f.Grey(false);
  if (absl::Status st = f.Finish(); !st.ok()) return st;
  return out;
}

}  // namespace kuaguan::document
