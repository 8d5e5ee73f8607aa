#!/usr/bin/env bash
# Real Unix accounts for the black-box tests (three-role separation is tested with the kernel's
# word for who is calling): created before the integration tests, removed after. Needs root.
#   test_accounts.sh create BIN_DIR | remove
# Group kgtest reaches the test nodes' sockets; kgtest-out is outside it. The CLI binaries are
# copied to /tmp/kuaguan-test-bin, which every account can run (the build tree may be private).
set -euo pipefail
SHARED=/tmp/kuaguan-test-bin
ACCOUNTS=(kgtest-op kgtest-so kgtest-aud kgtest-so2 kgtest-cat kgtest-out)
case "${1:-}" in
  create)
    [ "$(id -u)" -eq 0 ] || { echo "test_accounts.sh: the role tests make Unix accounts and need root" >&2; exit 1; }
    getent group kgtest >/dev/null || groupadd --system kgtest
    for a in "${ACCOUNTS[@]}"; do
      if ! id "$a" >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$a"
      fi
      [ "$a" = kgtest-out ] || usermod -a -G kgtest "$a"
    done
    rm -rf "$SHARED"
    mkdir -p "$SHARED"
    cp "$2/kuaguan" "$2/kuaguan-desk" "$SHARED/"
    printf 'kuaguan-test-passphrase\n' >"$SHARED/passphrase"
    chmod 755 "$SHARED" "$SHARED/kuaguan" "$SHARED/kuaguan-desk"
    chmod 644 "$SHARED/passphrase"
    ;;
  remove)
    for a in "${ACCOUNTS[@]}"; do id "$a" >/dev/null 2>&1 && userdel "$a" || true; done
    getent group kgtest >/dev/null && groupdel kgtest || true
    rm -rf "$SHARED"
    ;;
  *) echo "usage: test_accounts.sh create BIN_DIR | remove" >&2; exit 2 ;;
esac
