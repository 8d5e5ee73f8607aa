// kuaguan: the operator CLI for a Kuaguan node.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "cli/cli_args.h"
#include "base/printable.h"
#include "cli/commands.h"

namespace kuaguan::cli {

std::string Usage() {
  return R"(kuaguan — operator CLI for a Kuaguan (跨馆) archive node

usage: kuaguan [--config FILE | --profile DIR/desk.toml] [--json] COMMAND [ARGS]

Every command is done by a person in a role (kuaguan roles): on the node's host through its
local socket, as your Unix account (registered with kuaguan staff grant); from a workstation
with your staff certificate (--profile). The node's service account is the system administrator.
Global options may go before or after the command; these two are the same:
  kuaguan --config nodes/zz/kuaguan.toml --json status
  kuaguan status --config nodes/zz/kuaguan.toml --json
  --config FILE          the node's config; else $KUAGUAN_CONFIG, else ./kuaguan.toml
  --profile FILE         a staff profile (kuaguan staff add): mutual TLS with its certificate
  --passphrase-file FILE the profile key's passphrase (else $KUAGUAN_PASSPHRASE_FILE, else typed)
  --json                 one JSON document on stdout instead of readable text
  --help, -h             this text, wherever it is given (also `kuaguan help`)

People and roles (三员分离):
  roles                  the role table: each role and the commands it may run
  whoami                 who the node takes you for: person, roles, via unix:USER or certificate:SERIAL
  staff grant UNIXUSER --name 姓名 --role ROLE [--role ROLE]
                         (security officer; the service account registers only the first
                         security officer) give a local account roles
  staff add NAME --role ROLE --out DIR [--key-passphrase-file FILE]
                         a staff certificate from the provincial CA, registered here, and
                         DIR/desk.toml for kuaguan-desk or --profile; the key is made here and
                         stored encrypted (passphrase from the file, else typed)
  staff list             everyone registered, revoked ones included
  staff revoke UNIXUSER|SERIAL --reason TEXT
                         effective at the next call
  audit list [--since SEQ] [--actor NAME] [--action A] [--limit N]
                         (auditor) the audit trail: who (person, role, via) did what

  init DIR --archive-id CODE --name NAME [--role archive|provincial] [--listen HOST:PORT]
                         write DIR/kuaguan.toml (port 0 picks a free port at start)
  status                 archive id, role, the listen address actually bound, versions
  stats                  record, version, audit and index counts, sizes
  import FILE [--skip-bad REJECTS.csv] [--update] [--dry-run]
                         import a catalog (CSV or JSON Lines; UTF-8 or GB18030); any bad
                         row rejects the whole file unless --skip-bad
  get CODE [--history] [--shared]
                         one record by its reference code (档号), with its versions;
                         --shared shows exactly what a peer would receive
  page CODE N [--shared | --access | --thumbnail] --out FILE
                         page N of a scanned item: the original, or the shared image with
                         personal data covered
  page CODE N --highlight QUERY --out FILE.png
                         (local use) the access copy with the query's matches boxed in
                         yellow (命中高亮), as search matches them, across line breaks too;
                         e.g. page Z1-WS·2020-Y-0001 2 --highlight 第三库房 --out hit.png
  search QUERY [--field any|title|responsible|fonds|keywords|fulltext|persons|code]
         [--from DATE --to DATE] [--year Y] [--secrecy S] [--share-class C]
         [--livelihood L] [--person IDNUMBER] [--limit N] [--offset N]
                         Chinese text matches as a contiguous phrase; --field code takes
                         an exact code or a prefix ending in *
  modify CODE --set FIELD=VALUE [...] [--reason TEXT]
                         a new version with the fields changed (English or Chinese names)
  withdraw CODE --reason TEXT
                         withdraw (撤回) a record: a recorded state, never a deletion
  export FILE [--include-withdrawn]
                         write records as CSV (UTF-8, Chinese header) or JSON Lines (.jsonl)
  reindex                rebuild the search index from the store (resumable)
  audit verify           (auditor) check the audit log's hash chain
  ingest scans MANIFEST|FOLDER [--base DIR] [--workers N]
                         OCR scanned pages into records (manifest: catalog columns plus
                         pages, ';'-separated files); progress bar; Ctrl-C stops, rerun resumes
  ingest held            items held for a secrecy mark
  ingest release CODE --reason TEXT
                         release a held item
  ingest report BATCH    four-property QC report (authenticity, integrity, usability,
                         security) and the 10% sample for manual checking
  ingest accept BATCH [--override REASON]
                         accept a batch (refused while its QC fails, unless overridden)
  ingest sheet BATCH --out FILE
                         the batch's process sheet (per item: step, engine, pages,
                         operator, times) as CSV
  search QUERY --federated [--timeout-ms MS]
                         search every member archive's unconditionally shared catalog records
                         in parallel; slow, down or refused archives are listed, not waited for
  ca token --archive CODE --name NAME [--level province|city|county] [--hours H]
                         (provincial) a one-time enrollment token that pins the root; NAME
                         is the archive's name (档案馆名称), which its seal carries
  ca revoke CODE --reason TEXT | ca revoke --serial HEX --reason TEXT
                         (provincial) revoke a member or one certificate; republishes
  ca roll-signer         (provincial) directory-signer rollover: run once to announce the next
                         key, again (after every node refreshed) to switch to it
  enroll --provincial HOST:PORT --token TOKEN
                         make keys, send CSRs, receive the TLS and SM2 seal certificates
  directory refresh      fetch the signed directory now
  peers [--timeout-ms MS]
                         members with reachability, round trip, clock skew, certificate expiry
  cert export DIR        root.pem, chain.pem, node.pem, seal.pem, seal-maker.pem and
                         directory.signed (for verify --trust)

Remote requests, back office (馆际查档 乙方):
  requests list [--side front|back] [--state STATE]
                         requests at both ends, newest first
  requests show ID       a request, its history, deadline and likely matching records
  requests issue ID --record CODE [--record CODE]...
                         certify the records: a sealed PDF certificate travels to the front desk;
                         under issue_approval = "dual" this prepares it for the approver
  requests approve ID    (approver, dual approval) issue what a clerk prepared; not the same person
  requests not-found ID [--reason TEXT] | requests refuse ID --reason TEXT
  requests extend ID --reason TEXT
                         once, 3 more working days; the front desk sees the reason
  requests authorize ID --accept | --refuse --reason TEXT
                         the decision on the authorization (授权) a request for conditionally
                         shared records (有条件共享) carries; only an accepted one, valid on the
                         day and covering the record, lets it be certified, to that requester only
  requests overdue [--as-of YYYY-MM-DD]
                         open requests past their due date
  requests revoke-certificate SERIAL --reason TEXT
                         withdraw a certificate this archive issued (online checks report it)
  policy explain CODE [--for ARCHIVE | --person]
                         what an unrelated archive, a requester with an accepted authorization
                         and the person concerned may receive of the record (catalog, full text,
                         certificate), and every rule that decided it: share classes of the
                         catalog and the full text (无条件/有条件/暂不共享), open status (开放/控制),
                         secrecy (密级), the open period (open_period_years, default 25),
                         appraisal, withdrawal, holds
  digitize queue [--all] [--limit N]
                         records held only on paper that requests wait for (按需数字化), most
                         demanded first; the requests move on by themselves once the scans are
                         ingested (ingest scans with the record's code) and accepted
  stats requests         accepted, issued, not found, refused, on time and late by archive,
                         category and month, at both ends
  verify FILE.pdf [--online | --trust DIR]
                         check a certificate: seal, signature, chain to the provincial root,
                         revocation, serial; --online also asks the issuing archive; --trust
                         DIR (from cert export) checks without a node

Direct exchange (直接交换), for this archive's own reading room:
  exchange request --from ARCHIVE (--query Q | --record CODE...) --out FILE.kgx [--max N] [--no-pages]
                         (cataloguer) ask a member for a signed package of the records it shares
                         unconditionally (catalog, masked full text and pages; at most N records,
                         default 1,000, at most 2,000, and 48 MiB), verified, written to FILE.kgx
                         e.g. kuaguan exchange request --from 410200 --query 婚姻登记 --out kf.kgx
  exchange import FILE.kgx
                         (cataloguer) verify the package (the sender's registered certificate, its
                         signature, every entry's SM3) and import it read-only, all or nothing:
                         its records are found by search as ARCHIVE/CODE, with their origin, and
                         are never modified, shared on or certified here
  exchange list          the packages imported, with their origin

Open appraisal (开放鉴定), item by item in three steps (初审 复审 终审) by three different people:
  appraisal queue [--limit N]
                         records whose open period has come (formed + open_period_years), still
                         控制 or deferred to a date now past, in no unfinished plan: how many,
                         and the first N (default 50)
  appraisal plan create --scope fonds=F[+F],years=Y1-Y2,categories=C[+C] --appraiser 姓名...
         [--from-queue] [--limit N]
                         (appraiser or approver) a work plan over the controlled records of the
                         scope (门类 code such as WS, or 民生类别 such as 婚姻登记); --from-queue
                         only those whose open period has come; the appraisers named must hold
                         the appraiser role, e.g. kuaguan appraisal plan create --scope
                         fonds=Z109,years=1990-2000,categories=WS --appraiser 钱鉴定 --from-queue
  appraisal plan list | appraisal plan show PLAN [--items]
                         plans with their counts; one plan, with --items every item's decision
                         and the people and times of its steps
  appraisal decide PLAN (CODE... | --all | --from FILE.csv)
         (--open [--catalog-only --reason R] | --control --reason R | --defer YYYY-MM-DD --reason R)
         [--finding catalog|content|completeness|value=TEXT]
                         (an appraiser named in the plan) the decision, which is 初审; FILE.csv
                         has columns code,decision,reason,until (decision open, open-catalog,
                         control or defer), e.g. kuaguan appraisal decide JD-2026-001 --all --open
  appraisal review PLAN --step second|final (CODE... | --all) [--return --reason R]
                         复审 (reviewer) or 终审 (approver), or send the items back to the
                         appraiser with a reason; who acted at one step of an item acts at no
                         other, e.g. kuaguan appraisal review JD-2026-001 --step second --all
  appraisal report PLAN --out FILE.pdf
                         the report (开放鉴定报告): counts, decisions, reasons, the three people
  appraisal approve-report PLAN
                         (approver) once every item passed 终审
  appraisal announce PLAN --out FILE.pdf
                         (approver) the open announcement (开放公告) in the archive's name, the
                         opened items numbered, signed with the node's key (FILE.pdf.sig,
                         FILE.pdf.cert.pem; not the seal); only now do the records change, each
                         a new version (开放 and unconditionally shared, or its 控制/延期 mark)

The provincial node's audit hub (审计中心) and the transparency log (出证透明日志):
  hub audit [--archive CODE] [--person NAME] [--action A] [--object CODE] [--from DATE --to DATE]
         [--limit N]     (provincial auditor) every member's shipped audit entries, e.g. everyone
                         who read one record: hub audit --action record.get --object CODE
  hub login              (provincial monitor or auditor) a one-time link to the federation page
  hub resolve ALARM-ID --reason TEXT
                         (provincial auditor) close an audit or log alarm (a state, audited); a
                         member's log that still differs raises a new one at the next sweep
  federation status [--archive CODE]
                         (provincial monitor or auditor) members: ok, late, down or alarm; the
                         alarms (audit mismatch, log inconsistency, member down, certificate
                         expiring, overdue requests)
  log checkpoint [--out FILE]
                         the log's latest signed checkpoint (C2SP signed note), with cosignatures
  log proof SERIAL [--out FILE]
                         a certificate's log index and inclusion proof, checked here
  log consistency OLD NEW
                         proof that the log of NEW entries extends the log of OLD entries

Backups and restore (备份与恢复):
  backup create [--to DIR]
                         (system admin) an online, incremental, encrypted backup while the node
                         serves: store (records, pages, requests, audit log), keys, config; a
                         manifest of every file's SM3 signed with the node's key; default DIR is
                         the config's backup_dir; retention keeps backup_keep; Ctrl-C stops, a
                         rerun reuses what was stored
  backup list [--in DIR] the backups held, newest first
  backup verify [DIR] [--backup ID]
                         recompute every object and file of a backup (default the newest)
  backup drill [DIR] [--backup ID]
                         restore into a scratch folder, compare the store's digests and audit
                         chain with the manifest, report; audited
  backup key-share       the backup key's share 1 (system admin) or 2 (security officer)
  restore DIR --to NEWDIR [--backup ID] [--share FILE --share FILE]
                         (offline, two people) rebuild a node folder from backup DIR with both
                         key shares (typed, or from files); the node checks the restored store
                         against the backup's digests at its first start
                         e.g. kuaguan restore /mnt/backup --to /srv/kuaguan/zz-restored
  backup replicate       (system admin) copy the backup repository's encrypted objects to two
                         archives of other cities chosen from the directory (异地备份); they hold
                         ciphertext under the directory's quota
  backup audit-replicas [--sample N] [--no-repair]
                         challenge each holder with a fresh nonce and N ids (default 64):
                         SM3(nonce + object) from what it holds; missing or damaged replicas are
                         named and sent again (also after every scheduled backup)
  restore --from-peers --archive CODE --to NEWDIR [--share FILE --share FILE]
                         on the re-enrolled node of a destroyed archive: fetch its replicas from
                         its peers and restore them with both key shares, keeping the new keys
  check [--repair [--from DIR]]
                         (system admin) read the whole store back: table and blob file
                         checksums, every record's SM3, every page image (originals by SM3), the
                         audit chain, index against store; names each damaged file, record or
                         page; exit 1 when damaged. --repair stages healthy copies of damaged
                         files from the newest backup in DIR (default backup_dir) holding one;
                         they are put in place at the node's next start (audited store.repaired)

Exit status 0 on success; otherwise non-zero with one line on stderr.
)";
}

}  // namespace kuaguan::cli

