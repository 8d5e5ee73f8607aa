// kuaguan ingest scans against a running node, on pages rendered from composed Chinese text and
// read by real Tesseract: phrases found with their page, secrecy marks held, personal data
// masked, bad files reported while the rest goes on, reruns resume.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "tests/integration/node_fixture.h"
#include "tests/testing/page_render.h"

using namespace kuaguan::testing;

namespace {

void Render(const std::filesystem::path& path, const std::string& header, const std::string& title,
            std::vector<std::string> paragraphs) {
  PageSpec spec;
  spec.half_page = true;
  spec.header = header;
  spec.title = title;
  spec.paragraphs = std::move(paragraphs);
  REQUIRE(RenderPagePng(spec, path.string()).ok());
}

size_t Hits(const google::protobuf::Struct& s) { return s.fields().at("hits").list_value().values_size(); }

}  // namespace

TEST_CASE("scanned items become searchable records - held - masked - bad files reported") {
  RunningNode node;
  node.Start();
  const auto scans = node.dir() / "scans";
  std::filesystem::create_directories(scans / "item1");
  Render(scans / "item1" / "p1.png", "", "关于档案馆库房改造的报告", {"档案馆将定期向社会开放。"});
  Render(scans / "item1" / "p2.png", "", "", {"土地承包合同的原件存放在第三库房。"});
  Render(scans / "secret.png", "机密★10年", "关于防汛工作的紧急通知", {"各部门应当指定专人负责。"});
  Render(scans / "form.png", "", "婚姻登记申请表",
         {"申请人王建国，身份证号11010519491231002X。", "联系电话13912345678。"});
  WriteFile(scans / "corrupt.png", "\x89PNG\r\n\x1a\nthis is not really a png");
  WriteFile(scans / "empty.png", "");
  WriteFile(node.dir() / "outside.png", "x");
  std::filesystem::create_symlink(node.dir() / "outside.png", scans / "link.png");
  WriteFile(scans / "manifest.csv",
            "档号,题名,年度,pages\n"
            "Z1-WS·2020-Y-0001,库房改造报告,2020,item1/p1.png;item1/p2.png\n"
            "Z1-WS·2020-Y-0002,防汛紧急通知,2020,secret.png\n"
            "Z1-WS·2020-Y-0003,婚姻登记申请表,2020,form.png\n"
            "Z1-WS·2020-Y-0004,缺页,2020,missing.png\n"
            "Z1-WS·2020-Y-0005,损坏,2020,corrupt.png\n"
            "Z1-WS·2020-Y-0006,空文件,2020,empty.png\n"
            "Z1-WS·2020-Y-0007,越界,2020,../outside.png\n"
            "Z1-WS·2020-Y-0008,链接越界,2020,link.png\n"
            "Z1-WS·2020-Y-0001,重复档号,2020,form.png\n");
  const auto manifest = (scans / "manifest.csv").string();
  auto run = node.Cli({"ingest", "scans", manifest, "--json"});
  INFO(run.err << run.out);
  REQUIRE(run.exit_code == 0);
  // The last line is the summary; the lines before it are progress events.
  const std::string last = run.out.substr(run.out.rfind('\n', run.out.size() - 2) + 1);
  google::protobuf::Struct summary;
  REQUIRE(google::protobuf::util::JsonStringToMessage(last, &summary).ok());
  CHECK(Str(summary, "event") == "finished");
  CHECK(Num(summary, "created") == 3);
  CHECK(Num(summary, "held") == 1);
  CHECK(Num(summary, "failed") == 6);
  CHECK(Num(summary, "personal_data") >= 2);
  CHECK(last.find("no such file") != std::string::npos);
  CHECK(last.find("empty file") != std::string::npos);
  CHECK(last.find("escapes the base folder (..)") != std::string::npos);
  // The CLI sends files, never what a link points to (here: outside the base folder).
  CHECK(run.err.find("link.png: not sent (a symbolic link") != std::string::npos);
  CHECK(last.find("duplicate of line 2") != std::string::npos);

  // A phrase from page 2 finds the item and names the page.
  auto found = node.CliJson({"search", "第三库房"});
  REQUIRE(Hits(found) == 1);
  const auto& hit = found.fields().at("hits").list_value().values(0).struct_value();
  CHECK(Str(hit, "code") == "Z1-WS·2020-Y-0001");
  CHECK(Num(hit, "page") == 2);

  // The held item is stored but not searchable until released.
  CHECK(Hits(node.CliJson({"search", "防汛"})) == 0);
  auto held = node.CliJson({"ingest", "held"});
  REQUIRE(held.fields().at("held").list_value().values_size() == 1);
  CHECK(node.Cli({"ingest", "release", "Z1-WS·2020-Y-0002"}).exit_code != 0);  // no reason
  CHECK(node.Cli({"ingest", "release", "Z1-WS·2020-Y-0002", "--reason", "已解密"}).exit_code == 0);
  CHECK(Hits(node.CliJson({"search", "防汛"})) == 1);

  // Personal data is masked in the stored text.
  auto form = node.CliJson({"get", "Z1-WS·2020-Y-0003"});
  const std::string text = Str(form.fields().at("record").struct_value(), "full_text");
  CHECK(text.find("11010519491231002X") == std::string::npos);
  CHECK(text.find("13912345678") == std::string::npos);
  CHECK(text.find("********") != std::string::npos);
  // Quality control: the failed items fail integrity, so accepting needs an override.
  const std::string batch = Str(summary, "batch");
  auto report = node.CliJson({"ingest", "report", batch});
  CHECK_FALSE(report.fields().at("qc_passed").bool_value());
  CHECK(report.fields().at("sample").list_value().values_size() >= 1);
  CHECK(report.fields().at("qc").list_value().values_size() == 4);
  // Until the batch is accepted, nothing of it is shared.
  REQUIRE(node.Cli({"modify", "Z1-WS·2020-Y-0003", "--set", "共享类别=无条件共享", "--set", "控制标识=开放", "--set", "密级=公开"})
              .exit_code == 0);
  CHECK(node.Cli({"get", "Z1-WS·2020-Y-0003", "--shared"}).err.find("not yet accepted") != std::string::npos);
  auto refused = node.Cli({"ingest", "accept", batch});
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("fails quality control") != std::string::npos);
  auto accepted = node.CliJson({"ingest", "accept", batch, "--override", "缺页已登记，另行补扫"});
  CHECK(accepted.fields().at("accepted").bool_value());
  const auto sheet = (node.dir() / "sheet.csv").string();
  CHECK(node.Cli({"ingest", "sheet", batch, "--out", sheet}).exit_code == 0);
  std::ifstream sheet_in(sheet);
  std::string sheet_text((std::istreambuf_iterator<char>(sheet_in)), std::istreambuf_iterator<char>());
  CHECK(sheet_text.find("Z1-WS·2020-Y-0001,ocr,") != std::string::npos);
  CHECK(sheet_text.find("Z1-WS·2020-Y-0003,commit,kuaguand,1,") != std::string::npos);

  // The shared view: what a peer would receive.
  auto shared = node.CliJson({"get", "Z1-WS·2020-Y-0003", "--shared"});
  CHECK(Str(shared.fields().at("record").struct_value(), "full_text").find("13912345678") == std::string::npos);
  const auto original = (node.dir() / "orig.png").string();
  const auto covered = (node.dir() / "shared.png").string();
  REQUIRE(node.Cli({"page", "Z1-WS·2020-Y-0003", "1", "--out", original}).exit_code == 0);
  REQUIRE(node.Cli({"page", "Z1-WS·2020-Y-0003", "1", "--shared", "--out", covered}).exit_code == 0);
  CHECK(std::filesystem::file_size(original) == std::filesystem::file_size(scans / "form.png"));
  CHECK(std::filesystem::file_size(covered) != std::filesystem::file_size(original));
  CHECK(node.Cli({"page", "Z1-WS·2020-Y-0003", "9", "--out", covered}).exit_code != 0);
  // Local copies made from the same decode: an access JPEG and a thumbnail.
  const auto access = (node.dir() / "access.jpg").string();
  auto got = node.CliJson({"page", "Z1-WS·2020-Y-0001", "2", "--access", "--out", access});
  CHECK(Str(got, "copy") == "access");
  CHECK(Str(got, "format") == "jpeg");
  std::ifstream access_in(access, std::ios::binary);
  std::string magic(3, '\0');
  access_in.read(magic.data(), 3);
  CHECK(magic == "\xFF\xD8\xFF");  // JPEG
  const auto thumb = (node.dir() / "thumb.jpg").string();
  CHECK(Num(node.CliJson({"page", "Z1-WS·2020-Y-0001", "1", "--thumbnail", "--out", thumb}), "bytes") < 40000);
  CHECK(node.Cli({"page", "Z1-WS·2020-Y-0003", "1", "--shared", "--access", "--out", thumb}).exit_code != 0);
  CHECK(node.Cli({"page", "Z1-WS·2020-Y-0002", "1", "--shared", "--out", covered}).exit_code != 0);

  // ...and the person is found by the number, which is stored only as a keyed hash.
  auto person = node.CliJson({"search", "--person", "11010519491231002x"});
  REQUIRE(Hits(person) == 1);
  CHECK(Str(person.fields().at("hits").list_value().values(0).struct_value(), "code") ==
        "Z1-WS·2020-Y-0003");
  CHECK(Hits(node.CliJson({"search", "--person", "440524188001010014"})) == 0);
  CHECK(node.Cli({"search", "--person", "12345"}).exit_code != 0);

  // A rerun re-does nothing finished.
  auto again = node.Cli({"ingest", "scans", manifest, "--json"});
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("\"unchanged\":3") != std::string::npos);
  CHECK(node.CliJson({"audit", "verify"}).fields().at("ok").bool_value());
}

