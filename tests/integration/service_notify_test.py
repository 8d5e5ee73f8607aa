# kuaguand under a Type=notify unit, with systemd played by this script: a Unix datagram socket as
# NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID set as systemd sets them, and the key passphrase
# given as a credential outside the data directory (KUAGUAN_KEY_FILE, as the unit does). Checks
# that STATUS= comes while starting, READY=1 only once `kuaguan status` answers, WATCHDOG=1
# repeatedly at about half of WATCHDOG_USEC, STOPPING=1 on SIGTERM and a clean exit; and that a
# WATCHDOG_PID naming another process gets no pings. The daemon runs as this account (its
# primary group reaches the socket). usage: service_notify_test.py BIN_DIR
import grp
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
WATCHDOG_USEC = 1_000_000  # pings every 0.5 s


def fail(msg, log=None):
    print('FAIL:', msg)
    if log and os.path.exists(log):
        print('--- kuaguand log ---\n' + open(log, encoding='utf-8', errors='replace').read())
    sys.exit(1)


def receive(sock, deadline):
    """The next notification (a list of KEY=VALUE lines), or None at the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recv(4096).decode().split('\n')
    except socket.timeout:
        return None


def start(tmp, config, sock_path, credential, watchdog_pid_self, log):
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC=str(WATCHDOG_USEC),
               KUAGUAN_KEY_FILE=credential)
    # systemd sets WATCHDOG_PID to the main process: the shell's pid is the daemon's after exec.
    pid_expr = '$$' if watchdog_pid_self else '1'
    script = f'WATCHDOG_PID={pid_expr}; export WATCHDOG_PID; exec "$0" "$@"'
    out = open(log, 'ab')
    return subprocess.Popen(['sh', '-c', script, f'{BIN}/kuaguand', '--config', config],
                            env=env, stdout=out, stderr=out, cwd=tmp)


def status_answers(config):
    return subprocess.run([f'{BIN}/kuaguan', 'status', '--config', config],
                          capture_output=True).returncode == 0


def main():
    tmp = tempfile.mkdtemp(prefix='kuaguan-notify-')
    node = os.path.join(tmp, 'node')
    r = subprocess.run([f'{BIN}/kuaguan', 'init', node, '--archive-id', '410100', '--name', '郑州市档案馆',
                        '--listen', '127.0.0.1:0', '--socket-group', grp.getgrgid(os.getegid()).gr_name], capture_output=True, text=True)
    if r.returncode != 0:
        fail('kuaguan init: ' + r.stderr)
    config = os.path.join(node, 'kuaguan.toml')
    # The credential as systemd hands it over: a file of its own (0400) in a private directory.
    creds = os.path.join(tmp, 'credentials')
    os.mkdir(creds, 0o500)
    credential = os.path.join(creds, 'key-passphrase')
    fd = os.open(credential, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    os.write(fd, (secrets.token_hex(32) + '\n').encode())
    os.close(fd)
    sock_path = os.path.join(tmp, 'notify.sock')
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    log = os.path.join(tmp, 'kuaguand.log')

    # 1. Watchdog for this process: STATUS while starting, READY once serving, pings, STOPPING.
    proc = start(tmp, config, sock_path, credential, True, log)
    deadline = time.monotonic() + 60
    seen_status = False
    while True:
        msg = receive(sock, deadline)
        if msg is None:
            proc.kill()
            fail('no READY=1 within 60 s', log)
        if 'READY=1' in msg:
            break
        if 'WATCHDOG=1' in msg:
            fail('a watchdog ping before READY=1', log)
        seen_status = seen_status or any(m.startswith('STATUS=') for m in msg)
    if not seen_status:
        fail('no STATUS= while starting', log)
    if not status_answers(config):
        fail('READY=1 came, but `kuaguan status` does not answer', log)
    if not any(m.startswith('STATUS=serving archive 410100') for m in msg):
        fail(f'READY=1 without the serving status: {msg}', log)
    print('READY=1 with', [m for m in msg if m.startswith('STATUS=')][0])

    pings = []
    window = time.monotonic() + 3.0
    while True:
        msg = receive(sock, window)
        if msg is None:
            break
        if 'WATCHDOG=1' in msg:
            pings.append(time.monotonic())
    # 0.5 s apart: about 6 in 3 s; a loaded machine may delay some.
    if len(pings) < 4:
        fail(f'{len(pings)} watchdog pings in 3 s (expected about 6)', log)
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    if max(gaps) > WATCHDOG_USEC / 1e6:
        fail(f'watchdog pings {max(gaps):.3f} s apart, longer than WATCHDOG_USEC', log)
    print(f'{len(pings)} watchdog pings in 3 s, at most {max(gaps):.3f} s apart')

    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    while True:
        msg = receive(sock, deadline)
        if msg is None:
            fail('no STOPPING=1 after SIGTERM', log)
        if 'STOPPING=1' in msg:
            break
    if proc.wait(timeout=30) != 0:
        fail(f'kuaguand exited {proc.returncode} after SIGTERM', log)
    print('STOPPING=1 on SIGTERM, exit 0')

    # 2. WATCHDOG_PID names another process: the watchdog is not ours, no pings.
    proc = start(tmp, config, sock_path, credential, False, log)
    deadline = time.monotonic() + 60
    while True:
        msg = receive(sock, deadline)
        if msg is None:
            proc.kill()
            fail('no READY=1 within 60 s (second start)', log)
        if 'WATCHDOG=1' in msg:
            fail('a watchdog ping although WATCHDOG_PID names another process', log)
        if 'READY=1' in msg:
            break
    window = time.monotonic() + 1.0
    while (msg := receive(sock, window)) is not None:
        if 'WATCHDOG=1' in msg:
            proc.kill()
            fail('a watchdog ping although WATCHDOG_PID names another process', log)
    proc.send_signal(signal.SIGTERM)
    if proc.wait(timeout=30) != 0:
        fail(f'kuaguand exited {proc.returncode} after SIGTERM (second start)', log)
    print('no watchdog pings when WATCHDOG_PID is another process')
    subprocess.run(['rm', '-rf', tmp])
    print('PASS')


main()
