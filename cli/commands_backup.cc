// kuaguan backup create|list|verify|drill|key-share (the node does the work) and kuaguan restore
// (offline, on any machine: the backup key comes from its two shares, typed by the two people who
// hold them or read from their files).
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include <botan/pk_keys.h>
#include <toml++/toml.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "cli/command_context.h"
#include "cli/interrupt.h"
#include "cli/passphrase.h"
#include "cli/progress.h"
#include "cli/render.h"
#include "seal/backup_key.h"
#include "seal/backup_repo.h"
#include "seal/backup_restore.h"
#include "seal/digest.h"
#include "seal/key_file.h"

namespace kuaguan::cli {
namespace fs = std::filesystem;
namespace v1 = kuaguan::v1;

namespace {

constexpr auto kCall = std::chrono::seconds(60);
constexpr auto kLong = std::chrono::hours(24);
constexpr char kBackupUsage[] =
    "usage: kuaguan backup create [--to DIR] | backup list [--in DIR] | backup verify [DIR] [--backup ID] | "
    "backup drill [DIR] [--backup ID] | backup key-share | backup replicate | "
    "backup audit-replicas [--sample N] [--no-repair]";

Json U64(uint64_t n) { return JNum(static_cast<double>(n)); }

std::string Bytes(uint64_t n) {
  if (n >= (uint64_t{1} << 30)) return absl::StrFormat("%.2f GiB", static_cast<double>(n) / (1 << 30));
  if (n >= (uint64_t{1} << 20)) return absl::StrFormat("%.1f MiB", static_cast<double>(n) / (1 << 20));
  if (n >= 1024) return absl::StrFormat("%.1f KiB", static_cast<double>(n) / 1024);
  return absl::StrCat(n, " B");
}

Json SummaryJson(const v1::BackupSummary& s) {
  std::vector<Json> pruned;
  for (const auto& p : s.pruned()) pruned.push_back(JStr(p));
  return JObj({{"backup_id", JStr(s.backup_id())},
               {"repository", JStr(s.repository())},
               {"created", JStr(FormatChinaTime(s.created_micros()))},
               {"files", U64(s.files())},
               {"objects", U64(s.objects())},
               {"total_bytes", U64(s.total_bytes())},
               {"new_bytes", U64(s.new_bytes())},
               {"new_objects", U64(s.new_objects())},
               {"store_seq", U64(s.store_seq())},
               {"records", U64(s.records())},
               {"pages", U64(s.pages())},
               {"signed", JBool(s.is_signed())},
               {"took_s", JNum(static_cast<double>(s.took_micros()) / 1e6)},
               {"pruned", JArr(pruned)}});
}

Json ReportJson(const v1::BackupReport& r) {
  std::vector<Json> families, findings;
  for (const auto& f : r.families()) {
    families.push_back(JObj({{"family", JStr(f.family())}, {"entries", U64(f.entries())}, {"sm3", JStr(seal::ToHex(f.sm3()))}}));
  }
  for (const auto& f : r.findings()) findings.push_back(JObj({{"what", JStr(f.what())}, {"problem", JStr(f.problem())}}));
  return JObj({{"backup_id", JStr(r.backup_id())},
               {"ok", JBool(r.ok())},
               {"signature_ok", JBool(r.signature_ok())},
               {"files_checked", U64(r.files_checked())},
               {"objects_checked", U64(r.objects_checked())},
               {"bytes_checked", U64(r.bytes_checked())},
               {"audit_entries", U64(r.audit_entries())},
               {"families", JArr(families)},
               {"findings", JArr(findings)},
               {"took_s", JNum(static_cast<double>(r.took_micros()) / 1e6)}});
}

std::string FindingsText(const v1::BackupReport& r) {
  std::string out;
  for (const auto& f : r.findings()) absl::StrAppend(&out, "  ", f.what(), ": ", f.problem(), "\n");
  return out;
}

// Reads a backup stream to its end with a progress bar; the last message.
absl::StatusOr<v1::BackupProgress> Follow(CommandContext& ctx, grpc::ClientContext* call,
                                          grpc::ClientReader<v1::BackupProgress>* reader, absl::string_view what) {
  v1::BackupProgress p, last;
  std::optional<ProgressBar> bar;
  std::string phase;
  while (reader->Read(&p)) {
    if (p.phase() != phase && !p.done()) {
      if (bar) bar->Finish();
      phase = p.phase();
      bar.emplace(phase == "digest" ? "entries digested" : absl::StrCat("bytes (", phase, ")"));
    }
    if (bar && !p.done() && p.total_bytes() > 0) bar->Update(p.done_bytes(), std::max(p.done_bytes(), p.total_bytes()));
    last = p;
  }
  if (bar) bar->Finish();
  grpc::Status st = reader->Finish();
  (void)call;
  if (st.error_code() == grpc::StatusCode::CANCELLED) {
    return absl::CancelledError(absl::StrCat(what, " interrupted; what was stored is kept, run it again to go on"));
  }
  if (!st.ok()) return ctx.client->Explain(st);
  return last;
}

absl::Status Create(CommandContext& ctx) {
  v1::BackupRequest req;
  if (auto to = ctx.args.Get("--to")) req.set_to(fs::absolute(*to).lexically_normal().string());
  auto call = ctx.client->Context(kLong);
  std::optional<InterruptCancels> interrupt(call.get());
  auto reader = ctx.client->ops().CreateBackup(call.get(), req);
  ASSIGN_OR_RETURN(const v1::BackupProgress last, Follow(ctx, call.get(), reader.get(), "backup"));
  interrupt.reset();
  const auto& s = last.summary();
  if (ctx.json) {
    Print(ToJson(SummaryJson(s)));
    return absl::OkStatus();
  }
  Print(absl::StrCat("Backup ", s.backup_id(), " (备份) in ", s.repository(), ": ", s.files(), " files, ",
                     Bytes(s.total_bytes()), " covered, ", Bytes(s.new_bytes()), " new in ", s.new_objects(),
                     " objects; ", s.records(), " records, ", s.pages(), " page entries, store sequence ", s.store_seq(),
                     absl::StrFormat("; %.1f s", static_cast<double>(s.took_micros()) / 1e6),
                     s.is_signed() ? "; manifest signed with the node's key" : "; manifest unsigned (node not enrolled)",
                     ".\n"));
  if (s.pruned_size() > 0) Print(absl::StrCat("Pruned by retention: ", absl::StrJoin(s.pruned(), ", "), ".\n"));
  return absl::OkStatus();
}

absl::Status List(CommandContext& ctx) {
  v1::BackupListRequest req;
  if (auto in = ctx.args.Get("--in")) req.set_in(fs::absolute(*in).lexically_normal().string());
  v1::BackupList list;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->ops().ListBackups(call.get(), req, &list); !st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    std::vector<Json> items;
    for (const auto& b : list.backups()) items.push_back(SummaryJson(b));
    Print(ToJson(JObj({{"repository", JStr(list.repository())}, {"backups", JArr(items)}})));
    return absl::OkStatus();
  }
  std::string out = absl::StrCat(list.backups_size(), " backups in ", list.repository(), " (newest first):\n");
  for (const auto& b : list.backups()) {
    absl::StrAppend(&out, absl::StrFormat("  %-24s %s  %6d files  %10s  %10s new  %8d records%s\n", b.backup_id(),
                                          FormatChinaTime(b.created_micros()), b.files(), Bytes(b.total_bytes()),
                                          Bytes(b.new_bytes()), b.records(), b.is_signed() ? "  signed" : "  UNSIGNED"));
  }
  Print(out);
  return absl::OkStatus();
}

absl::Status Check(CommandContext& ctx, bool drill) {
  v1::BackupCheckRequest req;
  const auto& pos = ctx.args.positional();
  if (pos.size() == 2 && ctx.args.Get("--in")) return absl::InvalidArgumentError("name the repository once: DIR or --in DIR");
  if (pos.size() == 2) req.set_in(fs::absolute(pos[1]).lexically_normal().string());
  if (auto in = ctx.args.Get("--in")) req.set_in(fs::absolute(*in).lexically_normal().string());
  req.set_backup_id(ctx.args.Get("--backup").value_or(""));
  auto call = ctx.client->Context(kLong);
  std::optional<InterruptCancels> interrupt(call.get());
  auto reader = drill ? ctx.client->ops().DrillBackup(call.get(), req) : ctx.client->ops().VerifyBackup(call.get(), req);
  ASSIGN_OR_RETURN(const v1::BackupProgress last, Follow(ctx, call.get(), reader.get(), drill ? "drill" : "verify"));
  interrupt.reset();
  const auto& r = last.report();
  if (ctx.json) {
    Print(ToJson(ReportJson(r)));
  } else if (r.ok()) {
    Print(absl::StrCat(drill ? "Drill passed (恢复演练): backup " : "Backup ", r.backup_id(), drill ? " restored: " : " is whole: ",
                       r.files_checked(), " files, ", r.objects_checked(), " objects, ", Bytes(r.bytes_checked()),
                       " recomputed", drill ? absl::StrCat("; ", r.families_size(), " column families match the manifest; ",
                                                           r.audit_entries(), " audit entries verify")
                                            : "",
                       r.signature_ok() ? "; the manifest's signature verifies" : "; the manifest is unsigned",
                       absl::StrFormat(" (%.1f s).\n", static_cast<double>(r.took_micros()) / 1e6)));
  } else {
    Print(absl::StrCat(drill ? "Drill FAILED for backup " : "Backup ", r.backup_id(), drill ? ":\n" : " is DAMAGED:\n",
                       FindingsText(r)));
  }
  if (!r.ok()) {
    return absl::DataLossError(absl::StrCat("backup ", r.backup_id(), drill ? " did not restore right: " : " is damaged: ",
                                            r.findings_size(), " findings"));
  }
  return absl::OkStatus();
}

absl::Status KeyShare(CommandContext& ctx) {
  v1::KeyShare share;
  auto call = ctx.client->Context(kCall);
  if (grpc::Status st = ctx.client->ops().GetKeyShare(call.get(), {}, &share); !st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ToJson(JObj({{"share", U64(share.share())}, {"key_id", JStr(share.key_id())}, {"text", JStr(share.text())}})));
    return absl::OkStatus();
  }
  Print(absl::StrCat("Backup key ", share.key_id(), ", share ", share.share(), " of 2 (备份密钥分片), for the ",
                     share.share() == 1 ? "system administrator" : "security officer",
                     ". Keep it offline (paper, a safe); a restore needs both shares:\n  ", share.text(), "\n"));
  return absl::OkStatus();
}

