#include "tests/testing/page_render.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <cmath>
#include <functional>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"

namespace kuaguan::testing {

namespace {

void DrawText(cairo_t* cr, const std::string& text, const char* font, double size_pt, int dpi,
              double x, double* y, double width, bool centre) {
  PangoLayout* layout = pango_cairo_create_layout(cr);
  pango_cairo_context_set_resolution(pango_layout_get_context(layout), dpi);
  PangoFontDescription* desc = pango_font_description_from_string(font);
  pango_font_description_set_size(desc, static_cast<int>(size_pt * PANGO_SCALE));
  pango_layout_set_font_description(layout, desc);
  pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_CHAR);
  pango_layout_set_alignment(layout, centre ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
  pango_layout_set_spacing(layout, static_cast<int>(size_pt * 0.6 * dpi / 72.0 * PANGO_SCALE));
  pango_layout_set_text(layout, text.c_str(), -1);
  cairo_move_to(cr, x, *y);
  pango_cairo_show_layout(cr, layout);
  int w = 0, h = 0;
  pango_layout_get_pixel_size(layout, &w, &h);
  *y += h + size_pt * dpi / 72.0;
  pango_font_description_free(desc);
  g_object_unref(layout);
}

// Vertical writing: each paragraph starts a new column; columns run top to bottom and follow
// each other from right to left inside the box (left, top)-(right, bottom).
void DrawColumns(cairo_t* cr, const PageSpec& spec, double left, double top, double right,
                 double bottom) {
  const double cell = spec.font_pt * spec.dpi / 72.0 * 1.15;
  double x = right - cell;
  for (const auto& p : spec.paragraphs) {
    double y = top + 2 * cell;  // a paragraph opens two cells down
    for (char32_t c : base::DecodeUtf8(p)) {
      if (y + cell > bottom) {
        x -= cell * 1.6;
        y = top;
      }
      if (x < left) return;
      std::string glyph;
      base::AppendUtf8(c, &glyph);
      double yy = y;
      DrawText(cr, glyph, spec.font_family.c_str(), spec.font_pt, spec.dpi, x, &yy, cell * 2, false);
      y += cell;
    }
    x -= cell * 1.6;
  }
}

// A4 (or A5-height) page size in pixels at the spec's resolution.
std::pair<int, int> PageSize(const PageSpec& spec) {
  return {static_cast<int>(std::lround(210.0 / 25.4 * spec.dpi)),
          static_cast<int>(std::lround((spec.half_page ? 148.0 : 297.0) / 25.4 * spec.dpi))};
}

// Paints a white ground and turns what follows by `skew_degrees` about the page's centre, in
// near-black ink; the caller restores `cr` when done.
void BeginSkewedPage(cairo_t* cr, double width, double height, double skew_degrees) {
  cairo_save(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_translate(cr, width / 2.0, height / 2.0);
  cairo_rotate(cr, skew_degrees * M_PI / 180.0);
  cairo_translate(cr, -width / 2.0, -height / 2.0);
  cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
}

// Draws the page (white ground, skewed text) on `cr`, whose units are pixels at the spec's dpi.
void DrawPage(cairo_t* cr, const PageSpec& spec) {
  const auto [width, height] = PageSize(spec);
  BeginSkewedPage(cr, width, height, spec.skew_degrees);
  const double margin = 25.0 / 25.4 * spec.dpi;
  double y = margin * 0.6;
  const double text_width = width - 2 * margin;
  if (!spec.header.empty()) {
    DrawText(cr, spec.header, "Noto Sans CJK SC", spec.font_pt + 2, spec.dpi, margin, &y, text_width,
             false);
  }
  if (!spec.title.empty()) {
    DrawText(cr, spec.title, "Noto Serif CJK SC Bold", spec.font_pt + 6, spec.dpi, margin, &y,
             text_width, true);
  }
  if (spec.vertical) {
    DrawColumns(cr, spec, margin, y, width - margin, height - margin);
  } else {
    for (const auto& p : spec.paragraphs) {
      DrawText(cr, "　　" + p, spec.font_family.c_str(), spec.font_pt, spec.dpi, margin, &y, text_width,
               false);
    }
  }
  cairo_restore(cr);
}

// Draws `layout` on `cr` (units: pixels at the layout's dpi): white ground, then the skewed
// text, rules and seals.
void DrawLayout(cairo_t* cr, const PageLayout& layout) {
  const double px = layout.dpi / 25.4;
  const double width = 210.0 * px, height = 297.0 * px;
  BeginSkewedPage(cr, width, height, layout.skew_degrees);
  for (const auto& t : layout.texts) {
    PangoLayout* pl = pango_cairo_create_layout(cr);
    pango_cairo_context_set_resolution(pango_layout_get_context(pl), layout.dpi);
    PangoFontDescription* desc = pango_font_description_from_string(t.font.c_str());
    pango_font_description_set_size(desc, static_cast<int>(t.size_pt * PANGO_SCALE));
    pango_layout_set_font_description(pl, desc);
    pango_layout_set_text(pl, t.text.c_str(), -1);
    int w = 0, h = 0;
    pango_layout_get_pixel_size(pl, &w, &h);
    double x = t.x_mm * px;
    if (t.align == PlacedText::Align::kCentre) x -= w / 2.0;
    if (t.align == PlacedText::Align::kRight) x -= w;
    cairo_move_to(cr, x, t.y_mm * px);
    pango_cairo_show_layout(cr, pl);
    pango_font_description_free(desc);
    g_object_unref(pl);
  }
  for (const auto& r : layout.rules) {
    cairo_set_line_width(cr, r.width_mm * px);
    cairo_move_to(cr, r.x0_mm * px, r.y0_mm * px);
    cairo_line_to(cr, r.x1_mm * px, r.y1_mm * px);
    cairo_stroke(cr);
  }
  cairo_set_operator(cr, CAIRO_OPERATOR_MULTIPLY);
  cairo_set_source_rgb(cr, 0.86, 0.12, 0.12);
  for (const auto& seal : layout.seals) {
    const double cx = seal.centre_x_mm * px, cy = seal.centre_y_mm * px, r = seal.radius_mm * px;
    cairo_set_line_width(cr, r * 0.06);
    cairo_new_path(cr);
    cairo_arc(cr, cx, cy, r * 0.96, 0, 2 * M_PI);
    cairo_stroke(cr);
    // The star: ten points alternating between the outer and the inner radius.
    const double star = r * 0.3;
    for (int k = 0; k < 10; ++k) {
      const double a = -M_PI / 2 + k * M_PI / 5, rr = k % 2 == 0 ? star : star * 0.38;
      if (k == 0) cairo_move_to(cr, cx + rr * std::cos(a), cy + rr * std::sin(a));
      else cairo_line_to(cr, cx + rr * std::cos(a), cy + rr * std::sin(a));
    }
    cairo_close_path(cr);
    cairo_fill(cr);
    // The text along the upper arc, each glyph upright towards the centre, from about 7:30 to
    // 4:30 on a clock face.
    const std::vector<char32_t> glyphs = base::DecodeUtf8(seal.text);
    const double span = M_PI * 1.25, glyph_pt = r * 0.26 / px * 72.0 / 25.4;
    for (size_t k = 0; k < glyphs.size(); ++k) {
      const double a = -M_PI / 2 - span / 2 +
                       span * (glyphs.size() == 1 ? 0.5 : double(k) / double(glyphs.size() - 1));
      std::string g;
      base::AppendUtf8(glyphs[k], &g);
      PangoLayout* pl = pango_cairo_create_layout(cr);
      pango_cairo_context_set_resolution(pango_layout_get_context(pl), layout.dpi);
      PangoFontDescription* desc = pango_font_description_from_string("Noto Sans CJK SC Bold");
      pango_font_description_set_size(desc, static_cast<int>(glyph_pt * PANGO_SCALE));
      pango_layout_set_font_description(pl, desc);
      pango_layout_set_text(pl, g.c_str(), -1);
      int w = 0, h = 0;
      pango_layout_get_pixel_size(pl, &w, &h);
      cairo_save(cr);
      cairo_translate(cr, cx + r * 0.72 * std::cos(a), cy + r * 0.72 * std::sin(a));
      cairo_rotate(cr, a + M_PI / 2);
      cairo_move_to(cr, -w / 2.0, -h / 2.0);
      pango_cairo_show_layout(cr, pl);
      cairo_restore(cr);
      pango_font_description_free(desc);
      g_object_unref(pl);
    }
  }
  cairo_restore(cr);
}

// Paints a `width` x `height` RGB page with `draw`, strews speckle over it (as a flatbed scanner
// leaves: `noise` of the pixels, grey, placed by `seed`) and writes it as a PNG at `path`.
absl::Status WriteScannedPng(int width, int height, const std::function<void(cairo_t*)>& draw,
                             double noise, unsigned seed, const std::string& path) {
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t* cr = cairo_create(surface);
  draw(cr);
  cairo_surface_flush(surface);
  std::mt19937 rng(seed);
  unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const auto dots = static_cast<size_t>(noise * width * height);
  for (size_t k = 0; k < dots; ++k) {
    const int px = static_cast<int>(rng() % width), py = static_cast<int>(rng() % height);
    auto* pixel = reinterpret_cast<uint32_t*>(data + py * stride) + px;
    const uint32_t g = 60 + rng() % 120;
    *pixel = (g << 16) | (g << 8) | g;
  }
  cairo_surface_mark_dirty(surface);
  const cairo_status_t st = cairo_surface_write_to_png(surface, path.c_str());
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", cairo_status_to_string(st)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RenderPagePng(const PageSpec& spec, const std::string& path) {
  const auto [width, height] = PageSize(spec);
  return WriteScannedPng(width, height, [&spec](cairo_t* cr) { DrawPage(cr, spec); }, spec.noise,
                         spec.seed, path);
}

absl::Status RenderLayoutPng(const PageLayout& layout, const std::string& path) {
  PageSpec a4;
  a4.dpi = layout.dpi;
  const auto [width, height] = PageSize(a4);
  return WriteScannedPng(width, height, [&layout](cairo_t* cr) { DrawLayout(cr, layout); },
                         layout.noise, layout.seed, path);
}

absl::Status RenderPagesPdf(const std::vector<PageSpec>& specs, const std::string& path) {
  if (specs.empty()) return absl::InvalidArgumentError("no pages to render");
  const auto [width, height] = PageSize(specs.front());
  const double points = 72.0 / specs.front().dpi;
  cairo_surface_t* surface = cairo_pdf_surface_create(path.c_str(), width * points, height * points);
  cairo_t* cr = cairo_create(surface);
  for (const auto& spec : specs) {
    cairo_save(cr);
    cairo_scale(cr, points, points);
    DrawPage(cr, spec);
    cairo_restore(cr);
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t st = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", cairo_status_to_string(st)));
  }
  return absl::OkStatus();
}

std::string ComposeParagraph(size_t chars, unsigned seed) {
  static const char* kPhrases[] = {
      "根据市档案局的统一部署", "本单位对历年形成的文书档案进行了全面清理", "按照保管期限分别整理",
      "经过鉴定小组逐件审查", "确认档案内容真实完整", "现将有关情况报告如下", "各部门应当指定专人负责",
      "做好档案的收集整理和移交工作", "对于破损的案卷及时进行修复", "数字化加工完成后应当进行质量检查",
      "查阅利用档案须履行登记手续", "婚姻登记档案按年度装订成册", "退休审批表由人事部门统一保管",
      "独生子女证明材料已经全部归档", "土地承包合同的原件存放在第三库房", "档案馆将定期向社会开放"};
  std::mt19937 rng(seed);
  std::string out;
  while (base::CodePointCount(out) < chars) {
    absl::StrAppend(&out, kPhrases[rng() % (sizeof kPhrases / sizeof kPhrases[0])],
                    rng() % 3 == 0 ? "。" : "，");
  }
  return out;
}

}  // namespace kuaguan::testing
