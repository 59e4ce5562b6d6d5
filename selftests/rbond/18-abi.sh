#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ABI side by side: for identical active-backup, balance-xor, 802.3ad, balance-rr, broadcast and
# balance-alb setups (and active-backup with the ARP and NS monitors, balance-xor with the ARP monitor), rbond's /proc text, every sysfs file of bonding/ and bonding_slave/, and the netlink attributes of the
# bond and its slaves (IFLA_INFO_DATA, IFLA_INFO_SLAVE_DATA, byte for byte, through
# lib/rtnl.py getlink) are the C driver's: normalized only for interface names, MAC addresses,
# ifindexes and aggregator numbers (renumbered in order of appearance: which port's aggregator
# wins depends on which LACPDU came first, for bonding.ko as well).
# Part 1: both drivers loaded, rbond with its own kind (rbond) and names; the drivers' bonds are
# c-X and r-X. Part 2: `ip -d link show` (text and JSON) as iproute2 prints it, bonding.ko first,
# then rbond in compatibility mode (kind bond) with the same names (k-X); the 802.3ad partner is a
# bond of the same driver.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lacp.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
T=$(mktemp -d)
NS=abi-peer
declare -A delta

# veths PREFIX: slaves PREFIX-s1, PREFIX-s2 (down), whose peers PREFIX-p1, PREFIX-p2 live in $NS
# (down: the links come up once everything is in place, so that no link flaps before the dump;
# up at once with PEERS_UP=1)
veths() {
  local i
  for i in 1 2; do
    ip link add "$1-s$i" type veth peer name "$1-p$i" netns "$NS"
    [ -n "${PEERS_UP:-}" ] && ip -n "$NS" link set "$1-p$i" up
  done
}

# mk DRIVER BOND OPTION VALUE...: the bond with two slaves, up. bonding (and rbond in compat
# mode): ip link add ... type bond; rbond: rtnl.py with kind rbond (iproute2 has no rbond options)
mk() {
  local drv=$1 b=$2; shift 2
  veths "$b"
  case "$drv" in
    bonding|compat) ip link add "$b" type bond "$@" ;;
    rbond) rtnl newlink "$b" rbond "$@" >/dev/null ;;
  esac || { echo "cannot create $b ($drv): $*"; return 1; }
  ip link set "$b-s1" master "$b" && ip link set "$b-s2" master "$b" && ip link set "$b" up
}

# the peer of an 802.3ad bond: a bonding.ko bond (or an rbond one in part 2) in $NS over the peers
mk_partner() {
  local drv=$1 b=$2
  case "$drv" in
    bonding|compat|rbond) ip -n "$NS" link add "$b-P" type bond "${LACP_OPTS[@]}" ;;
  esac || return 1
  ip -n "$NS" link set "$b-p1" master "$b-P" && ip -n "$NS" link set "$b-p2" master "$b-P" && ip -n "$NS" link set "$b-P" up
}

ad_formed() { # BOND: both ports in the bond's active aggregator with state 63
  local b=$1 agg s
  agg=$(cat "/sys/class/net/$b/bonding/ad_aggregator")
  [ "$(cat "/sys/class/net/$b/bonding/ad_num_ports")" = 2 ] || return 1
  for s in s1 s2; do
    [ "$(cat "/sys/class/net/$b-$s/bonding_slave/ad_aggregator_id")" = "$agg" ] || return 1
    [ "$(cat "/sys/class/net/$b-$s/bonding_slave/ad_actor_oper_port_state")" = 63 ] || return 1
  done
}