TEST_CASE("a folder of items: pages in natural order - 语种 picks chi_tra - vertical pages read") {
  RunningNode node;
  node.Start();
  const auto dir = node.dir() / "delivery";
  const std::string a = "Z2-WS·1948-Y-0001", b = "Z2-WS·1948-Y-0002";
  std::filesystem::create_directories(dir / a);
  std::filesystem::create_directories(dir / b);
  std::filesystem::create_directories(dir / "stray");
  Render(dir / a / "2.png", "", "", {"查阅利用档案须履行登记手续。"});
  Render(dir / a / "10.png", "", "", {"婚姻登记档案按年度装订成册。"});
  PageSpec traditional;
  traditional.half_page = true;
  traditional.font_family = "Noto Serif CJK TC";
  traditional.paragraphs = {"縣政府關於土地登記的佈告，檔案館永久保存。"};
  REQUIRE(RenderPagePng(traditional, (dir / b / "0001.png").string()).ok());
  PageSpec vertical;
  vertical.half_page = true;
  vertical.vertical = true;
  vertical.font_pt = 16;
  vertical.paragraphs = {"退休审批表由人事部门统一保管", "独生子女证明材料已经全部归档"};
  REQUIRE(RenderPagePng(vertical, (dir / a / "1.png").string()).ok());
  WriteFile(dir / "目录.csv",
            "档号,题名,年度,语种\n" + a + ",登记手续,1948,汉语\n" + b + ",土地登记佈告,1948,汉语繁体\n"
            "Z2-WS·1948-Y-0003,无扫描件,1948,汉语\n");
  auto run = node.Cli({"ingest", "scans", dir.string(), "--json"});
  INFO(run.err << run.out);
  REQUIRE(run.exit_code == 0);
  const std::string last = run.out.substr(run.out.rfind('\n', run.out.size() - 2) + 1);
  google::protobuf::Struct summary;
  REQUIRE(google::protobuf::util::JsonStringToMessage(last, &summary).ok());
  CHECK(Num(summary, "created") == 2);
  CHECK(Num(summary, "failed") == 1);
  CHECK(Num(summary, "pages") == 4);
  CHECK(last.find("no page files in folder Z2-WS·1948-Y-0003/") != std::string::npos);
  CHECK(last.find("stray/") != std::string::npos);

  // 1.png, 2.png, 10.png: the second page is 2.png.
  auto found = node.CliJson({"search", "履行登记手续"});
  REQUIRE(Hits(found) == 1);
  CHECK(Num(found.fields().at("hits").list_value().values(0).struct_value(), "page") == 2);
  CHECK(Hits(node.CliJson({"search", "人事部门统一保管"})) == 1);  // the vertical page
  // Traditional text, read with chi_tra, is found by a simplified query too.
  CHECK(Hits(node.CliJson({"search", "土地登記"})) == 1);
  CHECK(Hits(node.CliJson({"search", "土地登记的布告"})) == 1);
  const std::string batch = Str(summary, "batch");
  const auto sheet = (node.dir() / "sheet.csv").string();
  REQUIRE(node.Cli({"ingest", "sheet", batch, "--out", sheet}).exit_code == 0);
  std::ifstream in(sheet);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("/chi_sim_vert") != std::string::npos);
  CHECK(text.find("/chi_tra") != std::string::npos);
}

