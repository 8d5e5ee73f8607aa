// Benchmark: remote requests on the auto-issue path between two archives on loopback
// (kuaguand processes: a provincial node, a front desk and a back office with auto_issue on).
//  1. Filing to verified certificate at the front desk: a desk client (staff certificate, mutual
//     TLS) files a request, waits until the certificate was delivered, fetches it and verifies it;
//     p50 / p99 over the requests, one at a time.
//  2. Certificates issued per second with 4 desk clients filing at once.
//  3. PDF bytes per page, and in-process costs of rendering, sealing and verifying one
//     certificate; the peer: the openssl command signing the same PDF with SM2/SM3.
// Every call is a registered person's (三员分离): the test account kgtest-op is the province's CA
// operator and the back office's digitizer, kgtest-so each node's security officer (accepting the
// scans, registering the desk clerk's certificate); 1 and 2 need root and the test accounts
// (tests/testing/test_accounts.sh create BIN_DIR).
//   request_bench [--requests N]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <botan/auto_rng.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/x509self.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "document/certificate_pdf.h"
#include "document/seal_picture.h"
#include "seal/ca.h"
#include "seal/key_file.h"
#include "seal/sealed_certificate.h"
#include "seal/sm2.h"
#include "seal/tls.h"
#include "google/protobuf/struct.pb.h"
#include "ingest/page_image.h"
#include "google/protobuf/util/json_util.h"
#include "kuaguan/v1/admin.grpc.pb.h"
#include "kuaguan/v1/desk.grpc.pb.h"
#include "tests/bench/bench_flags.h"
#include "tests/bench/bench_people.h"
#include "tests/testing/page_render.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace kt = kuaguan::testing;
namespace v1 = kuaguan::v1;
namespace kb = kuaguan::bench;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Pct {
  double p50, p99;
};
Pct Percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string JsonField(const std::string& json, const std::string& key) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(json, &s).ok() || !s.fields().contains(key)) return "";
  return s.fields().at(key).string_value();
}

using Node = kb::BenchNode;

// `kuaguan init` (socket group kgtest, the test accounts'), kuaguand started and answering, and
// its people registered: kgtest-so the security officer, kgtest-op in `operator_roles`. False,
// with what failed on stderr, when any step failed.
bool StartNode(Node* n, const std::filesystem::path& dir, const std::string& code, const std::string& name,
               const std::string& role, bool auto_issue, const std::vector<std::string>& operator_roles) {
  n->dir = dir;
  kb::OpenToAccounts(dir);
  const kt::RunResult init = kt::Run({kt::BinDir() + "/kuaguan", "init", dir.string(), "--archive-id", code, "--name",
                                      name, "--role", role, "--socket-group", kb::kAccountsGroup});
  if (init.exit_code != 0) {
    std::fprintf(stderr, "kuaguan init %s: %s", code.c_str(), init.err.c_str());
    return false;
  }
  if (auto_issue) std::ofstream(n->config(), std::ios::app) << "auto_issue = true\n";
  n->daemon = std::make_unique<kt::Process>(std::vector<std::string>{kt::BinDir() + "/kuaguand", "--config", n->config()},
                                            (dir / "kuaguand.log").string());
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = n->Cli({"status"}).exit_code == 0;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!up) {
    std::fprintf(stderr, "kuaguand %s did not come up (see %s/kuaguand.log)\n", code.c_str(), dir.c_str());
    return false;
  }
  const std::string people = kb::RegisterPeople(n->socket(), operator_roles);
  if (!people.empty()) std::fprintf(stderr, "%s\n", people.c_str());
  return people.empty();
}

// A desk client of the front desk, as kuaguan-desk is.
struct DeskClient {
  std::unique_ptr<v1::Desk::Stub> stub;

