#include "document/certificate_pdf.h"

#include <cairo-pdf.h>
#include <qrencode.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "document/cairo_util.h"

namespace kuaguan::document {
namespace {

constexpr double kWidth = 595.276, kHeight = 841.89;  // A4 in points
constexpr double kMargin = 56;
constexpr double kSeal = 42 / 25.4 * 72;               // 42 mm
constexpr double kQr = 30 / 25.4 * 72;                 // 30 mm

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// The width and height in a JPEG's start-of-frame segment, or {0, 0}.
std::pair<int, int> JpegSize(const std::string& j) {
  size_t at = 2;
  while (at + 9 < j.size()) {
    if (static_cast<unsigned char>(j[at]) != 0xFF) return {0, 0};
    const unsigned char marker = static_cast<unsigned char>(j[at + 1]);
    const size_t length = (static_cast<unsigned char>(j[at + 2]) << 8) | static_cast<unsigned char>(j[at + 3]);
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      const int h = (static_cast<unsigned char>(j[at + 5]) << 8) | static_cast<unsigned char>(j[at + 6]);
      const int w = (static_cast<unsigned char>(j[at + 7]) << 8) | static_cast<unsigned char>(j[at + 8]);
      return {w, h};
    }
    at += 2 + length;
  }
  return {0, 0};
}

// A page image: PNG decoded, or JPEG kept as is (the PDF embeds its bytes, not re-encoded).
absl::StatusOr<Surface> PageSurface(const std::string& bytes, const std::string& what) {
  if (bytes.rfind("\xFF\xD8\xFF", 0) != 0) return PngSurface(bytes, what);
  const auto [w, h] = JpegSize(bytes);
  if (w <= 0 || h <= 0) return absl::InvalidArgumentError(absl::StrCat(what, " is a JPEG without a readable size"));
  Surface s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h));
  auto* kept = new std::string(bytes);
  const cairo_status_t st = cairo_surface_set_mime_data(
      s.get(), CAIRO_MIME_TYPE_JPEG, reinterpret_cast<const unsigned char*>(kept->data()), kept->size(),
      [](void* p) { delete static_cast<std::string*>(p); }, kept);
  if (st != CAIRO_STATUS_SUCCESS) {
    delete kept;
    return absl::InternalError(absl::StrCat(what, ": ", cairo_status_to_string(st)));
  }
  return s;
}

// Paints `image` scaled to `w` x `h` at (x, y).
void PaintImage(cairo_t* cr, cairo_surface_t* image, double x, double y, double w, double h, double alpha) {
  const double iw = cairo_image_surface_get_width(image), ih = cairo_image_surface_get_height(image);
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, w / iw, h / ih);
  cairo_set_source_surface(cr, image, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BEST);
  cairo_paint_with_alpha(cr, alpha);
  cairo_restore(cr);
}

// `seal` and `riding` hold the same picture: cairo 1.16 writes a page's resource twice (a
// duplicated key qpdf warns about) when one surface is painted twice on it.
void Seals(cairo_t* cr, cairo_surface_t* seal, cairo_surface_t* riding, int page, int pages, double seal_x,
           double seal_y) {
  PaintImage(cr, seal, seal_x, seal_y, kSeal, kSeal, 0.88);
  if (pages < 2) return;
  // The riding seal: slice `page` of `pages`, its right side on the page's right edge.
  const double slice = kSeal / pages, top = (kHeight - kSeal) / 2;
  cairo_save(cr);
  cairo_rectangle(cr, kWidth - slice, top, slice, kSeal);
  cairo_clip(cr);
  PaintImage(cr, riding, kWidth - slice * (page + 1), top, kSeal, kSeal, 0.88);
  cairo_restore(cr);
}

absl::Status DrawQr(cairo_t* cr, const std::string& text, double x, double y) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> qr(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1),
                                                QRcode_free);
  if (!qr) return absl::InvalidArgumentError("the QR code text cannot be encoded");
  const double cell = kQr / (qr->width + 8);  // four cells of quiet zone each side
  cairo_save(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, x, y, kQr, kQr);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (int r = 0; r < qr->width; ++r) {
    for (int c = 0; c < qr->width; ++c) {
      if (qr->data[r * qr->width + c] & 1) cairo_rectangle(cr, x + (c + 4) * cell, y + (r + 4) * cell, cell, cell);
    }
  }
  cairo_fill(cr);
  cairo_restore(cr);
  return absl::OkStatus();
}

