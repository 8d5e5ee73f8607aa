// kill -9 trials (issue 15): a provincial node and two archives as processes — 郑州 (410100) the
// front desk, 开封 (410200) the back office with auto-issue — and trials that each start one
// workload, SIGKILL the front or the back node at a random moment within it, restart it, let the
// outboxes drain and check the invariants:
//   - every write the CLI acknowledged is there: imported batches and ingested items (by `get`,
//     and counted), requests filed (an id returned), certificates issued (`requests issue` OK);
//     a write cut off is all there or not at all, and running it again completes it;
//   - store and index agree: index_seq = store_seq, indexed documents = active records, and a
//     code search finds exactly the trial's batch;
//   - the audit chains verify at both archives (and the provincial node);
//   - every request is in the same state at both ends, a closing one (delivered, or in review
//     awaiting its clerk), with the same certificate serial, and no message is dead-lettered.
// The workloads, one per trial, at random: a catalog import, a scan ingest (real Tesseract on
// rendered pages), filing at the front desk, the outbox delivering a filed request (auto-issued
// and delivered back), a clerk issuing at the back office, and the certificate's delivery back.
// The kill moment is uniform over 1.2× the workload's duration, measured once at setup.
//
//   fault_trials [--trials N] [--seed S] [Catch2 options]
// prints the seed (a failing run repeats with --seed), one line per trial and the tally; fails
// when any invariant does not hold. CTest runs 10 trials, `make bench` 100.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "tests/integration/node_fixture.h"
#include "tests/testing/catalog_gen.h"
#include "tests/testing/page_render.h"

using namespace kuaguan::testing;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using google::protobuf::Struct;

namespace {

int g_trials = 10;
uint64_t g_seed = 0;  // 0: drawn from std::random_device

constexpr int kBatchRecords = 1500;  // a catalog import
constexpr int kScanItems = 2;        // a scan ingest: one rendered page each
const std::string kAutoPerson = "11010519491231002X";    // 王建国: a shared record at 开封, auto-issued
const std::string kReviewPerson = "410203197511114578";  // 李四: conditionally shared, a clerk issues
const std::string kReviewRecord = "K2-HY·1986-Y-0003";

enum Phase { kImport, kIngest, kFiling, kDelivery, kIssuing, kDeliveryBack, kPhases };
const char* const kPhaseNames[kPhases] = {"import", "ingest", "filing", "delivery", "issuing", "delivery back"};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

bool ParseJson(const std::string& text, Struct* out) {
  return google::protobuf::util::JsonStringToMessage(text, out).ok();
}

const google::protobuf::ListValue& Items(const Struct& s, const std::string& key) {
  static const google::protobuf::ListValue kEmpty;
  auto it = s.fields().find(key);
  return it == s.fields().end() ? kEmpty : it->second.list_value();
}

Struct Sub(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? Struct() : it->second.struct_value();
}

// A count in a JSON answer, a number or (64-bit) a string.
uint64_t Count(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end()) return 0;
  if (it->second.has_number_value()) return static_cast<uint64_t>(it->second.number_value());
  return std::strtoull(it->second.string_value().c_str(), nullptr, 10);
}

