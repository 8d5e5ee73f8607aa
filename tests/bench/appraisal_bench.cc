// appraisal_bench: open appraisal (node/appraisal.h) on a real store, in process: N records whose
// open period has come are imported, taken into one plan from the queue, decided (初审: 99% 开放,
// 1% 控制 with a reason) by one person, passed at 复审 and 终审 by two others, the report rendered
// and approved, and the announcement issued (its PDF signed with a node key), which writes a new
// version of every record. Prints the time of each step (--keep DIR keeps the two PDFs).
#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/x509self.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "index/record_index.h"
#include "node/appraisal.h"
#include "node/holdings.h"
#include "seal/key_file.h"
#include "seal/node_signature.h"
#include "tests/bench/bench_flags.h"
#include "tests/testing/temp_dir.h"

namespace node = kuaguan::node;
namespace v1 = kuaguan::v1;

namespace {

node::Caller Person(const std::string& name, const std::string& role) {
  node::Caller c;
  c.actor = {name, role, "unix:" + name};
  c.roles = {role};
  return c;
}

template <typename T>
T Must(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "appraisal_bench: %s: %s\n", what, std::string(v.status().message()).c_str());
    std::exit(1);
  }
  return *std::move(v);
}

}  // namespace

int main(int argc, char** argv) {
  int items = 10000;
  std::string keep;
  const kuaguan::bench::BenchUsage usage{
      "appraisal_bench",
      "Time to take N records through open appraisal in one plan: plan from the queue, decide (初审), 复审, 终审,\n"
      "report, approval and the signed announcement writing N new record versions (real RocksDB store, in process).",
      "appraisal_bench --items 10000"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--items", "N", "records in the plan", &items),
           {"--keep", "DIR", "write the report and the announcement (PDF) into DIR (default: not kept)",
            [&keep](const std::string& v) {
              keep = v;
              return absl::OkStatus();
            }}})) {
    return *exit_code;
  }
  kuaguan::testing::TempDir dir;
  auto store = Must(node::Store::Open(dir.path() / "store"), "store");
  auto index = Must(kuaguan::index::RecordIndex::Open(dir.path() / "index"), "index");
  node::Holdings holdings(store.get(), index.get());
  std::string csv = "档号,题名,责任者,日期,保管期限,密级,共享类别,控制标识\n";
  for (int i = 1; i <= items; ++i) {
    absl::StrAppend(&csv, absl::StrFormat("Z109-WS·1990-Y-%06d", i), ",关于档案工作的通知第", i,
                    "号,郑州市档案局,1990-03-04,永久,公开,无条件共享,控制\n");
  }
  v1::ImportRequest import;
  import.set_file_name("catalog.csv");
  import.set_content(csv);
  Must(holdings.Import(import, "bench"), "import");

  Botan::AutoSeeded_RNG rng;
  auto key = kuaguan::seal::NewKey(kuaguan::seal::KeyKind::kEcdsaP256, rng);
  const std::string cert = Botan::X509::create_self_signed_cert(Botan::X509_Cert_Options("410100"), *key, "SHA-256", rng).PEM_encode();
  const std::string key_pem = kuaguan::seal::PlainKeyPem(*key);
  node::Appraisal appraisal(
      store.get(), kuaguan::base::RealClock(), {"410100", "郑州市档案馆", 25},
      [&](const std::string& data) -> absl::StatusOr<node::NodeSignature> {
        auto sig = kuaguan::seal::SignWithNodeKey(key_pem, data);
        if (!sig.ok()) return sig.status();
        return node::NodeSignature{*sig, cert};
      },
      [&] { (void)holdings.CatchUpIndex(); });
  const node::Caller a = Person("钱鉴定", "appraiser"), b = Person("孙复审", "reviewer"), c = Person("李审批", "approver");

  std::vector<std::pair<std::string, double>> times;
  auto timed = [&](const std::string& what, auto fn) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.emplace_back(what, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
  std::string plan;
  timed("queue", [&] { Must(appraisal.Queue(50, "bench"), "queue"); });
  timed("plan create (from the queue)", [&] {
    v1::PlanSpec spec;
    spec.mutable_scope()->add_fonds("Z109");
    spec.add_appraisers(a.actor.person);
    spec.set_from_queue(true);
    plan = Must(appraisal.CreatePlan(spec, c), "plan").id();
  });
  timed("decide: first review, one call", [&] {
    v1::DecideCommand cmd;
    cmd.set_plan(plan);
    for (int i = 1; i <= items; ++i) {
      v1::ItemDecision* d = cmd.add_items();
      d->set_code(absl::StrFormat("Z109-WS·1990-Y-%06d", i));
      d->set_outcome(i % 100 == 0 ? v1::APPRAISAL_OUTCOME_CONTROLLED : v1::APPRAISAL_OUTCOME_OPEN);
      if (i % 100 == 0) d->set_reason("涉及个人隐私");
    }
    Must(appraisal.Decide(cmd, a), "decide");
  });
  v1::ReviewCommand all;
  all.set_plan(plan);
  all.set_all(true);
  timed("second review (--all)", [&] { Must(appraisal.Review(v1::APPRAISAL_STEP_SECOND, all, b), "second"); });
  timed("final review (--all)", [&] { Must(appraisal.Review(v1::APPRAISAL_STEP_FINAL, all, c), "final"); });
  std::string report;
  timed("report PDF", [&] { report = Must(appraisal.Report(plan, "bench"), "report").pdf(); });
  timed("approve report", [&] { Must(appraisal.ApproveReport(plan, c), "approve"); });
  v1::Announcement announced;
  timed("announce (PDF, signature, record versions, reindex)", [&] { announced = Must(appraisal.Announce(plan, c), "announce"); });

  double total = 0;
  std::printf("appraisal_bench: %d items in one plan\n", items);
  for (const auto& [what, s] : times) {
    std::printf("  %-52s %8.2f s\n", what.c_str(), s);
    total += s;
  }
  std::printf("  %-52s %8.2f s (%.0f items/s)\n", "total", total, items / total);
  std::printf("  report %zu bytes; announcement %zu bytes, %u opened, %u versions\n", report.size(),
              announced.pdf().size(), announced.opened(), announced.versions());
  if (!keep.empty()) {
    for (const auto& [name, bytes] : {std::pair{"appraisal-report.pdf", &report}, std::pair{"announcement.pdf", announced.mutable_pdf()}}) {
      std::ofstream(std::filesystem::path(keep) / name, std::ios::binary) << *bytes;
    }
    std::printf("  kept in %s: appraisal-report.pdf, announcement.pdf\n", keep.c_str());
  }
  return 0;
}
