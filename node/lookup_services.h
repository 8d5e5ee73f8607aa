// The self-service lookup's two gRPC services on an archive's mutual-TLS listener (R6.1).
// DeskLookupService: a front-desk clerk's kuaguan-desk asks its own node (Authorizer: a registered
// staff certificate and the role table, command "desk lookup"); the node asks every member.
// PersonLookupService: another member's node asks this one (PeerLink::CheckInbound with the
// archive it claims to be); the clerk's certificate it carries is checked by LookupResponder.
// Thin: check the caller, then one plain class. Thread-safe.
#pragma once

#include "federation/lookup_responder.h"
#include "federation/peer_link.h"
#include "federation/person_lookup.h"
#include "kuaguan/v1/lookup.grpc.pb.h"
#include "node/authorizer.h"

namespace kuaguan::node {

class DeskLookupService final : public kuaguan::v1::DeskLookup::Service {
 public:
  // Both must outlive the service.
  DeskLookupService(Authorizer* auth, federation::PersonLookup* lookup) : auth_(auth), lookup_(lookup) {}
  grpc::Status Lookup(grpc::ServerContext* ctx, const kuaguan::v1::DeskLookupRequest* req,
                      kuaguan::v1::DeskLookupResponse* resp) override;

 private:
  Authorizer* const auth_;
  federation::PersonLookup* const lookup_;
};

class PersonLookupService final : public kuaguan::v1::PersonLookup::Service {
 public:
  // Both must outlive the service.
  PersonLookupService(federation::PeerLink* link, federation::LookupResponder* responder)
      : link_(link), responder_(responder) {}
  grpc::Status Lookup(grpc::ServerContext* ctx, const kuaguan::v1::PersonLookupRequest* req,
                      kuaguan::v1::PersonLookupResponse* resp) override;

 private:
  federation::PeerLink* const link_;
  federation::LookupResponder* const responder_;
};

}  // namespace kuaguan::node
