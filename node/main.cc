// kuaguand: the Kuaguan node daemon. Usage: kuaguand --config FILE (or KUAGUAN_CONFIG).
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "base/openmp_env.h"
#include "base/node_config.h"
#include "node/daemon.h"

int main(int argc, char** argv) {
  kuaguan::base::EnsureSingleThreadedOpenMp(argv);
  std::string config_path;
  if (const char* env = std::getenv("KUAGUAN_CONFIG")) config_path = env;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = a.substr(9);
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: kuaguand --config FILE   (or KUAGUAN_CONFIG=FILE kuaguand)\n"
                   "Runs a Kuaguan (跨馆) node, archive or provincial as its config says: RocksDB store,\n"
                   "Xapian index, the admin service on DATA_DIR/kuaguand.sock and the configured\n"
                   "listen address, and once enrolled the mutual-TLS peer listener. SIGTERM or\n"
                   "SIGINT stops it cleanly.\n"
                   "example:\n"
                   "  kuaguan init nodes/zz --archive-id 410100 --name 郑州市档案馆\n"
                   "  kuaguand --config nodes/zz/kuaguan.toml\n";
      return 0;
    } else {
      std::cerr << "kuaguand: unknown argument '" << a << "' (usage: kuaguand --config FILE)\n";
      return 2;
    }
  }
  if (config_path.empty()) {
    std::cerr << "kuaguand: no config: pass --config FILE or set KUAGUAN_CONFIG\n";
    return 2;
  }
  auto config = kuaguan::base::LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << "kuaguand: " << config.status().message() << "\n";
    return 1;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto daemon = kuaguan::node::Daemon::Start(*config);
  if (!daemon.ok()) {
    std::cerr << "kuaguand: " << daemon.status().message() << "\n";
    return 1;
  }
  std::cout << "kuaguand: archive " << config->archive_id << " (" << config->name << ") serving people on unix:"
            << config->SocketPath().string() << " (group " << config->socket_group << "), health on "
            << (*daemon)->listen() << std::endl;
  // The signal waiter is joined: once the server has stopped, it is woken with a signal of our
  // own that it ignores.
  std::atomic<bool> stopped{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (stopped.load()) return;
    std::cout << "kuaguand: " << strsignal(sig) << ", shutting down" << std::endl;
    (*daemon)->Shutdown();
  });
  (*daemon)->Wait();
  stopped.store(true);
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  daemon->reset();
  std::cout << "kuaguand: stopped" << std::endl;
  return 0;
}