Json ReplicaJson(const v1::ReplicaReport& r) {
  std::vector<Json> peers;
  for (const auto& p : r.peers()) {
    std::vector<Json> missing, damaged;
    for (const auto& id : p.missing()) missing.push_back(JStr(id));
    for (const auto& id : p.damaged()) damaged.push_back(JStr(id));
    peers.push_back(JObj({{"archive", JStr(p.archive())},
                          {"name", JStr(p.name())},
                          {"error", JStr(p.error())},
                          {"sent", U64(p.sent())},
                          {"sent_bytes", U64(p.sent_bytes())},
                          {"dropped", U64(p.dropped())},
                          {"held", U64(p.held())},
                          {"held_bytes", U64(p.held_bytes())},
                          {"quota_bytes", U64(p.quota_bytes())},
                          {"challenged", U64(p.challenged())},
                          {"missing", JArr(missing)},
                          {"damaged", JArr(damaged)},
                          {"fetched", U64(p.fetched())},
                          {"took_s", JNum(static_cast<double>(p.took_micros()) / 1e6)}}));
  }
  return JObj({{"ok", JBool(r.ok())},
               {"placement", JStr(r.placement())},
               {"repository", JStr(r.repository())},
               {"took_s", JNum(static_cast<double>(r.took_micros()) / 1e6)},
               {"peers", JArr(peers)}});
}