// The cover page; returns where the seal goes (over the date).
absl::Status Cover(cairo_t* cr, const CertificateDocument& d, double* seal_x, double* seal_y) {
  cairo_set_source_rgb(cr, 0, 0, 0);
  const double text_w = kWidth - 2 * kMargin;
  TextStyle title{22, true, true, text_w, PANGO_ALIGN_CENTER};
  double y = kMargin + 10;
  y += DrawText(cr, "档案查询证明", kMargin, y, title);
  TextStyle sub{11, false, false, text_w, PANGO_ALIGN_CENTER};
  y += DrawText(cr, "Archive Certificate (跨馆出证)", kMargin, y, sub) + 18;
  TextStyle label{10.5, false, false, text_w, PANGO_ALIGN_LEFT};
  std::vector<std::pair<std::string, std::string>> lines = {
      {"出证编号 Serial", d.serial},
      {"出证单位 Issuing archive", absl::StrCat(d.issuing_name, " (", d.issuing_code, ")")},
      {"受理单位 Requesting archive", absl::StrCat(d.requesting_name, " (", d.requesting_code, ")")},
      {"当事人 Person", absl::StrCat(d.person_name, " (", d.person_id_masked, ")")},
      {"查档类别 Category", d.category},
      {"用途 Purpose", d.purpose},
  };
  if (!d.authorization.empty()) {
    lines.emplace_back("授权 Authorization",
                       absl::StrCat(d.authorization, "。仅供本申请人使用 For this requester only."));
  }
  for (const auto& [k, v] : lines) {
    DrawText(cr, k, kMargin, y, label);
    TextStyle value = label;
    value.width = text_w - 170;
    y += std::max(DrawText(cr, v, kMargin + 170, y, value), 16.0) + 4;
  }
  y += 10;
  TextStyle head{11.5, true, false, text_w, PANGO_ALIGN_LEFT};
  y += DrawText(cr, "证明档案 Records certified", kMargin, y, head) + 6;
  TextStyle item{10, false, false, text_w - 12, PANGO_ALIGN_LEFT};
  TextStyle digest{7.5, false, false, text_w - 12, PANGO_ALIGN_LEFT};
  for (size_t i = 0; i < d.records.size(); ++i) {
    const auto& r = d.records[i];
    y += DrawText(cr, absl::StrCat(i + 1, ". 档号 ", r.code, "  ", r.title, "  ", r.date, "  (", r.pages, " 页 pages)"),
                  kMargin + 12, y, item);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    y += DrawText(cr, absl::StrCat("SM3 ", r.sm3_hex), kMargin + 12, y, digest) + 5;
    cairo_set_source_rgb(cr, 0, 0, 0);
  }
  y += 12;
  TextStyle body{10.5, false, true, text_w, PANGO_ALIGN_LEFT};
  y += DrawText(cr,
                "兹证明：以上档案复制件与本馆馆藏档案原件内容一致。本证明经本馆电子印章签章，"
                "与加盖实物印章的纸质证明具有同等法律效力。",
                kMargin, y, body) + 4;
  TextStyle en{9, false, false, text_w, PANGO_ALIGN_LEFT};
  y += DrawText(cr,
                "We certify that the copies above agree with the originals held by this archive. Sealed with the "
                "archive's electronic seal, this certificate has the same legal force as a paper one.",
                kMargin, y, en) + 24;
  TextStyle right{10.5, false, false, text_w, PANGO_ALIGN_RIGHT};
  const double sign_y = std::max(y, kHeight - kMargin - 170);
  DrawText(cr,
           d.approver.empty() ? absl::StrCat("经办人 Clerk: ", d.clerk)
                              : absl::StrCat("经办人 Clerk: ", d.clerk, "    审批人 Approver: ", d.approver),
           kMargin, sign_y, right);
  DrawText(cr, d.issuing_name, kMargin, sign_y + 22, right);
  DrawText(cr, absl::StrCat("出证日期 Issued: ", d.issued_at), kMargin, sign_y + 44, right);
  *seal_x = kWidth - kMargin - kSeal - 10;
  *seal_y = sign_y - 10;
  const double qr_y = kHeight - kMargin - kQr - 14;
  if (absl::Status st = DrawQr(cr, d.qr_text, kMargin, qr_y); !st.ok()) return st;
  TextStyle tiny{7, false, false, 200, PANGO_ALIGN_LEFT};
  DrawText(cr, d.serial, kMargin, qr_y + kQr + 2, tiny);
  return absl::OkStatus();
}

