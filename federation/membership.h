// What the request workflow needs to know of the federation: whether this node has enrolled,
// who the members are, what certificates are verified against, and this archive's seal.
// federation::PeerLink implements it from the cached signed directory; tests implement it from
// a CA made in a temporary directory. Implementations are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kuaguan/v1/desk.pb.h"
#include "kuaguan/v1/federation.pb.h"

namespace Botan {
class Private_Key;
}

namespace kuaguan::federation {

// What the back office stamps certificates with (the seal key signs nothing else).
struct SealKit {
  std::shared_ptr<const Botan::Private_Key> key;  // SM2
  std::string cert_pem;                           // its seal certificate
  std::string seal_der;                           // the archive's seal (SESeal), from the seal maker
};

class Membership {
 public:
  virtual ~Membership() = default;

  // True once the node holds its certificates and a directory.
  virtual bool enrolled() const = 0;
  // A copy of the current directory (empty before enrollment).
  virtual kuaguan::v1::Directory Directory() const = 0;
  // Member `code`'s name, or "" when it is no member.
  virtual std::string MemberName(const std::string& code) const = 0;
  // What certificates are verified against: the root, the seal maker and the members' seals.
  virtual kuaguan::v1::TrustBundle Trust() const = 0;
  // This archive's seal key, seal certificate and seal. FAILED_PRECONDITION before enrollment.
  virtual absl::StatusOr<SealKit> Seal() const = 0;
};

}  // namespace kuaguan::federation
