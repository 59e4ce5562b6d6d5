# SPDX-License-Identifier: GPL-2.0
# 802.3ad helpers for side-by-side tests: one bond per network namespace, made by either driver,
# and its LACP state read from sysfs (bonding/ and bonding_slave/, the files bonding.ko has) and
# from /proc (/proc/net/bonding/ for bonding.ko, /proc/net/rbond/ for rbond: the same text).
# A driver is named as in lib/bond.sh: rbond or bonding.
LACP_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LACP_LIB/bond.sh"

# 802.3ad port state bits (IEEE 802.1AX, bond_3ad.h)
AD_ACTIVITY=1 AD_TIMEOUT=2 AD_AGGREGATION=4 AD_SYNC=8 AD_COLLECTING=16 AD_DISTRIBUTING=32
AD_DEFAULTED=64 AD_EXPIRED=128
AD_UP=63         # active, short timeout, aggregatable, in sync, collecting, distributing
ZERO_MAC=00:00:00:00:00:00
# the options every bond of these tests gets
LACP_OPTS=(mode 802.3ad miimon 100 lacp_rate fast xmit_hash_policy layer3+4)

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t / 1000 )); }

# mk_lacp_bond DRIVER NAME NS [SLAVE ...]: an 802.3ad bond (LACP_OPTS) in NS with SLAVES, up.
# bonding.ko: `ip link add ... type bond OPTIONS`. rbond: `ip link add ... type rbond`, then the
# options through its sysfs files (iproute2 does not know kind rbond's options); mode first, while
# the bond is down and has no slaves. Says what failed and returns 1 on the first failure.
mk_lacp_bond() {
  local drv=$1 name=$2 ns=$3; shift 3
  case "$drv" in
    bonding) ip -n "$ns" link add "$name" type bond "${LACP_OPTS[@]}" || { echo "ip link add $name type bond ${LACP_OPTS[*]} failed"; return 1; } ;;
    rbond)
      ip -n "$ns" link add "$name" type rbond || { echo "ip link add $name type rbond failed"; return 1; }
      ip netns exec "$ns" bash -c '
        d=/sys/class/net/$1/bonding; shift
        while [ $# -gt 0 ]; do
          [ -e "$d/$1" ] || { echo "no sysfs file $d/$1"; exit 1; }
          echo "$2" > "$d/$1" || { echo "echo $2 > $d/$1 failed"; exit 1; }
          v=$(cat "$d/$1"); [ "${v%% *}" = "$2" ] || { echo "$d/$1 reads \"$v\" after writing $2"; exit 1; }
          shift 2
        done' _ "$name" "${LACP_OPTS[@]}" || return 1
      ;;
    *) echo "unknown driver $drv"; return 1 ;;
  esac
  local s
  for s in "$@"; do
    ip -n "$ns" link set "$s" master "$name" || { echo "cannot enslave $s to $name ($drv)"; return 1; }
  done
  ip -n "$ns" link set "$name" up || { echo "cannot set $name up"; return 1; }
  local mode; mode=$(ip netns exec "$ns" cat "/sys/class/net/$name/bonding/mode")
  [ "$mode" = "802.3ad 4" ] || { echo "$name: bonding/mode reads '$mode', not '802.3ad 4'"; return 1; }
}

# lacp_snap NS BOND [SLAVE ...]: the bond's 802.3ad state in one line of KEY=VALUE words:
#   mac system agg ports pmac mii, and per slave SLAVE=AGGREGATOR-ID/ACTOR-STATE/PARTNER-STATE
# (an unreadable file reads "?", an empty one "-")
lacp_snap() {
  ip netns exec "$1" bash -c '
    b=$1; shift; d=/sys/class/net/$b/bonding
    # (bash reads the files: a cat each would be ~20 program starts a snapshot, polled every 0.2 s)
    r() { local v="" e=/tmp/.lacp_snap.$$; { IFS= read -r v < "$1"; } 2> "$e"; [ -s "$e" ] && v="?"; v=${v%% *}; echo "${v:--}"; }
    printf "mac=%s system=%s agg=%s ports=%s pmac=%s mii=%s" "$(r /sys/class/net/$b/address)" \
      "$(r $d/ad_actor_system)" "$(r $d/ad_aggregator)" "$(r $d/ad_num_ports)" "$(r $d/ad_partner_mac)" "$(r $d/mii_status)"
    for s in "$@"; do
      sd=/sys/class/net/$s/bonding_slave
      printf " %s=%s/%s/%s" "$s" "$(r $sd/ad_aggregator_id)" "$(r $sd/ad_actor_oper_port_state)" "$(r $sd/ad_partner_oper_port_state)"
    done
    rm -f /tmp/.lacp_snap.$$
    echo' _ "${@:2}"
}

