#include "node/web_console.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include <botan/auto_rng.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "node/web_pages.h"
#include "seal/digest.h"

namespace kuaguan::node {

namespace v1 = kuaguan::v1;

namespace {

constexpr char kSecurityPolicy[] =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'";
constexpr char kHtml[] = "text/html; charset=utf-8";

// 32 random bytes in URL-safe base64 without padding (43 characters).
std::string RandomToken() {
  Botan::AutoSeeded_RNG rng;
  std::string raw(32, '\0');
  rng.randomize(reinterpret_cast<uint8_t*>(raw.data()), raw.size());
  return absl::WebSafeBase64Escape(raw);
}

// The key a token or session id is kept under: its SHA-256.
std::string Hashed(absl::string_view secret) { return seal::Sha256(secret); }

// `listen` checked and normalized: the host civetweb binds ("127.0.0.1", "[::1]") and the port.
absl::Status ParseListen(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(absl::StrCat("web console address \"", listen, "\" is not HOST:PORT"));
  }
  const std::string h = absl::AsciiStrToLower(listen.substr(0, colon));
  const std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), absl::ascii_isdigit) || !absl::SimpleAtoi(p, port) ||
      *port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("web console address \"", listen, "\": bad port \"", p, "\""));
  }
  in_addr v4{};
  if (h == "localhost") {
    *host = "127.0.0.1";
  } else if (::inet_pton(AF_INET, h.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127) {
    *host = h;
  } else if (h == "[::1]") {
    if (mg_check_feature(8) == 0) {
      return absl::FailedPreconditionError(
          "web console on [::1]: this civetweb was built without IPv6; listen on 127.0.0.1 instead");
    }
    *host = h;
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        "the web console listens on loopback only (127.x.y.z, localhost or [::1]), not \"", listen,
        "\": it speaks plain HTTP and its session cookie would cross the network in clear; to serve other "
        "machines, put a TLS-terminating reverse proxy on this machine in front of it"));
  }
  return absl::OkStatus();
}

// Opens and at once closes a TCP connection to `address` ("127.0.0.1:PORT" or "[::1]:PORT").
void Knock(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) return;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (address[0] == '[') {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(static_cast<uint16_t>(port));
    sa->sin6_addr = in6addr_loopback;
    len = sizeof *sa;
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa->sin_addr) != 1) return;
    len = sizeof *sa;
  }
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return;
  (void)::connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  ::close(fd);
}

bool IsMemberCode(absl::string_view code) {
  return code.size() == 6 && std::all_of(code.begin(), code.end(), absl::ascii_isdigit);
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kUnavailable: return 503;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kInvalidArgument: return 400;
    default: return 500;
  }
}

}  // namespace

