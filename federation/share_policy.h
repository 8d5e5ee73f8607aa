// The share policy (共享规则, R3.1–R3.4, R6.1): the one function that decides what a requester
// may receive of one record, and every rule that led there. Peer search, get --shared, page
// images, remote requests, certificates, self-service lookups and direct exchange all ask it.
//
// Inputs: the record's catalog and full-text share classes, its open status (开放/控制), secrecy,
// age against the open period, the appraisal in force or in progress, withdrawal, a hold for a
// secrecy mark, and whether its ingest batch is accepted. The requester is an unrelated peer, a
// request carrying an authorization the back office accepted, or the person the record concerns.
// Fails closed: what is not allowed by a rule is refused, and a peer learns nothing of a record
// it may not list (R3.4).
#pragma once

#include <string>
#include <vector>

#include "kuaguan/v1/record.pb.h"

namespace kuaguan::federation {

// Who asks. An unrelated peer (search, get --shared, direct exchange), a requester whose
// authorization the back office accepted for this record (有条件共享, R3.3), or the person the
// record concerns, identified at a front desk (R6.1).
enum class Audience { kPeer, kAuthorized, kPerson };

struct PolicyContext {
  std::string today;           // YYYY-MM-DD, Beijing time
  int open_years = 25;         // the open period (Archives Law 2020 art. 27; the seeds say 30)
  bool batch_accepted = true;  // the record's ingest batch is accepted (or it has none)
  std::string appraisal_in_progress;  // the work plan appraising it now, if any
};

// One rule the decision looked at: what it found and what it did.
struct PolicyRule {
  std::string id;       // stable, e.g. "secrecy", "catalog-class"
  std::string finding;  // e.g. "密级 公开"
  std::string effect;   // e.g. "allows", "refuses: not shared (暂不共享)"
};

struct ShareDecision {
  bool list = false;     // may learn the record exists, with its catalog entry (masked)
  bool text = false;     // may receive its full text and page images (masked), and a certificate
  std::string refusal;   // the first rule that refused the most limited part, for messages
  std::vector<PolicyRule> rules;
};

// The catalog's and the full text's share class as in force (unspecified full text: the catalog's;
// unspecified anything: not shared).
kuaguan::v1::ShareClass CatalogClass(const kuaguan::v1::Record& r);
kuaguan::v1::ShareClass TextClass(const kuaguan::v1::Record& r);

// The year the record was formed (from its date, else its year), 0 when unknown.
int FormationYear(const kuaguan::v1::Record& r);

// What `audience` may receive of `r`.
ShareDecision DecideShare(const kuaguan::v1::StoredRecord& r, Audience audience, const PolicyContext& ctx);

// Stable names: "peer", "authorized", "person".
const char* AudienceName(Audience a);

}  // namespace kuaguan::federation