int main(int argc, char** argv) {
  using namespace kuaguan::cli;
  const std::map<std::string, absl::Status (*)(const Argv&)> commands = {
      {"init", InitCommand},         {"status", StatusCommand},     {"stats", StatsCommand},
      {"import", ImportCommand},     {"get", GetCommand},           {"search", SearchCommand},
      {"modify", ModifyCommand},     {"withdraw", WithdrawCommand}, {"export", ExportCommand},
      {"reindex", ReindexCommand},   {"audit", AuditCommand},       {"ingest", IngestCommand},
      {"page", PageCommand},         {"ca", CaCommand},             {"enroll", EnrollCommand},
      {"directory", DirectoryCommand}, {"peers", PeersCommand},     {"cert", CertCommand},
      {"staff", StaffCommand},       {"requests", RequestsCommand}, {"verify", VerifyCommand},
      {"policy", PolicyCommand},     {"digitize", DigitizeCommand},
      {"whoami", WhoAmICommand},     {"roles", RolesCommand},       {"hub", HubCommand},
      {"federation", FederationCommand}, {"log", LogCommand},
      {"backup", BackupCommand},     {"restore", RestoreCommand},   {"check", CheckCommand},
      {"appraisal", AppraisalCommand},
      {"exchange", ExchangeCommand},
  };
  // The options OpenContext adds for every command but init; they may also go before the command.
  const ArgSpec global = {{"--json"}, {"--config", "--profile", "--passphrase-file"}};
  const absl::StatusOr<CommandLine> line = SplitCommandLine(Argv(argv + 1, argv + argc), global);
  if (!line.ok()) {
    std::cerr << "kuaguan: " << line.status().message() << "\n";
    return 2;
  }
  if (line->help || line->command == "help") {
    std::cout << Usage();
    return 0;
  }
  if (line->command.empty()) {
    std::cout << Usage();
    return 2;
  }
  auto it = commands.find(line->command);
  if (it == commands.end()) {
    std::cerr << "kuaguan: unknown command '" << line->command << "' (kuaguan --help lists them)\n";
    return 2;
  }
  const absl::Status st = it->second(line->args);
  if (!st.ok()) {
    std::cerr << "kuaguan: " << kuaguan::base::Printable(st.message(), 8192) << "\n";
    return st.code() == absl::StatusCode::kInvalidArgument && st.message().rfind("usage:", 0) == 0
               ? 2
               : 1;
  }
  return 0;
}