struct WebConsole::Response {
  int status = 200;
  std::string content_type = kHtml;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

WebConsole::WebConsole(std::string address, ViewFn view, AuditFn audit, const base::Clock* clock)
    : address_(std::move(address)), view_(std::move(view)), audit_(std::move(audit)), clock_(clock) {}

absl::StatusOr<std::unique_ptr<WebConsole>> WebConsole::Start(const std::string& listen, ViewFn view, AuditFn audit,
                                                               const base::Clock* clock) {
  if (!view || !audit || clock == nullptr) {
    return absl::InvalidArgumentError("web console: a view, an audit function and a clock are required");
  }
  std::string host;
  int port = 0;
  if (absl::Status st = ParseListen(listen, &host, &port); !st.ok()) return st;

  const std::string ports = absl::StrCat(host, ":", port);
  const char* options[] = {"listening_ports",    ports.c_str(), "num_threads", "4", "request_timeout_ms", "10000",
                           "enable_directory_listing", "no", "enable_keep_alive", "no", nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = nullptr;
  init.configuration_options = options;
  unsigned error_code = 0;
  char error_text[256] = {0};
  mg_error_data error{};
  error.code = &error_code;
  error.text = error_text;
  error.text_buffer_size = sizeof error_text;

  mg_init_library(0);
  mg_context* ctx = mg_start2(&init, &error);
  if (ctx == nullptr) {
    mg_exit_library();
    return absl::UnavailableError(absl::StrCat("web console on ", ports, " did not start: ", error_text));
  }
  mg_server_port bound[4];
  std::memset(bound, 0, sizeof bound);
  const int n = mg_get_server_ports(ctx, 4, bound);
  if (n < 1 || bound[0].port <= 0) {
    mg_stop(ctx);
    mg_exit_library();
    return absl::UnavailableError(absl::StrCat("web console on ", ports, ": no listening port"));
  }
  std::unique_ptr<WebConsole> console(
      new WebConsole(absl::StrCat(host, ":", bound[0].port), std::move(view), std::move(audit), clock));
  {
    absl::MutexLock lock(&console->stop_mu_);
    console->ctx_ = ctx;
  }
  // "**" matches every path; the console routes itself.
  mg_set_request_handler(ctx, "**", &WebConsole::HandleRequest, console.get());
  return console;
}

WebConsole::~WebConsole() { Stop(); }

void WebConsole::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (ctx_ == nullptr) return;
  mg_context* const ctx = ctx_;
  ctx_ = nullptr;
  // civetweb's listening thread sees the stop flag only when its poll returns (every 2 s); a
  // connection to ourselves wakes it at once.
  std::atomic<bool> stopped{false};
  std::thread stopper([ctx, &stopped] {
    mg_stop(ctx);
    stopped = true;
  });
  while (!stopped) {
    Knock(address_);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stopper.join();
  mg_exit_library();
}

absl::StatusOr<std::string> WebConsole::CreateLogin(const std::string& actor, const std::string& role) {
  if (actor.empty()) return absl::InvalidArgumentError("a web login needs the person's name");
  if (role != "monitor" && role != "auditor") {
    return absl::PermissionDeniedError(
        absl::StrCat("the web console is for the provincial monitor and auditor roles, not \"", role, "\""));
  }
  const std::string token = RandomToken();
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    DropExpired(now);
    size_t outstanding = 0;
    for (const auto& [hash, login] : logins_) outstanding += login.used || login.expires <= now ? 0 : 1;
    if (outstanding >= kMaxLogins) {
      return absl::ResourceExhaustedError(
          absl::StrCat(outstanding, " web login links are outstanding; wait for them to be used or expire (5 minutes)"));
    }
    logins_[Hashed(token)] = Login{actor, role, now + kLoginLifetime, false};
  }
  return absl::StrCat("http://", address_, "/login?token=", token);
}

size_t WebConsole::sessions() const {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [hash, s] : sessions_) {
    if (now < s.created + kSessionLifetime && now < s.last_used + kSessionIdle) ++n;
  }
  return n;
}

void WebConsole::DropExpired(absl::Time now) {
  // A login link is remembered for a while past its expiry, so that a late click is told the
  // link expired (or was used) rather than that it is unknown.
  for (auto it = logins_.begin(); it != logins_.end();) {
    it = now >= it->second.expires + kLoginLifetime ? logins_.erase(it) : std::next(it);
  }
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const bool ended = now >= it->second.created + kSessionLifetime || now >= it->second.last_used + kSessionIdle;
    it = ended ? sessions_.erase(it) : std::next(it);
  }
}

bool WebConsole::FindSession(mg_connection* conn, bool background, std::string* hash, Session* session) {
  const char* cookies = mg_get_header(conn, "Cookie");
  if (cookies == nullptr) return false;
  char id[128];
  const int len = mg_get_cookie(cookies, kCookieName, id, sizeof id);
  if (len <= 0) return false;
  const std::string key = Hashed(absl::string_view(id, static_cast<size_t>(len)));
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return false;
  if (now >= it->second.created + kSessionLifetime || now >= it->second.last_used + kSessionIdle) {
    sessions_.erase(it);
    return false;
  }
  if (!background) it->second.last_used = now;
  *hash = key;
  *session = it->second;
  return true;
}

