# SPDX-License-Identifier: GPL-2.0
# Helpers to drive rbond and the C bonding driver the same way, for side-by-side tests.
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RTNL="python3 $LIB/rtnl.py"

# mkbond rbond|bonding NAME [OPTION VALUE ...]: create a bond with iproute2's option words
mkbond() {
  local drv=$1 name=$2; shift 2
  if [ "$drv" = rbond ]; then $RTNL newlink "$name" rbond "$@" >/dev/null; else ip link add "$name" type bond "$@"; fi
}
# setbond rbond|bonding NAME OPTION VALUE ...: change options
setbond() {
  local drv=$1 name=$2; shift 2
  if [ "$drv" = rbond ]; then $RTNL changelink "$name" rbond "$@" >/dev/null; else ip link set "$name" type bond "$@"; fi
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

# wait_for SECONDS COMMAND...: poll until the command succeeds (the clock is bash's own
# EPOCHREALTIME, in microseconds: a `date` costs ~0.1 s of the TCG guest's CPU, twice a poll)
wait_for() {
  local t=$1; shift
  local end=$(( ${EPOCHREALTIME/[.,]/} + t * 1000000 ))
  while ! "$@" >/dev/null 2>&1; do
    [ "${EPOCHREALTIME/[.,]/}" -ge $end ] && return 1
    sleep 0.1
  done
}

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
