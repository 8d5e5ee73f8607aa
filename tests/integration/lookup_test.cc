// Self-service lookup by verified identity (R6.1) across five archives on loopback, as processes:
// records about person A of every class (unconditional, conditional, not shared, restricted,
// secret, withdrawn, outside the livelihood categories) and about person B at several archives.
// The clerk's lookup for A lists A's livelihood records from each archive, the not-shared ones
// too, never secret or withdrawn ones nor anybody else's; an archive that is down is named; a
// call from a node without a front-desk clerk's certificate is refused by the peer; both ends
// audit with the clerk; the chosen records are requested in one step.
#include <catch2/catch.hpp>
#include <signal.h>

#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "tests/integration/node_fixture.h"

namespace kuaguan::testing {
namespace {

namespace fs = std::filesystem;

const std::string kA = "11010519491231002X";  // 王建国
const std::string kB = "410203197511114578";  // 李四

int Sh(const std::string& cmd) { return std::system(cmd.c_str()); }

// kuaguan-desk with the clerk's profile; the identity number goes through a file, never argv.
struct Desk {
  std::string profile;
  RunResult Run(std::vector<std::string> args, const std::string& id_number) const {
    const std::string file = profile + ".id";
    std::ofstream(file) << id_number << "\n";
    args.insert(args.begin(), {BinDir() + "/kuaguan-desk", "--profile", profile});
    args.insert(args.end(), {"--id-number-file", file});
    return kuaguan::testing::Run(args);
  }
  google::protobuf::Struct Json(std::vector<std::string> args, const std::string& id_number,
                                int exit_code = 0) const {
    args.push_back("--json");
    auto r = Run(args, id_number);
    INFO(r.err);
    REQUIRE(r.exit_code == exit_code);
    google::protobuf::Struct s;
    REQUIRE(google::protobuf::util::JsonStringToMessage(r.out, &s).ok());
    return s;
  }
};

const google::protobuf::ListValue& List(const google::protobuf::Struct& s, const std::string& key) {
  return s.fields().at(key).list_value();
}

std::set<std::string> Codes(const google::protobuf::Struct& lookup) {
  std::set<std::string> out;
  for (const auto& r : List(lookup, "records").values()) out.insert(Str(r.struct_value(), "code"));
  return out;
}

// The index a lookup gave record `code`.
std::string IndexOf(const google::protobuf::Struct& lookup, const std::string& code) {
  for (const auto& r : List(lookup, "records").values()) {
    if (Str(r.struct_value(), "code") == code) return absl::StrCat(Num(r.struct_value(), "index"));
  }
  FAIL("the lookup did not list " << code);
  return "";
}

// `node`'s audit entries of action `action`: actor | object | outcome, one a line.
std::string Audit(const RunningNode& node, const std::string& action) {
  std::string out;
  auto list = node.CliJson({"audit", "list", "--action", action});
  if (list.fields().count("entries") == 0) return out;
  for (const auto& e : List(list, "entries").values()) {
    const auto& x = e.struct_value();
    absl::StrAppend(&out, Str(x, "person"), " (", Str(x, "role"), ", ", Str(x, "via"), ") | ", Str(x, "object"), " | ",
                    Str(x, "outcome"), "\n");
  }
  return out;
}

const char kHeader[] = "档号,题名,年度,日期,责任者,共享类别,全文共享类别,控制标识,密级,民生类别,身份证号\n";

std::string Row(const std::string& code, const std::string& title, const std::string& date,
                const std::string& share, const std::string& secrecy, const std::string& category,
                const std::string& id) {
  return absl::StrCat(code, ",", title, ",", date.substr(0, 4), ",", date, ",民政局,", share, ",", share, ",开放,",
                      secrecy, ",", category, ",", id, "\n");
}

}  // namespace

TEST_CASE("lookup by verified identity across five archives: the person's records, nobody else's") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  RunningNode zz("410100", "郑州市档案馆");
  RunningNode kf("410200", "开封市档案馆");
  RunningNode ly("410300", "洛阳市档案馆");
  RunningNode pds("410400", "平顶山市档案馆");
  RunningNode ay("410500", "安阳市档案馆");
  const std::vector<std::pair<RunningNode*, std::pair<std::string, std::string>>> members = {
      {&zz, {"410100", "郑州市档案馆"}}, {&kf, {"410200", "开封市档案馆"}}, {&ly, {"410300", "洛阳市档案馆"}},
      {&pds, {"410400", "平顶山市档案馆"}}, {&ay, {"410500", "安阳市档案馆"}}};
  prov.Start();
  for (auto& [node, who] : members) {
    node->Start();
    Enroll(prov, *node, who.first, who.second);
  }
  for (auto& [node, who] : members) REQUIRE(node->Cli({"directory", "refresh"}).exit_code == 0);

