#include "document/cairo_util.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace kuaguan::document {
namespace {

struct Reader {
  const std::string* data;
  size_t at = 0;
};

cairo_status_t ReadPng(void* closure, unsigned char* out, unsigned int length) {
  auto* r = static_cast<Reader*>(closure);
  if (r->at + length > r->data->size()) return CAIRO_STATUS_READ_ERROR;
  std::memcpy(out, r->data->data() + r->at, length);
  r->at += length;
  return CAIRO_STATUS_SUCCESS;
}

cairo_status_t WritePng(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct LayoutFree {
  void operator()(PangoLayout* l) const { g_object_unref(l); }
};
struct FontFree {
  void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};

PangoFontMap* SharedFontMap() {
  static PangoFontMap* map = pango_cairo_font_map_new();
  return map;
}

struct ContextUnref {
  void operator()(PangoContext* c) const { g_object_unref(c); }
};

std::unique_ptr<PangoLayout, LayoutFree> Layout(cairo_t* cr, const std::string& text, const TextStyle& style) {
  std::unique_ptr<PangoContext, ContextUnref> context(pango_font_map_create_context(SharedFontMap()));
  pango_cairo_update_context(cr, context.get());
  std::unique_ptr<PangoLayout, LayoutFree> layout(pango_layout_new(context.get()));
  std::unique_ptr<PangoFontDescription, FontFree> font(pango_font_description_new());
  pango_font_description_set_family(font.get(), style.serif ? "Noto Serif CJK SC" : "Noto Sans CJK SC");
  pango_font_description_set_weight(font.get(), style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_absolute_size(font.get(), style.size * PANGO_SCALE);
  pango_layout_set_font_description(layout.get(), font.get());
  if (style.width > 0) {
    pango_layout_set_width(layout.get(), static_cast<int>(style.width * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_alignment(layout.get(), style.align);
  pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
  return layout;
}

}  // namespace

absl::Mutex& FontMutex() {
  static absl::Mutex* mu = new absl::Mutex();
  return *mu;
}

absl::StatusOr<Surface> PngSurface(const std::string& png, const std::string& what) {
  if (png.rfind("\x89PNG\r\n\x1a\n", 0) != 0) return absl::InvalidArgumentError(absl::StrCat(what, " is not a PNG image"));
  Reader r{&png};
  Surface s(cairo_image_surface_create_from_png_stream(ReadPng, &r));
  if (cairo_surface_status(s.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " does not decode: ", cairo_status_to_string(cairo_surface_status(s.get()))));
  }
  return s;
}

absl::StatusOr<std::string> SurfacePng(cairo_surface_t* surface) {
  std::string out;
  const cairo_status_t st = cairo_surface_write_to_png_stream(surface, WritePng, &out);
  if (st != CAIRO_STATUS_SUCCESS) return absl::InternalError(absl::StrCat("PNG encoding: ", cairo_status_to_string(st)));
  return out;
}

double DrawText(cairo_t* cr, const std::string& text, double x, double y, const TextStyle& style) {
  auto layout = Layout(cr, text, style);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout.get());
  int w = 0, h = 0;
  pango_layout_get_size(layout.get(), &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

std::pair<double, double> TextSize(cairo_t* cr, const std::string& text, const TextStyle& style) {
  auto layout = Layout(cr, text, style);
  int w = 0, h = 0;
  pango_layout_get_size(layout.get(), &w, &h);
  return {static_cast<double>(w) / PANGO_SCALE, static_cast<double>(h) / PANGO_SCALE};
}

}  // namespace kuaguan::document
