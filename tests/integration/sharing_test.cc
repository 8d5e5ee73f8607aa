// Sharing by the rules between real archives on loopback (R3.1–R3.4, R3.6): one catalog with
// every class at 开封; what an unrelated archive finds and receives (search --federated, get
// --shared), what policy explain says for a peer, a requester with an authorization and the person;
// a conditional record certified through an authorization the back office accepted (and refused
// without one); a record held only on paper queued for digitization, the front desk told "being
// digitized", then ingested, accepted and certified without anyone touching the request.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>

#include "google/protobuf/util/json_util.h"
#include "tests/integration/node_fixture.h"
#include "tests/testing/page_render.h"

using namespace kuaguan::testing;

namespace {

const std::string kPerson = "11010519491231002X";  // 王建国

const char kCatalog[] =
    "档号,题名,年度,日期,责任者,共享类别,全文共享类别,控制标识,密级,民生类别,身份证号,全文,页数\n"
    "K2-HY·1985-Y-0001,王建国与李秀英结婚登记,1985,19850312,开封市民政局,无条件共享,,开放,公开,婚姻登记,"
    "11010519491231002X,男方王建国女方李秀英自愿结婚,\n"
    "K2-HY·1985-Y-0002,王建国与李秀英离婚调解书,1985,19851101,开封市人民法院,有条件共享,有条件共享,控制,公开,婚姻登记,"
    "11010519491231002X,调解书全文,\n"
    "K2-TD·1990-Y-0003,张三宅基地使用证存根,1990,19900610,开封市土地管理局,有条件共享,有条件共享,控制,公开,土地房产,"
    "410203197511114578,宅基地四至界址,\n"
    "K2-WS·1995-Y-0004,关于城区道路改造结婚登记处搬迁的通知,1995,19950301,开封市民政局,无条件共享,暂不共享,开放,公开,,,"
    "通知全文不予共享,\n"
    "K2-WS·1980-Y-0005,关于结婚登记档案保密工作的通知,1980,19800301,开封市民政局,无条件共享,,开放,秘密,,,秘密全文,\n"
    "K2-HY·1987-Y-0006,王建国独生子女父母光荣证存根,1987,19870520,开封市计生委,无条件共享,,开放,公开,独生子女,"
    "11010519491231002X,,1\n"
    "K2-HY·1986-Y-0007,王建国结婚登记补充材料,1986,19860101,开封市民政局,暂不共享,,控制,公开,婚姻登记,"
    "11010519491231002X,补充材料,\n"
    "K2-TD·1991-Y-0008,张三宅基地四至图,1991,19910301,开封市土地管理局,有条件共享,有条件共享,控制,公开,土地房产,"
    "410203197511114578,,1\n";

std::set<std::string> Codes(const google::protobuf::Struct& s, const std::string& key) {
  std::set<std::string> out;
  for (const auto& v : s.fields().at(key).list_value().values()) out.insert(Str(v.struct_value(), "code"));
  return out;
}

// policy explain CODE … --json: "list/text" per audience, e.g. "peer:LT authorized:L- person:LT".
std::string Explained(const RunningNode& node, std::vector<std::string> args) {
  args.insert(args.begin(), {"policy", "explain"});
  const auto s = node.CliJson(args);
  std::string out;
  for (const auto& v : s.fields().at("decisions").list_value().values()) {
    const auto& d = v.struct_value();
    const auto flag = [&](const char* k) {
      return d.fields().contains(k) && d.fields().at(k).bool_value();
    };
    if (!out.empty()) out += " ";
    out += Str(d, "audience") + ":" + (flag("list") ? "L" : "-") + (flag("text") ? "T" : "-");
  }
  return out;
}

}  // namespace

