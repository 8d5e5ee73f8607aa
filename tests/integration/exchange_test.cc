// Direct exchange (直接交换) end to end on loopback, as processes: a provincial node, 郑州 (410100,
// which asks) and 开封 (410200, which holds catalogs of every class and a scanned item). A package
// by query and one by codes hold only the records an unrelated archive may receive
// unconditionally (无条件共享, open, public) — not the conditional, not-shared, controlled,
// restricted or secret ones — masked, full text only where it is shared too, pages masked. The
// file is imported read-only with its origin, found by the reading room's search, and cannot be
// modified, withdrawn, given on as shared, or imported twice; a changed byte, a package made for
// another archive and a file that is no package are refused. Audited at both ends.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/integration/node_fixture.h"
#include "tests/testing/page_render.h"

using namespace kuaguan::testing;
namespace fs = std::filesystem;

namespace {

std::string Token(RunningNode& provincial, const std::string& archive, const std::string& name) {
  return Str(provincial.CliJson({"ca", "token", "--archive", archive, "--name", name}), "token");
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Codes(const google::protobuf::Struct& s) {
  std::vector<std::string> out;
  for (const auto& v : s.fields().at("codes").list_value().values()) out.push_back(v.string_value());
  std::sort(out.begin(), out.end());
  return out;
}

const google::protobuf::Struct& Record(const google::protobuf::Struct& got) {
  return got.fields().at("record").struct_value();
}

}  // namespace

TEST_CASE("direct exchange: a package of unconditionally shared records, imported read-only with its origin") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  RunningNode zz("410100", "郑州市档案馆");
  RunningNode kf("410200", "开封市档案馆");
  prov.Start();
  zz.Start();
  kf.Start();
  const std::string enroll = Str(prov.CliJson({"status"}), "enroll_listen");
  REQUIRE(zz.Cli({"enroll", "--provincial", enroll, "--token", Token(prov, "410100", "郑州市档案馆")}).exit_code == 0);
  REQUIRE(kf.Cli({"enroll", "--provincial", enroll, "--token", Token(prov, "410200", "开封市档案馆")}).exit_code == 0);
  REQUIRE(zz.Cli({"directory", "refresh"}).exit_code == 0);

  // 开封's holdings: one record of each kind, all about marriages in 1985 (past the open period).
  WriteFile(kf.dir() / "hy.csv",
            "档号,题名,年度,日期,责任者,共享类别,全文共享类别,密级,控制标识,全文\n"
            "K2-HY·1985-Y-0001,王建国与李秀英结婚登记,1985,19850312,开封市民政局,无条件共享,无条件共享,公开,开放,"
            "男方王建国联系电话13812345678于1985年登记结婚\n"
            "K2-HY·1985-Y-0002,张三与王芳结婚登记,1985,19850401,开封市民政局,无条件共享,暂不共享,公开,开放,"
            "张三王芳结婚登记全文\n"
            "K2-HY·1985-Y-0003,李四与张梅结婚登记,1985,19850520,开封市民政局,有条件共享,,公开,开放,\n"
            "K2-HY·1985-Y-0004,赵六与刘丽结婚登记,1985,19850601,开封市民政局,暂不共享,,公开,开放,\n"
            "K2-HY·1985-Y-0005,钱七与周敏结婚登记,1985,19850701,开封市民政局,无条件共享,,公开,控制,\n"
            "K2-HY·1985-Y-0006,孙八与吴娟结婚登记,1985,19850801,开封市民政局,无条件共享,,限制,开放,\n"
            "K2-HY·1985-Y-0007,郑九与冯霞结婚登记,1985,19850901,开封市民政局,无条件共享,,秘密,开放,\n");
  {
    auto r = kf.Cli({"import", (kf.dir() / "hy.csv").string()});
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
  }
  // A scanned item, shared in full, with a telephone number on its page.
  const auto scans = kf.dir() / "scans";
  fs::create_directories(scans);
  PageSpec spec;
  spec.half_page = true;
  spec.title = "结婚登记审查处理表";
  spec.paragraphs = {"男方陈建华，女方林小红，双方自愿结婚。", "联系电话13912345678。"};
  REQUIRE(RenderPagePng(spec, (scans / "p1.png").string()).ok());
  WriteFile(scans / "manifest.csv",
            "档号,题名,年度,日期,共享类别,全文共享类别,密级,控制标识,pages\n"
            "K2-HY·1985-Y-0008,陈建华与林小红结婚登记审查处理表,1985,19851001,无条件共享,无条件共享,公开,开放,p1.png\n");
  auto ingest = kf.Cli({"ingest", "scans", (scans / "manifest.csv").string(), "--json"});
  INFO(ingest.err << ingest.out);
  REQUIRE(ingest.exit_code == 0);
  const std::string last = ingest.out.substr(ingest.out.rfind('\n', ingest.out.size() - 2) + 1);
  const std::string batch = last.substr(last.find("\"batch\":\"") + 9, last.find('"', last.find("\"batch\":\"") + 9) - last.find("\"batch\":\"") - 9);
  if (kf.Cli({"ingest", "accept", batch}).exit_code != 0) {
    REQUIRE(kf.Cli({"ingest", "accept", batch, "--override", "测试批次"}).exit_code == 0);
  }

