// Debian's headless chromium (/usr/bin/chromium) for tests of web pages: the DOM a real browser
// builds from a URL (after redirects, cookies and scripts), and a screenshot of it. Each call
// starts a fresh browser with an empty profile in a temporary directory, without a sandbox (tests
// run as root), GPU or any background networking (the machine has no outside network), and
// kills it when it overruns its time. Thread-compatible: calls may run at once, each with its
// own browser.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kuaguan::testing {

// Where the browser is expected.
inline constexpr char kChromiumPath[] = "/usr/bin/chromium";

// True when kChromiumPath is an executable file (tests skip, with a warning, when it is not).
bool HaveChromium();

// The serialized DOM of `url` once it has loaded (chromium --dump-dom), or, when
// `virtual_time` is positive, once the page has run that long in virtual time (timers fire,
// fetches complete; --virtual-time-budget). FAILED_PRECONDITION without chromium;
// DEADLINE_EXCEEDED (the browser killed) past `timeout`; INTERNAL when the browser exits with an
// error or prints no document (its log in the message).
absl::StatusOr<std::string> DumpDom(const std::string& url, std::chrono::seconds timeout,
                                    std::chrono::milliseconds virtual_time = std::chrono::milliseconds(0));

// A PNG of `url` rendered in a window of `width` x `height` pixels, written to `png_path`
// (chromium --screenshot). Errors as DumpDom's, within 60 seconds; INTERNAL when no image was
// written.
absl::Status Screenshot(const std::string& url, const std::string& png_path, int width, int height);

}  // namespace kuaguan::testing
