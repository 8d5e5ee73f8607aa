#include "base/roles.h"

#include <algorithm>

namespace kuaguan::base {
namespace {

constexpr absl::string_view kSysAdmin = "system-admin";
constexpr absl::string_view kSecurity = "security-officer";
constexpr absl::string_view kAuditor = "auditor";
constexpr absl::string_view kCataloguer = "cataloguer";
constexpr absl::string_view kDigitizer = "digitizer";
constexpr absl::string_view kFrontDesk = "front-desk";
constexpr absl::string_view kBackOffice = "back-office";
constexpr absl::string_view kApprover = "approver";
constexpr absl::string_view kAppraiser = "appraiser";
constexpr absl::string_view kReviewer = "reviewer";
constexpr absl::string_view kCa = "ca-operator";
constexpr absl::string_view kMonitor = "monitor";

}  // namespace

const std::vector<RoleSpec>& Roles() {
  static const auto* roles = new std::vector<RoleSpec>{
      {kSysAdmin, "系统管理员", "the node: config, lifecycle, enrollment, reindex, status; never holdings content",
       true, "any"},
      {kSecurity, "安全保密管理员", "people and roles, secrecy release, batch acceptance", true, "any"},
      {kAuditor, "安全审计员", "reads, verifies and exports the audit trail; nothing else", true, "any"},
      {kCataloguer, "著录员", "catalog import, modification, withdrawal, export", false, "archive"},
      {kDigitizer, "数字化操作员", "scan ingest and its quality reports", false, "archive"},
      {kFrontDesk, "前台受理员", "files remote requests and hands over certificates (kuaguan-desk)", false, "archive"},
      {kBackOffice, "后台查档员", "answers remote requests: show, issue, not found, refuse", false, "archive"},
      {kApprover, "审批人", "the head: approves extensions, issuing under dual approval, revokes certificates",
       false, "archive"},
      {kAppraiser, "开放鉴定员", "open appraisal: records each item's decision (初审) in the plans naming them", false,
       "archive"},
      {kReviewer, "复审员", "open appraisal: the second review (复审) of decided items", false, "archive"},
      {kCa, "CA 操作员", "enrollment tokens, revocations, directory-signer rollover", false, "provincial"},
      {kMonitor, "联盟监控员", "federation status, the federation page, peers, statistics", false, "provincial"},
  };
  return *roles;
}

const std::vector<CommandRule>& Commands() {
  const std::vector<absl::string_view> all = [] {
    std::vector<absl::string_view> ids;
    for (const RoleSpec& r : Roles()) ids.push_back(r.id);
    return ids;
  }();
  const std::vector<absl::string_view> readers = {kCataloguer, kDigitizer, kBackOffice, kApprover, kSecurity};
  static const auto* commands = new std::vector<CommandRule>{
      {"status", {"Admin/GetStatus"}, all},
      {"whoami", {"Admin/WhoAmI"}, all},
      {"stats", {"Admin/GetStats"}, {kSysAdmin, kCataloguer, kDigitizer, kMonitor}},
      {"import", {"Admin/Import"}, {kCataloguer}},
      {"get", {"Admin/GetRecord"}, readers},
      {"page", {"Admin/GetPage"}, readers},
      {"search", {"Admin/Search"}, readers},
      {"search --federated", {"FederationAdmin/FederatedSearch"}, {kCataloguer, kBackOffice, kApprover}},
      {"modify", {"Admin/Modify"}, {kCataloguer}},
      {"withdraw", {"Admin/Withdraw"}, {kCataloguer}},
      {"export", {"Admin/Export"}, {kCataloguer}},
      {"reindex", {"Admin/Reindex"}, {kSysAdmin}},
      {"backup create", {"Operations/CreateBackup"}, {kSysAdmin}},
      {"backup list", {"Operations/ListBackups"}, {kSysAdmin}},
      {"backup verify", {"Operations/VerifyBackup"}, {kSysAdmin}},
      {"backup drill", {"Operations/DrillBackup"}, {kSysAdmin}},
      {"backup key-share", {"Operations/GetKeyShare"}, {kSysAdmin, kSecurity}},
      {"check", {"Operations/CheckStore"}, {kSysAdmin}},
      {"backup replicate", {"ReplicaAdmin/Replicate"}, {kSysAdmin}},
      {"backup audit-replicas", {"ReplicaAdmin/AuditReplicas"}, {kSysAdmin}},
      {"restore --from-peers", {"ReplicaAdmin/FetchReplicas"}, {kSysAdmin}},
      {"exchange request", {"ExchangeAdmin/Fetch"}, {kCataloguer}},
      {"exchange import", {"ExchangeAdmin/Import"}, {kCataloguer}},
      {"exchange list", {"ExchangeAdmin/List"}, {kCataloguer}},
      {"audit verify", {"Admin/VerifyAudit"}, {kAuditor}},
      {"audit list", {"Admin/ListAudit"}, {kAuditor}},
      {"ingest scans", {"Admin/UploadScans", "Admin/IngestScans"}, {kDigitizer}},
      {"ingest held", {"Admin/ListHeld"}, {kDigitizer, kSecurity}},
      {"ingest release", {"Admin/ReleaseHeld"}, {kSecurity}},
      {"ingest report", {"Admin/GetBatch"}, {kDigitizer, kSecurity}},
      {"ingest sheet", {"Admin/GetBatch"}, {kDigitizer, kSecurity}},
      {"ingest accept", {"Admin/AcceptBatch"}, {kSecurity}},
      {"enroll", {"FederationAdmin/Enroll"}, {kSysAdmin}},
      {"directory refresh", {"FederationAdmin/RefreshDirectory"}, {kSysAdmin}},
      {"peers", {"FederationAdmin/ListPeers"}, {kSysAdmin, kMonitor}},
      {"cert export", {"FederationAdmin/ExportCerts"}, {kSysAdmin}},
      {"ca token", {"FederationAdmin/CreateToken"}, {kCa}},
      {"ca revoke", {"FederationAdmin/Revoke"}, {kCa}},
      {"ca roll-signer", {"FederationAdmin/RollSigner"}, {kCa}},
      {"staff grant", {"Admin/GrantStaff"}, {kSecurity, kSysAdmin}},
      {"staff add", {"FederationAdmin/AddStaff"}, {kSecurity}},
      {"staff list", {"Admin/ListStaff"}, {kSecurity}},
      {"staff revoke", {"Admin/RevokeStaff"}, {kSecurity}},
      {"requests list", {"Requests/List"}, {kBackOffice, kApprover}},
      {"requests show", {"Requests/Show"}, {kBackOffice, kApprover}},
      {"requests issue", {"Requests/Issue"}, {kBackOffice}},
      {"requests not-found", {"Requests/Decide"}, {kBackOffice}},
      {"requests refuse", {"Requests/Decide"}, {kBackOffice}},
      {"requests extend", {"Requests/Decide"}, {kApprover}},
      {"requests approve", {"Requests/Approve"}, {kApprover}},
      {"requests authorize", {"Requests/Authorize"}, {kBackOffice}},
      {"policy explain", {"Requests/Explain"}, {kCataloguer, kBackOffice, kApprover, kSecurity}},
      {"digitize queue", {"Requests/DigitizeQueue"}, {kDigitizer, kBackOffice, kApprover}},
      {"requests overdue", {"Requests/Overdue"}, {kBackOffice, kApprover}},
      {"requests dead-letter", {"Requests/DeadLetters"}, {kBackOffice, kApprover}},
      {"requests retry", {"Requests/RetryDeadLetter"}, {kBackOffice, kApprover}},
      {"requests revoke-certificate", {"Requests/RevokeCertificate"}, {kApprover}},
      {"stats requests", {"Requests/Stats"}, {kBackOffice, kApprover}},
      {"verify", {"Requests/Verify", "Requests/Trust"}, {kFrontDesk, kBackOffice, kApprover, kAuditor}},
      {"hub audit", {"HubAdmin/QueryAudit"}, {kAuditor}},
      {"hub login", {"HubAdmin/WebLogin"}, {kMonitor, kAuditor}},
      {"hub resolve", {"HubAdmin/ResolveAlarm"}, {kAuditor}},
      {"federation status", {"HubAdmin/FederationStatus"}, {kMonitor, kAuditor}},
      {"log checkpoint", {"HubAdmin/GetLogCheckpoint"}, {kAuditor, kMonitor, kFrontDesk, kBackOffice, kApprover, kSysAdmin}},
      {"log proof", {"HubAdmin/GetLogProof"}, {kAuditor, kMonitor, kFrontDesk, kBackOffice, kApprover}},
      {"log consistency", {"HubAdmin/GetLogConsistency"}, {kAuditor, kMonitor, kFrontDesk, kBackOffice, kApprover}},
      {"appraisal plan create", {"Appraisal/CreatePlan"}, {kAppraiser, kApprover}},
      {"appraisal plan list", {"Appraisal/ListPlans"}, {kAppraiser, kReviewer, kApprover}},
      {"appraisal plan show", {"Appraisal/ShowPlan"}, {kAppraiser, kReviewer, kApprover}},
      {"appraisal queue", {"Appraisal/Queue"}, {kAppraiser, kReviewer, kApprover}},
      {"appraisal decide", {"Appraisal/Decide"}, {kAppraiser}},
      {"appraisal review --step second", {"Appraisal/SecondReview"}, {kReviewer}},
      {"appraisal review --step final", {"Appraisal/FinalReview"}, {kApprover}},
      {"appraisal report", {"Appraisal/Report"}, {kAppraiser, kReviewer, kApprover}},
      {"appraisal approve-report", {"Appraisal/ApproveReport"}, {kApprover}},
      {"appraisal announce", {"Appraisal/Announce"}, {kApprover}},
      {"desk whoami", {"Desk/WhoAmI"}, {kFrontDesk, kBackOffice, kApprover}},
      {"desk request", {"Desk/FileRequest"}, {kFrontDesk}},
      {"desk list", {"Desk/ListRequests"}, {kFrontDesk}},
      {"desk status", {"Desk/GetRequest"}, {kFrontDesk}},
      {"desk fetch", {"Desk/FetchCertificate"}, {kFrontDesk}},
      {"desk receipt", {"Desk/GetReceipt"}, {kFrontDesk}},
      {"desk lookup", {"DeskLookup/Lookup"}, {kFrontDesk}},
  };
  return *commands;
}

const RoleSpec* FindRole(absl::string_view id) {
  for (const RoleSpec& r : Roles()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const CommandRule* FindCommand(absl::string_view command) {
  for (const CommandRule& c : Commands()) {
    if (c.command == command) return &c;
  }
  return nullptr;
}

bool RoleMay(absl::string_view role, absl::string_view command) {
  const CommandRule* rule = FindCommand(command);
  return rule != nullptr && std::find(rule->roles.begin(), rule->roles.end(), role) != rule->roles.end();
}

std::vector<absl::string_view> CommandsOf(absl::string_view role) {
  std::vector<absl::string_view> out;
  for (const CommandRule& c : Commands()) {
    if (RoleMay(role, c.command)) out.push_back(c.command);
  }
  return out;
}

}  // namespace kuaguan::base
