// SIGKILL of the daemon at random moments during an import: after a restart the store holds
// all of the file or none of it, the index matches the store, and the audit chain is intact.
#include <catch2/catch.hpp>
#include <signal.h>

#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/integration/node_fixture.h"
#include "tests/testing/catalog_gen.h"

using namespace kuaguan::testing;

TEST_CASE("SIGKILL during import leaves all or nothing and the index catches up") {
  std::mt19937 rng(std::random_device{}());
  CatalogGenOptions opts;
  opts.count = 20000;
  opts.seed = 7;
  const std::string csv = CatalogCsv(GenerateRecords(opts));
  int saw_none = 0, saw_all = 0;
  // Kill moments spread over the import: while parsing (three fixed moments under a second),
  // then twice as soon as the store has committed, while the index catches up.
  const int kDelays[] = {100, 400, 800};
  for (int round = 0; round < 5; ++round) {
    RunningNode node;
    node.Start();
    WriteFile(node.dir() / "big.csv", csv);
    Process import({SharedBinDir() + "/kuaguan", "import", (node.dir() / "big.csv").string(), "--config",
                    node.config()},
                   (node.dir() / "import.log").string(), "kgtest-op");
    std::string moment;
    if (round < 3) {
      const int delay_ms = kDelays[round] + std::uniform_int_distribution<int>(0, 200)(rng);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      moment = absl::StrCat("after ", delay_ms, " ms");
    } else {
      CHECK(WaitUntil([&] { return Num(node.CliJson({"stats"}), "records") > 0; }, std::chrono::seconds(60)));
      moment = "once committed";
    }
    CHECK(node.Stop(SIGKILL) == 128 + SIGKILL);
    import.Wait(std::chrono::seconds(30));

    node.Start();
    const auto stats = node.CliJson({"stats"});
    const double records = Num(stats, "records");
    INFO("round " << round << " killed " << moment << ": " << records << " records");
    CHECK((records == 0 || records == 20000));
    saw_none += records == 0;
    saw_all += records == 20000;
    CHECK(Num(stats, "index_seq") == Num(stats, "store_seq"));
    CHECK(Num(stats, "indexed_documents") == Num(stats, "active"));
    CHECK(node.CliJson({"audit", "verify"}).fields().at("ok").bool_value());
    // The node still works: the same import finishes (or finds everything unchanged).
    auto again = node.CliJson({"import", (node.dir() / "big.csv").string()});
    CHECK(Num(again, "created") + Num(again, "unchanged") == 20000);
    CHECK(Num(node.CliJson({"stats"}), "indexed_documents") == 20000);
  }
  WARN("crash rounds: " << saw_none << " saw nothing committed, " << saw_all << " saw all");
}
