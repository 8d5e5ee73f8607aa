// The operator CLI against a running kuaguand: the surface scripts rely on.
#include <catch2/catch.hpp>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "ingest/text_encoding.h"
#include "tests/integration/node_fixture.h"
#include "tests/testing/catalog_gen.h"

using namespace kuaguan::testing;

namespace {

const char kCatalog[] =
    "档号,题名,责任者,日期,年度,保管期限,密级,共享类别,民生类别,人名,归档日期\n"
    "Z109-WS·1998-Y-MZJ-0001,关于一九九八年婚姻登记工作的报告,郑州市民政局,1998年3月2日,1998,永久,公开,无条件共享,婚姻登记,王建国；李秀英,1998-12-30\n"
    "Z109-WS·1998-Y-MZJ-0002,郑州市档案馆馆藏民生档案目录,郑州市档案局,1998-06-01,1998,永久,公开,无条件共享,,,\n"
    "Z112-WS·2003-D30-JYJ-0001,\"档案整理与馆藏建设, 第二批\",郑州市教育局,20030915,2003,定期30年,限制,有条件共享,,,\n";

std::string Line1(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

TEST_CASE("a node answers every CLI command with the documented JSON") {
  RunningNode node;
  node.Start();
  auto status = node.CliJson({"status"});
  CHECK(Str(status, "archive_id") == "410100");
  CHECK(Str(status, "name") == "郑州市档案馆");
  CHECK(Str(status, "role") == "archive");
  CHECK(Str(status, "listen").rfind("127.0.0.1:", 0) == 0);
  CHECK(Str(status, "listen") != "127.0.0.1:0");

  WriteFile(node.dir() / "c.csv", kCatalog);
  auto imported = node.CliJson({"import", (node.dir() / "c.csv").string()});
  CHECK(Num(imported, "created") == 3);
  CHECK(imported.fields().at("committed").bool_value());
  CHECK(Num(node.CliJson({"stats"}), "records") == 3);

  auto hits = node.CliJson({"search", "档案馆"});
  REQUIRE(hits.fields().at("hits").list_value().values_size() == 1);
  const auto& hit = hits.fields().at("hits").list_value().values(0).struct_value();
  CHECK(Str(hit, "code") == "Z109-WS·1998-Y-MZJ-0002");
  CHECK(Str(hit, "title") == "郑州市档案馆馆藏民生档案目录");
  CHECK(Str(hit, "snippet").find("【档案馆】") != std::string::npos);
  CHECK(Num(hit, "score") > 0);

  auto ranged = node.CliJson({"search", "档案", "--from", "2003-01-01", "--to", "2003年12月31日"});
  CHECK(ranged.fields().at("hits").list_value().values_size() == 1);
  auto by_field = node.CliJson({"search", "民政局", "--field", "responsible"});
  CHECK(by_field.fields().at("hits").list_value().values_size() == 1);

  auto got = node.CliJson({"get", "Z109-WS·1998-Y-MZJ-0001"});
  CHECK(Str(got, "state") == "active");
  CHECK(Str(got.fields().at("record").struct_value(), "persons") == "王建国；李秀英");
  CHECK(Str(got, "sm3").size() == 64);
  CHECK(Str(got.fields().at("record").struct_value().fields().at("extra").struct_value(),
            "归档日期") == "1998-12-30");

  auto modified = node.CliJson({"modify", "Z109-WS·1998-Y-MZJ-0001", "--set",
                                "题名=关于一九九八年婚姻登记工作的报告（修订）", "--reason", "更正"});
  CHECK(Num(modified, "version") == 2);
  auto withdrawn = node.CliJson({"withdraw", "Z109-WS·1998-Y-MZJ-0001", "--reason", "重复著录"});
  CHECK(Str(withdrawn, "state") == "withdrawn");
  auto history = node.CliJson({"get", "Z109-WS·1998-Y-MZJ-0001", "--history"});
  REQUIRE(history.fields().at("history").list_value().values_size() == 3);
  CHECK(node.CliJson({"search", "婚姻登记"}).fields().at("hits").list_value().values_size() == 0);

  auto audit = node.CliJson({"audit", "verify"});
  CHECK(audit.fields().at("ok").bool_value());
  CHECK(Num(audit, "entries") > 5);

  auto rebuilt = node.CliJson({"reindex"});
  CHECK(Num(rebuilt, "records") == 2);
  CHECK(node.CliJson({"search", "档案馆"}).fields().at("hits").list_value().values_size() == 1);

  CHECK(node.Stop(SIGTERM) == 0);
}

TEST_CASE("export round-trips through import into another node") {
  RunningNode a;
  a.Start();
  CatalogGenOptions opts;
  opts.count = 500;
  opts.full_text = true;
  const auto records = GenerateRecords(opts);
  WriteFile(a.dir() / "gen.csv", CatalogCsv(records));
  CHECK(Num(a.CliJson({"import", (a.dir() / "gen.csv").string()}), "created") == 500);
  for (const std::string ext : {"csv", "jsonl"}) {
    const auto out = (a.dir() / ("export." + ext)).string();
    CHECK(Num(a.CliJson({"export", out}), "records") == 500);
    RunningNode b("410102", "金水区档案馆");
    b.Start();
    CHECK(Num(b.CliJson({"import", out}), "created") == 500);
    // Re-importing an unchanged export creates no new version.
    CHECK(Num(a.CliJson({"import", out}), "unchanged") == 500);
    const auto ga = a.CliJson({"get", records[0].code()});
    const auto gb = b.CliJson({"get", records[0].code()});
    CHECK(Str(ga, "sm3") == Str(gb, "sm3"));
  }
}

TEST_CASE("GB18030 and BOM files import - bad input gets one clear line and changes nothing") {
  RunningNode node;
  node.Start();
  auto gb = kuaguan::ingest::Utf8ToGb18030(kCatalog);
  REQUIRE(gb.ok());
  WriteFile(node.dir() / "gb.csv", *gb);
  auto r = node.CliJson({"import", (node.dir() / "gb.csv").string()});
  CHECK(Str(r, "encoding") == "gb18030");
  CHECK(Num(r, "created") == 3);
  CHECK(Str(node.CliJson({"get", "Z112-WS·2003-D30-JYJ-0001"}).fields().at("record").struct_value(),
            "title") == "档案整理与馆藏建设, 第二批");
  const double seq = Num(node.CliJson({"stats"}), "store_seq");

  struct Bad {
    std::string name, content, expect;
  };
  const std::vector<Bad> bad = {
      {"quotes.csv", "档号,题名\n\"Z1-0001,未闭合\n", "unbalanced quote"},
      {"cols.csv", "档号,题名,年度\nZ1-WS·2001-Y-0001,题名,2001,多余\n", "columns"},
      {"year.csv", "档号,题名,年度\nZ1-WS·2001-Y-0001,题名,二〇〇一\n", "year"},
      {"secrecy.csv", "档号,题名,年度,密级\nZ1-WS·2001-Y-0001,题名,2001,顶级\n", "secrecy"},
      {"ctrl.csv", "档号,题名,年度\nZ1-WS·2001-Y-0001,题\x01名,2001\n", "control character"},
      {"big.csv", "档号,题名,年度\nZ1-WS·2001-Y-0001," + std::string(10 << 20, 'x') + ",2001\n",
       "too long"},
      {"mixed.csv", std::string(kCatalog) + *kuaguan::ingest::Utf8ToGb18030("Z1-0009,混合编码,2001\n"),
       "mixed encodings"},
      {"dup.csv", std::string(kCatalog).substr(0, std::string(kCatalog).find('\n') + 1) +
                      "Z9-WS·2001-Y-0001,甲,,2001-01-01,2001,永久,公开,,,,\n"
                      "Z9-WS·2001-Y-0001,乙,,2001-01-01,2001,永久,公开,,,,\n",
       "duplicate of line 2"},
  };
  for (const auto& b : bad) {
    WriteFile(node.dir() / b.name, b.content);
    auto res = node.Cli({"import", (node.dir() / b.name).string()});
    INFO(b.name << " stderr: " << res.err << " stdout: " << res.out.substr(0, 500));
    CHECK(res.exit_code != 0);
    CHECK(std::count(res.err.begin(), res.err.end(), '\n') == 1);
    CHECK((res.err + res.out).find(b.expect) != std::string::npos);
  }
  auto missing = node.Cli({"import", (node.dir() / "nope.csv").string()});
  CHECK(missing.exit_code != 0);
  CHECK(Line1(missing.err).find("no such file") != std::string::npos);
  CHECK(Num(node.CliJson({"stats"}), "store_seq") == seq);
  CHECK(Num(node.CliJson({"stats"}), "records") == 3);

  // --skip-bad imports the good rows and writes the rejects with reasons.
  const std::string mixed_rows = std::string(kCatalog).substr(0, std::string(kCatalog).find('\n') + 1) +
                                 "Z9-WS·2001-Y-0002,好,,2001-01-01,2001,永久,公开,,,,\n"
                                 "Z9-WS·2001-Y-0003,坏,,2001-02-30,2001,永久,公开,,,,\n";
  WriteFile(node.dir() / "some.csv", mixed_rows);
  const auto rejects = (node.dir() / "rejects.csv").string();
  auto skipped = node.CliJson({"import", (node.dir() / "some.csv").string(), "--skip-bad", rejects});
  CHECK(Num(skipped, "created") == 1);
  CHECK(Num(skipped, "rejected") == 1);
  auto reread = node.Cli({"import", rejects});
  CHECK(reread.exit_code != 0);
  CHECK(reread.out.find("line 2") != std::string::npos);

  // The daemon is still serving; other failures are one line too.
  CHECK(node.Cli({"get", "Z0-0000"}).exit_code != 0);
  CHECK(node.Cli({"search", "x", "--field", "nosuch"}).err.find("unknown search field") !=
        std::string::npos);
  CHECK(node.Cli({"frobnicate"}).exit_code == 2);
  CHECK(node.CliJson({"audit", "verify"}).fields().at("ok").bool_value());
}

TEST_CASE("no daemon - a second daemon - and clean shutdown are each clear") {
  RunningNode node;
  auto none = node.Cli({"status"});
  CHECK(none.exit_code != 0);
  CHECK(none.err.find("kuaguand is not running") != std::string::npos);
  node.Start();
  auto second = Run({BinDir() + "/kuaguand", "--config", node.config()});
  CHECK(second.exit_code != 0);
  CHECK(second.err.find("in use by another kuaguand") != std::string::npos);
  CHECK(node.Cli({"status"}).exit_code == 0);
  CHECK(node.Stop(SIGTERM) == 0);
  auto gone = node.Cli({"status"});
  CHECK(gone.exit_code != 0);
  CHECK(std::count(gone.err.begin(), gone.err.end(), '\n') == 1);
}

TEST_CASE("global options go before or after the command word - --help anywhere") {
  using Words = std::vector<std::string>;
  RunningNode node;
  node.Start();
  const std::string kuaguan = BinDir() + "/kuaguan", shared = SharedBinDir() + "/kuaguan";
  for (const auto& [user, argv] :
       {std::pair{"", Words{kuaguan, "--config", node.config(), "--json", "status"}},
        std::pair{"", Words{kuaguan, "--config=" + node.config(), "status", "--json"}},
        std::pair{"kgtest-aud", Words{shared, "--json", "audit", "verify", "--config", node.config()}},
        std::pair{"kgtest-op", Words{shared, "stats", "--json", "requests", "--config", node.config()}},
        std::pair{"kgtest-op", Words{shared, "--json", "stats", "requests", "--config", node.config()}}}) {
    const RunResult r = RunAs(user, argv);
    INFO(argv[1] << " " << argv[2] << "\nstderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("{", 0) == 0);
  }
  CHECK(Run({kuaguan, "--config", node.config(), "status"}).out.find("410100") !=
        std::string::npos);

  auto unknown = Run({kuaguan, "--bogus", "status"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("--bogus") != std::string::npos);
  CHECK(Run({kuaguan, "--config"}).exit_code == 2);

  for (const Words& argv : {Words{kuaguan, "--help"}, Words{kuaguan, "help"},
                            Words{kuaguan, "--config", node.config(), "status", "--help"},
                            Words{kuaguan, "requests", "list", "-h"},
                            Words{BinDir() + "/kuaguan-desk", "--help"},
                            Words{BinDir() + "/kuaguan-desk", "list", "-h"}}) {
    const RunResult r = Run(argv);
    INFO(argv[1]);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("before or after the command") != std::string::npos);
  }
  CHECK(node.Stop(SIGTERM) == 0);
}

TEST_CASE("ca token refuses to make a token without the archive's name") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  prov.Start();
  auto nameless = prov.Cli({"ca", "token", "--archive", "410100"});
  CHECK(nameless.exit_code == 2);
  CHECK(nameless.err.find("--name") != std::string::npos);
  CHECK(nameless.err.find("档案馆名称") != std::string::npos);
  CHECK(Str(prov.CliJson({"ca", "token", "--archive", "410100", "--name", "郑州市档案馆"}),
            "archive") == "410100");
  CHECK(prov.Stop(SIGTERM) == 0);
}
