// The provincial node's web console pages, rendered on the server from a FederationView: plain
// HTML5 in UTF-8, labels in English and Chinese, a small inline style sheet and script and
// nothing loaded from anywhere else (the page works on a machine without any outside network,
// and the console's Content-Security-Policy allows nothing more). Charts are inline SVG drawn
// here. Every string taken from the view (names, details, errors: bytes a member or an attacker
// chose) goes through HtmlEscape, so no view can add markup or script to a page.
//
// Elements a test (or a script) can find: member rows `id="member-CODE"`, alarm rows
// `class="alarm alarm-KIND"`, state cells `class="state state-STATE"` (STATE one of ok, late,
// down, alarm; anything else renders as `unknown`).
//
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "kuaguan/v1/hub.pb.h"

namespace kuaguan::node {

// `text` made safe inside HTML text and quoted attribute values: & < > " ' become character
// references; malformed UTF-8 and control characters other than tab and newline (C0, DEL, C1)
// become U+FFFD. Any bytes in, well-formed UTF-8 out.
std::string HtmlEscape(absl::string_view text);

// The federation at a glance: a header (the provincial archive, the view's time, `person`, the
// signed-in person), the alarms (open ones first, newest first within each) and one row per
// member linking to /member/CODE. The page re-fetches itself every `report_interval_seconds`
// (at least 10 s; 60 s when the view does not say).
std::string RenderOverview(const kuaguan::v1::FederationView& view, const std::string& person);

// One member in detail: the member `code` of `view` (the view holds it with its samples), every
// field of its last health report, its alarms, and charts of request volume and deadline
// compliance over time from `samples`. When `view` holds no member `code`, a page that says so.
std::string RenderMember(const kuaguan::v1::FederationView& view, const std::string& code,
                         const std::string& person);

// The page for a request without a valid session: how to get a login link (`kuaguan hub login`
// on the provincial node, as a monitor or auditor).
std::string RenderLoginNeeded();

// A short page with a heading and one paragraph (both escaped), for refusals, errors and
// "signed out"; `title` is also the document title.
std::string RenderNotice(const std::string& title, const std::string& message);

}  // namespace kuaguan::node