// backup replicate | backup audit-replicas: the report, and an error when a holder failed.
absl::Status Replicas(CommandContext& ctx, bool audit) {
  v1::ReplicaReport report;
  auto call = ctx.client->Context(kLong);
  grpc::Status st;
  if (audit) {
    v1::ReplicaAuditRequest req;
    if (auto n = ctx.args.Get("--sample")) {
      uint32_t v = 0;
      if (!absl::SimpleAtoi(*n, &v) || v == 0) return absl::InvalidArgumentError(absl::StrCat("--sample '", *n, "' is not a positive number"));
      req.set_sample(v);
    }
    req.set_no_repair(ctx.args.Has("--no-repair"));
    st = ctx.client->replicas().AuditReplicas(call.get(), req, &report);
  } else {
    st = ctx.client->replicas().Replicate(call.get(), {}, &report);
  }
  if (!st.ok()) return ctx.client->Explain(st);
  if (ctx.json) {
    Print(ToJson(ReplicaJson(report)));
  } else {
    std::string out = absl::StrCat(audit ? "Replica audit (副本核查)" : "Replication (异地副本)", ": ", report.placement(), "\n");
    for (const auto& p : report.peers()) {
      absl::StrAppend(&out, "  ", p.name(), " (", p.archive(), "): ");
      if (!p.error().empty()) absl::StrAppend(&out, "ERROR ", p.error(), "; ");
      if (audit) {
        absl::StrAppend(&out, p.challenged(), " challenged, ", p.missing_size(), " missing, ", p.damaged_size(), " damaged, ",
                        p.sent(), " sent again\n");
      } else {
        absl::StrAppend(&out, p.sent(), " sent (", Bytes(p.sent_bytes()), "), ", p.dropped(), " dropped, ", p.held(),
                        " held (", Bytes(p.held_bytes()), " of a ", Bytes(p.quota_bytes()), " quota)\n");
      }
    }
    Print(out);
  }
  if (!report.ok()) return absl::UnavailableError(audit ? "the replica audit is incomplete (see above)" : "replication is incomplete (see above)");
  return absl::OkStatus();
}

