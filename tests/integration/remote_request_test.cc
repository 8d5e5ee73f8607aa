// Remote requests end to end on loopback, as processes: a provincial node, a front desk (郑州)
// and a back office (开封, auto-issue on). Requests filed through kuaguan-desk with staff
// certificates; the auto-issue path, the same first answer for an absent and a not-shared record, review with
// an extension, issue by a clerk; the certificate fetched (verified before writing), verified
// offline and online, a changed byte refused; the back office killed while a request waits in
// the outbox; statistics and overdue lists at both ends; bad inputs named.
#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "google/protobuf/util/json_util.h"
#include "tests/integration/node_fixture.h"

using namespace kuaguan::testing;
namespace fs = std::filesystem;

namespace {

const std::string kPerson = "11010519491231002X";  // 王建国
const std::string kOther = "410102198001011248";   // 陈晓: nothing held about her at 开封
const std::string kThird = "410203197511114578";   // 李四

std::string Token(RunningNode& provincial, const std::string& archive, const std::string& name) {
  return Str(provincial.CliJson({"ca", "token", "--archive", archive, "--name", name}), "token");
}

std::string History(const google::protobuf::Struct& s) {
  std::string out;
  for (const auto& c : s.fields().at("history").list_value().values()) {
    out += Str(c.struct_value(), "state") + ":" + Str(c.struct_value(), "reason") + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("remote requests between two archives: auto-issue - not found - refused - review - outage") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  RunningNode zz("410100", "郑州市档案馆");
  RunningNode kf("410200", "开封市档案馆");
  {
    std::ofstream(kf.dir() / "kuaguan.toml", std::ios::app) << "auto_issue = true\n";
  }
  prov.Start();
  zz.Start();
  kf.Start();
  const std::string enroll = Str(prov.CliJson({"status"}), "enroll_listen");
  REQUIRE(zz.Cli({"enroll", "--provincial", enroll, "--token", Token(prov, "410100", "郑州市档案馆")}).exit_code == 0);
  REQUIRE(kf.Cli({"enroll", "--provincial", enroll, "--token", Token(prov, "410200", "开封市档案馆")}).exit_code == 0);
  REQUIRE(zz.Cli({"directory", "refresh"}).exit_code == 0);

  WriteFile(kf.dir() / "hy.csv",
            "档号,题名,年度,日期,责任者,共享类别,密级,民生类别,身份证号\n"
            "K2-HY·1985-Y-0001,王建国与李秀英结婚登记,1985,19850312,开封市民政局,无条件共享,公开,婚姻登记," + kPerson + "\n"
            "K2-HY·1985-Y-0002,王建国补办结婚证明,1985,19850401,开封市民政局,暂不共享,公开,婚姻登记," + kPerson + "\n"
            "K2-HY·1986-Y-0003,李四与张梅结婚登记,1986,19860520,开封市民政局,有条件共享,公开,婚姻登记," + kThird + "\n"
            "K2-HY·1986-Y-0004,李四婚姻状况证明,1986,19860601,开封市民政局,有条件共享,公开,婚姻登记," + kThird + "\n");
  REQUIRE(kf.Cli({"import", (kf.dir() / "hy.csv").string()}).exit_code == 0);

  const auto desk_dir = zz.dir() / "desk";
  const std::string desk_serial =
      Str(zz.CliJson({"staff", "add", "赵敏", "--role", "front-desk", "--out", desk_dir.string()}), "serial");
  const DeskClient desk{(desk_dir / "desk.toml").string()};
  const std::vector<std::string> base = {"--name", "王建国", "--category", "婚姻登记", "--purpose", "办理养老保险待遇"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };

  // Bad input, named.
  auto on_argv = desk.RunRaw({"request", "--name", "王建国", "--id-number", kPerson, "--target", "410200",
                              "--category", "婚姻登记", "--purpose", "测试"});
  INFO(on_argv.err);
  CHECK(on_argv.exit_code != 0);
  CHECK(on_argv.err.find("not taken from the command line") != std::string::npos);
  CHECK(on_argv.err.find(kPerson) == std::string::npos);
  auto bad_id = desk.Run({"request", "--name", "王建国", "--id-number", "110105194912310021", "--target", "410200",
                          "--category", "婚姻登记", "--purpose", "x"});
  CHECK(bad_id.exit_code != 0);
  CHECK(bad_id.err.find("check character") != std::string::npos);
  CHECK(bad_id.err.find("110105********0021") != std::string::npos);  // masked: the refusal is audited
  CHECK(bad_id.err.find("110105194912310021") == std::string::npos);
  auto bad_date = desk.Run({"request", "--name", "王建国", "--id-number", "110105194913310021", "--target", "410200",
                            "--category", "婚姻登记", "--purpose", "x"});
  CHECK(bad_date.err.find("--id-number") != std::string::npos);
  WriteFile(zz.dir() / "note.txt", "not an image");
  auto bad_attach = desk.Run(with({"request", "--id-number", kPerson, "--target", "410200", "--attach",
                                   (zz.dir() / "note.txt").string()}));
  CHECK(bad_attach.err.find("note.txt") != std::string::npos);
  CHECK(desk.Run(with({"request", "--id-number", kPerson, "--target", "999999"})).err.find("not a member") !=
        std::string::npos);
  CHECK(desk.Run(with({"request", "--id-number", kPerson, "--target", "410200", "--category", "离婚"})).exit_code != 0);

  // 1. Auto-issue: an unconditionally shared record names the person exactly.
  WriteFile(zz.dir() / "id.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(64, '\0'));
  const std::string auto_id = desk.File(
      {"--name", "王建国", "--id-number", kPerson, "--target", "410200", "--category", "婚姻登记", "--purpose",
       "办理养老保险待遇", "--attach", (zz.dir() / "id.png").string()});
  auto delivered = desk.WaitFor(auto_id, "REQUEST_STATE_DELIVERED");
  const std::string hist = History(delivered);
  CHECK(hist.find("REQUEST_STATE_ISSUED") != std::string::npos);
  CHECK(hist.find("verified") != std::string::npos);
  const auto pdf = zz.dir() / "cert.pdf";
  auto fetched = desk.Run({"fetch", auto_id, "--out", pdf.string()});
  INFO(fetched.err);
  REQUIRE(fetched.exit_code == 0);
  CHECK(fetched.out.find("verified") != std::string::npos);
  auto verify = zz.CliJson({"verify", pdf.string(), "--online"});
  CHECK(verify.fields().at("valid").bool_value());
  CHECK(Str(verify, "issuing_archive") == "410200");
  CHECK(Str(verify, "online_answer").find("confirms") != std::string::npos);
  CHECK(kf.CliJson({"verify", pdf.string()}).fields().at("valid").bool_value());
  auto info = Run({"/usr/bin/pdfinfo", pdf.string()});
  CHECK(info.exit_code == 0);
  auto text = Run({"/usr/bin/pdftotext", pdf.string(), "-"});
  CHECK(text.out.find("王建国与李秀英结婚登记") != std::string::npos);
  CHECK(text.out.find("开封市档案馆") != std::string::npos);
  // Both ends agree; the back office knows it was delivered.
  const auto back = kf.CliJson({"requests", "list", "--side", "back"});
  REQUIRE(back.fields().at("requests").list_value().values_size() == 1);
  for (int i = 0; i < 100; ++i) {
    auto b = kf.CliJson({"requests", "list", "--side", "back"});
    if (Str(b.fields().at("requests").list_value().values(0).struct_value(), "state") == "REQUEST_STATE_DELIVERED") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(Str(kf.CliJson({"requests", "list", "--side", "back"}).fields().at("requests").list_value().values(0).struct_value(),
            "state") == "REQUEST_STATE_DELIVERED");
  // A changed byte: refused, with the reason; the file in hand is not the issued one online either.
  {
    std::ifstream in(pdf, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string bytes = ss.str();
    bytes[bytes.size() / 3] ^= 0x01;
    WriteFile(zz.dir() / "tampered.pdf", bytes);
    auto t = zz.Cli({"verify", (zz.dir() / "tampered.pdf").string()});
    CHECK(t.exit_code != 0);
    CHECK(t.err.find("INVALID") != std::string::npos);
  }

  // 2. Nothing here about the person, a named record that does not exist, and one that may not be
  // shared: the same first answer for all three ("in review", no count, no reason), then the
  // clerk's 查无此档 for each.
  const std::string none = desk.File({"--name", "陈晓", "--id-number", kOther, "--target", "410200", "--category",
                                      "婚姻登记", "--purpose", "办理户籍"});
  const std::string missing = desk.File(with({"--id-number", kPerson, "--target", "410200", "--record", "K2-HY·1999-Y-9999"}));
  const std::string held = desk.File(with({"--id-number", kPerson, "--target", "410200", "--record", "K2-HY·1985-Y-0002"}));
  for (const std::string& id : {none, missing, held}) {
    INFO(id);
    const std::string first = History(desk.WaitFor(id, "REQUEST_STATE_IN_REVIEW"));
    CHECK(first.find("审核中") != std::string::npos);
    CHECK(first.find("补办") == std::string::npos);
    CHECK(first.find("possible") == std::string::npos);
    REQUIRE(kf.Cli({"requests", "not-found", id}).exit_code == 0);
    CHECK(History(desk.WaitFor(id, "REQUEST_STATE_NOT_FOUND")).find("补办") == std::string::npos);
  }

  // 3. Review: a conditionally shared record; the clerk extends (the front desk sees why), then issues.
  const std::string review = desk.File({"--name", "李四", "--id-number", kThird, "--target", "410200", "--category",
                                        "婚姻登记", "--purpose", "子女入学"});
  desk.WaitFor(review, "REQUEST_STATE_IN_REVIEW");
  auto shown = kf.CliJson({"requests", "show", review});
  CHECK(shown.fields().at("candidates").list_value().values_size() == 2);
  CHECK(kf.Cli({"requests", "extend", review}).err.find("--reason") != std::string::npos);
  REQUIRE(kf.Cli({"requests", "extend", review, "--reason", "需调阅库房原件核对"}).exit_code == 0);
  CHECK(kf.Cli({"requests", "extend", review, "--reason", "again"}).err.find("only once") != std::string::npos);
  auto extended = desk.WaitFor(review, "REQUEST_STATE_EXTENDED");
  CHECK(Str(extended, "extension_reason") == "需调阅库房原件核对");
  CHECK(desk.Run({"receipt", review}).out.find("需调阅库房原件核对") != std::string::npos);
  CHECK(kf.Cli({"requests", "issue", review, "--record", "K2-HY·1985-Y-0002"}).err.find("cannot be certified") !=
        std::string::npos);
  REQUIRE(kf.Cli({"requests", "issue", review, "--record", "K2-HY·1986-Y-0003", "--record", "K2-HY·1986-Y-0004"})
              .exit_code == 0);
  desk.WaitFor(review, "REQUEST_STATE_DELIVERED");
  CHECK(kf.Cli({"requests", "refuse", review, "--reason", "late"}).err.find("already") != std::string::npos);

  // 4. The back office is down when a request is filed: it waits in the outbox (with the last
  // error shown), nothing is lost.
  kf.Stop(SIGKILL);
  const std::string waiting = desk.File(with({"--id-number", kPerson, "--target", "410200"}));
  CHECK(WaitUntil([&] { return desk.Run({"status", waiting}).out.find("attempts; last:") != std::string::npos; },
                  std::chrono::seconds(20)));
  CHECK(Str(desk.Json({"status", waiting}), "state") == "REQUEST_STATE_FILED");
  CHECK(desk.Run({"status", waiting}).out.find("waiting to reach 410200") != std::string::npos);
  // The front desk is killed too, with the message still queued: it resumes after a restart.
  zz.Stop(SIGKILL);
  zz.Start();
  CHECK(Str(desk.Json({"status", waiting}), "state") == "REQUEST_STATE_FILED");
  kf.Start();
  desk.WaitFor(waiting, "REQUEST_STATE_DELIVERED");

  // 5. A retried filing with the same id and content files nothing new; other content is refused.
  const std::string same = desk.File(with({"--id-number", kPerson, "--target", "410200", "--request-id", "410100-20261123-aa01"}));
  CHECK(same == "410100-20261123-aa01");
  CHECK(desk.File(with({"--id-number", kPerson, "--target", "410200", "--request-id", "410100-20261123-aa01"})) == same);
  CHECK(desk.Run({"request", "--name", "王建国", "--id-number", kPerson, "--target", "410200", "--category", "婚姻登记",
                  "--purpose", "另一用途", "--request-id", "410100-20261123-aa01"})
            .err.find("other content") != std::string::npos);

  // 6. Statistics at both ends, and nothing overdue today; one open request is overdue in 2099.
  const std::string open = desk.File({"--name", "李四", "--id-number", kThird, "--target", "410200", "--category",
                                      "婚姻登记", "--purpose", "公证"});
  desk.WaitFor(open, "REQUEST_STATE_IN_REVIEW");
  auto front_stats = zz.CliJson({"stats", "requests"});
  auto back_stats = kf.CliJson({"stats", "requests"});
  double accepted = 0, issued = 0, not_found = 0, refused_n = 0;
  for (const auto& row : front_stats.fields().at("rows").list_value().values()) {
    auto n = [&](const char* k) { return std::stod("0" + Str(row.struct_value(), k)); };  // uint64 travel as strings
    accepted += n("accepted");
    issued += n("issued");
    not_found += n("not_found");
    refused_n += n("refused");
  }
  CHECK(accepted == 8);
  CHECK(issued == 4);
  CHECK(not_found == 3);
  CHECK(refused_n == 0);
  CHECK(back_stats.fields().at("rows").list_value().values_size() >= 1);
  const auto none_overdue = zz.CliJson({"requests", "overdue"});
  CHECK((none_overdue.fields().count("requests") == 0 ||
         none_overdue.fields().at("requests").list_value().values_size() == 0));
  CHECK(kf.CliJson({"requests", "overdue", "--as-of", "2099-01-01"}).fields().at("requests").list_value().values_size() == 1);
  CHECK(kf.Cli({"requests", "overdue", "--as-of", "tomorrow"}).err.find("--as-of") != std::string::npos);

  // 7. The issuing archive revokes the first certificate: offline it still verifies (the seal is
  // sound), online the issuer says it was revoked.
  const std::string serial = Str(verify, "serial");
  CHECK(kf.Cli({"requests", "revoke-certificate", serial}).err.find("--reason") != std::string::npos);
  CHECK(zz.Cli({"requests", "revoke-certificate", serial, "--reason", "x"}).err.find("issued no certificate") !=
        std::string::npos);
  REQUIRE(kf.Cli({"requests", "revoke-certificate", serial, "--reason", "当事人信息有误，已重新出证"}).exit_code == 0);
  CHECK(zz.CliJson({"verify", pdf.string()}).fields().at("valid").bool_value());
  auto online = zz.Cli({"verify", pdf.string(), "--online"});
  CHECK(online.exit_code != 0);
  CHECK(online.err.find("当事人信息有误") != std::string::npos);

  // 8. Anyone can verify without a node, from what `cert export` writes (root and signed directory).
  const auto trust_dir = zz.dir() / "trust";
  REQUIRE(zz.Cli({"cert", "export", trust_dir.string()}).exit_code == 0);
  auto offline = Run({BinDir() + "/kuaguan", "verify", pdf.string(), "--trust", trust_dir.string(), "--json"});
  INFO(offline.err);
  CHECK(offline.exit_code == 0);
  CHECK(offline.out.find("\"valid\":true") != std::string::npos);
  CHECK(Run({BinDir() + "/kuaguan", "verify", (zz.dir() / "tampered.pdf").string(), "--trust", trust_dir.string()})
            .exit_code != 0);

  // 9. The target found by a federated search; an oversized attachment refused with its limit.
  const std::string found = desk.File({"--name", "王建国", "--id-number", kPerson, "--find", "李秀英结婚登记",
                                       "--category", "婚姻登记", "--purpose", "办理继承公证"});
  auto found_status = desk.WaitFor(found, "REQUEST_STATE_DELIVERED");
  CHECK(Str(found_status.fields().at("request").struct_value(), "target_archive") == "410200");
  WriteFile(zz.dir() / "big.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(9u << 20, '\0'));
  CHECK(desk.Run(with({"request", "--id-number", kPerson, "--target", "410200", "--attach",
                       (zz.dir() / "big.png").string()}))
            .err.find("limit") != std::string::npos);

  // 10. Staff: a back-office certificate cannot file; a revoked desk certificate is refused.
  const auto back_dir = zz.dir() / "back";
  REQUIRE(zz.Cli({"staff", "add", "钱进", "--role", "back-office", "--out", back_dir.string()}).exit_code == 0);
  const DeskClient back_desk{(back_dir / "desk.toml").string()};
  CHECK(back_desk.Run(with({"request", "--id-number", kPerson, "--target", "410200"})).err.find("may not run") !=
        std::string::npos);
  REQUIRE(prov.Cli({"ca", "revoke", "--serial", desk_serial, "--reason", "离职"}).exit_code == 0);
  REQUIRE(zz.Cli({"directory", "refresh"}).exit_code == 0);
  auto revoked_desk = desk.Run({"list"});
  CHECK(revoked_desk.exit_code != 0);
  CHECK(revoked_desk.err.find("revoked") != std::string::npos);
}
