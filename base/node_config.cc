#include "base/node_config.h"

#include <toml++/toml.h>

#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/archive_id.h"

namespace kuaguan::base {
namespace fs = std::filesystem;

absl::Status ValidateConfig(const NodeConfig& c) {
  RETURN_IF_ERROR(base::ParseArchiveId(c.archive_id).status());
  if (c.name.empty()) return absl::InvalidArgumentError("archive name is empty");
  if (c.role != "archive" && c.role != "provincial") {
    return absl::InvalidArgumentError(
        absl::StrCat("role '", c.role, "' is not archive or provincial"));
  }
  const size_t colon = c.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(c.listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address '", c.listen, "' is not HOST:PORT (port 0-65535)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<NodeConfig> LoadConfig(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat("config file ", path.string(), " does not exist"));
  }
  toml::table tbl;
  try {
    tbl = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path.string(), ":", e.source().begin.line, ": ", std::string(e.description())));
  }
  NodeConfig c;
  c.config_path = fs::absolute(path);
  const auto node = tbl["node"];
  if (!node.is_table()) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": no [node] table"));
  }
  auto str = [&](const char* key, std::string* out, bool required) -> absl::Status {
    auto v = node[key].value<std::string>();
    if (!v) {
      if (!required && !node[key]) return absl::OkStatus();
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": [node] ", key, " is missing or not a string"));
    }
    *out = *v;
    return absl::OkStatus();
  };
  std::string data_dir;
  RETURN_IF_ERROR(str("archive_id", &c.archive_id, true));
  RETURN_IF_ERROR(str("name", &c.name, true));
  RETURN_IF_ERROR(str("role", &c.role, false));
  RETURN_IF_ERROR(str("listen", &c.listen, false));
  RETURN_IF_ERROR(str("data_dir", &data_dir, true));
  RETURN_IF_ERROR(str("peer_listen", &c.peer_listen, false));
  RETURN_IF_ERROR(str("enroll_listen", &c.enroll_listen, false));
  std::string key_file;
  RETURN_IF_ERROR(str("key_file", &key_file, false));
  std::string socket_dir;
  RETURN_IF_ERROR(str("socket_dir", &socket_dir, false));
  RETURN_IF_ERROR(str("socket_group", &c.socket_group, false));
  std::string backup_dir = "backups", backup_key_file = "backup.key", replica_dir = "replicas";
  RETURN_IF_ERROR(str("backup_dir", &backup_dir, false));
  RETURN_IF_ERROR(str("replica_dir", &replica_dir, false));
  if (node["open_period_years"]) {
    auto v = node["open_period_years"].value<int64_t>();
    if (!v || *v < 1 || *v > 100) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": [node] open_period_years must be a whole number from 1 to 100"));
    }
    c.open_period_years = static_cast<int>(*v);
  }
  if (node["replica_count"]) {
    auto v = node["replica_count"].value<int64_t>();
    if (!v || *v < 0 || *v > 16) {
      return absl::InvalidArgumentError(absl::StrCat(path.string(), ": [node] replica_count must be a whole number from 0 to 16"));
    }
    c.replica_count = *v;
  }
  if (node["replica_quota_gb"]) {
    auto v = node["replica_quota_gb"].value<double>();
    if (!v || *v <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(path.string(), ": [node] replica_quota_gb must be a positive number"));
    }
    c.replica_quota_gb = *v;
  }
  RETURN_IF_ERROR(str("backup_key_file", &backup_key_file, false));
  if (node["backup_every_hours"]) {
    auto v = node["backup_every_hours"].value<double>();
    if (!v || *v < 0 || *v > 24 * 366) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": [node] backup_every_hours must be a number of hours (0 for none)"));
    }
    c.backup_every_hours = *v;
  }
  if (node["backup_keep"]) {
    auto v = node["backup_keep"].value<int64_t>();
    if (!v || *v < 1 || *v > 10000) {
      return absl::InvalidArgumentError(absl::StrCat(path.string(), ": [node] backup_keep must be a whole number from 1 to 10000"));
    }
    c.backup_keep = *v;
  }
  RETURN_IF_ERROR(str("issue_approval", &c.issue_approval, false));
  if (c.issue_approval != "single" && c.issue_approval != "dual") {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": [node] issue_approval must be \"single\" or \"dual\", not \"",
                                                   c.issue_approval, "\""));
  }
  if (node["directory_validity_hours"]) {
    auto v = node["directory_validity_hours"].value<double>();
    if (!v || *v <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": [node] directory_validity_hours must be a positive number"));
    }
    c.directory_validity_hours = *v;
  }
  if (node["directory_refresh_seconds"]) {
    auto v = node["directory_refresh_seconds"].value<int64_t>();
    if (!v || *v <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": [node] directory_refresh_seconds must be a positive integer"));
    }
    c.directory_refresh_seconds = *v;
  }
  RETURN_IF_ERROR(str("metrics_listen", &c.metrics_listen, false));
  RETURN_IF_ERROR(str("web_listen", &c.web_listen, false));
  for (auto [key, field] : {std::pair{"audit_sweep_seconds", &c.audit_sweep_seconds},
                            std::pair{"health_report_seconds", &c.health_report_seconds}}) {
    if (!node[key]) continue;
    auto v = node[key].value<int64_t>();
    if (!v || *v <= 0 || *v > 86400) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": [node] ", key, " must be a whole number of seconds from 1 to 86400"));
    }
    *field = *v;
  }
  if (node["auto_issue"]) {
    auto v = node["auto_issue"].value<bool>();
    if (!v) return absl::InvalidArgumentError(absl::StrCat(path.string(), ": [node] auto_issue must be true or false"));
    c.auto_issue = *v;
  }
  if (absl::Status st = ValidateConfig(c); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": ", st.message()));
  }
  fs::path dd(data_dir);
  c.data_dir = dd.is_absolute() ? dd : c.config_path.parent_path() / dd;
  c.data_dir = c.data_dir.lexically_normal();
  if (!key_file.empty()) {
    const fs::path kf(key_file);
    c.key_file = (kf.is_absolute() ? kf : c.data_dir / kf).lexically_normal();
  }
  const fs::path folder = c.config_path.parent_path();
  for (auto [given, field] : {std::pair{&backup_dir, &c.backup_dir}, std::pair{&backup_key_file, &c.backup_key_file},
                              std::pair{&replica_dir, &c.replica_dir}}) {
    const fs::path p(*given);
    *field = (p.is_absolute() ? p : folder / p).lexically_normal();
  }
  if (!socket_dir.empty()) {
    const fs::path sd(socket_dir);
    c.socket_dir = (sd.is_absolute() ? sd : c.config_path.parent_path() / sd).lexically_normal();
  }
  return c;
}

