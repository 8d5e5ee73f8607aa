#include "document/seal_picture.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/utf8.h"
#include "document/cairo_util.h"

namespace kuaguan::document {
namespace {

constexpr double kRed[] = {0.84, 0.0, 0.11};

void Star(cairo_t* cr, double cx, double cy, double outer) {
  const double inner = outer * 0.382;
  for (int i = 0; i < 10; ++i) {
    const double a = -M_PI / 2 + i * M_PI / 5;
    const double r = i % 2 == 0 ? outer : inner;
    if (i == 0) cairo_move_to(cr, cx + r * std::cos(a), cy + r * std::sin(a));
    else cairo_line_to(cr, cx + r * std::cos(a), cy + r * std::sin(a));
  }
  cairo_close_path(cr);
  cairo_fill(cr);
}

}  // namespace

absl::StatusOr<std::string> RenderSealPng(const std::string& archive_name, const std::string& purpose_text, int pixels) {
  if (archive_name.empty()) return absl::InvalidArgumentError("a seal needs the archive's name");
  if (pixels < 64) return absl::InvalidArgumentError("a seal picture needs at least 64 pixels");
  absl::MutexLock fonts(&FontMutex());
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pixels, pixels));
  Context cr(cairo_create(surface.get()));
  const double size = pixels, c = size / 2;
  cairo_set_source_rgb(cr.get(), kRed[0], kRed[1], kRed[2]);
  const double ring = size * 0.035;
  cairo_set_line_width(cr.get(), ring);
  cairo_arc(cr.get(), c, c, size / 2 - ring, 0, 2 * M_PI);
  cairo_stroke(cr.get());
  Star(cr.get(), c, c, size * 0.15);

  std::vector<std::string> chars;
  for (char32_t cp : base::DecodeUtf8(archive_name)) {
    chars.emplace_back();
    base::AppendUtf8(cp, &chars.back());
  }
  const double n = static_cast<double>(chars.size());
  const double spread = std::min(240.0, 26.0 * n) * M_PI / 180;
  TextStyle style;
  style.size = std::min(size * 0.13, size * 2.2 / std::max(n, 1.0));
  style.bold = true;
  const double radius = size / 2 - ring * 2 - style.size * 0.62;
  for (size_t i = 0; i < chars.size(); ++i) {
    const double a = -M_PI / 2 - spread / 2 + spread * (static_cast<double>(i) + 0.5) / n;
    cairo_save(cr.get());
    cairo_translate(cr.get(), c + radius * std::cos(a), c + radius * std::sin(a));
    cairo_rotate(cr.get(), a + M_PI / 2);
    const auto [w, h] = TextSize(cr.get(), chars[i], style);
    DrawText(cr.get(), chars[i], -w / 2, -h / 2, style);
    cairo_restore(cr.get());
  }
  if (!purpose_text.empty()) {
    TextStyle small;
    small.size = size * 0.075;
    small.bold = true;
    const auto [w, h] = TextSize(cr.get(), purpose_text, small);
    DrawText(cr.get(), purpose_text, c - w / 2, c + size * 0.2, small);
  }
  cairo_surface_flush(surface.get());
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(cairo_status_to_string(cairo_status(cr.get())));
  }
  return SurfacePng(surface.get());
}

}  // namespace kuaguan::document