int WebConsole::HandleRequest(mg_connection* conn, void* self) {
  auto* console = static_cast<WebConsole*>(self);
  const mg_request_info* info = mg_get_request_info(conn);
  const bool head = info->request_method != nullptr && std::strcmp(info->request_method, "HEAD") == 0;
  Response r;
  try {
    r = console->Serve(conn);
  } catch (const std::exception& e) {  // nothing may unwind through civetweb's C frames
    r = Response{500, kHtml, RenderNotice("Internal error 内部错误", e.what()), {}};
  }

  mg_response_header_start(conn, r.status);
  mg_response_header_add(conn, "Content-Type", r.content_type.c_str(), -1);
  mg_response_header_add(conn, "Content-Length", absl::StrCat(r.body.size()).c_str(), -1);
  mg_response_header_add(conn, "Content-Security-Policy", kSecurityPolicy, -1);
  mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
  mg_response_header_add(conn, "Referrer-Policy", "no-referrer", -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  mg_response_header_add(conn, "X-Frame-Options", "DENY", -1);
  for (const auto& [name, value] : r.headers) mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  mg_response_header_send(conn);
  if (!head && !r.body.empty()) mg_write(conn, r.body.data(), r.body.size());
  return r.status;
}

WebConsole::Response WebConsole::Serve(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  const std::string method = info->request_method != nullptr ? info->request_method : "";
  const std::string path = info->local_uri != nullptr ? info->local_uri : "";
  const std::string peer = absl::StrCat(info->remote_addr, ":", info->remote_port);
  if (method != "GET" && method != "HEAD") {
    Response r{405, kHtml, RenderNotice("Method not allowed 不允许的方法", "This console only reads: GET and HEAD."), {}};
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (path == "/login") return ServeLogin(conn, peer);

  std::string hash;
  Session session;
  const bool background = mg_get_header(conn, "X-Kuaguan-Refresh") != nullptr;
  if (!FindSession(conn, background, &hash, &session)) return {401, kHtml, RenderLoginNeeded(), {}};
  if (path == "/logout") return ServeLogout(hash, session, peer);
  return ServePage(path, session);
}

WebConsole::Response WebConsole::ServeLogin(mg_connection* conn, const std::string& peer) {
  const mg_request_info* info = mg_get_request_info(conn);
  char token[128] = {0};
  const char* query = info->query_string;
  const int len = query == nullptr ? -1 : mg_get_var(query, std::strlen(query), "token", token, sizeof token);
  auto refuse = [&](const std::string& owner, const std::string& why, const std::string& message) {
    audit_(absl::StrCat("web:", peer), "web.login", owner, absl::StrCat("refused: ", why));
    return Response{403, kHtml, RenderNotice("Login refused 登录被拒绝", message), {}};
  };
  if (len <= 0) {
    return refuse("", "no token",
                  "This login link has no token. Run `kuaguan hub login` on the provincial node for a new link. "
                  "此登录链接缺少令牌，请在省级节点上运行 kuaguan hub login 获取新链接。");
  }
  const absl::Time now = clock_->Now();
  const std::string session_id = RandomToken();
  enum class Verdict { kOk, kUnknown, kUsed, kExpired } verdict = Verdict::kOk;
  Login login;
  {
    absl::MutexLock lock(&mu_);
    DropExpired(now);
    auto it = logins_.find(Hashed(absl::string_view(token, static_cast<size_t>(len))));
    if (it == logins_.end()) {
      verdict = Verdict::kUnknown;
    } else {
      login = it->second;
      verdict = login.used ? Verdict::kUsed : now >= login.expires ? Verdict::kExpired : Verdict::kOk;
    }
    if (verdict == Verdict::kOk) {
      it->second.used = true;
      if (sessions_.size() >= kMaxSessions) {
        // Full of live sessions: the least recently used one ends.
        auto oldest = sessions_.begin();
        for (auto s = sessions_.begin(); s != sessions_.end(); ++s) {
          if (s->second.last_used < oldest->second.last_used) oldest = s;
        }
        sessions_.erase(oldest);
      }
      sessions_[Hashed(session_id)] = Session{login.actor, login.role, now, now};
    }
  }
  switch (verdict) {
    case Verdict::kUnknown:
      return refuse("", "unknown token",
                    "This login link is not known here (or expired long ago). Run `kuaguan hub login` on the "
                    "provincial node for a new one. 此登录链接无效，请在省级节点上运行 kuaguan hub login 获取新链接。");
    case Verdict::kUsed:
      return refuse(login.actor, "token already used",
                    "This login link was used already: each link signs in once. Run `kuaguan hub login` for a new "
                    "one. 此登录链接已使用过（每个链接只能使用一次），请运行 kuaguan hub login 获取新链接。");
    case Verdict::kExpired:
      return refuse(login.actor, "token expired",
                    "This login link has expired: links are valid for 5 minutes. Run `kuaguan hub login` for a "
                    "new one. 此登录链接已过期（有效期 5 分钟），请运行 kuaguan hub login 获取新链接。");
    case Verdict::kOk:
      break;
  }
  audit_(login.actor, "web.login", absl::StrCat("web:", peer), absl::StrCat("ok (", login.role, ")"));
  Response r{303, kHtml, RenderNotice("Signed in 已登录", "Continue to the overview. 继续前往总览。"), {}};
  r.headers.emplace_back("Location", "/");
  r.headers.emplace_back("Set-Cookie",
                         absl::StrCat(kCookieName, "=", session_id, "; HttpOnly; SameSite=Strict; Path=/"));
  return r;
}

WebConsole::Response WebConsole::ServeLogout(const std::string& session_hash, const Session& session,
                                             const std::string& peer) {
  {
    absl::MutexLock lock(&mu_);
    sessions_.erase(session_hash);
  }
  audit_(session.actor, "web.logout", absl::StrCat("web:", peer), "ok");
  Response r{200, kHtml,
             RenderNotice("Signed out 已退出",
                          "Your session has ended. Run `kuaguan hub login` to sign in again. "
                          "会话已结束，如需再次登录请运行 kuaguan hub login。"),
             {}};
  r.headers.emplace_back("Set-Cookie",
                         absl::StrCat(kCookieName, "=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/"));
  return r;
}

WebConsole::Response WebConsole::ServePage(const std::string& path, const Session& session) {
  const std::string person = session.actor;
  std::string archive;
  const bool member_page = absl::StartsWith(path, "/member/");
  if (member_page) {
    archive = path.substr(std::strlen("/member/"));
    if (!IsMemberCode(archive)) {
      return {404, kHtml, RenderNotice("Not found 未找到", "A member's code is six digits. 成员馆代码为六位数字。"), {}};
    }
  } else if (path != "/" && path != "/view.json") {
    return {404, kHtml, RenderNotice("Not found 未找到", "There is no such page. 没有此页面。"), {}};
  }
  absl::StatusOr<v1::FederationView> view = view_(archive);
  if (!view.ok()) {
    return {HttpStatusOf(view.status()), kHtml,
            RenderNotice("The federation view is not available 无法获取联盟状态", view.status().ToString()), {}};
  }
  if (path == "/view.json") {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    if (!google::protobuf::util::MessageToJsonString(*view, &json, options).ok()) {
      return {500, kHtml, RenderNotice("Internal error 内部错误", "The view could not be written as JSON."), {}};
    }
    return {200, "application/json; charset=utf-8", json + "\n", {}};
  }
  if (member_page) {
    bool found = false;
    for (const auto& m : view->members()) found = found || m.code() == archive;
    if (!found) {
      return {404, kHtml,
              RenderNotice("Not found 未找到", absl::StrCat("No member ", archive, " in the federation. 联盟中无此成员馆。")),
              {}};
    }
    return {200, kHtml, RenderMember(*view, archive, person), {}};
  }
  return {200, kHtml, RenderOverview(*view, person), {}};
}

}  // namespace kuaguan::node
