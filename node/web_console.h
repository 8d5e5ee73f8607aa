// The provincial node's web console: read-only pages of the federation's health (web_pages.h)
// for provincial monitors and auditors, served over HTTP by civetweb on an address of its own.
//
// Loopback only: Start refuses any other address (FAILED_PRECONDITION); to serve other
// machines, put a TLS-terminating reverse proxy in front of it. Nobody signs in on the page:
// the node authenticates a person by other means (the kernel's peer credentials on its local
// socket) and calls CreateLogin, which makes a one-time link (`kuaguan hub login` prints it).
// Opening the link starts a session bound to that person: a cookie `kuaguan_session`
// (HttpOnly, SameSite=Strict, Path=/) naming a random session id, of which the console keeps
// only the SHA-256. A session ends 8 hours after login, after 30 minutes without a request, or
// at /logout. The pages' own background refresh (header `X-Kuaguan-Refresh`) does not count as
// use, so an open tab nobody looks at still ends after 30 minutes.
//
// Routes (GET and HEAD only, else 405):
//   /login?token=T  one use; an unknown, used or expired token gets 403; success sets the
//                   cookie and redirects (303) to /.
//   /               the overview of every member       (ViewFn(""))
//   /member/CODE    one member in detail; CODE is six digits, else 404 (ViewFn(CODE))
//   /view.json      the FederationView as JSON (proto field names), for scripts (ViewFn(""))
//   /logout         ends the session.
// Every other request without a valid session gets 401 and a page explaining how to sign in.
// Every answer carries a strict Content-Security-Policy (nothing from anywhere, inline style
// and script only, fetches to itself), nosniff, no referrer, no caching and no framing.
// Logins (made, refused) and logouts are audited through AuditFn.
//
// Bounded: 4 worker threads, 10 s to read a request, civetweb's request-size limit, no files
// served, at most kMaxLogins outstanding links and kMaxSessions sessions.
//
// Thread-safe: civetweb calls the handlers on its worker threads; login links and sessions are
// kept under one mutex. ViewFn and AuditFn are called on those threads, several at a time, and
// must be thread-safe themselves. Stop (or the destructor) must not be called from ViewFn or
// AuditFn.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "kuaguan/v1/hub.pb.h"

struct mg_connection;
struct mg_context;

namespace kuaguan::node {

class WebConsole {
 public:
  // The federation as the hub sees it now: every member when `archive` is empty, else the one
  // member `archive` in detail (with its samples); NOT_FOUND when there is no such member.
  using ViewFn = std::function<absl::StatusOr<kuaguan::v1::FederationView>(const std::string& archive)>;
  // Writes one audit entry.
  using AuditFn = std::function<void(const std::string& actor, const std::string& action,
                                     const std::string& object, const std::string& outcome)>;

  static constexpr absl::Duration kLoginLifetime = absl::Minutes(5);
  static constexpr absl::Duration kSessionLifetime = absl::Hours(8);
  static constexpr absl::Duration kSessionIdle = absl::Minutes(30);
  static constexpr size_t kMaxLogins = 256;
  static constexpr size_t kMaxSessions = 1024;
  static constexpr char kCookieName[] = "kuaguan_session";

  // Serves on `listen`, "HOST:PORT" with HOST 127.x.y.z, localhost (served as 127.0.0.1) or
  // [::1], and PORT 0 for any free port. INVALID_ARGUMENT when `listen` is not HOST:PORT;
  // FAILED_PRECONDITION when HOST is not loopback (saying why); UNAVAILABLE when the server
  // cannot start (the port is taken). `view`, `audit` and `clock` must be set; `clock` must
  // outlive the console.
  static absl::StatusOr<std::unique_ptr<WebConsole>> Start(const std::string& listen, ViewFn view, AuditFn audit,
                                                           const base::Clock* clock);

  // Stops the server (as Stop does).
  ~WebConsole();
  WebConsole(const WebConsole&) = delete;
  WebConsole& operator=(const WebConsole&) = delete;

  // The bound address, "127.0.0.1:PORT" or "[::1]:PORT" (the real port when Start was given 0).
  const std::string& address() const { return address_; }

  // A one-time login link for a person the caller has authenticated: `actor` (the audit form,
  // base::Actor::ToString) signed in as `role`, "monitor" or "auditor". Returns
  // "http://ADDRESS/login?token=TOKEN", TOKEN being 32 random bytes in URL-safe base64 (the
  // console keeps only its SHA-256), valid for kLoginLifetime. INVALID_ARGUMENT for an empty
  // actor, PERMISSION_DENIED for any other role, RESOURCE_EXHAUSTED when kMaxLogins links are
  // outstanding.
  absl::StatusOr<std::string> CreateLogin(const std::string& actor, const std::string& role)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Stops accepting connections, finishes the requests being served and joins civetweb's
  // threads. Idempotent.
  void Stop();

  // Sessions live now (expired ones are dropped as they are found). For tests and metrics.
  size_t sessions() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Login {
    std::string actor;
    std::string role;
    absl::Time expires;
    bool used = false;
  };
  struct Session {
    std::string actor;
    std::string role;
    absl::Time created;
    absl::Time last_used;
  };
  struct Response;

  WebConsole(std::string address, ViewFn view, AuditFn audit, const base::Clock* clock);

  static int HandleRequest(mg_connection* conn, void* self);
  Response Serve(mg_connection* conn);
  Response ServeLogin(mg_connection* conn, const std::string& peer);
  Response ServeLogout(const std::string& session_hash, const Session& session, const std::string& peer);
  Response ServePage(const std::string& path, const Session& session);
  // The session named by the request's cookie (its hash and a copy), its last use moved to now
  // unless `background`; false when there is none or it has ended (then it is dropped).
  bool FindSession(mg_connection* conn, bool background, std::string* hash, Session* session)
      ABSL_LOCKS_EXCLUDED(mu_);
  void DropExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  const std::string address_;
  const ViewFn view_;
  const AuditFn audit_;
  const base::Clock* const clock_;

  absl::Mutex stop_mu_;
  mg_context* ctx_ ABSL_GUARDED_BY(stop_mu_) = nullptr;

  mutable absl::Mutex mu_;
  std::map<std::string, Login> logins_ ABSL_GUARDED_BY(mu_);      // by SHA-256 of the token
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);  // by SHA-256 of the session id
};

}  // namespace kuaguan::node