  // By query: what an unrelated archive may receive unconditionally, nothing else.
  const fs::path pkg = zz.dir() / "kf.kgx";
  INFO("郑州's daemon: " << zz.daemon_log() << "\n开封's daemon: " << kf.daemon_log());
  auto got = zz.CliJson({"exchange", "request", "--from", "410200", "--query", "结婚登记", "--out", pkg.string()});
  CHECK(Str(got, "from_archive") == "410200");
  CHECK(Str(got, "to_archive") == "410100");
  CHECK(Num(got, "records") == 3);
  CHECK(Num(got, "pages") == 1);
  CHECK(Num(got, "not_given") == 1);  // the controlled one the query found among the unconditional
  CHECK_FALSE(got.fields().at("truncated").bool_value());
  REQUIRE(fs::exists(pkg));
  const std::string bytes = ReadAll(pkg);
  CHECK(bytes.rfind("KGXP1\n", 0) == 0);
  CHECK(bytes.find("13812345678") == std::string::npos);  // masked as get --shared masks it
  CHECK(bytes.find("13912345678") == std::string::npos);
  for (const char* absent : {"李四与张梅", "赵六与刘丽", "钱七与周敏", "孙八与吴娟", "郑九与冯霞"}) {
    INFO(absent);
    CHECK(bytes.find(absent) == std::string::npos);
  }
  CHECK(bytes.find("张三王芳结婚登记全文") == std::string::npos);  // its full text is not shared
  // The same file again: --out is never overwritten.
  CHECK(zz.Cli({"exchange", "request", "--from", "410200", "--query", "结婚登记", "--out", pkg.string()}).exit_code != 0);

  // By codes: a refused and an absent code are counted alike, never named.
  const fs::path by_codes = zz.dir() / "codes.kgx";
  auto some = zz.CliJson({"exchange", "request", "--from", "410200", "--record", "K2-HY·1985-Y-0001", "--record",
                          "K2-HY·1985-Y-0003", "--record", "K2-HY·1985-Y-9999", "--out", by_codes.string()});
  CHECK(Num(some, "records") == 1);
  CHECK(Num(some, "not_given") == 2);
  // Bad requests, named.
  auto neither = zz.Cli({"exchange", "request", "--from", "410200", "--out", (zz.dir() / "x.kgx").string()});
  CHECK(neither.exit_code != 0);
  CHECK(neither.err.find("--query") != std::string::npos);
  auto self = zz.Cli({"exchange", "request", "--from", "410100", "--query", "结婚", "--out", (zz.dir() / "y.kgx").string()});
  CHECK(self.err.find("this archive itself") != std::string::npos);