# dump DRIVER BOND: everything compared, one "WHERE KEY=VALUE" line each
dump() {
  local drv=$1 b=$2 d f dev
  echo "== proc"
  cat "$(procfile "$([ "$drv" = rbond ] && echo rbond || echo bonding)" "$b")" | grep -v '^Aggregation: '
  echo "== sysfs"
  # each file's lines joined by "|", a read error as "ERROR:<its text>|"; read by bash itself,
  # without a program per file (~60 files a dump, ~0.1 s a program in the TCG guest)
  local l v e
  for dev in "$b" "$b-s1" "$b-s2"; do
    for d in "/sys/class/net/$dev/bonding" "/sys/class/net/$dev/bonding_slave"; do
      [ -d "$d" ] || continue
      for f in "$d"/*; do
        v=""
        { while IFS= read -r l; do v+="$l|"; done < "$f"; } 2> "$T/err"
        [ -s "$T/err" ] && { IFS= read -r e < "$T/err"; v+="ERROR:${e##*: }|"; }
        echo "$dev/${d##*/}/${f##*/}=$v"
      done
    done
  done
  echo "== netlink"
  rtnl getlink "$b" "$b-s1" "$b-s2"
}

# norm PREFIX: names, MACs, ifindexes, kinds and aggregator numbers made neutral
norm() {
  local idx
  # ifindexes of the interfaces, as hex u32 (little endian) in netlink attributes -> names
  local sedx=()
  for dev in "$1" "$1-s1" "$1-s2"; do
    idx=$(cat "/sys/class/net/$dev/ifindex")
    sedx+=(-e "/ (ACTIVE_SLAVE|PRIMARY)=/s/=$(printf '%08x' "$idx" | sed -E 's/(..)(..)(..)(..)/\4\3\2\1/')\$/=IFINDEX(${dev/$1/B})/")
  done
  sed -E "${sedx[@]}" -e "s/$1/B/g" -e 's/kind=rbond/kind=bond/' \
      -e "s/$ZERO_MAC/ZERO-MAC/g; s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g" \
      -e 's/^(B[-a-z0-9]* slave PERM_HWADDR)=.*/\1=MAC/' \
      -e 's/^(B data AD_INFO\.5)=([0-9a-f]{12})$/\1=MAC/' \
      -e 's/^(B data AD_ACTOR_SYSTEM)=([0-9a-f]{12})$/\1=MAC/' |
    awk '
      function agg(v) { if (!(v in ids)) ids[v] = "AGG" (++n); return ids[v] }
      /^\t?Aggregator ID: [0-9]+$/ { v = $NF; sub(/[0-9]+$/, agg(v)); print; next }
      /\/ad_aggregator(_id)?=[0-9]+\|$/ { split($0, a, "="); v = a[2]; sub(/\|$/, "", v); print a[1] "=" agg(v) "|"; next }
      / (data AD_INFO\.1|slave AD_AGGREGATOR_ID)=/ { split($0, a, "="); print a[1] "=" agg(a[2]); next }
      { print }'
}

# one setup on both drivers, then the comparison
SETUPS=(ab xor ad rr bc arp xarp alb)
# (the ARP setups probe every 60 s: nothing answers here, and their first round, at the bond's
# open, finds every slave within its grace, so nothing changes before the dump. balance-xor's
# slaves have carrier when enslaved: one enslaved without carrier is down until a round of
# bond_loadbalance_arp_mon() brings it up, and bonding.ko's first round, at the bond's open,
# usually loses rtnl_trylock() to the open itself and waits a whole interval: a race, not ABI)
opts() {
  case "$1" in
    arp) echo "mode active-backup arp_interval 60000 arp_ip_target 192.0.2.1,192.0.2.2 ns_ip6_target 2001:db8::1,fe80::1 arp_validate all arp_all_targets all arp_missed_max 5" ;;
    xarp) echo "mode balance-xor arp_interval 60000 arp_ip_target 192.0.2.1 arp_validate filter arp_missed_max 3" ;;
    rr) echo "mode balance-rr miimon 100 packets_per_slave 4 resend_igmp 3 lp_interval 7" ;;
    bc) echo "mode broadcast miimon 100 downdelay 200" ;;
    ab) echo "mode active-backup miimon 100 primary B-s2 updelay 200 downdelay 100 num_grat_arp 3 peer_notify_delay 300" ;;
    xor) echo "mode balance-xor miimon 50 xmit_hash_policy layer3+4 min_links 1 all_slaves_active 1" ;;
    ad) echo "${LACP_OPTS[*]} ad_select count min_links 1 broadcast_neighbor on" ;;
    # (balance-tlb shares all of these files; its /proc is compared in 33-tlb-alb.sh)
    alb) echo "mode balance-alb miimon 100 tlb_dynamic_lb 0 xmit_hash_policy layer2+3 lp_interval 3 primary B-s2 updelay 100" ;;
  esac
}