TEST_CASE("SIGKILL during ingest keeps every committed item whole and a rerun finishes the rest") {
  RunningNode node;
  node.Start();
  const auto scans = node.dir() / "scans";
  std::filesystem::create_directories(scans);
  std::string manifest = "档号,题名,年度,pages\n";
  for (int i = 1; i <= 8; ++i) {
    Render(scans / absl::StrCat("p", i, ".png"), "", absl::StrCat("第", i, "号卷内文件"),
           {ComposeParagraph(80, static_cast<unsigned>(i))});
    absl::StrAppend(&manifest, "Z2-WS·2021-Y-", 1000 + i, ",卷内文件,2021,p", i, ".png\n");
  }
  WriteFile(scans / "manifest.csv", manifest);
  const auto m = (scans / "manifest.csv").string();
  const auto log = node.dir() / "ingest.log";
  Process ingest({SharedBinDir() + "/kuaguan", "ingest", "scans", m, "--json", "--config", node.config()}, log.string(),
                 "kgtest-op");
  // Killed while pages are being recognized: the first progress event says one is done.
  REQUIRE(WaitUntil(
      [&] {
        std::ifstream in(log);
        std::stringstream text;
        text << in.rdbuf();
        return text.str().find("\"progress\"") != std::string::npos;
      },
      std::chrono::seconds(60)));
  CHECK(node.Stop(SIGKILL) == 128 + SIGKILL);
  ingest.Wait(std::chrono::seconds(30));
  node.Start();
  const double before = Num(node.CliJson({"stats"}), "records");
  INFO("items committed before the kill: " << before);
  CHECK(before < 8);
  // Every stored item is whole: its page text is there and searchable.
  CHECK(node.CliJson({"audit", "verify"}).fields().at("ok").bool_value());
  auto rerun = node.Cli({"ingest", "scans", m, "--json"});
  REQUIRE(rerun.exit_code == 0);
  const std::string last = rerun.out.substr(rerun.out.rfind('\n', rerun.out.size() - 2) + 1);
  google::protobuf::Struct summary;
  REQUIRE(google::protobuf::util::JsonStringToMessage(last, &summary).ok());
  CHECK(Num(summary, "unchanged") == before);
  CHECK(Num(summary, "created") == 8 - before);
  CHECK(Num(node.CliJson({"stats"}), "records") == 8);
  CHECK(Num(node.CliJson({"stats"}), "indexed_documents") == 8);
  CHECK(Hits(node.CliJson({"search", "号卷内文件"})) == 8);
}