# sget SNAP KEY: one value of a snapshot
sget() { local w; for w in $1; do [ "${w%%=*}" = "$2" ] && { echo "${w#*=}"; return 0; }; done; echo "?"; }
# ad_state SNAP SLAVE: "AGG ACTOR PARTNER" of one slave
ad_state() { local v; v=$(sget "$1" "$2"); echo "${v//\// }"; }

# system_of SNAP: the LACP system MAC this bond sends (ad_actor_system if set, else its address)
system_of() {
  local s; s=$(sget "$1" system)
  case "$s" in ""|-|"?"|"$ZERO_MAC") sget "$1" mac ;; *) echo "$s" ;; esac
}

# side_formed SNAP PEER-SYSTEM SLAVE...: all slaves in the active aggregator, states 63/63, as many
# ports as slaves, the partner MAC the peer's; prints what is not so
side_formed() {
  local snap=$1 peer=$2; shift 2
  local bad="" agg ports pmac s a st ps
  agg=$(sget "$snap" agg); ports=$(sget "$snap" ports); pmac=$(sget "$snap" pmac)
  [ "$ports" = $# ] || bad+=" ad_num_ports=$ports(want $#)"
  [[ "$agg" =~ ^[1-9][0-9]*$ ]] || bad+=" ad_aggregator=$agg"
  [ "$pmac" != "$ZERO_MAC" ] && [ "$pmac" = "$peer" ] || bad+=" ad_partner_mac=$pmac(want $peer)"
  [ "$(sget "$snap" mii)" = up ] || bad+=" mii_status=$(sget "$snap" mii)"
  for s; do
    read -r a st ps <<< "$(ad_state "$snap" "$s")"
    [ "$a" = "$agg" ] || bad+=" $s:ad_aggregator_id=$a(want $agg)"
    [ "$st" = $AD_UP ] || bad+=" $s:ad_actor_oper_port_state=$st(want $AD_UP)"
    [ "$ps" = $AD_UP ] || bad+=" $s:ad_partner_oper_port_state=$ps(want $AD_UP)"
  done
  [ -z "$bad" ] || { echo "not formed:$bad"; return 1; }
}

# pair_formed NS1 NS2 BOND SLAVE...: both sides formed with each other (the same bond and slave
# names on both sides); prints both snapshots and what is missing
pair_formed() {
  local n1=$1 n2=$2 b=$3; shift 3
  local s1 s2 o rc=0
  s1=$(lacp_snap "$n1" "$b" "$@"); s2=$(lacp_snap "$n2" "$b" "$@")
  echo "$n1: $s1"; echo "$n2: $s2"
  o=$(side_formed "$s1" "$(system_of "$s2")" "$@") || { rc=1; echo "$n1: $o"; }
  o=$(side_formed "$s2" "$(system_of "$s1")" "$@") || { rc=1; echo "$n2: $o"; }
  return $rc
}

# checkr DESCRIPTION COMMAND...: check (lib/tap.sh) that also returns the command's status
checkr() {
  local desc=$1; shift
  local out
  if out=$("$@" 2>&1); then echo "ok - $desc"; return 0; fi
  echo "not ok - $desc"
  printf '%s\n' "$out" | tail -n 15 | sed 's/^/#   /'
  return 1
}

# check_poll DESCRIPTION SECONDS COMMAND...: one TAP line; runs the command until it succeeds
# (ok) or SECONDS pass (not ok, with the command's last output): every 0.2 s for the first 2 s,
# then every 0.5 s (a poll is two snapshots, ~0.3 s of a TCG guest's CPU; a partner heard again
# after 30-40 s under make check's load was polled 200 times). LACP_WAITED holds the
# milliseconds it took, waited() prints them as seconds.
LACP_WAITED=0
check_poll() {
  local desc=$1 t=$2; shift 2
  local t0 out; t0=$(now_ms)
  while ! out=$("$@" 2>&1); do
    LACP_WAITED=$(( $(now_ms) - t0 ))
    if [ $LACP_WAITED -ge $(( t * 1000 )) ]; then
      echo "not ok - $desc"
      printf '%s\n' "$out" | tail -n 15 | sed 's/^/#   /'
      echo "#   (still so after $t s)"
      return 1
    fi
    if [ $LACP_WAITED -lt 2000 ]; then sleep 0.2; else sleep 0.5; fi
  done
  LACP_WAITED=$(( $(now_ms) - t0 ))
  echo "ok - $desc"
}
waited() { printf '%d.%d' $((LACP_WAITED / 1000)) $((LACP_WAITED % 1000 / 100)); }

# proc_partner_system NS DRIVER BOND SLAVE: "details partner lacp pdu: system mac address" of a
# slave in the /proc text
proc_partner_system() {
  ip netns exec "$1" cat "$(procfile "$2" "$3")" | awk -v s="$4" '
    /^Slave Interface: / { cur = $3; p = 0 }
    cur == s && /^details partner lacp pdu:/ { p = 1 }
    p && /system mac address:/ { print $4; exit }'
}

# norm_lacp_proc NS DRIVER BOND: the /proc text with MAC addresses made neutral (the all-zero
# address is kept: it means "no partner") and, when all its "Aggregator ID" lines name the same
# aggregator, that number too: which port's aggregator becomes the active one depends on which
# port's LACPDU came first, and bonding.ko itself shows 1 in one run and 2 in the next.
# rbond's own per-slave "Aggregation:" lines (its documented addition, after the C lines) are not
# C's text: they are left out here and checked on their own (agg_lines).
norm_lacp_proc() {
  local f; f=$(mktemp)
  ip netns exec "$1" cat "$(procfile "$2" "$3")" | grep -v '^Aggregation: ' > "$f"
  local agg=""
  [ "$(grep -oE 'Aggregator ID: [0-9]+' "$f" | sort -u | wc -l)" = 1 ] && agg='s/(Aggregator ID: )[0-9]+$/\1AGG/;'
  sed -E "${agg} s/$ZERO_MAC/ZERO-MAC/g; s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g" "$f"
  rm -f "$f"
}

# agg_lines NS BOND: rbond's "Aggregation:" lines of the bond, one per slave
agg_lines() { ip netns exec "$1" grep '^Aggregation: ' "/proc/net/rbond/$2"; }

# lacp_why NS DRIVER BOND SLAVE: after a failed check, what the two ends of SLAVE did: the
# slave's part of the /proc text, and the LACPDUs that crossed the slave in 3 s each way
# (tcpdump), so that a port that does not aggregate shows whether PDUs were sent, received, or
# received and not taken
lacp_why() {
  local ns=$1 drv=$2 b=$3 s=$4
  echo "# $ns ($drv): $s in $(procfile "$drv" "$b"):"
  ip netns exec "$ns" cat "$(procfile "$drv" "$b")" | awk -v s="$s" '/^Slave Interface: / { p = ($3 == s) } p' | sed 's/^/#     /'
  echo "# $ns: LACPDUs on $s in 3 s (in, out): $(ip netns exec "$ns" timeout 3 tcpdump -nli "$s" -Q in ether proto 0x8809 2>/dev/null | wc -l)"\
"/$(ip netns exec "$ns" timeout 3 tcpdump -nli "$s" -Q out ether proto 0x8809 2>/dev/null | wc -l)"
}

# wire TAP1 TAP2: a cable between two tap devices (the forwarder's PID is appended to the
# caller's PIDS array, to be killed at its end) (frames read from one are written to the other;
# a frame for a side that is down is lost, as on a cable: the write fails with EIO, e.g. while
# t2 moves to the partner's namespace, and must not end the wire)
wire() {
  python3 -c 'import fcntl,struct,os,sys,select
def tap(n):
    fd=os.open("/dev/net/tun",os.O_RDWR)
    fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", n.encode(), 0x0002|0x1000))
    return fd
a,b=tap(sys.argv[1]),tap(sys.argv[2])
while True:
    r,_,_=select.select([a,b],[],[])
    for fd in r:
        f=os.read(fd, 65536)
        try: os.write(b if fd==a else a, f)
        except OSError: pass' "$1" "$2" & PIDS+=($!)
}