  // Tampered files are refused, nothing imported.
  {
    std::string bad = bytes;
    bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x01);
    WriteFile(zz.dir() / "bad.kgx", bad);
    auto r = zz.Cli({"exchange", "import", (zz.dir() / "bad.kgx").string()});
    CHECK(r.exit_code != 0);
    INFO(r.err);
    CHECK((r.err.find("SM3") != std::string::npos || r.err.find("signature") != std::string::npos ||
           r.err.find("unreadable") != std::string::npos || r.err.find("package") != std::string::npos));
    WriteFile(zz.dir() / "short.kgx", bytes.substr(0, bytes.size() - 10));
    CHECK(zz.Cli({"exchange", "import", (zz.dir() / "short.kgx").string()}).err.find("truncated") != std::string::npos);
    WriteFile(zz.dir() / "junk.kgx", "hello");
    CHECK(zz.Cli({"exchange", "import", (zz.dir() / "junk.kgx").string()}).err.find("KGXP1") != std::string::npos);
  }
  // A package made for 郑州 is not 开封's to import.
  auto elsewhere = kf.Cli({"exchange", "import", pkg.string()});
  CHECK(elsewhere.exit_code != 0);
  CHECK(elsewhere.err.find("own") != std::string::npos);
  CHECK(zz.CliJson({"exchange", "list"}).fields().at("packages").list_value().values_size() == 0);

  // Imported: read-only copies with their origin, apart from 郑州's own codes.
  auto imported = zz.CliJson({"exchange", "import", pkg.string()});
  CHECK(Num(imported, "records") == 3);
  CHECK(Codes(imported) == std::vector<std::string>{"410200/K2-HY·1985-Y-0001", "410200/K2-HY·1985-Y-0002",
                                                    "410200/K2-HY·1985-Y-0008"});
  CHECK(Str(imported, "package_id") == Str(got, "package_id"));
  auto again = zz.Cli({"exchange", "import", pkg.string()});
  CHECK(again.exit_code != 0);
  CHECK(again.err.find("already imported") != std::string::npos);
  auto list = zz.CliJson({"exchange", "list"});
  REQUIRE(list.fields().at("packages").list_value().values_size() == 1);
  const auto& listed = list.fields().at("packages").list_value().values(0).struct_value();
  CHECK(Str(listed, "from_archive") == "410200");
  CHECK(Str(listed, "sm3") == Str(got, "sm3"));
  CHECK(!Str(listed, "imported").empty());
  const std::string listed_text = zz.Cli({"exchange", "list"}).out;
  CHECK(listed_text.find("from 开封市档案馆 (410200)") != std::string::npos);
  CHECK(listed_text.find("read-only, as 410200/CODE") != std::string::npos);

  auto copy = zz.CliJson({"get", "410200/K2-HY·1985-Y-0001"});
  REQUIRE(copy.fields().contains("origin"));
  CHECK(Str(copy.fields().at("origin").struct_value(), "archive") == "410200");
  CHECK(Str(copy.fields().at("origin").struct_value(), "package") == Str(got, "package_id"));
  const std::string text = Str(Record(copy), "full_text");
  CHECK(text.find("王建国") != std::string::npos);
  CHECK(text.find("13812345678") == std::string::npos);
  CHECK(Str(Record(zz.CliJson({"get", "410200/K2-HY·1985-Y-0002"})), "full_text").empty());
  // Found by the reading room's search; the scanned page is there, masked.
  auto found = zz.CliJson({"search", "结婚登记"});
  CHECK(found.fields().at("hits").list_value().values_size() == 3);
  const fs::path page = zz.dir() / "page.png";
  auto pg = zz.Cli({"page", "410200/K2-HY·1985-Y-0008", "1", "--out", page.string()});
  INFO(pg.err);
  CHECK(pg.exit_code == 0);
  CHECK(ReadAll(page).rfind("\x89PNG", 0) == 0);

  // Never given on (the share policy refuses every copy: no peer, no certificate), modified or
  // withdrawn.
  auto shared = zz.Cli({"get", "410200/K2-HY·1985-Y-0001", "--shared"});
  CHECK(shared.exit_code != 0);
  CHECK(shared.err.find("direct exchange") != std::string::npos);
  CHECK(zz.Cli({"page", "410200/K2-HY·1985-Y-0008", "1", "--shared", "--out", page.string()}).exit_code != 0);
  auto explain = zz.Cli({"policy", "explain", "410200/K2-HY·1985-Y-0001"});
  INFO(explain.err << explain.out);
  CHECK(explain.out.find("never passed on") != std::string::npos);
  CHECK(explain.out.find("certificate (全文): yes") == std::string::npos);
  auto modify = zz.Cli({"modify", "410200/K2-HY·1985-Y-0001", "--set", "题名=改"});
  CHECK(modify.exit_code != 0);
  CHECK(modify.err.find("read-only copy from archive 410200") != std::string::npos);
  auto withdraw = zz.Cli({"withdraw", "410200/K2-HY·1985-Y-0001", "--reason", "测试"});
  CHECK(withdraw.exit_code != 0);
  CHECK(withdraw.err.find("read-only copy from archive 410200") != std::string::npos);
  CHECK(Str(zz.CliJson({"get", "410200/K2-HY·1985-Y-0001"}), "state") == "active");
  // 开封 finds none of its own records as copies at 郑州 (a peer search never offers them).
  auto federated = kf.CliJson({"search", "结婚登记", "--federated"});
  std::ostringstream hits;
  for (const auto& h : federated.fields().at("hits").list_value().values()) hits << Str(h.struct_value(), "code") << "\n";
  CHECK(hits.str().find("410200/") == std::string::npos);

  // Audited at both ends.
  CHECK(kf.Cli({"audit", "list", "--action", "exchange.package"}).out.find("410100") != std::string::npos);
  CHECK(zz.Cli({"audit", "list", "--action", "exchange.request"}).out.find("410200") != std::string::npos);
  const std::string imports = zz.Cli({"audit", "list", "--action", "exchange.import"}).out;
  CHECK(imports.find("already imported") != std::string::npos);
  CHECK(imports.find("3 records") != std::string::npos);
}
