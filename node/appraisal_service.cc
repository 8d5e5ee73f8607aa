#include "node/appraisal_service.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/call_reactors.h"

namespace kuaguan::node {
namespace v1 = kuaguan::v1;

namespace {

// INVALID_ARGUMENT naming each appraiser who is not a registered person holding the appraiser role.
absl::Status CheckAppraisers(People* people, const v1::PlanSpec& spec) {
  absl::StatusOr<v1::StaffList> staff = people->List();
  if (!staff.ok()) return staff.status();
  std::set<std::string> appraisers;
  for (const v1::StaffMember& p : staff->people()) {
    if (p.revoked()) continue;
    for (const std::string& r : p.roles()) {
      if (r == "appraiser") appraisers.insert(p.name());
    }
  }
  std::vector<std::string> unknown;
  for (const std::string& name : spec.appraisers()) {
    if (!appraisers.contains(name)) unknown.push_back(name);
  }
  if (unknown.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--appraiser ", absl::StrJoin(unknown, ", "),
      ": nobody registered under that name holds the appraiser role (开放鉴定员; kuaguan staff list)"));
}

}  // namespace

grpc::ServerUnaryReactor* AppraisalService::CreatePlan(grpc::CallbackServerContext* ctx, const v1::PlanSpec* req,
                                                       v1::AppraisalPlan* resp) {
  return LongUnary(auth_, "appraisal plan create", calls_, ctx, resp,
                   [a = appraisal_, p = people_, spec = *req](const Caller& c) -> absl::StatusOr<v1::AppraisalPlan> {
                     if (absl::Status st = CheckAppraisers(p, spec); !st.ok()) return st;
                     return a->CreatePlan(spec, c);
                   });
}

grpc::ServerUnaryReactor* AppraisalService::ListPlans(grpc::CallbackServerContext* ctx, const v1::PlanListRequest*,
                                                      v1::PlanList* resp) {
  return LongUnary(auth_, "appraisal plan list", calls_, ctx, resp,
                   [a = appraisal_](const Caller& c) { return a->ListPlans(c.Audit()); });
}

grpc::ServerUnaryReactor* AppraisalService::ShowPlan(grpc::CallbackServerContext* ctx, const v1::PlanRef* req,
                                                     v1::AppraisalPlan* resp) {
  return LongUnary(auth_, "appraisal plan show", calls_, ctx, resp, [a = appraisal_, ref = *req](const Caller& c) {
    return a->ShowPlan(ref.plan(), ref.items(), c.Audit());
  });
}

grpc::ServerUnaryReactor* AppraisalService::Queue(grpc::CallbackServerContext* ctx, const v1::QueueRequest* req,
                                                  v1::AppraisalQueue* resp) {
  return LongUnary(auth_, "appraisal queue", calls_, ctx, resp,
                   [a = appraisal_, limit = req->limit()](const Caller& c) { return a->Queue(limit, c.Audit()); });
}

grpc::ServerUnaryReactor* AppraisalService::Decide(grpc::CallbackServerContext* ctx, const v1::DecideCommand* req,
                                                   v1::StepResult* resp) {
  return LongUnary(auth_, "appraisal decide", calls_, ctx, resp,
                   [a = appraisal_, cmd = *req](const Caller& c) { return a->Decide(cmd, c); });
}

grpc::ServerUnaryReactor* AppraisalService::SecondReview(grpc::CallbackServerContext* ctx, const v1::ReviewCommand* req,
                                                         v1::StepResult* resp) {
  return LongUnary(auth_, "appraisal review --step second", calls_, ctx, resp, [a = appraisal_, cmd = *req](const Caller& c) {
    return a->Review(v1::APPRAISAL_STEP_SECOND, cmd, c);
  });
}

grpc::ServerUnaryReactor* AppraisalService::FinalReview(grpc::CallbackServerContext* ctx, const v1::ReviewCommand* req,
                                                        v1::StepResult* resp) {
  return LongUnary(auth_, "appraisal review --step final", calls_, ctx, resp, [a = appraisal_, cmd = *req](const Caller& c) {
    return a->Review(v1::APPRAISAL_STEP_FINAL, cmd, c);
  });
}

grpc::ServerUnaryReactor* AppraisalService::Report(grpc::CallbackServerContext* ctx, const v1::PlanRef* req,
                                                   v1::ReportDocument* resp) {
  return LongUnary(auth_, "appraisal report", calls_, ctx, resp,
                   [a = appraisal_, id = req->plan()](const Caller& c) { return a->Report(id, c.Audit()); });
}

grpc::ServerUnaryReactor* AppraisalService::ApproveReport(grpc::CallbackServerContext* ctx, const v1::PlanRef* req,
                                                          v1::AppraisalPlan* resp) {
  return LongUnary(auth_, "appraisal approve-report", calls_, ctx, resp,
                   [a = appraisal_, id = req->plan()](const Caller& c) { return a->ApproveReport(id, c); });
}

grpc::ServerUnaryReactor* AppraisalService::Announce(grpc::CallbackServerContext* ctx, const v1::PlanRef* req,
                                                     v1::Announcement* resp) {
  return LongUnary(auth_, "appraisal announce", calls_, ctx, resp,
                   [a = appraisal_, id = req->plan()](const Caller& c) { return a->Announce(id, c); });
}

}  // namespace kuaguan::node
