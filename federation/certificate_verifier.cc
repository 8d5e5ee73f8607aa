#include "federation/certificate_verifier.h"

#include "absl/strings/str_cat.h"
#include "seal/sealed_certificate.h"

namespace kuaguan::federation {
namespace v1 = kuaguan::v1;

absl::StatusOr<v1::VerifyResult> CertificateVerifier::Verify(const std::string& pdf, bool online,
                                                             const std::string& actor) {
  const v1::TrustBundle trust = members_->Trust();
  if (trust.seal_maker_pem().empty()) {
    return absl::FailedPreconditionError("this node is not enrolled: it has no directory to verify against");
  }
  auto v = seal::VerifySealedCertificate(pdf, trust);
  v1::VerifyResult out = seal::DescribeVerification(v, trust);
  if (!v.ok()) {
    (void)store_->Audit({actor, "certificate.verify", "", absl::StrCat("invalid: ", v.status().message())});
    return out;
  }
  const auto& c = v->content;
  if (online) {
    out.set_online_checked(true);
    v1::CertificateQuery q;
    q.set_from(archive_);
    q.set_serial(c.serial());
    q.set_sm3(v->file_sm3);
    absl::StatusOr<v1::CertificateStatus> st = c.issuing_archive() == archive_
                                                   ? local_->CertificateState(q)
                                                   : peers_->CheckCertificate(c.issuing_archive(), q);
    if (!st.ok()) {
      out.set_online_answer(
          absl::StrCat("the issuing archive could not be asked: ", st.status().message()));
    } else if (!st->issued()) {
      out.set_online_answer(
          absl::StrCat("archive ", c.issuing_archive(), " has no record of issuing ", c.serial()));
    } else if (!st->matches()) {
      out.set_online_answer(
          absl::StrCat("archive ", c.issuing_archive(), " issued ", c.serial(), " but not this file"));
    } else if (st->revoked()) {
      out.set_online_answer(absl::StrCat("revoked: ", st->revoked_reason()));
    } else {
      out.set_online_answer(absl::StrCat("archive ", c.issuing_archive(),
                                         " confirms: issued, this very file, not revoked"));
    }
    const bool confirmed = st.ok() && st->issued() && st->matches() && !st->revoked();
    if (!confirmed) {
      out.set_valid(false);
      out.set_reason(out.online_answer());
    }
  }
  (void)store_->Audit({actor, "certificate.verify", c.serial(),
                       out.valid() ? "ok: valid" : absl::StrCat("invalid: ", out.reason())});
  return out;
}

absl::StatusOr<v1::TrustBundle> CertificateVerifier::Trust() {
  if (!members_->enrolled()) return absl::FailedPreconditionError("this node is not enrolled (kuaguan enroll)");
  return members_->Trust();
}

}  // namespace kuaguan::federation