void Footer(cairo_t* cr, const CertificateDocument& d, int page, int pages) {
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  TextStyle foot{8, false, false, kWidth - 2 * kMargin, PANGO_ALIGN_CENTER};
  DrawText(cr, absl::StrCat("出证编号 ", d.serial, " — 第 ", page + 1, " 页 / 共 ", pages, " 页"), kMargin,
           kHeight - kMargin + 18, foot);
  cairo_set_source_rgb(cr, 0, 0, 0);
}

}  // namespace

absl::StatusOr<std::string> RenderCertificatePdf(const CertificateDocument& d) {
  if (d.serial.empty()) return absl::InvalidArgumentError("the certificate has no serial");
  if (d.records.empty()) return absl::InvalidArgumentError("the certificate certifies no records");
  auto seal = PngSurface(d.seal_png, "the seal picture");
  if (!seal.ok()) return seal.status();
  auto riding = PngSurface(d.seal_png, "the seal picture");
  if (!riding.ok()) return riding.status();
  std::vector<Surface> images;
  for (size_t i = 0; i < d.pages.size(); ++i) {
    auto img = PageSurface(d.pages[i].image, absl::StrCat("page image ", i + 1, " (", d.pages[i].caption, ")"));
    if (!img.ok()) return img.status();
    images.push_back(*std::move(img));
  }
  absl::MutexLock fonts(&FontMutex());
  std::string out;
  out.reserve(1 << 20);
  Surface surface(cairo_pdf_surface_create_for_stream(Append, &out, kWidth, kHeight));
  const std::string created =
      absl::FormatTime("%Y-%m-%dT%H:%M:%S+08:00", absl::FromUnixSeconds(d.created_unix_seconds), absl::FixedTimeZone(8 * 3600));
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, created.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, absl::StrCat("档案查询证明 ", d.serial).c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_AUTHOR, d.issuing_name.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "Kuaguan");
  Context cr(cairo_create(surface.get()));
  const int pages = static_cast<int>(d.pages.size()) + 1;
  double seal_x = 0, seal_y = 0;
  if (absl::Status st = Cover(cr.get(), d, &seal_x, &seal_y); !st.ok()) return st;
  Footer(cr.get(), d, 0, pages);
  Seals(cr.get(), seal->get(), riding->get(), 0, pages, seal_x, seal_y);
  cairo_show_page(cr.get());
  for (size_t i = 0; i < images.size(); ++i) {
    const int page = static_cast<int>(i) + 1;
    TextStyle cap{9, false, false, kWidth - 2 * kMargin, PANGO_ALIGN_LEFT};
    const double top = kMargin + DrawText(cr.get(), d.pages[i].caption, kMargin, kMargin - 14, cap);
    const double iw = cairo_image_surface_get_width(images[i].get()), ih = cairo_image_surface_get_height(images[i].get());
    const double box_w = kWidth - 2 * kMargin, box_h = kHeight - top - kMargin - 8;
    const double scale = std::min(box_w / iw, box_h / ih);
    const double w = iw * scale, h = ih * scale;
    const double x = kMargin + (box_w - w) / 2;
    PaintImage(cr.get(), images[i].get(), x, top, w, h, 1.0);
    cairo_set_source_rgb(cr.get(), 0.6, 0.6, 0.6);
    cairo_set_line_width(cr.get(), 0.5);
    cairo_rectangle(cr.get(), x, top, w, h);
    cairo_stroke(cr.get());
    Footer(cr.get(), d, page, pages);
    Seals(cr.get(), seal->get(), riding->get(), page, pages, kWidth - kMargin - kSeal - 10, kHeight - kMargin - kSeal - 20);
    cairo_show_page(cr.get());
  }
  cr.reset();
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(absl::StrCat("PDF: ", cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  return out;
}

}  // namespace kuaguan::document