// The restored node's config: the backed-up one with its data under NEWDIR/data and the key
// passphrase, socket and backup key at their defaults beside it. A node rebuilt from its peers
// (`peer_listen` given) listens where the directory now publishes the re-enrolled node, and keeps
// its backups in NEWDIR/backups, where the fetched replicas go.
absl::Status RewriteConfig(const fs::path& file, const std::string& peer_listen) {
  toml::table tbl;
  try {
    tbl = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return absl::DataLossError(absl::StrCat("the backed-up config ", file.string(), " does not parse: ", std::string(e.description())));
  }
  toml::table* node = tbl["node"].as_table();
  if (node == nullptr) return absl::DataLossError(absl::StrCat("the backed-up config ", file.string(), " has no [node]"));
  node->insert_or_assign("data_dir", "data");
  for (const char* key : {"key_file", "socket_dir", "backup_key_file"}) node->erase(key);
  if (!peer_listen.empty()) {
    node->insert_or_assign("peer_listen", peer_listen);
    node->erase("backup_dir");
  }
  std::ostringstream out;
  out << "# Kuaguan node configuration (restored by kuaguan restore)\n" << tbl << "\n";
  std::ofstream f(file, std::ios::binary | std::ios::trunc);
  f << out.str();
  f.close();
  if (!f) return absl::InternalError(absl::StrCat("cannot write ", file.string()));
  return absl::OkStatus();
}

}  // namespace

absl::Status BackupCommand(const Argv& argv) {
  ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--no-repair"}, {"--to", "--in", "--backup", "--sample"}}));
  const auto& pos = ctx.args.positional();
  if (pos.size() == 1 && pos[0] == "create") return Create(ctx);
  if (pos.size() == 1 && pos[0] == "list") return List(ctx);
  if ((pos.size() == 1 || pos.size() == 2) && pos[0] == "verify") return Check(ctx, /*drill=*/false);
  if ((pos.size() == 1 || pos.size() == 2) && pos[0] == "drill") return Check(ctx, /*drill=*/true);
  if (pos.size() == 1 && pos[0] == "key-share") return KeyShare(ctx);
  if (pos.size() == 1 && pos[0] == "replicate") return Replicas(ctx, /*audit=*/false);
  if (pos.size() == 1 && pos[0] == "audit-replicas") return Replicas(ctx, /*audit=*/true);
  return absl::InvalidArgumentError(kBackupUsage);
}