  // 郑州 (the front desk's own archive): A's only-child certificate.
  WriteFile(zz.dir() / "c.csv", kHeader + Row("Z1-DS·1982-Y-0001", "王建国独生子女证", "19820301", "暂不共享", "公开", "独生子女", kA));
  // 开封: A's marriage, unconditional and not shared; a secret one; one outside the categories; B's.
  WriteFile(kf.dir() / "c.csv",
            kHeader + Row("K2-HY·1985-Y-0001", "王建国与李秀英结婚登记", "19850312", "无条件共享", "公开", "婚姻登记", kA) +
                Row("K2-HY·1985-Y-0002", "王建国补办结婚证明", "19850401", "暂不共享", "公开", "婚姻登记", kA) +
                Row("K2-HY·1985-Y-0003", "王建国婚姻情况调查", "19850402", "无条件共享", "秘密", "婚姻登记", kA) +
                Row("K2-WS·1990-Y-0004", "王建国来信", "19900101", "无条件共享", "公开", "无", kA) +
                Row("K2-HY·1986-Y-0005", "李四与张梅结婚登记", "19860520", "无条件共享", "公开", "婚姻登记", kB));
  // 洛阳: A's degree (conditional), a withdrawn school record, B's title.
  WriteFile(ly.dir() / "c.csv",
            kHeader + Row("L3-XJ·1970-Y-0001", "王建国高中毕业生登记表", "19700701", "有条件共享", "公开", "学籍学历", kA) +
                Row("L3-XJ·1970-Y-0002", "王建国学籍卡（重复）", "19700702", "无条件共享", "公开", "学籍学历", kA) +
                Row("L3-ZC·1995-Y-0003", "李四职称评审表", "19950101", "无条件共享", "公开", "职称", kB));
  // 平顶山: A's years of service (restricted) and retirement.
  WriteFile(pds.dir() / "c.csv",
            kHeader + Row("P4-GL·1980-Y-0001", "王建国工龄认定表", "19800101", "无条件共享", "限制", "工龄", kA) +
                Row("P4-TX·2009-Y-0002", "王建国退休审批表", "20091231", "无条件共享", "公开", "退休", kA));
  // 安阳: nothing about A.
  WriteFile(ay.dir() / "c.csv", kHeader + Row("Y5-TD·2001-Y-0001", "李四房产登记", "20010101", "无条件共享", "公开", "土地房产", kB));
  for (auto& [node, who] : members) {
    auto r = node->Cli({"import", (node->dir() / "c.csv").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  REQUIRE(ly.Cli({"withdraw", "L3-XJ·1970-Y-0002", "--reason", "重复著录"}).exit_code == 0);

  const auto desk_dir = zz.dir() / "desk";
  REQUIRE(zz.Cli({"staff", "add", "赵敏", "--role", "front-desk", "--out", desk_dir.string()}).exit_code == 0);
  const Desk desk{(desk_dir / "desk.toml").string()};

  // A: every archive answers; A's livelihood records, not-shared and restricted ones too.
  const auto a = desk.Json({"lookup", "--name", "王建国"}, kA);
  CHECK(Str(a, "person_id_masked") == "110105********002X");
  CHECK(List(a, "answered").values_size() == 5);
  CHECK(List(a, "unanswered").values_size() == 0);
  CHECK(Codes(a) == std::set<std::string>{"Z1-DS·1982-Y-0001", "K2-HY·1985-Y-0001", "K2-HY·1985-Y-0002",
                                          "L3-XJ·1970-Y-0001", "P4-GL·1980-Y-0001", "P4-TX·2009-Y-0002"});
  for (const auto& r : List(a, "records").values()) {
    const auto& rec = r.struct_value();
    CHECK(Str(rec, "title").find("王建国") != std::string::npos);
    CHECK(rec.fields().count("full_text") == 0);
    if (Str(rec, "code") == "K2-HY·1985-Y-0001") {
      CHECK(Str(rec, "archive") == "410200");
      CHECK(Str(rec, "archive_name") == "开封市档案馆");
      CHECK(Str(rec, "category") == "婚姻登记");
    }
  }
  CHECK(Str(List(a, "records").values(0).struct_value(), "archive") == "410100");  // this archive first
  // One category; and B: B's records only.
  CHECK(Codes(desk.Json({"lookup", "--name", "王建国", "--category", "婚姻登记"}, kA)) ==
        std::set<std::string>{"K2-HY·1985-Y-0001", "K2-HY·1985-Y-0002"});
  CHECK(Codes(desk.Json({"lookup", "--name", "李四"}, kB)) ==
        std::set<std::string>{"K2-HY·1986-Y-0005", "L3-ZC·1995-Y-0003", "Y5-TD·2001-Y-0001"});
  // Bad input, named; the number never on the command line.
  auto typo = desk.Run({"lookup", "--name", "王建国"}, "110105194912310021");
  CHECK(typo.exit_code != 0);
  CHECK(typo.err.find("check character") != std::string::npos);
  CHECK(typo.err.find("110105194912310021") == std::string::npos);
  CHECK(desk.Run({"lookup", "--name", "王建国", "--category", "离婚"}, kA).err.find("--category") != std::string::npos);
  auto on_argv = kuaguan::testing::Run({BinDir() + "/kuaguan-desk", "--profile", desk.profile, "lookup", "--name",
                                        "王建国", "--id-number", kA});
  CHECK(on_argv.err.find("not taken from the command line") != std::string::npos);

  // Both ends audit the lookup with the clerk, the person by the masked number only.
  const std::string front = Audit(zz, "lookup.person");
  INFO(front);
  CHECK(front.find("赵敏 (front-desk") != std::string::npos);
  CHECK(front.find("ok: 6 records from 5 of 5 archives") != std::string::npos);
  const std::string back = Audit(kf, "lookup.person");
  INFO(back);
  CHECK(back.find("archive 410100 clerk 赵敏 (") != std::string::npos);
  CHECK(back.find("person:110105********002X") != std::string::npos);
  for (const std::string& log : {front, back}) CHECK(log.find(kA) == std::string::npos);

  // The peer answers only a front-desk clerk of the calling archive: a node's call without one,
  // with a back-office certificate, or with another archive's clerk, is refused and audited.
  const auto certs = zz.dir() / "certs";
  REQUIRE(zz.Cli({"cert", "export", certs.string()}).exit_code == 0);
  const std::string key = (zz.dir() / "client.key").string(), chain = (zz.dir() / "client.pem").string();
  REQUIRE(Sh("openssl pkey -in " + (zz.dir() / "data/keys/tls.key").string() + " -passin file:" +
             (zz.dir() / "data/secrets/key-passphrase").string() + " -out " + key + " && cat " + certs.string() +
             "/node.pem " + certs.string() + "/chain.pem > " + chain) == 0);
  const std::string gen = (zz.dir() / "py").string(), src = KUAGUAN_SOURCE_DIR;
  REQUIRE(Sh("mkdir -p " + gen + " && protoc -I " + src + "/proto --python_out=" + gen + " --grpc_python_out=" + gen +
             " --plugin=protoc-gen-grpc_python=$(command -v grpc_python_plugin) " + src + "/proto/kuaguan/v1/*.proto") == 0);
  const auto back_dir = zz.dir() / "back";
  REQUIRE(zz.Cli({"staff", "add", "钱审核", "--role", "back-office", "--out", back_dir.string()}).exit_code == 0);
  const auto kf_desk = kf.dir() / "desk";
  REQUIRE(kf.Cli({"staff", "add", "孙前台", "--role", "front-desk", "--out", kf_desk.string()}).exit_code == 0);
  const std::string py = "/usr/bin/python3 " + src + "/tests/integration/lookup_client.py " + gen + " " +
                         Str(kf.CliJson({"status"}), "peer_listen") + " " + certs.string() + "/root.pem " + chain + " " +
                         key + " 410200 410100 ";
  CHECK(Sh(py + "- | grep -q '^error PERMISSION_DENIED.*front-desk'") == 0);
  CHECK(Sh(py + (back_dir / "desk.pem").string() + " | grep -q '^error PERMISSION_DENIED.*back-office'") == 0);
  CHECK(Sh(py + (kf_desk / "desk.pem").string() + " | grep -q '^error PERMISSION_DENIED.*archive 410200'") == 0);
  CHECK(Sh(py + (desk_dir / "desk.pem").string() + " | grep -q '^ok 0'") == 0);
  // A clerk whose certificate the province revoked is refused once the archive has the directory.
  const auto gone_dir = zz.dir() / "gone";
  const std::string gone =
      Str(zz.CliJson({"staff", "add", "周离职", "--role", "front-desk", "--out", gone_dir.string()}), "serial");
  CHECK(Sh(py + (gone_dir / "desk.pem").string() + " | grep -q '^ok 0'") == 0);
  REQUIRE(prov.Cli({"ca", "revoke", "--serial", gone, "--reason", "离职"}).exit_code == 0);
  REQUIRE(kf.Cli({"directory", "refresh"}).exit_code == 0);
  CHECK(Sh(py + (gone_dir / "desk.pem").string() + " | grep -q '^error PERMISSION_DENIED.*revoked'") == 0);
  const std::string refused = Audit(kf, "lookup.person");
  INFO(refused);
  CHECK(refused.find("refused: no clerk's certificate") != std::string::npos);
  CHECK(refused.find("this certificate is for a back-office") != std::string::npos);
  CHECK(refused.find("is revoked") != std::string::npos);

  // The chosen records are requested in one step: one request per archive and category.
  const auto filed = desk.Json({"lookup", "--name", "王建国", "--purpose", "办理退休手续", "--file",
                                IndexOf(a, "K2-HY·1985-Y-0001") + "," + IndexOf(a, "K2-HY·1985-Y-0002") + "," +
                                    IndexOf(a, "P4-TX·2009-Y-0002")},
                               kA);
  REQUIRE(List(filed, "filed").values_size() == 2);
  CHECK(List(filed, "not_filed").values_size() == 0);
  for (const auto& f : List(filed, "filed").values()) {
    const auto& req = f.struct_value();
    const std::string id = Str(req, "request_id");
    CHECK(id.rfind("410100-", 0) == 0);
    auto status = desk.Json({"status", id}, kA);
    const auto& sent = status.fields().at("request").struct_value();
    CHECK(Str(sent, "target_archive") == Str(req, "archive"));
    CHECK(Str(sent, "person_id_masked") == "110105********002X");
    CHECK(List(sent, "record_codes").values_size() == (Str(req, "archive") == "410200" ? 2 : 1));
  }
  CHECK(WaitUntil([&] { return kf.Cli({"requests", "list", "--side", "back"}).out.find("410100-") != std::string::npos; },
                  std::chrono::seconds(30)));
  // On a terminal the number is typed at the prompt and the records chosen at the next (script(1)
  // gives the client a terminal; the lines come from the pipe).
  const std::string choice = IndexOf(a, "L3-XJ·1970-Y-0001");
  const RunResult typed = kuaguan::testing::Run(
      {"/bin/sh", "-c",
       "printf '" + kA + "\\n" + choice + "\\n办理学历认证\\n' | script -qec '" + BinDir() +
           "/kuaguan-desk --profile " + desk.profile + " lookup --name 王建国' /dev/null"});
  INFO(typed.out << typed.err);
  CHECK(typed.exit_code == 0);
  CHECK(typed.out.find("Identity number") != std::string::npos);
  CHECK(typed.out.find("File requests for which records?") != std::string::npos);
  CHECK(typed.out.find("filed request 410100-") != std::string::npos);
  CHECK(typed.out.find("at 410300 洛阳市档案馆 for 1 records (学籍学历)") != std::string::npos);
  // A record held here is served from the local holdings: named, not filed.
  const auto here = desk.Json({"lookup", "--name", "王建国", "--purpose", "办理退休手续", "--file",
                               IndexOf(a, "Z1-DS·1982-Y-0001")},
                              kA, 1);
  REQUIRE(List(here, "not_filed").values_size() == 1);
  CHECK(Str(List(here, "not_filed").values(0).struct_value(), "error").find("local holdings") != std::string::npos);

  // An archive that is down is named; the others still answer.
  ay.Stop(SIGKILL);
  const auto partial = desk.Json({"lookup", "--name", "王建国"}, kA);
  CHECK(List(partial, "answered").values_size() == 4);
  REQUIRE(List(partial, "unanswered").values_size() == 1);
  CHECK(Str(List(partial, "unanswered").values(0).struct_value(), "archive") == "410500");
  CHECK(Codes(partial) == Codes(a));
}

}  // namespace kuaguan::testing
