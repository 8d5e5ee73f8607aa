// Small cairo and pango helpers shared by the seal picture and the certificate PDF: owning
// handles, PNG bytes in and out, and a line of text drawn with Noto CJK. Thread-compatible
// (each cairo context belongs to one thread).
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace kuaguan::document {

struct SurfaceFree {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextFree {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceFree>;
using Context = std::unique_ptr<cairo_t, ContextFree>;

// Held while drawing text: the one font map all threads share. Pango's default font map is per
// thread, and loading the Noto CJK fonts costs ~250 ms per new thread (gRPC serves on many).
absl::Mutex& FontMutex();

// Decodes PNG bytes. INVALID_ARGUMENT naming `what` when they are not a PNG.
absl::StatusOr<Surface> PngSurface(const std::string& png, const std::string& what);
// Encodes an image surface as PNG bytes.
absl::StatusOr<std::string> SurfacePng(cairo_surface_t* surface);

struct TextStyle {
  double size = 11;    // points (or pixels on image surfaces)
  bool bold = false;
  bool serif = false;
  double width = -1;   // wrap at this width (-1: one line)
  PangoAlignment align = PANGO_ALIGN_LEFT;
};

// Draws `text` with its top-left at (x, y) in the current colour; returns its height.
// The caller holds FontMutex().
double DrawText(cairo_t* cr, const std::string& text, double x, double y, const TextStyle& style);
// The width and height `text` would take (the caller holds FontMutex()).
std::pair<double, double> TextSize(cairo_t* cr, const std::string& text, const TextStyle& style);

}  // namespace kuaguan::document