// The last line of a stream of JSON lines (ingest's summary follows its progress events).
std::string LastLine(const std::string& out) {
  std::string s = out;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  const size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

// One request as one end holds it.
struct Seen {
  std::string state;
  std::string serial;
};

// A request the trials know of, and what it must end as.
struct Expected {
  bool review = false;         // for the clerk (else auto-issued)
  bool issue_acked = false;    // `requests issue` answered OK
  bool filing_acked = false;   // the desk was given its id
};

class World {
 public:
  World()
      : prov_("410000", "河南省档案馆", "provincial"), front_("410100", "郑州市档案馆"), back_("410200", "开封市档案馆") {
    std::ofstream(back_.dir() / "kuaguan.toml", std::ios::app) << "auto_issue = true\n";
    prov_.Start();
    front_.Start();
    back_.Start();
    Enroll(prov_, front_, "410100", "郑州市档案馆");
    Enroll(prov_, back_, "410200", "开封市档案馆");
    REQUIRE(front_.Cli({"directory", "refresh"}).exit_code == 0);
    WriteFile(back_.dir() / "hy.csv",
              "档号,题名,年度,日期,责任者,共享类别,密级,民生类别,身份证号\n"
              "K2-HY·1985-Y-0001,王建国与李秀英结婚登记,1985,19850312,开封市民政局,无条件共享,公开,婚姻登记," +
                  kAutoPerson + "\n" + kReviewRecord + ",李四与张梅结婚登记,1986,19860520,开封市民政局,有条件共享,公开,婚姻登记," +
                  kReviewPerson + "\n");
    REQUIRE(back_.Cli({"import", (back_.dir() / "hy.csv").string()}).exit_code == 0);
    records_[&back_] = 2;
    records_[&front_] = 0;
    const fs::path desk_dir = front_.dir() / "desk";
    front_.CliJson({"staff", "add", "赵敏", "--role", "front-desk", "--out", desk_dir.string()});
    profile_ = (desk_dir / "desk.toml").string();
    WriteFile(front_.dir() / "auto.id", kAutoPerson + "\n");
    WriteFile(front_.dir() / "review.id", kReviewPerson + "\n");
    // The pages of every scan ingest: rendered once, each trial's manifest names them anew.
    pages_ = fs::path(front_.dir()) / "pages";
    fs::create_directories(pages_);
    for (int i = 0; i < kScanItems; ++i) {
      PageSpec spec;
      spec.half_page = true;
      spec.title = "关于档案馆库房改造的报告";
      spec.paragraphs = {absl::StrCat("土地承包合同的原件存放在第", i + 1, "库房。")};
      spec.seed = static_cast<unsigned>(i + 1);
      REQUIRE(RenderPagePng(spec, (pages_ / absl::StrCat("p", i, ".png")).string()).ok());
    }
    REQUIRE(std::system(("chmod -R a+rX " + pages_.string()).c_str()) == 0);
  }

  // Measures each workload once, unharmed (the windows the kill moments are drawn from).
  void Calibrate() {
    auto t0 = Clock::now();
    REQUIRE(Import(front_, -1).exit_code == 0);
    window_[kImport] = Clock::now() - t0;
    records_[&front_] += kBatchRecords;
    t0 = Clock::now();
    REQUIRE(Ingest(back_, -1).exit_code == 0);
    window_[kIngest] = Clock::now() - t0;
    records_[&back_] += kScanItems;
    t0 = Clock::now();
    const RunResult filed = File(false);
    REQUIRE(filed.exit_code == 0);
    window_[kFiling] = Clock::now() - t0;
    const std::string auto_id = Learn(filed, false);
    REQUIRE(!auto_id.empty());
    t0 = Clock::now();
    REQUIRE(WaitUntil([&] { return FrontState(auto_id) == "REQUEST_STATE_DELIVERED"; }, std::chrono::seconds(60)));
    window_[kDelivery] = Clock::now() - t0;
    const RunResult review = File(true);
    const std::string review_id = Learn(review, true);
    REQUIRE(!review_id.empty());
    REQUIRE(WaitUntil([&] { return FrontState(review_id) == "REQUEST_STATE_IN_REVIEW"; }, std::chrono::seconds(60)));
    t0 = Clock::now();
    REQUIRE(Issue(review_id).exit_code == 0);
    window_[kIssuing] = Clock::now() - t0;
    expected_[review_id].issue_acked = true;
    t0 = Clock::now();
    REQUIRE(WaitUntil([&] { return BackState(review_id) == "REQUEST_STATE_DELIVERED"; }, std::chrono::seconds(60)));
    window_[kDeliveryBack] = Clock::now() - t0;
    std::printf("workload windows (ms):");
    for (int p = 0; p < kPhases; ++p) std::printf(" %s %.0f;", kPhaseNames[p], Ms(window_[p]));
    std::printf("\n");
    const std::vector<std::string> problems = Check();
    INFO(absl::StrJoin(problems, "\n"));
    REQUIRE(problems.empty());
  }

  // One trial: the workload of `phase`, `victim` killed `delay` into it, restarted; returns
  // whether the kill landed before the workload's acknowledgement, and adds any violation.
  struct Outcome {
    bool before_ack = false;
    std::vector<std::string> violations;
  };
  Outcome Trial(int trial, Phase phase, bool kill_front, std::mt19937_64& rng) {
    RunningNode& victim = kill_front ? front_ : back_;
    const auto window = std::chrono::duration_cast<std::chrono::milliseconds>(window_[phase] * 12 / 10);
    const auto delay = std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(1, window.count()))(rng));
    Outcome o;
    std::string issue_id;  // kIssuing / kDeliveryBack: the request the clerk issues
    if (phase == kIssuing || phase == kDeliveryBack) {
      const RunResult review = File(true);
      issue_id = Learn(review, true);
      if (issue_id.empty() ||
          !WaitUntil([&] { return FrontState(issue_id) == "REQUEST_STATE_IN_REVIEW"; }, std::chrono::seconds(60))) {
        o.violations.push_back(absl::StrCat("setup: a review request did not reach in review: ", review.err));
        return o;
      }
    }
    if (phase == kDeliveryBack) {
      const RunResult r = Issue(issue_id);
      if (r.exit_code != 0) {
        o.violations.push_back(absl::StrCat("setup: issuing ", issue_id, " failed: ", r.err));
        return o;
      }
      expected_[issue_id].issue_acked = true;
    }
    if (phase == kDelivery) {
      const RunResult r = File(false);
      if (Learn(r, false).empty()) {
        o.violations.push_back(absl::StrCat("setup: filing failed: ", r.err));
        return o;
      }
    }

    // The workload in the background (kDelivery and kDeliveryBack: the outboxes at work), the kill.
    const uint64_t records_before = Records(victim);
    std::future<RunResult> work;
    switch (phase) {
      case kImport: work = std::async(std::launch::async, [&] { return Import(victim, trial); }); break;
      case kIngest: work = std::async(std::launch::async, [&] { return Ingest(victim, trial); }); break;
      case kFiling: work = std::async(std::launch::async, [&] { return File(false); }); break;
      case kIssuing: work = std::async(std::launch::async, [&] { return Issue(issue_id); }); break;
      default: break;
    }
    std::this_thread::sleep_for(delay);
    const int killed = victim.Stop(SIGKILL);
    const bool had_work = work.valid();
    const RunResult done = had_work ? work.get() : RunResult{0, "", ""};
    o.before_ack = had_work && done.exit_code != 0;
    std::printf("trial %d: %s, kill -9 %s after %lld ms of %lld: %s\n", trial, kPhaseNames[phase],
                kill_front ? "front (410100)" : "back (410200)", static_cast<long long>(delay.count()),
                static_cast<long long>(window.count()),
                !had_work ? "outboxes at work" : o.before_ack ? "before the answer" : "after the answer");
    if (killed != 128 + SIGKILL) o.violations.push_back(absl::StrCat("the daemon ended with ", killed, ", not by SIGKILL"));
    victim.Start();

    // What the workload left, and completing it where it was cut off.
    switch (phase) {
      case kImport:
      case kIngest: {
        const uint64_t n = phase == kImport ? kBatchRecords : kScanItems;
        const uint64_t after = Records(victim);
        if (!o.before_ack) {
          records_[&victim] += n;
          if (phase == kIngest) CheckIngested(done, &o.violations);
        } else {
          // Cut off: an import is all or nothing; an ingest commits item by item.
          if (phase == kImport && after != records_before && after != records_before + n) {
            o.violations.push_back(absl::StrCat("import cut off left ", after - records_before, " of ", n, " records"));
          }
          if (after < records_before || after > records_before + n) {
            o.violations.push_back(absl::StrCat(kPhaseNames[phase], " cut off: ", after, " records, ", records_before,
                                                " before and ", n, " in the batch"));
          }
          const RunResult again = phase == kImport ? Import(victim, trial) : Ingest(victim, trial);
          if (again.exit_code != 0) {
            o.violations.push_back(absl::StrCat(kPhaseNames[phase], " run again after the restart failed: ", again.err));
          } else if (phase == kIngest) {
            CheckIngested(again, &o.violations);
          }
          records_[&victim] += n;
        }
        for (const std::string& code : Codes(phase, trial)) {
          if (victim.Cli({"get", code}).exit_code != 0) o.violations.push_back(absl::StrCat(code, " is missing"));
        }
        const std::string prefix = absl::StrCat(phase == kImport ? "F" : "S", trial, "-*");
        // A search counts up to its limit (at most 1,000) exactly, in each of the index's shards.
        auto found = victim.Cli({"search", prefix, "--field", "code", "--limit", "1000", "--json"});
        Struct s;
        if (found.exit_code != 0 || !ParseJson(found.out, &s) || Count(s, "total") != n) {
          o.violations.push_back(absl::StrCat("search ", prefix, " finds ", Count(s, "total"), " of ", n,
                                              " records: ", found.err));
        }
        break;
      }
      case kFiling:
        if (!o.before_ack) Learn(done, false);
        break;
      case kIssuing:
        if (!o.before_ack) expected_[issue_id].issue_acked = true;
        break;
      default:
        break;
    }
    std::vector<std::string> problems = Check(phase == kIssuing && o.before_ack ? issue_id : "");
    o.violations.insert(o.violations.end(), problems.begin(), problems.end());
    return o;
  }

 private:
  // Every invariant, after letting the outboxes drain (up to 90 s). `reissue_id`: a request
  // whose issuing was cut off; still in review once drained, it is issued again.
  std::vector<std::string> Check(const std::string& reissue_id = "") {
    std::vector<std::string> problems;
    std::map<std::string, Seen> front, back;
    // What is wrong with request `id` now ("" when it is where it must end).
    auto unsettled = [&](const std::string& id, const Expected& e) -> std::string {
      const auto f = front.find(id);
      const auto b = back.find(id);
      const std::string f_state = f == front.end() ? "nothing" : f->second.state;
      const std::string b_state = b == back.end() ? "nothing" : b->second.state;
      const bool must_deliver = e.issue_acked || !e.review;
      const bool fine = f_state == b_state && (f_state == "REQUEST_STATE_DELIVERED" ||
                                               (!must_deliver && f_state == "REQUEST_STATE_IN_REVIEW"));
      if (fine) return "";
      return absl::StrCat("request ", id, e.filing_acked ? " (filing acknowledged)" : " (filing cut off)",
                          e.issue_acked ? " (issue acknowledged)" : "", ": front holds ", f_state, ", back ", b_state);
    };
    auto settled = [&] {
      front = Requests(front_, "front");
      back = Requests(back_, "back");
      for (const auto& [id, f] : front) (void)expected_[id];  // filed, answer cut off: tracked too
      for (const auto& [id, e] : expected_) {
        if (!unsettled(id, e).empty()) return false;
      }
      return true;
    };
    if (!reissue_id.empty()) {
      WaitUntil(settled, std::chrono::seconds(90));
      if (BackState(reissue_id) == "REQUEST_STATE_IN_REVIEW") {
        const RunResult r = Issue(reissue_id);
        if (r.exit_code != 0) problems.push_back(absl::StrCat("issuing ", reissue_id, " again failed: ", r.err));
      }
      expected_[reissue_id].issue_acked = true;
    }
    if (!WaitUntil(settled, std::chrono::seconds(90))) {
      for (const auto& [id, e] : expected_) {
        if (std::string u = unsettled(id, e); !u.empty()) problems.push_back(u);
      }
    }
    for (const auto& [id, f] : front) {
      const auto b = back.find(id);
      if (b != back.end() && f.serial != b->second.serial) {
        problems.push_back(absl::StrCat("request ", id, ": certificate ", f.serial, " at the front, ", b->second.serial,
                                        " at the back"));
      }
      if (f.state == "REQUEST_STATE_DELIVERED" && f.serial.empty()) {
        problems.push_back(absl::StrCat("request ", id, " delivered without a certificate"));
      }
    }
    for (RunningNode* node : {&front_, &back_}) {
      const std::string who = node == &front_ ? "front: " : "back: ";
      const auto dead = node->Cli({"requests", "dead-letter", "--json"});
      Struct d;
      if (dead.exit_code != 0 || !ParseJson(dead.out, &d) || Items(d, "items").values_size() != 0) {
        problems.push_back(absl::StrCat(who, "dead letters: ", dead.out, dead.err));
      }
      // Store and index agree (the index catches up after each change: poll a moment).
      Struct stats;
      WaitUntil(
          [&] {
            const auto r = node->Cli({"stats", "--json"});
            return r.exit_code == 0 && ParseJson(r.out, &stats) && Num(stats, "index_seq") == Num(stats, "store_seq") &&
                   Num(stats, "indexed_documents") == Num(stats, "active");
          },
          std::chrono::seconds(10));
      if (Num(stats, "records") != records_[node] || Num(stats, "active") != records_[node]) {
        problems.push_back(absl::StrCat(who, Num(stats, "records"), " records, ", Num(stats, "active"),
                                        " active; acknowledged: ", records_[node]));
      }
      if (Num(stats, "index_seq") != Num(stats, "store_seq") || Num(stats, "indexed_documents") != Num(stats, "active")) {
        problems.push_back(absl::StrCat(who, "index at ", Num(stats, "index_seq"), " with ",
                                        Num(stats, "indexed_documents"), " documents, store at ",
                                        Num(stats, "store_seq"), " with ", Num(stats, "active"), " active"));
      }
    }
    for (RunningNode* node : {&front_, &back_, &prov_}) {
      const auto r = node->Cli({"audit", "verify", "--json"});
      Struct v;
      if (r.exit_code != 0 || !ParseJson(r.out, &v) || !v.fields().at("ok").bool_value()) {
        problems.push_back(absl::StrCat("audit verify at ", node->dir().string(), ": ", r.out, r.err));
      }
    }
    return problems;
  }

  // The requests `node` holds on `side`, by id.
  std::map<std::string, Seen> Requests(const RunningNode& node, const std::string& side) {
    std::map<std::string, Seen> out;
    const auto r = node.Cli({"requests", "list", "--side", side, "--json"});
    Struct s;
    if (r.exit_code != 0 || !ParseJson(r.out, &s)) return out;
    for (const auto& v : Items(s, "requests").values()) {
      const Struct& req = v.struct_value();
      out[Str(Sub(req, "request"), "request_id")] = {Str(req, "state"), Str(Sub(req, "certificate"), "serial")};
    }
    return out;
  }
  std::string FrontState(const std::string& id) { return Requests(front_, "front")[id].state; }
  std::string BackState(const std::string& id) { return Requests(back_, "back")[id].state; }

  uint64_t Records(const RunningNode& node) {
    const auto r = node.Cli({"stats", "--json"});
    Struct s;
    return r.exit_code == 0 && ParseJson(r.out, &s) ? static_cast<uint64_t>(Num(s, "records")) : 0;
  }

  // The codes of trial `trial`'s batch (-1: calibration): fonds F<trial> for imports, S<trial>
  // for scanned items.
  std::vector<kuaguan::v1::Record> Batch(int trial) {
    CatalogGenOptions opts;
    opts.count = kBatchRecords;
    opts.seed = static_cast<uint64_t>(trial + 1000);
    auto records = GenerateRecords(opts);
    const std::string fonds = absl::StrCat("F", trial < 0 ? 0 : trial);
    for (auto& r : records) {
      r.set_code(fonds + r.code().substr(r.code().find('-')));
      r.set_fonds_number(fonds);
    }
    return records;
  }
  std::vector<std::string> Codes(Phase phase, int trial) {
    std::vector<std::string> codes;
    if (phase == kIngest) {
      for (int i = 0; i < kScanItems; ++i) codes.push_back(absl::StrFormat("S%d-WS·2020-Y-%04d", trial, i + 1));
      return codes;
    }
    const auto records = Batch(trial);
    return {records.front().code(), records[records.size() / 2].code(), records.back().code()};
  }

  RunResult Import(const RunningNode& node, int trial) {
    const fs::path file = node.dir() / absl::StrCat("batch-", trial < 0 ? 0 : trial, ".csv");
    if (!fs::exists(file)) {
      WriteFile(file, CatalogCsv(Batch(trial)));
      fs::permissions(file, fs::perms::others_read, fs::perm_options::add);
    }
    return node.Cli({"import", file.string(), "--json"});
  }

  RunResult Ingest(const RunningNode& node, int trial) {
    const int n = trial < 0 ? 0 : trial;
    const fs::path manifest = pages_ / absl::StrCat("manifest-", n, ".csv");
    if (!fs::exists(manifest)) {
      std::string csv = "档号,题名,年度,pages\n";
      for (int i = 0; i < kScanItems; ++i) {
        absl::StrAppend(&csv, absl::StrFormat("S%d-WS·2020-Y-%04d", n, i + 1), ",库房改造报告,2020,p", i, ".png\n");
      }
      WriteFile(manifest, csv);
      fs::permissions(manifest, fs::perms::others_read, fs::perm_options::add);
    }
    return node.Cli({"ingest", "scans", manifest.string(), "--json"});
  }

  // An ingest that answered OK took every item (created now, or unchanged from a cut-off run).
  static void CheckIngested(const RunResult& r, std::vector<std::string>* violations) {
    Struct summary;
    if (!ParseJson(LastLine(r.out), &summary) || Num(summary, "created") + Num(summary, "unchanged") != kScanItems ||
        Num(summary, "failed") != 0) {
      violations->push_back(absl::StrCat("ingest answered OK without every item: ", LastLine(r.out)));
    }
  }

  RunResult File(bool review) {
    const std::string id_file = (front_.dir() / (review ? "review.id" : "auto.id")).string();
    return Run({BinDir() + "/kuaguan-desk", "--profile", profile_, "--json", "request", "--name",
                review ? "李四" : "王建国", "--id-number-file", id_file, "--target", "410200", "--category", "婚姻登记",
                "--purpose", review ? "子女入学" : "办理养老保险待遇"});
  }
  // The id a filing returned ("" when it failed), remembered as acknowledged.
  std::string Learn(const RunResult& filed, bool review) {
    Struct s;
    if (filed.exit_code != 0 || !ParseJson(filed.out, &s)) return "";
    const std::string id = Str(s, "request_id");
    if (id.empty()) return "";
    expected_[id].review = review;
    expected_[id].filing_acked = true;
    return id;
  }

  RunResult Issue(const std::string& id) {
    return back_.Cli({"requests", "issue", id, "--record", kReviewRecord, "--json"});
  }

  RunningNode prov_, front_, back_;
  std::string profile_;
  fs::path pages_;
  Clock::duration window_[kPhases] = {};
  std::map<const RunningNode*, uint64_t> records_;  // records each archive must hold
  std::map<std::string, Expected> expected_;        // every request seen, by id
};

}  // namespace