  // Files one request and waits for its verified certificate; false on any failure.
  bool FileAndFetch(const std::string& id_number, std::string* pdf, v1::TrustBundle* trust) {
    v1::FileRequestRequest req;
    req.set_person_name("王建国");
    req.set_id_number(id_number);
    req.set_target("410100");
    req.set_category("婚姻登记");
    req.set_purpose("办理养老保险待遇");
    v1::StoredRequest filed;
    {
      grpc::ClientContext ctx;
      if (!stub->FileRequest(&ctx, req, &filed).ok()) return false;
    }
    v1::RequestRef ref;
    ref.set_request_id(filed.request().request_id());
    for (int i = 0; i < 20000; ++i) {
      grpc::ClientContext ctx;
      v1::StoredRequest now;
      if (!stub->GetRequest(&ctx, ref, &now).ok()) return false;
      if (now.state() == v1::REQUEST_STATE_DELIVERED) break;
      if (now.state() == v1::REQUEST_STATE_NOT_FOUND || now.state() == v1::REQUEST_STATE_REFUSED ||
          now.state() == v1::REQUEST_STATE_IN_REVIEW) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    grpc::ClientContext ctx;
    v1::CertificateFile f;
    if (!stub->FetchCertificate(&ctx, ref, &f).ok()) return false;
    if (!kuaguan::seal::VerifySealedCertificate(f.pdf(), f.trust()).ok()) return false;
    *pdf = f.pdf();
    *trust = f.trust();
    return true;
  }
};

void InProcessCosts(const std::filesystem::path& dir, const std::string& sample_pdf) {
  namespace fed = kuaguan::seal;
  auto ca = *fed::CertificateAuthority::Create(dir / "ca", "bench", "410000", "河南省档案馆");
  Botan::AutoSeeded_RNG rng;
  auto seal_key = fed::NewKey(fed::KeyKind::kSm2, rng);
  const std::string seal_cert = *ca->IssueSealCert(fed::Sm2PublicKeyDer(*seal_key), "410100", "郑州市档案馆",
                                                   std::chrono::hours(24 * 365));
  const std::string picture = *kuaguan::document::RenderSealPng("郑州市档案馆", "电子出证专用章", 600);
  const std::string seal = *ca->MakeArchiveSeal("410100-1", "郑州市档案馆电子出证专用章", seal_cert, picture);
  kuaguan::v1::TrustBundle trust;
  trust.set_root_pem(ca->root_pem());
  trust.set_seal_maker_pem(ca->seal_maker_pem());
  auto* m = trust.add_members();
  m->set_code("410100");
  m->set_seal_cert_pem(seal_cert);

  kuaguan::testing::PageSpec spec;
  spec.title = "婚姻登记申请表";
  spec.paragraphs.push_back(kuaguan::testing::ComposeParagraph(400, 3));
  const auto page_path = dir / "page.png";
  if (!kuaguan::testing::RenderPagePng(spec, page_path.string()).ok()) return;
  kuaguan::document::CertificateDocument doc;
  doc.serial = "410100-2026-000001-5";
  doc.issuing_name = "郑州市档案馆";
  doc.records = {{"Z109-WS·2020-Y-SMJ-0003", "婚姻登记申请表", "2020-06-04", 1, std::string(64, 'a')}};
  auto jpeg = kuaguan::ingest::RedactedPage(ReadAll(page_path), 0, {}, kuaguan::ingest::RedactedFormat::kJpeg);
  if (!jpeg.ok()) return;
  doc.pages = {{*jpeg, "档号 Z109-WS·2020-Y-SMJ-0003 — 第 1 页 / 共 1 页"}};
  doc.seal_png = picture;
  doc.qr_text = "KUAGUAN-CERT:410100-2026-000001-5";
  kuaguan::v1::CertificateContent content;
  content.set_serial(doc.serial);
  content.set_issuing_archive("410100");
  const int n = 20;
  std::string pdf, file;
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) pdf = *kuaguan::document::RenderCertificatePdf(doc);
  const double render = Ms(Clock::now() - t0) / n;
  t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    file = *fed::SealCertificate(pdf, content, seal, seal_cert, *seal_key, std::chrono::system_clock::now());
  }
  const double sealing = Ms(Clock::now() - t0) / n;
  t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (!fed::VerifySealedCertificate(file, trust).ok()) std::printf("  (verification failed)\n");
  }
  const double verify = Ms(Clock::now() - t0) / n;
  std::printf("  in process, one certificate of 2 pages (%zu bytes, the page a 200-dpi JPEG): render %.1f ms, seal %.2f ms, "
              "verify %.2f ms\n",
              file.size(), render, sealing, verify);

  // The peer: the openssl command signing the same bytes with SM2/SM3.
  const auto key_path = dir / "sm2.pem", pdf_path = dir / "sample.pdf", sig_path = dir / "sig.der";
  std::ofstream(pdf_path, std::ios::binary) << (sample_pdf.empty() ? file : sample_pdf);
  if (kt::Run({"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out",
               key_path.string()}).exit_code != 0) {
    std::printf("  (openssl cannot make an SM2 key here)\n");
    return;
  }
  t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    kt::Run({"/usr/bin/openssl", "dgst", "-sm3", "-sign", key_path.string(), "-out", sig_path.string(),
             pdf_path.string()});
  }
  std::printf("  peer: openssl dgst -sm3 -sign over the same file: %.1f ms per signature (a process each)\n",
              Ms(Clock::now() - t0) / n);
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 200;
  const kuaguan::bench::BenchUsage usage = {
      "request_bench",
      "remote requests on the auto-issue path between two archives on loopback (kuaguand\n"
      "processes): filing to verified certificate at the front desk (p50/p99, one at a time),\n"
      "certificates issued per second with 4 desk clients at once, PDF bytes per page, and the\n"
      "in-process cost of rendering, sealing and verifying one certificate against openssl\n"
      "signing the same PDF with SM2/SM3. Prints figures.",
      "request_bench --requests 50"};
  if (auto exit_code = kuaguan::bench::ParseBenchFlags(
          argc, argv, usage,
          {kuaguan::bench::NumberFlag("--requests", "N", "remote requests filed one at a time",
                                      &requests)})) {
    return *exit_code;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  kt::TempDir dir;
  std::printf("request_bench: %d remote requests on the auto-issue path (front desk 410200 -> back office 410100)\n",
              requests);
  kb::OpenToAccounts(dir.path());
  if (const std::string why = kb::PeopleUnavailable(); !why.empty()) {
    std::printf("  filing and issuing between nodes: not run: %s\n", why.c_str());
    InProcessCosts(dir.path(), "");
    return 0;
  }
  Node prov, back, front;
  if (!StartNode(&prov, dir.path() / "prov", "410000", "河南省档案馆", "provincial", false, {"ca-operator"}) ||
      !StartNode(&back, dir.path() / "back", "410100", "郑州市档案馆", "archive", true, {"digitizer"}) ||
      !StartNode(&front, dir.path() / "front", "410200", "开封市档案馆", "archive", false, {"cataloguer"})) {
    std::printf("cannot start the nodes\n");
    return 1;
  }
  const std::string enroll = JsonField(prov.Cli({"status", "--json"}).out, "enroll_listen");
  for (auto* n : {&back, &front}) {
    const std::string code = n == &back ? "410100" : "410200";
    const std::string token =
        JsonField(prov.CliAs(kb::kOperator, {"ca", "token", "--archive", code, "--name",
                                             code == "410100" ? "郑州市档案馆" : "开封市档案馆", "--json"})
                      .out,
                  "token");
    if (n->Cli({"enroll", "--provincial", enroll, "--token", token}).exit_code != 0) {
      std::printf("enrollment of %s failed\n", code.c_str());
      return 1;
    }
  }
  front.Cli({"directory", "refresh"});
  // The back office holds one scanned marriage registration naming the person (OCR'd after
  // enrollment, so its identity hash is the federation's) and shares it unconditionally.
  // The digitizer (kgtest-op) ingests the scans; the security officer (kgtest-so) accepts them.
  if (kt::Run({kt::BinDir() + "/kuaguan-gen-scans", (dir.path() / "scans").string(), "--items", "3"}).exit_code != 0) return 1;
  kb::OpenToAccounts(dir.path() / "scans", true);
  auto ingest = back.CliAs(kb::kOperator, {"ingest", "scans", (dir.path() / "scans" / "manifest.csv").string(), "--json"});
  const size_t brace = ingest.out.rfind('{');
  if (ingest.exit_code != 0 || brace == std::string::npos) {
    std::printf("cannot ingest the scans: %s\n", ingest.err.c_str());
    return 1;
  }
  const std::string batch = JsonField(ingest.out.substr(brace), "batch");
  if (back.CliAs(kb::kOfficer, {"ingest", "accept", batch}).exit_code != 0 &&
      back.CliAs(kb::kOfficer, {"ingest", "accept", batch, "--override", "基准测试"}).exit_code != 0) {
    std::printf("cannot accept the ingest batch %s\n", batch.c_str());
    return 1;
  }
  const kuaguan::seal::TlsIdentity id = kb::DeskClerk(front, "赵敏");
  if (id.key_pem.empty()) return 1;
  auto channel = kuaguan::seal::MutualTlsChannel(id, JsonField(front.Cli({"status", "--json"}).out, "peer_listen"),
                                                       "410200");
  const std::string person = "11010519491231002X";

  DeskClient desk{v1::Desk::NewStub(channel)};
  std::string pdf;
  v1::TrustBundle trust;
  if (!desk.FileAndFetch(person, &pdf, &trust)) {
    std::printf("the first request did not come back certified (see %s)\n", back.dir.c_str());
    return 1;
  }
  std::vector<double> ms;
  int failed = 0;
  for (int i = 0; i < requests; ++i) {
    const auto t0 = Clock::now();
    if (!desk.FileAndFetch(person, &pdf, &trust)) ++failed;
    ms.push_back(Ms(Clock::now() - t0));
  }
  const Pct p = Percentiles(ms);
  std::printf("  filing -> verified certificate at the front desk: p50 %.0f ms, p99 %.0f ms (%d failed) [goal p50 <= 1000]\n",
              p.p50, p.p99, failed);

  const int concurrent = std::max(8, requests / 2);
  std::atomic<int> next{0}, ok{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      DeskClient d{v1::Desk::NewStub(channel)};
      std::string f;
      v1::TrustBundle t;
      while (next.fetch_add(1) < concurrent) ok += d.FileAndFetch(person, &f, &t) ? 1 : 0;
    });
  }
  for (auto& t : clients) t.join();
  const double seconds = Ms(Clock::now() - t0) / 1000;
  std::printf("  %d requests from 4 desk clients at once: %.1f certificates issued and delivered per second (%d ok)\n",
              concurrent, ok.load() / seconds, ok.load());
  size_t pages = 1;  // the cover, then each record's pages
  auto verified = kuaguan::seal::VerifySealedCertificate(pdf, trust);
  if (!verified.ok()) return 1;
  for (const auto& r : verified->content.records()) pages += r.pages();
  std::printf("  certificate: %zu bytes, %zu pages: %.0f KiB per page\n", pdf.size(), pages,
              double(pdf.size()) / pages / 1024);
  InProcessCosts(dir.path(), pdf);
  return 0;
}