// Restores backup --backup (default the newest) of repository `repo_dir` into the empty folder
// `dest` with the two shares. With `fresh` (restore --from-peers), the restored node takes the
// identity of the re-enrolled node of `fresh` (its keys and their passphrase), since the one in
// the backup was superseded by the re-enrollment.
// The restored node takes the re-enrolled node's keys (its backed-up ones were superseded at the
// re-enrollment), re-encrypted under the restored passphrase, which the restored store's sealed
// secrets need; the fetched repository becomes its backups folder.
absl::Status TakeIdentity(const base::NodeConfig& fresh, const fs::path& data, const fs::path& fetched,
                          const fs::path& dest) {
  ASSIGN_OR_RETURN(const std::string fresh_pass, seal::LoadPassphrase(fresh.KeyFile(), /*create=*/false));
  ASSIGN_OR_RETURN(const std::string kept_pass, seal::LoadPassphrase(data / "secrets" / "key-passphrase", false));
  std::error_code ec;
  fs::remove_all(data / "keys", ec);
  fs::create_directories(data / "keys", ec);
  for (fs::directory_iterator it(fresh.data_dir / "keys", ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path to = data / "keys" / it->path().filename();
    if (it->path().extension() == ".key") {
      ASSIGN_OR_RETURN(auto key, seal::ReadKeyFile(it->path(), fresh_pass));
      RETURN_IF_ERROR(seal::WriteKeyFile(to, *key, kept_pass));
    } else {
      ASSIGN_OR_RETURN(const std::string bytes, seal::ReadTextFile(it->path()));
      RETURN_IF_ERROR(seal::WritePrivateFile(to, bytes));
    }
  }
  if (!ec) fs::rename(fetched, dest / "backups", ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("cannot take the re-enrolled node's keys from ", fresh.data_dir.string(),
                                                    ": ", ec.message(), " (run restore --from-peers as the node's service account)"));
  }
  return absl::OkStatus();
}

// The re-enrolled node a restore --from-peers rebuilds on: its config and where its peers reach it.
struct FreshNode {
  const base::NodeConfig* config;
  std::string peer_listen;
};

static absl::Status RestoreFromRepository(const Args& args, const fs::path& repo_dir, const fs::path& dest,
                                          const FreshNode* fresh) {
  std::error_code ec;
  if (fs::exists(dest, ec) && !fs::is_empty(dest, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(dest.string(), " is not empty: restore into a new folder"));
  }
  ::umask(077);  // the restored node's folders are private to its account, as kuaguand requires
  const std::vector<std::string> files = args.All("--share");
  if (!files.empty() && files.size() != 2) {
    return absl::InvalidArgumentError("give both shares (--share FILE twice), or none to type them");
  }
  ASSIGN_OR_RETURN(const std::string a, ExistingPassphrase(files.empty() ? std::nullopt : std::optional(files[0]),
                                                           "backup key share 1 (system administrator)"));
  ASSIGN_OR_RETURN(const std::string b, ExistingPassphrase(files.empty() ? std::nullopt : std::optional(files[1]),
                                                           "backup key share 2 (security officer)"));
  ASSIGN_OR_RETURN(const seal::BackupKey key, seal::BackupKey::FromShares(a, b));
  ASSIGN_OR_RETURN(const seal::BackupRepo repo, seal::BackupRepo::Open(repo_dir, key, "", /*create=*/false));
  std::string id = args.Get("--backup").value_or("");
  if (id.empty()) {
    ASSIGN_OR_RETURN(const std::vector<std::string> ids, repo.BackupIds());
    if (ids.empty()) return absl::NotFoundError(absl::StrCat("no backup in ", repo_dir.string()));
    id = ids.back();
  }
  ASSIGN_OR_RETURN(const v1::SignedBackupManifest sm, repo.GetManifest(id));
  bool signature_ok = false;
  ASSIGN_OR_RETURN(const v1::BackupManifest m, seal::OpenManifest(sm, &signature_ok));
  if (!sm.signature().empty() && !signature_ok) {
    return absl::DataLossError(absl::StrCat("the manifest of backup ", id, " is signed but its signature does not verify"));
  }
  ProgressBar bar("bytes restored");
  absl::StatusOr<v1::BackupReport> report =
      seal::RestoreFiles(repo, m, dest, [&](uint64_t done, uint64_t total) { bar.Update(done, total); }, nullptr);
  bar.Finish();
  absl::Status done = report.status();
  if (done.ok() && !report->ok()) {
    done = absl::DataLossError(absl::StrCat("backup ", id, " is damaged; nothing was restored:\n", FindingsText(*report)));
  }
  if (done.ok()) done = RewriteConfig(dest / "kuaguan.toml", fresh != nullptr ? fresh->peer_listen : "");
  if (done.ok() && fresh != nullptr) done = TakeIdentity(*fresh->config, dest / "data", repo_dir, dest);
  if (done.ok()) done = key.Save(dest / "backup.key");
  if (done.ok()) {
    // The daemon compares the restored store with these digests at its first start.
    v1::BackupManifest marker = m;
    marker.clear_files();
    std::ofstream out(dest / "data" / "restored-from.manifest", std::ios::binary | std::ios::trunc);
    out << marker.SerializeAsString();
    out.close();
    if (!out) done = absl::InternalError(absl::StrCat("cannot write ", (dest / "data" / "restored-from.manifest").string()));
  }
  if (!done.ok()) {
    fs::remove_all(dest, ec);
    return done;
  }
  // As kuaguan init leaves them: the folder and config readable by the node's people, the data private.
  fs::permissions(dest, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec, ec);
  fs::permissions(dest / "kuaguan.toml", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                             fs::perms::others_read, ec);
  if (args.Has("--json")) {
    Print(ToJson(JObj({{"backup_id", JStr(id)},
                       {"archive", JStr(m.archive())},
                       {"to", JStr(dest.string())},
                       {"files", U64(report->files_checked())},
                       {"bytes", U64(report->bytes_checked())},
                       {"signature_ok", JBool(signature_ok)},
                       {"store_seq", U64(m.store_seq())},
                       {"audit_entries", U64(m.audit_seq())}})));
    return absl::OkStatus();
  }
  Print(absl::StrCat("Restored backup ", id, " of ", m.archive_name(), " (", m.archive(), ") into ", dest.string(), ": ",
                     report->files_checked(), " files, ", Bytes(report->bytes_checked()), ", each file's SM3 as the ",
                     signature_ok ? "signed" : "unsigned", " manifest states.\n",
                     "Start it with: kuaguand --config ", (dest / "kuaguan.toml").string(), "\n",
                     "At its first start the node compares its store with the backup's digests and rebuilds the search "
                     "index (", m.index_note(), ").\n"));
  return absl::OkStatus();
}

