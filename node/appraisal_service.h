// The Appraisal gRPC service, on the local socket and for staff certificates on the peer
// listener: open appraisal's plans, queue, decisions, the three steps, report, approval and
// announcement (node/appraisal.h), each call authorized by the role table as the verified caller.
// Thin: a plan's appraisers must be registered people holding the appraiser role; long work
// (plans, steps over many items, PDFs) runs on the call pool. Thread-safe.
#pragma once

#include "base/worker_pool.h"
#include "kuaguan/v1/appraisal.grpc.pb.h"
#include "node/appraisal.h"
#include "node/authorizer.h"
#include "node/people.h"

namespace kuaguan::node {

class AppraisalService final : public kuaguan::v1::Appraisal::CallbackService {
 public:
  // All must outlive the service.
  AppraisalService(Authorizer* auth, People* people, Appraisal* appraisal, base::WorkerPool* calls)
      : auth_(auth), people_(people), appraisal_(appraisal), calls_(calls) {}

  grpc::ServerUnaryReactor* CreatePlan(grpc::CallbackServerContext* ctx, const kuaguan::v1::PlanSpec* req,
                                       kuaguan::v1::AppraisalPlan* resp) override;
  grpc::ServerUnaryReactor* ListPlans(grpc::CallbackServerContext* ctx, const kuaguan::v1::PlanListRequest* req,
                                      kuaguan::v1::PlanList* resp) override;
  grpc::ServerUnaryReactor* ShowPlan(grpc::CallbackServerContext* ctx, const kuaguan::v1::PlanRef* req,
                                     kuaguan::v1::AppraisalPlan* resp) override;
  grpc::ServerUnaryReactor* Queue(grpc::CallbackServerContext* ctx, const kuaguan::v1::QueueRequest* req,
                                  kuaguan::v1::AppraisalQueue* resp) override;
  grpc::ServerUnaryReactor* Decide(grpc::CallbackServerContext* ctx, const kuaguan::v1::DecideCommand* req,
                                   kuaguan::v1::StepResult* resp) override;
  grpc::ServerUnaryReactor* SecondReview(grpc::CallbackServerContext* ctx, const kuaguan::v1::ReviewCommand* req,
                                         kuaguan::v1::StepResult* resp) override;
  grpc::ServerUnaryReactor* FinalReview(grpc::CallbackServerContext* ctx, const kuaguan::v1::ReviewCommand* req,
                                        kuaguan::v1::StepResult* resp) override;
  grpc::ServerUnaryReactor* Report(grpc::CallbackServerContext* ctx, const kuaguan::v1::PlanRef* req,
                                   kuaguan::v1::ReportDocument* resp) override;
  grpc::ServerUnaryReactor* ApproveReport(grpc::CallbackServerContext* ctx, const kuaguan::v1::PlanRef* req,
                                          kuaguan::v1::AppraisalPlan* resp) override;
  grpc::ServerUnaryReactor* Announce(grpc::CallbackServerContext* ctx, const kuaguan::v1::PlanRef* req,
                                     kuaguan::v1::Announcement* resp) override;

 private:
  Authorizer* const auth_;
  People* const people_;
  Appraisal* const appraisal_;
  base::WorkerPool* const calls_;
};

}  // namespace kuaguan::node