std::string RenderConfig(const NodeConfig& c) {
  toml::table node{{"archive_id", c.archive_id}, {"name", c.name},
                   {"role", c.role},             {"listen", c.listen},
                   {"data_dir", c.data_dir.string()}, {"peer_listen", c.peer_listen}};
  if (c.role == "provincial") node.insert("enroll_listen", c.enroll_listen);
  if (c.auto_issue) node.insert("auto_issue", true);
  node.insert("socket_group", c.socket_group);
  if (c.issue_approval != "single") node.insert("issue_approval", c.issue_approval);
  if (!c.socket_dir.empty()) node.insert("socket_dir", c.socket_dir.string());
  if (!c.metrics_listen.empty()) node.insert("metrics_listen", c.metrics_listen);
  if (!c.web_listen.empty()) node.insert("web_listen", c.web_listen);
  if (c.audit_sweep_seconds != 60) node.insert("audit_sweep_seconds", c.audit_sweep_seconds);
  if (c.health_report_seconds != 60) node.insert("health_report_seconds", c.health_report_seconds);
  if (c.backup_every_hours != 6) node.insert("backup_every_hours", c.backup_every_hours);
  if (c.backup_keep != 14) node.insert("backup_keep", c.backup_keep);
  toml::table root{{"node", node}};
  std::ostringstream out;
  out << "# Kuaguan node configuration (written by kuaguan init)\n" << root << "\n";
  return out.str();
}

}  // namespace kuaguan::base