absl::Status RestoreCommand(const Argv& argv) {
  if (std::find(argv.begin(), argv.end(), "--from-peers") != argv.end()) {
    // The re-enrolled node of the same archive fetches its replicas from the peers that hold them.
    ASSIGN_OR_RETURN(auto ctx, OpenContext(argv, {{"--from-peers"}, {"--archive", "--to", "--backup", "--share"}}));
    if (!ctx.args.positional().empty() || !ctx.args.Get("--to") || !ctx.args.Get("--archive")) {
      return absl::InvalidArgumentError(
          "usage: kuaguan restore --from-peers --archive CODE --to NEWDIR [--backup ID] [--share FILE --share FILE]");
    }
    if (*ctx.args.Get("--archive") != ctx.config.archive_id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "peers give an archive back only its own replicas: run this on the re-enrolled node of archive ",
          *ctx.args.Get("--archive"), " (this node is ", ctx.config.archive_id, ")"));
    }
    const fs::path dest = fs::absolute(*ctx.args.Get("--to")).lexically_normal();
    const fs::path fetched = fs::path(dest.string() + ".replicas");
    v1::FetchReplicasRequest req;
    req.set_to(fetched.string());
    v1::ReplicaReport report;
    auto call = ctx.client->Context(kLong);
    if (grpc::Status st = ctx.client->replicas().FetchReplicas(call.get(), req, &report); !st.ok()) {
      return ctx.client->Explain(st);
    }
    if (!ctx.json) {
      for (const auto& p : report.peers()) {
        Print(absl::StrCat("Fetched ", p.fetched(), " replicas from ", p.name(), " (", p.archive(), ")",
                           p.error().empty() ? "" : absl::StrCat(": ", p.error()), "\n"));
      }
    }
    v1::NodeStatus status;
    auto ask = ctx.client->Context(kCall);
    if (grpc::Status st = ctx.client->stub().GetStatus(ask.get(), {}, &status); !st.ok()) return ctx.client->Explain(st);
    const FreshNode fresh{&ctx.config, status.peer_listen()};
    return RestoreFromRepository(ctx.args, fetched, dest, &fresh);
  }
  ASSIGN_OR_RETURN(const Args args, Args::Parse(argv, {{"--json"}, {"--to", "--backup", "--share"}}));
  if (args.positional().size() != 1 || !args.Get("--to")) {
    return absl::InvalidArgumentError(
        "usage: kuaguan restore DIR --to NEWDIR [--backup ID] [--share FILE --share FILE] | "
        "restore --from-peers --archive CODE --to NEWDIR [--share FILE --share FILE]");
  }
  return RestoreFromRepository(args, fs::absolute(args.positional()[0]).lexically_normal(),
                               fs::absolute(*args.Get("--to")).lexically_normal(), nullptr);
}

}  // namespace kuaguan::cli
