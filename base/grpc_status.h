// The one place where absl::Status becomes grpc::Status (and back, for clients).
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"

namespace kuaguan::base {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// Moves a successful result into `resp`; the status either way (sync handlers).
template <typename Resp>
grpc::Status Reply(absl::StatusOr<Resp> result, Resp* resp) {
  if (result.ok()) *resp = *std::move(result);
  return ToGrpcStatus(result.status());
}

}  // namespace kuaguan::base
