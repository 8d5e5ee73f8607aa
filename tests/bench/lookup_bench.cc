// Benchmark: self-service lookups by verified identity (R6.1) across five archives on loopback
// (kuaguand processes: a provincial node and five archives, each holding --records catalog
// records about a pool of --people persons, of every share class, a tenth secret, a third outside
// the livelihood categories). A front-desk clerk's client (staff certificate, mutual TLS, as
// kuaguan-desk is) asks the first archive, which asks all five at once; p50 / p99 over --lookups
// lookups one at a time, each checked: every archive answered, and exactly the person's listable
// records came back (their own livelihood records, not secret; nobody else's). Clerks take turns
// (a peer answers each clerk at most 60 lookups in a burst). The goal is under one second.
// Every call is a registered person's (三员分离): kgtest-op is the province's CA operator and each
// archive's cataloguer, kgtest-so each archive's security officer (registering the clerks); needs
// root and the test accounts (tests/testing/test_accounts.sh create BIN_DIR).
//   lookup_bench [--records N] [--people P] [--lookups Q]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ingest/identity_number.h"
#include "kuaguan/v1/admin.grpc.pb.h"
#include "kuaguan/v1/lookup.grpc.pb.h"
#include "seal/key_file.h"
#include "seal/tls.h"
#include "tests/bench/bench_flags.h"
#include "tests/bench/bench_people.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace kt = kuaguan::testing;
namespace v1 = kuaguan::v1;
namespace kb = kuaguan::bench;

constexpr int kArchives = 5;
constexpr int kPerClerk = 50;  // lookups per clerk, under a peer's burst of 60

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string JsonField(const std::string& json, const std::string& key) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(json, &s).ok() || !s.fields().contains(key)) return "";
  return s.fields().at(key).string_value();
}

using Node = kb::BenchNode;

// A node whose people are registered: kgtest-so the security officer, kgtest-op in `operator_role`.
bool StartNode(Node* n, const std::filesystem::path& dir, const std::string& code, const std::string& name,
               const std::string& role, const std::string& operator_role) {
  return kb::StartBenchNode(n, dir, code, name, role, {operator_role});
}

// Person `i`'s identity number (valid check character).
std::string IdNumber(int i) {
  const std::string first17 = absl::StrCat("4101021", 950 + i % 50, "0", 1 + i % 9, "1", i % 9, absl::StrFormat("%03d", i % 1000));
  return first17 + kuaguan::ingest::IdentityCheckChar(first17);
}

}  // namespace

