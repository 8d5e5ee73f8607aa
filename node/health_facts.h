// A node's facts for its health report to the hub and its metrics: version, uptime, directory
// version and age, certificate expiry, disk free, store and index size, records, requests by
// state, overdue requests, answers within the deadline this month, outbox backlog and dead
// letters. Read fresh on each call (a scan of the requests and outbox; cheap at a minute apart).
// Thread-safe as the objects it reads.
#pragma once

#include <cstdint>
#include <string>

#include "base/node_config.h"
#include "federation/peer_link.h"
#include "federation/remote_requests.h"
#include "index/record_index.h"
#include "kuaguan/v1/hub.pb.h"
#include "node/store.h"

namespace kuaguan::node {

struct HealthSources {
  const base::NodeConfig* config = nullptr;
  std::string version;
  int64_t started_micros = 0;
  Store* store = nullptr;
  index::RecordIndex* index = nullptr;
  federation::PeerLink* link = nullptr;             // null on the provincial node
  federation::RemoteRequests* requests = nullptr;   // null on the provincial node
};

// The report (from, time, audit checkpoint and alarms are the hub link's to fill). A part that
// cannot be read is left out and named in last_error.
kuaguan::v1::HealthReport CollectHealth(const HealthSources& sources);

}  // namespace kuaguan::node
