// Open appraisal (开放鉴定) end to end, as processes and real people: an enrolled archive with
// 1,000 records whose open period has come; a plan from the queue; decisions from a CSV by the
// appraiser (初审), 复审 by a reviewer with one item sent back and decided again, 终审 by an
// approver; a fourth person refused by the role table, the appraiser refused at 复审 of the items
// they decided; the report and the announcement checked with pdftotext, the announcement's
// signature with openssl; no record opened before the announcement, each opened one after it. One
// reviewer works from a workstation with a staff certificate (mutual TLS).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "tests/integration/node_fixture.h"

using namespace kuaguan::testing;

namespace {

constexpr int kItems = 1000;

std::string Code(int i) { return absl::StrFormat("Z109-WS·1990-Y-%04d", i); }

// The text of a PDF (pdftotext, layout kept).
std::string PdfText(const std::filesystem::path& pdf) {
  const std::string txt = pdf.string() + ".txt";
  REQUIRE(std::system(("pdftotext -layout " + pdf.string() + " " + txt).c_str()) == 0);
  std::ifstream in(txt);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The open status (控制标识) of a record as `kuaguan get` shows it.
std::string OpenStatus(const RunningNode& node, const std::string& code) {
  const auto got = node.CliJson({"get", code});
  return got.fields().at("record").struct_value().fields().at("open_status").string_value();
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

TEST_CASE("open appraisal: 1000 items through three steps by three people - report - announcement") {
  RunningNode prov("410000", "河南省档案馆", "provincial");
  RunningNode zz("410100", "郑州市档案馆");
  prov.Start();
  zz.Start();
  Enroll(prov, zz, "410100", "郑州市档案馆");

  std::string csv = "档号,题名,责任者,日期,保管期限,密级,共享类别,控制标识\n";
  for (int i = 1; i <= kItems; ++i) {
    absl::StrAppend(&csv, Code(i), ",关于档案工作的通知第", i, "号,郑州市档案局,1990-03-04,永久,公开,无条件共享,控制\n");
  }
  absl::StrAppend(&csv, "Z109-WS·2010-Y-0001,新近文件,郑州市档案局,2010-03-09,永久,公开,无条件共享,控制\n");
  WriteFile(zz.dir() / "catalog.csv", csv);
  REQUIRE(zz.Cli({"import", (zz.dir() / "catalog.csv").string()}).exit_code == 0);

  // The people: 钱鉴定 appraises (and also holds the reviewer role), 孙复审 reviews, 李操作 (the
  // fixture's operator) approves; 赵审计, the auditor, holds none of these roles.
  for (const auto& [user, name, roles] : {std::tuple{"kgtest-cat", "钱鉴定", "appraiser,reviewer"},
                                          std::tuple{"kgtest-so2", "孙复审", "reviewer"}}) {
    const RunResult g = zz.CliAs("kgtest-so", {"staff", "grant", user, "--name", name, "--role", roles});
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
  }
  auto as = [&](const char* user, std::vector<std::string> args) {
    args.insert(args.begin(), "appraisal");
    const RunResult r = zz.CliAs(user, args);
    INFO(user << ": " << r.err);
    return r;
  };
  auto ok = [&](const char* user, std::vector<std::string> args) {
    const RunResult r = as(user, args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  };

  const RunResult queue = ok("kgtest-op", {"queue", "--limit", "3"});
  CHECK(queue.out.find(absl::StrCat(kItems, " records await open appraisal")) != std::string::npos);

  // Appraisers must be registered in that role.
  const RunResult nobody = as("kgtest-op", {"plan", "create", "--scope", "fonds=Z109", "--appraiser", "无此人"});
  CHECK(nobody.exit_code != 0);
  CHECK(nobody.err.find("holds the appraiser role") != std::string::npos);

  auto started = std::chrono::steady_clock::now();
  const RunResult made = ok("kgtest-op", {"plan", "create", "--scope", "fonds=Z109,years=1980-2000,categories=WS",
                                          "--appraiser", "钱鉴定", "--from-queue", "--json"});
  const double t_plan = Seconds(started);
  google::protobuf::Struct made_json;
  REQUIRE(google::protobuf::util::JsonStringToMessage(made.out, &made_json).ok());
  const std::string plan = Str(made_json, "id");
  CHECK(plan.rfind("JD-", 0) == 0);
  CHECK(Num(made_json.fields().at("counts").struct_value(), "items") == kItems);

  // The share policy says so while the plan is unfinished.
  const RunResult in_plan = zz.Cli({"policy", "explain", Code(1)});
  INFO(in_plan.err);
  CHECK(in_plan.out.find("being appraised in plan " + plan) != std::string::npos);

  // Decisions (初审) from a CSV: 990 open, 6 controlled, 4 deferred.
  std::string decisions = "code,decision,reason,until,value\n";
  for (int i = 1; i <= kItems; ++i) {
    if (i <= 990) {
      absl::StrAppend(&decisions, Code(i), ",open,,,具有查考价值\n");
    } else if (i <= 996) {
      absl::StrAppend(&decisions, Code(i), ",control,涉及个人隐私,,\n");
    } else {
      absl::StrAppend(&decisions, Code(i), ",defer,待主管部门意见,2030-01-01,\n");
    }
  }
  WriteFile(zz.dir() / "decisions.csv", decisions);
  REQUIRE(std::system(("chmod a+r " + (zz.dir() / "decisions.csv").string()).c_str()) == 0);

  // A fourth person (the auditor) is refused by the role table at every step.
  for (const std::vector<std::string>& step :
       {std::vector<std::string>{"decide", plan, "--all", "--open"},
        std::vector<std::string>{"review", plan, "--step", "second", "--all"},
        std::vector<std::string>{"review", plan, "--step", "final", "--all"}}) {
    const RunResult r = as("kgtest-aud", step);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("may not run") != std::string::npos);
  }
  // A reviewer is no appraiser of the plan.
  CHECK(as("kgtest-so2", {"decide", plan, Code(1), "--open"}).exit_code != 0);

  started = std::chrono::steady_clock::now();
  ok("kgtest-cat", {"decide", plan, "--from", (zz.dir() / "decisions.csv").string()});
  const double t_decide = Seconds(started);

  // The appraiser, though holding the reviewer role, may not do 复审 of what they decided.
  const RunResult twice = as("kgtest-cat", {"review", plan, "--step", "second", "--all"});
  CHECK(twice.exit_code != 0);
  CHECK(twice.err.find("may not do 复审") != std::string::npos);
  CHECK(twice.err.find("初审") != std::string::npos);

  // 复审 sends one back (a reviewer at a workstation, with a staff certificate); the appraiser
  // decides it again; 复审 of all.
  const std::string back = Code(7);
  CHECK(as("kgtest-so2", {"review", plan, "--step", "second", back, "--return"}).exit_code != 0);  // no reason
  const auto station = zz.dir() / "station";
  REQUIRE(zz.Cli({"staff", "add", "周复审", "--role", "reviewer", "--out", station.string()}).exit_code == 0);
  const RunResult returned = Run({BinDir() + "/kuaguan", "appraisal", "review", plan, "--step", "second", back, "--return",
                                  "--reason", "题名与内容不符，请复核", "--profile", (station / "desk.toml").string()});
  INFO(returned.err);
  REQUIRE(returned.exit_code == 0);
  started = std::chrono::steady_clock::now();
  ok("kgtest-so2", {"review", plan, "--step", "second", "--all"});
  const double t_second = Seconds(started);
  ok("kgtest-cat", {"decide", plan, back, "--control", "--reason", "题名与内容不符"});
  ok("kgtest-so2", {"review", plan, "--step", "second", back});

  // Nothing is approved or announced before 终审 of every item.
  CHECK(as("kgtest-op", {"approve-report", plan}).exit_code != 0);
  CHECK(as("kgtest-op", {"announce", plan, "--out", (zz.dir() / "early.pdf").string()}).exit_code != 0);
  started = std::chrono::steady_clock::now();
  ok("kgtest-op", {"review", plan, "--step", "final", "--all"});
  const double t_final = Seconds(started);

  const auto shown = zz.CliJson({"appraisal", "plan", "show", plan, "--items"});
  const auto& counts = shown.fields().at("counts").struct_value();
  CHECK(Num(counts, "done") == kItems);
  CHECK(Num(counts, "open") == 989);
  CHECK(Num(counts, "controlled") == 7);
  CHECK(Num(counts, "deferred") == 4);
  CHECK(Num(counts, "returned") == 1);
  for (const auto& item : shown.fields().at("items").list_value().values()) {
    if (Str(item.struct_value(), "code") != back) continue;
    const auto& acts = item.struct_value().fields().at("acts").list_value().values();
    REQUIRE(acts.size() == 5);
    CHECK(Str(acts[0].struct_value(), "person") == "钱鉴定");
    CHECK(Str(acts[1].struct_value(), "reason") == "题名与内容不符，请复核");
    CHECK(Str(acts[1].struct_value(), "person") == "周复审");
    CHECK(Str(acts[1].struct_value(), "actor").find("certificate:") != std::string::npos);
    CHECK(Str(acts[3].struct_value(), "person") == "孙复审");
    CHECK(Str(acts[4].struct_value(), "person") == "李操作");
  }

  // The report, approved by the approver.
  const auto report = zz.dir() / "report.pdf";
  ok("kgtest-so2", {"report", plan, "--out", report.string()});
  const std::string report_text = PdfText(report);
  CHECK(report_text.find("开放鉴定报告") != std::string::npos);
  CHECK(report_text.find(plan) != std::string::npos);
  CHECK(report_text.find("涉及个人隐私") != std::string::npos);
  CHECK(report_text.find("待主管部门意见") != std::string::npos);
  CHECK(report_text.find(Code(1000)) != std::string::npos);
  CHECK(report_text.find("孙复审") != std::string::npos);
  CHECK(as("kgtest-so2", {"approve-report", plan}).exit_code != 0);  // a reviewer does not approve
  ok("kgtest-op", {"approve-report", plan});

  // No record is opened before its announcement.
  CHECK(OpenStatus(zz, Code(1)) == "控制");
  CHECK(Num(zz.CliJson({"get", Code(1)}), "version") == 1);

  const auto announcement = zz.dir() / "announcement.pdf";
  started = std::chrono::steady_clock::now();
  const RunResult announced = ok("kgtest-op", {"announce", plan, "--out", announcement.string(), "--json"});
  const double t_announce = Seconds(started);
  CHECK(announced.out.find("\"opened\":989") != std::string::npos);
  CHECK(announced.out.find("\"versions\":1000") != std::string::npos);
  const std::string text = PdfText(announcement);
  CHECK(text.find("开放公告") != std::string::npos);
  CHECK(text.find("郑州市档案馆") != std::string::npos);
  CHECK(text.find("410100-KF-" + plan.substr(3)) != std::string::npos);
  CHECK(text.find("989. ") != std::string::npos);  // numbered to the last opened item
  CHECK(text.find(Code(990)) != std::string::npos);
  CHECK(text.find(Code(991)) == std::string::npos);  // a controlled one is not listed
  CHECK(text.find(back) == std::string::npos);
  const std::string a = announcement.string();
  CHECK(std::system(("openssl x509 -in " + a + ".cert.pem -pubkey -noout > " + a + ".pub && openssl dgst -sha256 -verify " +
                     a + ".pub -signature " + a + ".sig " + a + " >/dev/null")
                        .c_str()) == 0);

  // Now the records changed: opened ones 开放 at version 2, the others still 控制.
  CHECK(OpenStatus(zz, Code(1)) == "开放");
  const auto opened = zz.CliJson({"get", Code(1)});
  CHECK(Num(opened, "version") == 2);
  CHECK(Str(opened.fields().at("appraisal").struct_value(), "outcome") == "open");
  CHECK(Str(opened.fields().at("appraisal").struct_value(), "announcement") == "410100-KF-" + plan.substr(3));
  CHECK(OpenStatus(zz, Code(991)) == "控制");
  CHECK(OpenStatus(zz, back) == "控制");
  CHECK(Str(zz.CliJson({"appraisal", "plan", "show", plan}), "state") == "announced");
  CHECK(zz.Cli({"policy", "explain", Code(1)}).out.find("being appraised") == std::string::npos);
  const RunResult after = ok("kgtest-op", {"queue", "--json"});
  CHECK(after.out.find("\"total\":0") != std::string::npos);  // appraised: controlled or deferred to 2030

  std::printf("appraisal of %d items as processes: plan %.2f s, decide (CSV) %.2f s, 复审 %.2f s, 终审 %.2f s, "
              "announce %.2f s\n",
              kItems, t_plan, t_decide, t_second, t_final, t_announce);
}