# run DRIVER PREFIX SETUP OUT: make the setup, wait for it to settle, dump it normalized
run() {
  local drv=$1 p=$2 s=$3 out=$4 b="$2-$3" PEERS_UP=
  [ "$s" = xarp ] && PEERS_UP=1
  # shellcheck disable=SC2046
  mk "$drv" "$b" $(opts "$s" | sed "s/B-/$b-/g") || return 1
  [ "$s" = ad ] && { mk_partner "$drv" "$b" || return 1; }
  ip -n "$NS" link set "$b-p1" up; ip -n "$NS" link set "$b-p2" up
  if [ "$s" = ad ]; then wait_for 40 ad_formed "$b" || { echo "$b: the aggregate did not form"; return 1; }
  else wait_for 10 bash -c "grep -c 'MII Status: up' $(procfile "$([ "$drv" = rbond ] && echo rbond || echo bonding)" "$b") | grep -qx 3"
  fi
  # after updelay (200 ms) every slave is up and the active one chosen; give the machines a tick
  sleep 1
  dump "$drv" "$b" | norm "$b" > "$out"
}

rbond_unload; modprobe -r bonding 2>/dev/null
ip netns add "$NS"
check "part 1: both drivers load" bash -c "modprobe bonding max_bonds=0 && modprobe rbond max_bonds=0"
for s in "${SETUPS[@]}"; do
  if ! o=$(run bonding c "$s" "$T/c-$s" 2>&1) || ! o2=$(run rbond r "$s" "$T/r-$s" 2>&1); then
    echo "not ok - $s: the setup works with both drivers"; printf '%s\n' "$o" "${o2:-}" | sed 's/^/#   /'
    continue
  fi
  for part in proc sysfs netlink; do
    check "$s: the $part view of rbond is bonding.ko's" \
      diff -u <(sed -n "/^== $part/,/^== /p" "$T/c-$s") <(sed -n "/^== $part/,/^== /p" "$T/r-$s")
  done
  check "$s: the netlink dump is not empty (bond and both slaves)" \
    bash -c "[ \$(grep -c ' data MODE=' $T/r-$s) = 1 ] && [ \$(grep -c ' slave STATE=' $T/r-$s) = 2 ]"
done
# the 802.3ad counters (ip link xstats: IFLA_STATS_LINK_XSTATS and _SLAVE) of both drivers
xs() { ip -j link xstats type "$1" dev "$2" | jq -c '.[0]["802.3ad"]'; }
export -f xs
check "ad: ip link xstats of rbond has bonding.ko's counters, bond and slave" \
  bash -c "[ \"\$(xs bond c-ad | jq -c keys)\" = \"\$(xs bond r-ad | jq -c keys)\" ] && [ \"\$(xs bond_slave c-ad-s1 | jq -c keys)\" = \"\$(xs bond_slave r-ad-s1 | jq -c keys)\" ] && [ \"\$(xs bond r-ad | jq length)\" = 9 ]"