TEST_CASE("kill -9 at random moments of import, ingest and the request flow loses nothing") {
  const uint64_t seed = g_seed != 0 ? g_seed : std::random_device{}();
  std::printf("kill -9 trials: %d, seed %llu (repeat with --seed %llu)\n", g_trials,
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const auto start = Clock::now();
  World world;
  world.Calibrate();
  int kills[kPhases][2] = {};
  int before_ack = 0, recoveries = 0;
  std::vector<std::string> violations;
  for (int trial = 1; trial <= g_trials; ++trial) {
    const Phase phase = static_cast<Phase>(std::uniform_int_distribution<int>(0, kPhases - 1)(rng));
    const bool kill_front = std::uniform_int_distribution<int>(0, 1)(rng) == 0;
    const auto outcome = world.Trial(trial, phase, kill_front, rng);
    ++kills[phase][kill_front ? 0 : 1];
    before_ack += outcome.before_ack;
    if (outcome.violations.empty()) ++recoveries;
    for (const std::string& v : outcome.violations) {
      violations.push_back(absl::StrCat("trial ", trial, " (", kPhaseNames[phase], ", ",
                                        kill_front ? "front" : "back", "): ", v));
      std::printf("  VIOLATION %s\n", violations.back().c_str());
    }
    std::fflush(stdout);
  }
  std::printf("\nkill -9 tally (seed %llu, %.0f s):\n", static_cast<unsigned long long>(seed),
              std::chrono::duration<double>(Clock::now() - start).count());
  std::printf("  %-14s %6s %6s %6s\n", "phase", "front", "back", "kills");
  for (int p = 0; p < kPhases; ++p) {
    std::printf("  %-14s %6d %6d %6d\n", kPhaseNames[p], kills[p][0], kills[p][1], kills[p][0] + kills[p][1]);
  }
  std::printf("  trials %d, kills before the CLI's answer %d, recoveries %d, violations %zu\n", g_trials, before_ack,
              recoveries, violations.size());
  std::fflush(stdout);
  INFO(absl::StrJoin(violations, "\n"));
  CHECK(violations.empty());
  CHECK(recoveries == g_trials);
}

int main(int argc, char** argv) {
  Catch::Session session;
  using Catch::clara::Opt;
  session.cli(session.cli() | Opt(g_trials, "n")["--trials"]("how many kill -9 trials (default 10)") |
              Opt(g_seed, "seed")["--seed"]("the random seed (default: drawn, printed)"));
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  return session.run();
}
