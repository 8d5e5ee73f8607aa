// kuaguand: the Kuaguan node daemon. Usage: kuaguand --config FILE (or KUAGUAN_CONFIG).
// KUAGUAN_KEY_FILE, when set, names the key passphrase file instead of the config's key_file
// (under systemd: the credential, $CREDENTIALS_DIRECTORY/key-passphrase). Under a Type=notify
// unit it reports readiness, status, watchdog pings and stopping (node/service_notify.h).
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/openmp_env.h"
#include "base/node_config.h"
#include "node/daemon.h"
#include "node/service_notify.h"

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
                   "SIGINT stops it cleanly. KUAGUAN_KEY_FILE=FILE overrides the config's key_file\n"
                   "(the key passphrase); under systemd (Type=notify) it reports readiness and\n"
                   "watchdog pings through NOTIFY_SOCKET.\n"
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
  kuaguan::node::ServiceNotifier notifier;
  auto config = kuaguan::base::LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << "kuaguand: " << config.status().message() << "\n";
    notifier.Status(absl::StrCat("failed: ", config.status().message()));
    return 1;
  }
  if (const char* key_file = std::getenv("KUAGUAN_KEY_FILE"); key_file != nullptr && key_file[0] != '\0') {
    config->key_file = key_file;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  notifier.Status("starting: opening the store and the index");
  auto daemon = kuaguan::node::Daemon::Start(*config);
  if (!daemon.ok()) {
    std::cerr << "kuaguand: " << daemon.status().message() << "\n";
    notifier.Status(absl::StrCat("failed: ", daemon.status().message()));
    return 1;
  }
  std::cout << "kuaguand: archive " << config->archive_id << " (" << config->name << ") serving people on unix:"
            << config->SocketPath().string() << " (group " << config->socket_group << "), health on "
            << (*daemon)->listen() << std::endl;
  // Start has returned: the local socket, the health listener and (once enrolled, or on the
  // provincial node) the peer listeners serve.
  const std::string peers = (*daemon)->peer_listen();
  notifier.Ready(absl::StrCat("serving archive ", config->archive_id, " (", config->name, ") on unix:",
                              config->SocketPath().string(), ", health on ", (*daemon)->listen(),
                              peers.empty() ? ", not enrolled" : absl::StrCat(", peers on ", peers)));
  notifier.StartWatchdog([&daemon] { return (*daemon)->Probe(); });
  // The signal waiter is joined: once the server has stopped, it is woken with a signal of our
  // own that it ignores.
  std::atomic<bool> stopped{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (stopped.load()) return;
    std::cout << "kuaguand: " << strsignal(sig) << ", shutting down" << std::endl;
    notifier.Stopping(absl::StrCat(strsignal(sig), ": letting running calls finish"));
    (*daemon)->Shutdown();
  });
  (*daemon)->Wait();
  notifier.Stopping("closing the store and the index");
  stopped.store(true);
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  daemon->reset();
  std::cout << "kuaguand: stopped" << std::endl;
  return 0;
}
