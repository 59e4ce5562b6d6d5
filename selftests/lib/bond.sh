# SPDX-License-Identifier: GPL-2.0
# Helpers to drive rbond and the C bonding driver the same way, for side-by-side tests.
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RTNL="python3 $LIB/rtnl.py"

# rtnl ARGS...: `$RTNL ARGS...` (output and exit status the same), through one python process
# that serves this shell's calls once rtnl_serve started it (a python start costs 1-2 s of a TCG
# guest's CPU); without it, a python each call. The server runs in the namespace it was started
# in: under `ip netns exec` use $RTNL.
rtnl() {
  [ -n "${RTNL_IN:-}" ] || { $RTNL "$@"; return; }
  local IFS=$'\x1f' line rc=1
  # one request at a time: the two sides of a `diff <(...) <(...)` call it at once, and two
  # readers of the answer FIFO split its lines between them, the end mark too, and one waits
  # for ever (a CI run's 21-overflow hung so until its 25-minute limit)
  {
    flock 9
    printf '%s\n' "$*" >&"$RTNL_IN"
    while IFS= read -r line <&"$RTNL_OUT"; do
      [ "${line:0:1}" = $'\x1e' ] && { rc=${line:1}; break; }
      printf '%s\n' "$line"
    done
  } 9> "$RTNL_LOCK"
  return "$rc"
}
# rtnl_serve: start the server of rtnl (once, in the test's own shell, not in a $(...)); it ends
# when the shell does (its FIFO's writers are gone)
rtnl_serve() {
  [ -z "${RTNL_IN:-}" ] || return 0
  local d; d=$(mktemp -d)
  mkfifo "$d/in" "$d/out"
  python3 "$LIB/rtnl.py" serve "$d/in" "$d/out" > /dev/null 2>&1 &
  exec {RTNL_IN}<>"$d/in" {RTNL_OUT}<"$d/out"
  rm -f "$d/in" "$d/out"
  RTNL_LOCK=$d/lock   # rtnl's flock: a file each call opens anew (a lock is per open file)
}
# mkbond rbond|bonding NAME [OPTION VALUE ...]: create a bond with iproute2's option words
mkbond() {
  local drv=$1 name=$2; shift 2
  if [ "$drv" = rbond ]; then rtnl newlink "$name" rbond "$@" >/dev/null; else ip link add "$name" type bond "$@"; fi
}
# setbond rbond|bonding NAME OPTION VALUE ...: change options
setbond() {
  local drv=$1 name=$2; shift 2
  if [ "$drv" = rbond ]; then rtnl changelink "$name" rbond "$@" >/dev/null; else ip link set "$name" type bond "$@"; fi
}
procfile() { if [ "$1" = rbond ]; then echo "/proc/net/rbond/$2"; else echo "/proc/net/bonding/$2"; fi; }

# norm_proc FILE PREFIX: the /proc text with interface names starting with PREFIX- made neutral and
# MAC addresses replaced, so that two drivers' files can be compared
norm_proc() {
  sed -E "/^Aggregation: /d; s/$2-/IF-/g; s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g" "$1"
}

# same_proc RBOND-BOND C-BOND: diff of the two normalized files (empty when identical); the
# interfaces of each side are named with the bond's prefix up to its first "-" (r-b: r-s1, r-s2)
same_proc() {
  diff -u <(norm_proc "$(procfile bonding "$2")" "${2%%-*}") <(norm_proc "$(procfile rbond "$1")" "${1%%-*}")
}

# txcount DEV: transmitted packets
txcount() { cat "/sys/class/net/$1/statistics/tx_packets"; }

# wait_for SECONDS COMMAND...: poll until the command succeeds; the command always runs once more
# after the deadline. Every 0.1 s for the first 2 s, then every 0.5 s: each poll starts programs
# (~0.05-0.5 s of the TCG guest's CPU each), and a long wait polled every 0.1 s under make check's
# load spent more CPU than the thing it waited for. (The clock is bash's own EPOCHREALTIME, in
# microseconds: a `date` costs ~0.1 s of the guest's CPU.)
wait_for() {
  local t=$1; shift
  local start=${EPOCHREALTIME/[.,]/} now
  local end=$(( start + t * 1000000 ))
  while ! "$@" >/dev/null 2>&1; do
    now=${EPOCHREALTIME/[.,]/}
    [ "$now" -ge $end ] && return 1
    if [ $(( now - start )) -lt 2000000 ]; then sleep 0.1; else sleep 0.5; fi
  done
}

# wait_show SECONDS COMMAND...: wait_for, and when the wait fails the command once more with its
# output shown (for a check's diagnostics)
wait_show() { wait_for "$@" && return 0; "${@:2}"; return 1; }

# active_of rbond|bonding BOND: "Currently Active Slave" from /proc
active_of() { sed -n 's/^Currently Active Slave: //p' "$(procfile "$1" "$2")"; }

export -f procfile norm_proc same_proc txcount active_of wait_for

# tcpdump_bg STDERR-FILE TCPDUMP-ARGS...: tcpdump in the background (its pid in TD), returning
# once it captures (it says "listening on" then): a slow guest (the debug kernel) takes a while
# to start it, and a fixed sleep missed the first frames there
tcpdump_bg() {
  local err=$1; shift
  : > "$err"
  tcpdump "$@" 2> "$err" & TD=$!
  wait_for 30 grep -q "listening on" "$err"
}
