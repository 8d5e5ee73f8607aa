# Shell functions shared by deploy/demo.sh and deploy/examples/up.sh (sourced, bash): the people
# of a node as real Unix accounts, waiting for a node, registering its people and enrolling an
# archive with the provincial node. Needs root (runuser). The callers set KG (the kuaguan CLI,
# where every account may run it).

# The people's Unix accounts (group kuaguan reaches the nodes' sockets).
SO=kuaguan-demo-so; AUD=kuaguan-demo-aud; CAT=kuaguan-demo-cat; BO=kuaguan-demo-bo; CA=kuaguan-demo-ca
MON=kuaguan-demo-mon; APR=kuaguan-demo-apr; REV=kuaguan-demo-rev

# as USER COMMAND...: run as that person's Unix account (the node learns who from the kernel).
as() { local user=$1; shift; printf '[%s] $ %s\n' "$user" "$*"; runuser -u "$user" -- "$@"; }

# kg_accounts: group kuaguan and the people's accounts in it (made once).
kg_accounts() {
  getent group kuaguan >/dev/null || groupadd --system kuaguan
  local u
  for u in $SO $AUD $CAT $BO $CA $MON $APR $REV; do
    id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
    usermod -a -G kuaguan "$u"
  done
}

# kg_wait_up CONFIG: waits (up to 10 s) until the node of CONFIG answers `kuaguan status`.
kg_wait_up() {
  local _
  for _ in $(seq 1 100); do "$KG" status --config "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the node of $1 did not come up" >&2
  return 1
}

# kg_people CONFIG: the service account registers the security officer, who registers the rest:
# the auditor, and the CA operator and monitor (provincial) or cataloguer, back office (and
# approver), appraiser and reviewer (archive).
kg_people() {
  as root "$KG" staff grant $SO --name 王保密 --role security-officer --config "$1"
  as $SO "$KG" staff grant $AUD --name 赵审计 --role auditor --config "$1"
  if grep -Eq "^role *= *['\"]provincial" "$1"; then
    as $SO "$KG" staff grant $CA --name 孙认证 --role ca-operator --config "$1"
    as $SO "$KG" staff grant $MON --name 周监控 --role monitor --config "$1"
  else
    as $SO "$KG" staff grant $CAT --name 李编目 --role cataloguer --role digitizer --config "$1"
    as $SO "$KG" staff grant $BO --name 钱办理 --role back-office --role approver --config "$1"
    as $SO "$KG" staff grant $APR --name 吴鉴定 --role appraiser --config "$1"
    as $SO "$KG" staff grant $REV --name 郑复审 --role reviewer --config "$1"
  fi
}

# kg_json_field KEY: the string value of KEY in the JSON document on standard input.
kg_json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -n 1; }

# kg_token PROVINCIAL_CONFIG CODE NAME: a one-time enrollment token from the provincial CA operator.
kg_token() {
  runuser -u $CA -- "$KG" ca token --config "$1" --archive "$2" --name "$3" --json | kg_json_field token
}

# kg_enroll PROVINCIAL_CONFIG MEMBER_CONFIG CODE NAME: enrolls the member (its service account,
# with a fresh token) at the provincial node's enrollment listener.
kg_enroll() {
  local enroll token
  enroll=$("$KG" status --config "$1" --json | kg_json_field enroll_listen)
  token=$(kg_token "$1" "$3" "$4")
  printf '$ %s\n' "kuaguan enroll --config $2 --provincial $enroll --token (one-time token for $3 $4)"
  "$KG" enroll --config "$2" --provincial "$enroll" --token "$token"
}