TEST_CASE("sharing by the rules: classes - explain - authorization - digitization on demand") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  RunningNode zz("410100", "郑州市档案馆");
  RunningNode kf("410200", "开封市档案馆");
  std::ofstream(kf.dir() / "kuaguan.toml", std::ios::app) << "auto_issue = true\n";
  prov.Start();
  zz.Start();
  kf.Start();
  Enroll(prov, zz, "410100", "郑州市档案馆");
  Enroll(prov, kf, "410200", "开封市档案馆");
  REQUIRE(zz.Cli({"directory", "refresh"}).exit_code == 0);
  WriteFile(kf.dir() / "catalog.csv", kCatalog);
  auto imported = kf.Cli({"import", (kf.dir() / "catalog.csv").string()});
  // (8 rows: K2-TD·1991-Y-0008 is on paper, and conditional.)
  INFO(imported.err << imported.out);
  REQUIRE(imported.exit_code == 0);

  // What an unrelated archive finds: the open, unconditionally shared catalog entries only —
  // nothing of the conditional, not-shared or secret ones, not even that they exist.
  auto found = zz.CliJson({"search", "结婚登记", "--federated"});
  const auto hits = Codes(found, "hits");
  CHECK(hits.count("K2-HY·1985-Y-0001") == 1);
  CHECK(hits.count("K2-WS·1995-Y-0004") == 1);
  CHECK(hits.count("K2-HY·1985-Y-0002") == 0);
  CHECK(hits.count("K2-WS·1980-Y-0005") == 0);
  CHECK(hits.count("K2-HY·1986-Y-0007") == 0);
  // The catalog shared, the full text not (HN-11): get --shared leaves the text out.
  const auto local = kf.CliJson({"get", "K2-WS·1995-Y-0004"});
  CHECK(Str(local.fields().at("record").struct_value(), "full_text") == "通知全文不予共享");
  const auto d = kf.CliJson({"get", "K2-WS·1995-Y-0004", "--shared"});
  CHECK(Str(d.fields().at("record").struct_value(), "full_text").empty());
  auto conditional = kf.Cli({"get", "K2-HY·1985-Y-0002", "--shared"});
  CHECK(conditional.exit_code != 0);
  CHECK(conditional.err.find("有条件共享") != std::string::npos);

  // One function decides, and says why: peer, with an authorization, the person.
  CHECK(Explained(kf, {"K2-HY·1985-Y-0001"}) == "peer:LT authorized:LT person:LT");
  CHECK(Explained(kf, {"K2-HY·1985-Y-0002"}) == "peer:-- authorized:LT person:LT");
  CHECK(Explained(kf, {"K2-TD·1990-Y-0003"}) == "peer:-- authorized:LT person:LT");
  CHECK(Explained(kf, {"K2-WS·1995-Y-0004"}) == "peer:L- authorized:L- person:L-");
  CHECK(Explained(kf, {"K2-WS·1980-Y-0005"}) == "peer:-- authorized:-- person:--");
  CHECK(Explained(kf, {"K2-HY·1986-Y-0007"}) == "peer:-- authorized:-- person:L-");
  CHECK(Explained(kf, {"K2-HY·1985-Y-0002", "--person"}) == "person:LT");
  const auto why = kf.Cli({"policy", "explain", "K2-WS·1980-Y-0005", "--for", "410100"});
  CHECK(why.out.find("密级 秘密: state secret, never shared") != std::string::npos);
  CHECK(why.out.find("open-period") != std::string::npos);
  CHECK(kf.Cli({"policy", "explain", "K2-XX-404"}).exit_code != 0);
  CHECK(kf.Cli({"policy", "explain", "K2-HY·1985-Y-0002", "--person", "--for", "410100"}).exit_code != 0);

  const auto desk_dir = zz.dir() / "desk";
  REQUIRE(zz.Cli({"staff", "add", "赵敏", "--role", "front-desk", "--out", desk_dir.string()}).exit_code == 0);
  const DeskClient desk{(desk_dir / "desk.toml").string()};
  WriteFile(zz.dir() / "auth.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(64, '\0'));

  // A conditional record about someone else (张三's land, for his heir 王建国): needs the
  // authorization of the competent department, checked by the back office.
  const std::vector<std::string> land = {"--name", "王建国", "--id-number", kPerson, "--target", "410200",
                                         "--category", "土地房产", "--purpose", "继承公证", "--record",
                                         "K2-TD·1990-Y-0003"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = land;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  // Bad authorizations are named before anything is filed.
  auto no_doc = desk.Run(with({"request", "--auth-body", "开封市自然资源和规划局", "--auth-kind", "department",
                               "--auth-scope", "x", "--auth-until", "2027-12-31"}));
  CHECK(no_doc.err.find("--auth-doc") != std::string::npos);
  auto bad_until = desk.Run(with({"request", "--auth-body", "开封市自然资源和规划局", "--auth-kind", "department",
                                  "--auth-scope", "x", "--auth-until", "2027-13-45", "--auth-doc",
                                  (zz.dir() / "auth.png").string()}));
  CHECK(bad_until.err.find("authorization.valid_until") != std::string::npos);

  const std::string plain = desk.File(land);
  const std::string authorized = desk.File(with({"--record", "K2-TD·1991-Y-0008", "--auth-body", "开封市自然资源和规划局", "--auth-kind", "department",
                                                 "--auth-scope", "查阅并出具张三宅基地使用证存根证明", "--auth-number",
                                                 "汴自然资函〔2026〕12号", "--auth-until", "2027-12-31", "--auth-doc",
                                                 (zz.dir() / "auth.png").string()}));
  desk.WaitFor(plain, "REQUEST_STATE_IN_REVIEW");
  desk.WaitFor(authorized, "REQUEST_STATE_IN_REVIEW");
  // Not before the clerk accepted the authorization, and never without one.
  auto early = kf.Cli({"requests", "issue", authorized, "--record", "K2-TD·1990-Y-0003"});
  CHECK(early.err.find("not yet checked") != std::string::npos);
  CHECK(kf.Cli({"requests", "authorize", plain, "--accept"}).err.find("carries no authorization") != std::string::npos);
  CHECK(kf.Cli({"requests", "authorize", authorized, "--refuse"}).err.find("--reason") != std::string::npos);
  CHECK(Explained(kf, {"K2-TD·1990-Y-0003", "--for", "410100"}) == "peer:--");
  REQUIRE(kf.Cli({"requests", "authorize", authorized, "--accept"}).exit_code == 0);
  CHECK(Explained(kf, {"K2-TD·1990-Y-0003", "--for", "410100"}) == "peer:-- authorized:LT");
  // The authorization opens a record held only on paper too: it goes to be digitized at once.
  CHECK(Str(desk.WaitFor(authorized, "REQUEST_STATE_EXTENDED"), "extension_reason").find("K2-TD·1991-Y-0008") !=
        std::string::npos);
  auto refused = kf.Cli({"requests", "issue", plain, "--record", "K2-TD·1990-Y-0003"});
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("cannot be certified") != std::string::npos);
  auto issued = kf.Cli({"requests", "issue", authorized, "--record", "K2-TD·1990-Y-0003"});
  INFO(issued.err);
  REQUIRE(issued.exit_code == 0);
  desk.WaitFor(authorized, "REQUEST_STATE_DELIVERED");
  const auto pdf = zz.dir() / "land.pdf";
  REQUIRE(desk.Run({"fetch", authorized, "--out", pdf.string()}).exit_code == 0);
  std::string text = Run({"/usr/bin/pdftotext", pdf.string(), "-"}).out;
  INFO(text);
  text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == ' '; }), text.end());
  CHECK(text.find("开封市自然资源和规划局") != std::string::npos);
  CHECK(text.find("汴自然资函〔2026〕12号") != std::string::npos);
  CHECK(text.find("Forthisrequesteronly") != std::string::npos);

  // A record held only on paper: queued for digitizing, the front desk told when to expect it.
  const std::string paper = desk.File({"--name", "王建国", "--id-number", kPerson, "--target", "410200", "--category",
                                       "独生子女", "--purpose", "办理退休待遇", "--record", "K2-HY·1987-Y-0006"});
  const auto waiting = desk.WaitFor(paper, "REQUEST_STATE_EXTENDED");
  CHECK(Str(waiting, "extension_reason").find("being digitized") != std::string::npos);
  CHECK(Str(waiting, "extension_reason").find("expected by " + Str(waiting, "due_date")) != std::string::npos);
  const auto queue = kf.CliJson({"digitize", "queue"});
  REQUIRE(queue.fields().at("items").list_value().values_size() == 2);
  CHECK(Codes(queue, "items") == std::set<std::string>{"K2-HY·1987-Y-0006", "K2-TD·1991-Y-0008"});
  for (const auto& v : queue.fields().at("items").list_value().values()) {
    CHECK(v.struct_value().fields().at("requests").list_value().values_size() == 1);
  }
  CHECK(kf.Cli({"requests", "issue", paper, "--record", "K2-HY·1987-Y-0006"}).err.find("catalog entry") !=
        std::string::npos);

  // The scans come in; once the batch is accepted the request moves on by itself.
  const auto scans = kf.dir() / "scans";
  std::filesystem::create_directories(scans);
  PageSpec page;
  page.half_page = true;
  page.title = "独生子女父母光荣证";
  page.paragraphs = {"持证人王建国，一九八七年五月二十日发证。"};
  REQUIRE(RenderPagePng(page, (scans / "p1.png").string()).ok());
  WriteFile(scans / "manifest.csv", "档号,题名,pages\nK2-HY·1987-Y-0006,王建国独生子女父母光荣证存根,p1.png\n");
  auto ingest = kf.Cli({"ingest", "scans", (scans / "manifest.csv").string(), "--json"});
  INFO(ingest.err << ingest.out);
  REQUIRE(ingest.exit_code == 0);
  const std::string last = ingest.out.substr(ingest.out.rfind('\n', ingest.out.size() - 2) + 1);
  google::protobuf::Struct summary;
  REQUIRE(google::protobuf::util::JsonStringToMessage(last, &summary).ok());
  CHECK(Num(summary, "created") == 1);
  const std::string batch = Str(summary, "batch");
  CHECK(Str(desk.Json({"status", paper}), "state") == "REQUEST_STATE_EXTENDED");  // not before acceptance
  if (kf.Cli({"ingest", "accept", batch}).exit_code != 0) {
    REQUIRE(kf.Cli({"ingest", "accept", batch, "--override", "单页补扫"}).exit_code == 0);
  }
  desk.WaitFor(paper, "REQUEST_STATE_DELIVERED");
  // Every message between the two ends was taken: nothing on either dead-letter list.
  for (const RunningNode* node : {&zz, &kf}) {
    const auto dead = node->CliJson({"requests", "dead-letter"});
    INFO(node->Cli({"requests", "dead-letter"}).out);
    CHECK((dead.fields().count("items") == 0 || dead.fields().at("items").list_value().values_size() == 0));
  }
  // The record is a new version with its pages; the queue item is done, kept.
  const auto rec = kf.CliJson({"get", "K2-HY·1987-Y-0006", "--history"});
  CHECK(rec.fields().at("history").list_value().values_size() == 2);
  CHECK(Codes(kf.CliJson({"digitize", "queue"}), "items") == std::set<std::string>{"K2-TD·1991-Y-0008"});
  const auto all = kf.CliJson({"digitize", "queue", "--all"});
  REQUIRE(all.fields().at("items").list_value().values_size() == 2);
  const auto& done = all.fields().at("items").list_value().values(1).struct_value();  // waiting ones first
  CHECK(Str(done, "code") == "K2-HY·1987-Y-0006");
  CHECK(done.fields().at("done").bool_value());
}
