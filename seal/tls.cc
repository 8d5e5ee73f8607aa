#include "seal/tls.h"

#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "seal/certs.h"

namespace kuaguan::seal {
namespace {

// Accepts only the pinned server certificate, chained to the pinned root (CheckPinnedServer).
class PinnedServerVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  PinnedServerVerifier(std::string root_sha256, std::string server_sha256)
      : root_sha256_(std::move(root_sha256)), server_sha256_(std::move(server_sha256)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request, std::function<void(grpc::Status)>,
              grpc::Status* sync_status) override {
    const absl::Status checked =
        CheckPinnedServer(absl::string_view(request->peer_cert_full_chain().data(), request->peer_cert_full_chain().size()),
                          root_sha256_, server_sha256_, std::chrono::system_clock::now());
    *sync_status = checked.ok() ? grpc::Status::OK
                                : grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(checked.message()));
    return true;
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  const std::string root_sha256_, server_sha256_;
};

grpc::SslServerCredentialsOptions ServerOptions(const TlsIdentity& id, grpc_ssl_client_certificate_request_type t) {
  grpc::SslServerCredentialsOptions opts(t);
  opts.pem_root_certs = id.root_pem;
  opts.pem_key_cert_pairs.push_back({id.key_pem, id.chain_pem});
  return opts;
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> MutualTlsServerCredentials(const TlsIdentity& id) {
  return grpc::SslServerCredentials(ServerOptions(id, GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY));
}

std::shared_ptr<grpc::ServerCredentials> ServerTlsCredentials(const TlsIdentity& id) {
  return grpc::SslServerCredentials(ServerOptions(id, GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE));
}

std::shared_ptr<grpc::Channel> MutualTlsChannel(const TlsIdentity& id, const std::string& address,
                                                const std::string& code) {
  grpc::SslCredentialsOptions opts;
  opts.pem_root_certs = id.root_pem;
  opts.pem_private_key = id.key_pem;
  opts.pem_cert_chain = id.chain_pem;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxPeerMessageBytes);
  args.SetMaxSendMessageSize(kMaxPeerMessageBytes);
  args.SetSslTargetNameOverride(PeerHostName(code));
  // A member or the hub back after an outage is reached within seconds (gRPC's default backoff
  // grows to two minutes).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(opts), args);
}

std::shared_ptr<grpc::Channel> PinnedEnrollmentChannel(const std::string& address, const std::string& root_sha256_hex,
                                                       const std::string& server_sha256_hex) {
  grpc::experimental::TlsChannelCredentialsOptions opts;
  opts.set_verify_server_certs(false);  // the pinned-server verifier below does it
  opts.set_check_call_host(false);
  opts.set_certificate_verifier(grpc::experimental::ExternalCertificateVerifier::Create<PinnedServerVerifier>(
      root_sha256_hex, server_sha256_hex));
  return grpc::CreateChannel(address, grpc::experimental::TlsCredentials(opts));
}

absl::Status CheckPinnedServer(absl::string_view chain_pem, absl::string_view root_sha256_hex,
                               absl::string_view server_sha256_hex, std::chrono::system_clock::time_point now) {
  std::vector<std::string> pems;
  for (absl::string_view part : absl::StrSplit(chain_pem, "-----END CERTIFICATE-----", absl::SkipWhitespace())) {
    if (part.find("-----BEGIN CERTIFICATE-----") != absl::string_view::npos) {
      pems.push_back(std::string(part) + "-----END CERTIFICATE-----\n");
    }
    if (pems.size() > 8) break;  // ours send three
  }
  const std::string root_pin = absl::AsciiStrToLower(root_sha256_hex);
  const std::string server_pin = absl::AsciiStrToLower(server_sha256_hex);
  std::string root;
  for (const auto& pem : pems) {
    auto info = ParseCert(pem);
    if (info.ok() && info->sha256_hex == root_pin) root = pem;
  }
  if (pems.size() < 3 || root.empty()) {
    return absl::UnauthenticatedError("the provincial node's certificate does not reach the root pinned in the token");
  }
  auto checked = CheckTlsCert(pems[0], pems[1], root, now);
  if (!checked.ok()) return checked.status();
  if (checked->sha256_hex != server_pin) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the server's certificate (archive ", checked->subject_cn, ", SHA-256 ", checked->sha256_hex,
        ") is not the provincial node's pinned in the token: the token was not sent (check the address, or "
        "someone is answering in the provincial node's place)"));
  }
  return absl::OkStatus();
}

std::string PeerCertPem(const grpc::ServerContextBase& ctx) {
  auto auth = ctx.auth_context();
  if (!auth) return "";
  const auto values = auth->FindPropertyValues("x509_pem_cert");
  if (values.empty()) return "";
  return std::string(values.front().data(), values.front().size());
}

}  // namespace kuaguan::seal