int main(int argc, char** argv) {
  int records = 5000, people = 1000, lookups = 200;
  if (auto exit = kb::ParseBenchFlags(
          argc, argv,
          {"lookup_bench",
           "Self-service lookups by identity across five archives on loopback: p50 / p99, each answer checked.",
           "lookup_bench --records 5000 --lookups 200"},
          {kb::NumberFlag("--records", "N", "catalog records at each archive", &records),
           kb::NumberFlag("--people", "P", "persons the records are about (at most 1000)", &people),
           kb::NumberFlag("--lookups", "Q", "lookups timed", &lookups)})) {
    return *exit;
  }
  if (records < 1 || people < 1 || people > 1000 || lookups < 1) {
    std::fprintf(stderr, "lookup_bench: --records and --lookups at least 1, --people 1 to 1000\n");
    return 2;
  }
  if (const std::string why = kb::PeopleUnavailable(); !why.empty()) {
    std::printf("lookup_bench: not run (%s)\n", why.c_str());
    return 0;
  }
  kt::TempDir dir;
  kb::OpenToAccounts(dir.path());
  Node prov;
  std::vector<Node> archives(kArchives);
  if (!StartNode(&prov, dir.path() / "prov", "410000", "河南省档案馆", "provincial", "ca-operator")) return 1;
  const std::string enroll = JsonField(prov.Cli({"status", "--json"}).out, "enroll_listen");
  for (int a = 0; a < kArchives; ++a) {
    const std::string code = absl::StrCat("410", a + 1, "00"), name = absl::StrCat("档案馆", code);
    if (!StartNode(&archives[a], dir.path() / code, code, name, "archive", "cataloguer")) return 1;
    const std::string token = JsonField(
        prov.CliAs(kb::kOperator, {"ca", "token", "--archive", code, "--name", name, "--json"}).out, "token");
    if (archives[a].Cli({"enroll", "--provincial", enroll, "--token", token}).exit_code != 0) {
      std::printf("enrollment of %s failed\n", code.c_str());
      return 1;
    }
  }
  for (auto& n : archives) n.Cli({"directory", "refresh"});

  // Each archive's catalog (imported after enrollment: the identity hashes are the federation's).
  // A person's listable records: livelihood ones that are not secret, whatever their class.
  const char* kClasses[] = {"无条件共享", "有条件共享", "暂不共享"};
  const char* kCategories[] = {"婚姻登记", "学籍学历", "独生子女", "工龄", "职称", "奖励", "退休", "土地房产", "无", "无", "无", "无"};
  std::vector<int> expected(people, 0);
  const auto t_import = Clock::now();
  for (int a = 0; a < kArchives; ++a) {
    std::string csv = "档号,题名,年度,日期,责任者,共享类别,控制标识,密级,民生类别,身份证号\n";
    for (int i = 0; i < records; ++i) {
      const int p = (i * 7 + a * 13) % people;
      const char* category = kCategories[(i + a) % 12];
      const bool secret = i % 10 == 7;
      const int year = 1960 + i % 60;
      absl::StrAppend(&csv, "B", a + 1, "-MS·", year, "-Y-", i + 1, ",第", p, "号当事人", category, "档案,", year, ",", year,
                      "0101,民政局,", kClasses[i % 3], ",开放,", secret ? "秘密" : "公开", ",", category, ",",
                      IdNumber(p), "\n");
      if (!secret && std::string(category) != "无") ++expected[p];
    }
    const auto file = dir.path() / absl::StrCat("catalog-", a, ".csv");
    std::ofstream(file) << csv;
    kb::OpenToAccounts(file);
    auto imported = archives[a].CliAs(kb::kOperator, {"import", file.string()});
    if (imported.exit_code != 0) {
      std::printf("import at archive %d failed: %s\n", a, imported.err.c_str());
      return 1;
    }
  }
  std::printf("lookup_bench: %d archives, %d records each about %d persons, imported in %.1f s\n", kArchives, records,
              people, Ms(Clock::now() - t_import) / 1000);

  const std::string front_address = JsonField(archives[0].Cli({"status", "--json"}).out, "peer_listen");
  std::vector<std::unique_ptr<v1::DeskLookup::Stub>> clerks;
  for (int c = 0; c * kPerClerk < lookups + 1; ++c) {
    const kuaguan::seal::TlsIdentity id = kb::DeskClerk(archives[0], absl::StrCat("前台", c + 1, "号"));
    if (id.key_pem.empty()) return 1;
    clerks.push_back(v1::DeskLookup::NewStub(kuaguan::seal::MutualTlsChannel(id, front_address, "410100")));
  }
  auto lookup = [&](int i, v1::DeskLookupResponse* resp) {
    v1::DeskLookupRequest req;
    req.set_person_name("当事人");
    req.set_id_number(IdNumber(i % people));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return clerks[i / kPerClerk]->Lookup(&ctx, req, resp);
  };
  {
    v1::DeskLookupResponse warm;
    if (grpc::Status st = lookup(lookups, &warm); !st.ok()) {
      std::printf("the first lookup failed: %s\n", st.error_message().c_str());
      return 1;
    }
  }
  std::vector<double> ms, first, later;  // all; each clerk's first (a new connection); the rest
  int partial = 0, wrong = 0, listed = 0;
  for (int i = 0; i < lookups; ++i) {
    v1::DeskLookupResponse resp;
    const auto t0 = Clock::now();
    const grpc::Status st = lookup(i, &resp);
    ms.push_back(Ms(Clock::now() - t0));
    (i % kPerClerk == 0 && i / kPerClerk != lookups / kPerClerk ? first : later).push_back(ms.back());
    if (!st.ok() || resp.answered_size() != kArchives) {
      ++partial;
      continue;
    }
    listed += resp.records_size();
    if (resp.records_size() != expected[i % people]) ++wrong;
  }
  auto pct = [](std::vector<double> v, size_t num) {
    if (v.empty()) return -1.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, v.size() * num / 100)];
  };
  const double p50 = pct(ms, 50), p99 = pct(ms, 99);
  std::printf("  lookup across %d archives (%d records each): p50 %.1f ms, p99 %.1f ms over %d lookups "
              "(%.1f records listed on average)%s\n",
              kArchives, records, p50, p99, lookups, double(listed) / lookups, p99 < 1000 ? "" : "  ABOVE THE 1 s GOAL");
  std::printf("  each clerk's first lookup (new mutual-TLS connection): max %.1f ms over %zu; the others p50 %.1f ms, "
              "p99 %.1f ms\n",
              pct(first, 100), first.size(), pct(later, 50), pct(later, 99));
  std::printf("  answers checked: %d without every archive, %d with other than exactly the person's records\n", partial,
              wrong);
  return partial == 0 && wrong == 0 ? 0 : 1;
}
