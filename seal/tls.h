// gRPC credentials for the federation. Mutual TLS: each side presents its chain (its certificate
// and the issuing CA's) and requires the other's to reach the provincial root. A caller dials a
// member under PeerHostName(code), so the handshake itself proves which archive answered; what
// the server learns (the caller's certificate) is checked per call against the directory
// (seal/directory.h). Enrollment has no client certificate yet: its channel accepts the
// server only when the chain it sends reaches a root with the fingerprint pinned in the token and
// its leaf is the provincial node's own certificate, also pinned in the token
// (seal/enrollment_token.h); any other leaf, even a valid member's, fails the handshake, so the
// token is never sent to it.
// gRPC 1.51 cannot refuse TLS 1.2: our nodes negotiate 1.3 with each other, but a 1.2 client is
// still served. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace kuaguan::seal {

// The largest message between nodes and from desk clients: certificates with scanned pages and
// requests with their attachments travel whole.
inline constexpr int kMaxPeerMessageBytes = 64 << 20;

struct TlsIdentity {
  std::string key_pem;    // unencrypted, in memory only
  std::string chain_pem;  // the certificate, then the issuing CA's (and the root's, for enrollment)
  std::string root_pem;   // the trust anchor for the other side
};

// Requires and verifies client certificates.
std::shared_ptr<grpc::ServerCredentials> MutualTlsServerCredentials(const TlsIdentity& id);
// Server-authenticated only (the provincial enrollment listener).
std::shared_ptr<grpc::ServerCredentials> ServerTlsCredentials(const TlsIdentity& id);
// A mutual-TLS channel to archive (or provincial node) `code` at `address`.
std::shared_ptr<grpc::Channel> MutualTlsChannel(const TlsIdentity& id, const std::string& address,
                                                const std::string& code);
// A channel for enrollment: its server must present exactly the certificate with SHA-256
// `server_sha256_hex`, chained to a root with SHA-256 `root_sha256_hex` (CheckPinnedServer).
std::shared_ptr<grpc::Channel> PinnedEnrollmentChannel(const std::string& address, const std::string& root_sha256_hex,
                                                       const std::string& server_sha256_hex);

// What the enrollment channel checks of the chain the server sent (PEM, leaf first) at `now`: it
// holds the root pinned by `root_sha256_hex`, the leaf chains through the next certificate to that
// root, is valid for TLS, and its DER has SHA-256 `server_sha256_hex` (hex in either case).
// UNAUTHENTICATED with the reason.
absl::Status CheckPinnedServer(absl::string_view chain_pem, absl::string_view root_sha256_hex,
                               absl::string_view server_sha256_hex, std::chrono::system_clock::time_point now);

// The verified client certificate (PEM) of a call, or empty when there is none.
std::string PeerCertPem(const grpc::ServerContextBase& ctx);

}  // namespace kuaguan::seal
