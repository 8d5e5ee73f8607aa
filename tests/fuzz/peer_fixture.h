// The world the peer-message harnesses fuzz, built once per process: a CA with the seals of two
// archives, a back office (郑州市档案馆 410100, auto-issue on, a small catalog imported) and a
// front desk (开封市档案馆 410200), each a real RemoteRequests on a real node::Store, index and
// Holdings in a scratch dir, joined by loopback peers that call the other node directly, with a
// clock that stands still. At start a request is filed, auto-issued and delivered, so a real
// certificate exists; the messages the two ends sent meanwhile are kept as seeds. Not
// thread-safe: the harnesses call it from libFuzzer's one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "federation/remote_requests.h"
#include "kuaguan/v1/federation.pb.h"
#include "kuaguan/v1/request.pb.h"
#include "node/holdings.h"

namespace kuaguan::fuzz {

inline constexpr char kBack[] = "410100";   // the holding archive (back office)
inline constexpr char kFront[] = "410200";  // the archive where people come (front desk)
// Catalog codes: shared and naming 张三 by identity number; shared, naming someone else; not
// shared; shared with a phone number in its summary.
inline constexpr char kNamesPerson[] = "Z109-HY·1985-Y-0001";
inline constexpr char kOtherPerson[] = "Z109-HY·1985-Y-0002";
inline constexpr char kNotShared[] = "Z109-WS·1990-Y-0003";
inline constexpr char kWithPhone[] = "Z109-HY·1986-Y-0004";
inline constexpr char kPhone[] = "13812345678";
// Words only the not-shared record holds (its title): nothing a peer receives may carry them.
inline constexpr char kNotSharedWords[] = "内部调动";

class PeerWorld {
 public:
  // The one world of this process, built on first use.
  static PeerWorld& Get();
  ~PeerWorld();

  federation::RemoteRequests* front();
  federation::RemoteRequests* back();
  node::Holdings* back_holdings();
  // What certificates are verified against (the shared trust bundle).
  const kuaguan::v1::TrustBundle& trust() const;
  // The clock's time (it never moves), in microseconds.
  int64_t now_micros() const;

  // Files a new request at the front desk for 张三 about `record` ("" for none) and delivers
  // it; returns its id (the back office has it, in review unless the record is absent, or issued
  // when auto-issue finds an exact record: then issued_with() knows its certificate).
  std::string FileFresh(const std::string& record);
  // Delivers what both outboxes hold until nothing moves (at most a few rounds: a message that
  // keeps failing stays queued).
  void Pump();

  // The keyed hash of 张三's identity number, as the front desk sends it.
  const std::string& person_hash() const;
  // The request filed at start, issued and delivered: its id, certificate file, serial, SM3.
  const std::string& issued_id() const;
  const kuaguan::v1::IssuedCertificate& issued() const;
  // The certificate with `serial` among every one this world issued (at start, e.g. also for the
  // request filed with no record, and by FileFresh later), or nullptr if none has it.
  const kuaguan::v1::IssuedCertificate* issued_with(const std::string& serial) const;
  // What travelled at start, for seeds.
  const std::vector<kuaguan::v1::RemoteRequest>& submitted() const;
  const std::vector<kuaguan::v1::RequestUpdate>& updates() const;

 private:
  struct State;
  PeerWorld();
  std::unique_ptr<State> s_;
};

}  // namespace kuaguan::fuzz
