// A node's configuration: one TOML file per node, written by `kuaguan init`.
//
//   [node]
//   archive_id = "410100"          # GB/T 2260 division code of the archive
//   name = "郑州市档案馆"
//   role = "archive"               # archive | provincial
//   listen = "127.0.0.1:0"         # TCP address; port 0 picks a free port at start
//   data_dir = "data"              # relative to the config file's folder
//   peer_listen = "127.0.0.1:7443" # mutual-TLS listener for peers (port 0: chosen at enrollment)
//   enroll_listen = "127.0.0.1:7444"  # provincial only: server-TLS listener for enrollment
//   key_file = "secrets/key-passphrase"  # relative to data_dir: passphrase of the encrypted keys (made if missing)
//   directory_validity_hours = 72  # provincial: how long a published directory stays valid (may be fractional)
//   directory_refresh_seconds = 300  # provincial: how often nodes fetch it
//   issue_approval = "single"      # archive: or "dual": a back-office clerk prepares, a different
//                                  # person (the approver) approves issuing (双人审批)
//   socket_group = "kuaguan"       # who may reach the local socket (0660); each person still needs a role
//   socket_dir = "run"             # relative to the config file's folder: the socket's directory (0750)
//   metrics_listen = "127.0.0.1:9460"  # Prometheus metrics (loopback only; empty: none)
//   web_listen = "127.0.0.1:8460"  # provincial: the federation page for monitors and auditors
//   audit_sweep_seconds = 60       # archive: how often the whole audit log is compared with the hub's copy
//   health_report_seconds = 60     # how often members report their health (the hub expects this too)
//   backup_dir = "backups"         # relative to the config file's folder: the backup repository
//   backup_key_file = "backup.key" # relative to the config file's folder: the backup key (made if
//                                  # missing), kept apart from the node's keys and never backed up
//   backup_every_hours = 6         # scheduled backups (0: none; may be fractional)
//   replica_dir = "replicas"       # relative to the config file's folder: other archives' backup replicas
//   replica_count = 2              # archive: peer archives (of other cities) holding our replicas
//   replica_quota_gb = 64          # provincial: the directory's quota per owner at each holder
//   backup_keep = 14               # backups kept in backup_dir; older ones are pruned
//   open_period_years = 25         # archive: records open this many years after formation once
//                                  # appraised (Archives Law 2020 art. 27; the older rules say 30)
//   auto_issue = false             # archive: certify at once unconditionally shared records
//                                  # that name the requesting person exactly (no clerk)
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace kuaguan::base {

// The largest message between an operator's CLI and its node (a catalog file travels whole in
// one import call; scans are streamed in chunks), at both ends.
inline constexpr int kMaxAdminMessageBytes = 128 << 20;

struct NodeConfig {
  std::string archive_id;
  std::string name;
  std::string role = "archive";
  std::string listen = "127.0.0.1:0";
  std::filesystem::path data_dir;  // absolute after LoadConfig
  std::string peer_listen = "127.0.0.1:0";
  std::string enroll_listen = "127.0.0.1:0";
  std::filesystem::path key_file;  // absolute after LoadConfig; empty: KeyFile()'s default
  double directory_validity_hours = 72;  // fractions allowed (tests use seconds)
  int64_t directory_refresh_seconds = 300;
  bool auto_issue = false;
  std::string issue_approval = "single";  // archive: "single", or "dual" (a clerk prepares, an approver approves)
  std::string socket_group = "kuaguan";
  std::filesystem::path socket_dir;  // absolute after LoadConfig; empty: beside data_dir, "run"
  std::filesystem::path config_path;
  std::string metrics_listen;  // empty: no metrics listener
  std::string web_listen;      // provincial: empty: no web page
  int64_t audit_sweep_seconds = 60;
  int64_t health_report_seconds = 60;
  std::filesystem::path backup_dir;       // absolute after LoadConfig
  std::filesystem::path backup_key_file;  // absolute after LoadConfig
  double backup_every_hours = 6;
  int64_t backup_keep = 14;
  std::filesystem::path replica_dir;  // absolute after LoadConfig
  int64_t replica_count = 2;
  int open_period_years = 25;
  double replica_quota_gb = 64;

  // The passphrase file of the node's encrypted keys (default DATA_DIR/secrets/key-passphrase).
  std::filesystem::path KeyFile() const {
    return key_file.empty() ? data_dir / "secrets" / "key-passphrase" : key_file;
  }

  // The admin service's Unix socket: outside the data directory, which is private to the daemon.
  std::filesystem::path SocketPath() const {
    return (socket_dir.empty() ? data_dir.parent_path() / "run" : socket_dir) / "kuaguand.sock";
  }
};

// Reads and checks a config file. Errors name the file and the key that is wrong.
absl::StatusOr<NodeConfig> LoadConfig(const std::filesystem::path& path);

// Renders `config` as TOML (data_dir written as given).
std::string RenderConfig(const NodeConfig& config);

// Checks role and listen address shape; INVALID_ARGUMENT naming the bad value.
absl::Status ValidateConfig(const NodeConfig& config);

}  // namespace kuaguan::base