check "ad: rbond counts LACPDUs both ways on each slave, and the bond's counters (read after) are at least its slaves' sums" bash -c "
  s1=\$(xs bond_slave r-ad-s1); s2=\$(xs bond_slave r-ad-s2); b=\$(xs bond r-ad)
  for k in lacpdu_rx lacpdu_tx; do
    v1=\$(jq .\$k <<< \"\$s1\"); v2=\$(jq .\$k <<< \"\$s2\"); vb=\$(jq .\$k <<< \"\$b\")
    [ \$v1 -gt 0 ] && [ \$v2 -gt 0 ] && [ \$vb -ge \$((v1 + v2)) ] || { echo \"\$k: bond \$vb, slaves \$v1 \$v2\"; exit 1; }
  done"
# one each of: marker information, marker response, marker of an unknown type, a PDU of an unknown
# Slow Protocols subtype, a PDU too short for a LACPDU; sent by the partner's side of link 1
inject_slow() {
  ip netns exec "$NS" python3 - "$1" <<'P'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
hdr = bytes.fromhex("0180c2000002") + s.getsockname()[4] + b"\x88\x09"
marker = lambda t: (bytes([2, 1, t, 16]) + bytes(12) + bytes(2) + bytes(2)).ljust(110, b"\0")
for p in (marker(1), marker(2), marker(7), bytes([10, 1]).ljust(110, b"\0"), bytes([1, 1]).ljust(50, b"\0")):
    s.send(hdr + p)
    time.sleep(0.3)
P
}
keys='[.lacpdu_unknown_rx, .lacpdu_illegal_rx, .marker_rx, .marker_response_rx, .marker_response_tx, .marker_unknown_rx] | @tsv'
for d in c r; do
  before=$(xs bond_slave "$d-ad-s1" | jq -r "$keys")
  inject_slow "$d-ad-p1"; sleep 0.5
  after=$(xs bond_slave "$d-ad-s1" | jq -r "$keys")
  delta[$d]=$(paste <(tr '\t' '\n' <<< "$after") <(tr '\t' '\n' <<< "$before") | awk '{ printf "%d ", $1 - $2 }')
done
check "ad: slow frames are counted as by bonding.ko (unknown, illegal, marker rx, response rx, response tx, unknown marker: ${delta[c]})" \
  equals "1 1 1 1 1 1 |1 1 1 1 1 1 " "${delta[c]}|${delta[r]}"

# the slave options (IFLA_BOND_SLAVE_PRIO 9, _ACTOR_PORT_PRIO 10, _QUEUE_ID 5) on both drivers
errno_of() { rtnl setslave "$@" | sed -E 's/^errno=([0-9]+).*/\1/'; }
slave_attr() { rtnl getlink "$1" | sed -n "s/^slave $2=//p"; }
# (functions, not bash -c strings: they use the rtnl server of this shell)
prio_taken() { # D KIND
  [ "$(rtnl setslave $1-ab-s1 $2 9=u32:5)" = 'errno=0 (OK) msg=' ] && equals 05000000 "$(slave_attr $1-ab-s1 PRIO)"
}
port_prio_taken() { # D KIND
  [ "$(rtnl setslave $1-ad-s1 $2 10=u16:1000 | cut -d' ' -f1)" = errno=0 ] && equals e803 "$(slave_attr $1-ad-s1 ACTOR_PORT_PRIO)" &&
    wait_for 5 ip netns exec $NS grep -q 'port priority: 1000' /proc/net/bonding/$1-ad-P
}
setslave_says() { # PATTERN ARGS...: rtnl setslave ARGS prints a line matching PATTERN
  local p=$1; shift
  rtnl setslave "$@" | grep -q "$p"
}
for d in c r; do kind=$([ $d = c ] && echo bond || echo rbond)
  check "$kind: prio 5 on an active-backup slave is taken" prio_taken $d $kind
  check "$kind: actor_port_prio 1000 on an 802.3ad slave is taken, and sent" port_prio_taken $d $kind
done
for a in "xor-s1 9=u32:5" "ab-s1 10=u16:7"; do
  check "the errno of ${a#* } on $(echo "${a%% *}" | cut -d- -f1) is C's ($(errno_of "c-${a%% *}" bond ${a#* }))" \
    equals "$(errno_of "c-${a%% *}" bond ${a#* })" "$(errno_of "r-${a%% *}" rbond ${a#* })"
done
# queue_id: 3 on s2; then 3 on s1 (another slave has it), 17 (above the 16 queues) and 16 (C's
# bound is inclusive) on s1
for a in "ab-s2 5=u16:3" "ab-s1 5=u16:3" "ab-s1 5=u16:17" "ab-s1 5=u16:16"; do
  check "queue_id: the errno of ${a#* } on ${a%% *} is C's ($(errno_of "c-${a%% *}" bond ${a#* }))" \
    equals "$(errno_of "c-${a%% *}" bond ${a#* })" "$(errno_of "r-${a%% *}" rbond ${a#* })"
done
qids() { echo "$(slave_attr $1-ab-s1 QUEUE_ID) $(slave_attr $1-ab-s2 QUEUE_ID) $(cat /sys/class/net/$1-ab-s1/bonding_slave/queue_id) $(grep 'Slave queue ID' /proc/net/$2/$1-ab | xargs) $(sed "s/$1-//g" /sys/class/net/$1-ab/bonding/queue_id)"; }
check "queue_id: netlink, sysfs (the slave's file and the bond's) and /proc read the IDs as on bonding.ko ($(qids c bonding))" equals "$(qids c bonding)" "$(qids r rbond)"
check "... which are 16 and 3" equals "1000 0300 16" "$(qids r rbond | cut -d' ' -f1-3)"
check "a read-only slave attribute (IFLA_BOND_SLAVE_STATE) is refused by name" \
  setslave_says '^errno=22 .*IFLA_BOND_SLAVE_STATE' r-ab-s2 rbond 1=u8:1
check "the slave options did not change the other slave" equals 00000000 "$(slave_attr r-ab-s2 PRIO)"
for s in "${SETUPS[@]}"; do ip link del "c-$s" 2>/dev/null; ip link del "r-$s" 2>/dev/null; done
ip netns del "$NS"
[ -n "${ABI_KEEP:-}" ] && cp -r "$T" "$ABI_KEEP"
rm -f "$T"/*
rmmod rbond; rmmod bonding

# part 2: `ip -d link show` (text and JSON) as iproute2 prints a kind-bond device: bonding.ko,
# then rbond in compatibility mode, with the same names
ipd_norm() { # BOND: ip -d link show of the bond and its slaves, normalized
  local dev
  for dev in "$1" "$1-s1" "$1-s2"; do
    ip -d link show dev "$dev"
    ip -d -j link show dev "$dev" | jq -S '.[0] | del(.ifindex, .link_index)'
  done | sed -E "s/^[0-9]+: /N: /; s/$ZERO_MAC/ZERO-MAC/g; s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g; s/@if[0-9]+/@ifN/" |
    awk '
      function agg(v) { if (!(v in ids)) ids[v] = "AGG" (++n); return ids[v] }
      { for (i = 1; i < NF; i++) if ($i == "aggregator" || $i == "ad_aggregator_id") $(i + 1) = agg($(i + 1))
        if (match($0, /"(aggregator|ad_aggregator_id)": [0-9]+/)) { v = substr($0, RSTART, RLENGTH); sub(/.*: /, "", v); sub(/[0-9]+/, agg(v)) }
        print }'
}
ip netns add "$NS"
check "part 2: bonding.ko loads" modprobe bonding max_bonds=0
for s in "${SETUPS[@]}"; do
  run bonding k "$s" /dev/null >/dev/null 2>&1 && ipd_norm "k-$s" > "$T/ipd-c-$s" || echo "# bonding.ko: setup $s failed"
done
for s in "${SETUPS[@]}"; do ip link del "k-$s" 2>/dev/null; ip -n "$NS" link del "k-$s-P" 2>/dev/null; done
rmmod bonding
check "part 2: rbond loads in compatibility mode" modprobe rbond max_bonds=0 compat=1
for s in "${SETUPS[@]}"; do
  if ! o=$(run compat k "$s" /dev/null 2>&1); then
    echo "not ok - $s: ip -d link show of rbond (compat) is bonding.ko's"; printf '%s\n' "$o" | sed 's/^/#   /'
    continue
  fi
  ipd_norm "k-$s" > "$T/ipd-r-$s"
  check "$s: ip -d link show of rbond (compat) is bonding.ko's" diff -u "$T/ipd-c-$s" "$T/ipd-r-$s"
  check "$s: ... and shows the bond's options" grep -q "bond mode $(opts "$s" | cut -d' ' -f2)" "$T/ipd-r-$s"
done
for s in "${SETUPS[@]}"; do ip link del "k-$s" 2>/dev/null; done
ip netns del "$NS"
[ -n "${ABI_KEEP:-}" ] && mkdir -p "$ABI_KEEP" && cp "$T"/ipd-* "$ABI_KEEP"/
rm -rf "$T"
rmmod rbond
