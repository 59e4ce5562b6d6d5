#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# balance-tlb (mode 5) and balance-alb (mode 6) side by side with bonding.ko (bond_alb.c is the
# reference). Each driver D (r: rbond, k: bonding.ko) has a bond D-b of two veth slaves D-s1 D-s2
# whose other ends are ports of the bridge D-br in namespace sw; four peers, namespaces p1..p4,
# each have a veth into each bridge (e61 into r-br: 10.61.0.1X, e62 into k-br: 10.62.0.1X; fixed
# MACs 02:NN:00:00:00:1X, the slaves' 02:NN:00:00:00:0I, so both drivers hash alike). The bond has
# its peers as permanent neighbours: it never sends an ARP request, which would show the peers
# its own MAC until rlb corrected them (RLB_UPDATE_DELAY later).
# A probe: a peer pings the bond 20 times; the slaves' rx/tx counters say which slave the
# requests came in by and which one the replies left by.
# balance-alb: the peers (in order 1..4) are given the slaves round robin (rlb: each peer's ARP
# reply carries its slave's MAC); replies leave by load, on the first slave until the 10 s
# rebalance; each slave keeps its own MAC, the active one the bond's; learning packets (0x9000,
# lp_interval); the active slave fails: MAC swap, the peers moved to the survivor; it returns:
# rlb rebalance spreads the peers again; release gives each slave its permanent MAC back; /proc,
# sysfs; rbond's debugfs rlb_hash_table (bonding.ko has none here: CONFIG_NET_NS=y).
# balance-tlb: every peer receives by the bond's MAC (the active slave); tlb_dynamic_lb 1:
# replies by load (all on s1 before the 10 s rebalance, then spread), 0: by the layer2 hash;
# tlb_dynamic_lb refused while the bond is up (sysfs and netlink), accepted while down; the MAC
# swap on failover.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done
declare -A NET=([r]=61 [k]=62)
declare -A PF=([r]=/proc/net/rbond/r-b [k]=/proc/net/bonding/k-b)
S=/sys/class/net
T=$(mktemp -d)
PEERS="1 2 3 4"
have() { [ -d "$S/$1-b" ]; }
now() { echo $(( ${EPOCHREALTIME/[.,]/} / 1000 )); }   # ms

# --- a shell in each namespace: `at NS COMMAND-LINE` runs it there (a program started through
# `ip netns exec` costs an ip's start more in the TCG guest), and the shell's /proc/PID/net/arp
# is the namespace's ARP table, read without starting anything
declare -A TO FROM SPID
shell() {
  local d i o; d=$(mktemp -d)
  mkfifo "$d/in" "$d/out"
  ip netns exec "$1" bash -c 'for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done
    while IFS= read -r c; do eval "$c" < /dev/null; printf "\036%s\n" "$?"; done' < "$d/in" > "$d/out" 2>&1 &
  SPID[$1]=$!
  exec {i}<>"$d/in" {o}<"$d/out"
  TO[$1]=$i FROM[$1]=$o
  rm -rf "$d"
}
at() {
  local n=$1 line rc=1; shift
  printf '%s\n' "$*" >&"${TO[$n]}"
  while IFS= read -r line <&"${FROM[$n]}"; do
    if [[ $line == *$'\036'* ]]; then
      [ -z "${line%%$'\036'*}" ] || printf '%s\n' "${line%%$'\036'*}"
      rc=${line##*$'\036'}; break
    fi
    printf '%s\n' "$line"
  done
  return "$rc"
}

# --- topology: the bridges (sw), the peers, each driver's slaves (left down: a bond enslaves
# only a device that is down)
printf 'netns add %s\n' sw p1 p2 p3 p4 | ip -b -
for n in sw p1 p2 p3 p4; do shell $n; done
for d in r k; do N=${NET[$d]}
  for i in 1 2; do echo "link add $d-s$i address 02:$N:00:00:00:0$i type veth peer name $d-p$i address 02:$N:00:00:01:0$i netns sw"; done
  for x in $PEERS; do echo "link add $d-q$x netns sw type veth peer name e$N address 02:$N:00:00:00:1$x netns p$x"; done
done > $T/root.b
ip -b $T/root.b
for d in r k; do
  echo "link add $d-br type bridge"; echo "link set $d-br up"
  for p in p1 p2 q1 q2 q3 q4; do echo "link set $d-$p master $d-br"; echo "link set $d-$p up"; done
done > $T/sw.b
at sw ip -b $T/sw.b
for x in $PEERS; do
  for d in r k; do N=${NET[$d]}; echo "link set e$N up"; echo "addr add 10.$N.0.1$x/24 dev e$N"; done > $T/p$x.b
  at p$x ip -b $T/p$x.b
done

# mk MODE ADDR: each driver's bond D-b in MODE (miimon 100, lp_interval 1) over D-s1 then D-s2,
# up, with 10.N.0.ADDR/24 and the peers as permanent neighbours; T0: when they were up (ms)
mk() {
  local mode=$1 a=$2 d N x out
  out=$(rtnl newlink r-b rbond mode "$mode" miimon 100 lp_interval 1) || echo "# rbond refused mode $mode: $out"
  for d in r k; do N=${NET[$d]}
    { [ $d = k ] && echo "link add k-b type bond mode $mode miimon 100 lp_interval 1"
      echo "link set $d-s1 master $d-b"; echo "link set $d-s2 master $d-b"; echo "link set $d-b up"
      echo "addr add 10.$N.0.$a/24 dev $d-b"
      for x in $PEERS; do echo "neigh replace 10.$N.0.1$x lladdr 02:$N:00:00:00:1$x dev $d-b nud permanent"; done
    } > $T/$d.b
    { [ $d = k ] || have r; } && ip -b $T/$d.b
  done
  T0=$(now)
}
# info D: from the bond's /proc: ACTIVE (the current active slave, "s1"), MII (the MII Status
# words, the bond's then the slaves'), PERM[s1] PERM[s2] (Permanent HW addr)
declare -A PERM
info() {
  local l s=
  ACTIVE=none MII= PERM=()
  [ -r "${PF[$1]}" ] || return 1
  while IFS= read -r l; do case $l in
    "Currently Active Slave: "*) ACTIVE=${l#*: }; ACTIVE=${ACTIVE#"$1"-};;
    "MII Status: "*) MII+="${l#*: } ";;
    "Slave Interface: "*) s=${l#*: "$1"-};;
    "Permanent HW addr: "*) PERM[$s]=${l#*: };;
  esac; done < "${PF[$1]}"
  MII=${MII% }
}
ready() { info $1 && [ "$MII" = "up up up" ]; }
active_is() { info $1 && [ "$ACTIVE" = "$2" ]; }
# both SECONDS FUNC ARGS...: FUNC D ARGS... holds within the time, bonding.ko's bond then rbond's
# (rbond's only if it has one: a refused mode costs no waiting)
both() { local t=$1 d; shift; for d in k r; do have $d && wait_for "$t" "$1" $d "${@:2}"; done; return 0; }

# macs D: the bond's and its slaves' MACs named by the slaves' permanent ones (from /proc, kept in
# PK_D: a released slave is not listed there): "bond=P1 s1=P1 s2=P2"
macs() {
  local d=$1 i a n out= p1 p2
  eval "p1=\${PK_$d[0]} p2=\${PK_$d[1]}"
  for i in b s1 s2; do
    a=none; [ -r "$S/$d-$i/address" ] && read -r a < "$S/$d-$i/address"
    case $a in none) n=none;; "$p1") n=P1;; "$p2") n=P2;; *) n=$a;; esac
    out+="${i/#b/bond}=$n "
  done
  echo "${out% }"
}
keep_perms() { local d; for d in r k; do info $d; eval "PK_$d=(\"\${PERM[s1]:-none}\" \"\${PERM[s2]:-none}\")"; done; }

# learned D ADDR: per peer (1..4), the slave whose current MAC the peer has for the bond's
# 10.N.0.ADDR ("s1", "s2", the MAC if neither's, "none" without a complete entry)
learned() {
  local d=$1 ip=10.${NET[$1]}.0.$2 x m a f b s1 s2 out=
  read -r s1 < "$S/$d-s1/address"; read -r s2 < "$S/$d-s2/address"
  for x in $PEERS; do
    m=none
    while read -r a _ f b _; do [ "$a" = "$ip" ] && [ "$f" != 0x0 ] && m=$b; done < "/proc/${SPID[p$x]}/net/arp"
    case $m in "$s1") m=s1;; "$s2") m=s2;; esac
    out+="$m "
  done
  echo "${out% }"
}
learned_is() { [ "$(learned $1 $2)" = "$3" ]; }

# same: /proc is bonding.ko's (neutral names and MACs), or rbond has no bond (one line, not a diff)
same() { have r || { echo "rbond has no bond r-b"; return 1; }; same_proc r-b k-b; }
uses_both() { [[ " $1 " == *" s1 "* && " $1 " == *" s2 "* && $1 != */* && $1 != *none* ]]; }
# pick A B: the slave whose counter moved by a probe's 20 frames (the other by less than 10: an
# ARP exchange, learning packets), else "A/B"
pick() { if [ $1 -ge 20 ] && [ $2 -lt 10 ]; then P=s1; elif [ $2 -ge 20 ] && [ $1 -lt 10 ]; then P=s2; else P=$1/$2; fi; }
# round ADDR: each peer in turn (1..4), for each driver, pings the bond's 10.N.0.ADDR 20 times;
# RX[D] and TX[D]: per peer, the slave the requests came in by and the slave the replies left by;
# TS and TE: when the round started and ended (ms)
declare -A RX TX
round() {
  local a=$1 x d b0 b1 b2 b3 c0 c1 c2 c3 st=statistics
  RX=([r]= [k]=) TX=([r]= [k]=) TS=$(now)
  for x in $PEERS; do for d in r k; do
    if ! have $d; then RX[$d]+="none " TX[$d]+="none "; continue; fi
    read -r b0 < $S/$d-s1/$st/rx_packets; read -r b1 < $S/$d-s2/$st/rx_packets
    read -r b2 < $S/$d-s1/$st/tx_packets; read -r b3 < $S/$d-s2/$st/tx_packets
    at p$x ping -nq -c 20 -i 0.01 -w 5 10.${NET[$d]}.0.$a > /dev/null
    read -r c0 < $S/$d-s1/$st/rx_packets; read -r c1 < $S/$d-s2/$st/rx_packets
    read -r c2 < $S/$d-s1/$st/tx_packets; read -r c3 < $S/$d-s2/$st/tx_packets
    pick $((c0 - b0)) $((c1 - b1)); RX[$d]+="$P "
    pick $((c2 - b2)) $((c3 - b3)); TX[$d]+="$P "
  done; done
  for d in r k; do RX[$d]=${RX[$d]% } TX[$d]=${TX[$d]% }; done
  TE=$(now)
  echo "# probes $((TS - T0))-$((TE - T0)) ms after the bonds came up: rx bonding.ko ${RX[k]}, rbond ${RX[r]}; tx bonding.ko ${TX[k]}, rbond ${TX[r]}"
}
# sleep_until MS: sleep until T0 + MS
sleep_until() { local w=$(( T0 + $1 - $(now) )); [ $w -le 0 ] || sleep "$((w / 1000)).$(printf %03d $((w % 1000)))"; }
# pair DESC WANT K R: bonding.ko's value is WANT, rbond's is bonding.ko's
pair() {
  check "$1: bonding.ko: $3 (want $2)" equals "$2" "$3"
  check "$1: rbond: $4, as bonding.ko ($3)" equals "$3" "$4"
}
# w D FILE VALUE: a sysfs write: "ok" or the errno's message
w() { local e; e=$( (echo "$3" > $S/$1-b/bonding/$2) 2>&1) && echo ok || echo "${e##*: }"; }
sysv() { local v=none; [ -r $S/$1-b/bonding/$2 ] && read -r v < $S/$1-b/bonding/$2; echo "$v"; }
# logl D: the driver's kernel log lines of its bond, names made neutral
logl() { dmesg | sed -E 's/^\[ *[0-9.]+\] //; s/^rbond: //' | grep "^$1-b: " | sed -E "s/$1-/X-/g; s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g"; }

########## balance-alb
dmesg -C
mk balance-alb 1
both 10 ready
pair "alb: MII Status of the bond and its slaves" "up up up" "$(info k; echo $MII)" "$(info r; echo $MII)"
round 1
pair "alb: receive balancing: the slave each peer's 20 echo requests came in by (peers 1-4)" "s1 s2 s1 s2" "${RX[k]}" "${RX[r]}"
Lk=$(learned k 1) Lr=$(learned r 1)
pair "alb: the slave whose MAC each peer learned for the bond's address (rlb round robin, in the order the peers asked)" "s1 s2 s1 s2" "$Lk" "$Lr"
if [ $((TE - T0)) -lt 9000 ]; then
  pair "alb: transmit before the first 10 s rebalance: the slave each peer's replies left by (the least loaded: all loads 0, the first)" "s1 s1 s1 s1" "${TX[k]}" "${TX[r]}"
else
  skip "alb: transmit before the first rebalance: bonding.ko" "the probes ended $((TE - T0)) ms after the bonds came up, past the 10 s rebalance"
  skip "alb: transmit before the first rebalance: rbond as bonding.ko" "the probes ended $((TE - T0)) ms after the bonds came up"
fi
# the rlb table, as bonding's debugfs shows it (bond_debug_rlb_hash_show): newest client first
rlb_want() {
  local d=$1 N=${NET[$1]} x s
  printf 'SourceIP        DestinationIP   Destination MAC   DEV\n'
  set -- $2
  for x in 4 3 2 1; do eval "s=\${$x}"; printf '%-15s %-15s %-17s %s\n' 10.$N.0.1 10.$N.0.1$x 02:$N:00:00:00:1$x $d-$s; done
}
DBG=/sys/kernel/debug/rbond/r-b/rlb_hash_table
[ -d /sys/kernel/debug/bonding ] && echo "# bonding.ko has a debugfs directory here" || echo "# bonding.ko: no debugfs (CONFIG_NET_NS=y), rbond's rlb_hash_table is checked against what its peers learned"
check "alb: rbond's debugfs rlb_hash_table lists each peer (newest first) with the slave it learned ($Lr)" \
  diff -u <(rlb_want r "$Lr") $DBG
keep_perms
check "alb: bonding.ko's /proc: the slaves' Permanent HW addr are their own MACs (${PK_k[*]})" \
  equals "02:62:00:00:00:01 02:62:00:00:00:02" "${PK_k[*]}"
check "alb: rbond's /proc: the slaves' Permanent HW addr are their own MACs (${PK_r[*]})" \
  equals "02:61:00:00:00:01 02:61:00:00:00:02" "${PK_r[*]}"
pair "alb: MACs: the active slave s1 has the bond's (its own), s2 keeps its own" "bond=P1 s1=P1 s2=P2" "$(macs k)" "$(macs r)"
check "alb: rbond's /proc is bonding.ko's" same
pair "alb: sysfs mode, tlb_dynamic_lb, lp_interval" "balance-alb 6|1|1" \
  "$(sysv k mode)|$(sysv k tlb_dynamic_lb)|$(sysv k lp_interval)" "$(sysv r mode)|$(sysv r tlb_dynamic_lb)|$(sysv r lp_interval)"

# learning packets: each slave sends one a second (lp_interval 1) from its own MAC, ethertype
# 0x9000, seen on the bridge side
if command -v tcpdump > /dev/null; then
  at sw "tcpdump -nnel -i any ether proto 0x9000 > $T/lp 2> $T/lp.err & echo \$! > $T/lp.pid"
  wait_for 30 grep -q "listening on" $T/lp.err
  sleep 3
  kill "$(cat $T/lp.pid)"
  gone() { ! kill -0 "$(cat $T/lp.pid)" 2>/dev/null; }
  wait_for 5 gone
  # lps D: per slave, the learning packets its bridge port received from the slave's MAC and the
  # shortest and the longest time between two (ms): "N1 MIN1 MAX1 N2 MIN2 MAX2" (-i any -e: "12:00:01.5
  # r-p1  P   ifindex 4 02:61:00:00:00:01 ethertype Loopback (0x9000), length 66: ...")
  lps() {
    local m1 m2
    read -r m1 < $S/$1-s1/address; read -r m2 < $S/$1-s2/address
    awk -v p1=$1-p1 -v p2=$1-p2 -v m1=$m1 -v m2=$m2 '
      $9 == "(0x9000)," && (($2 == p1 && $6 == m1 && (i = 1)) || ($2 == p2 && $6 == m2 && (i = 2))) {
        split($1, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
        if (n[i]) { g = int((s - last[i]) * 1000 + 0.5); if (!mn[i] || g < mn[i]) mn[i] = g; if (g > mx[i]) mx[i] = g }
        last[i] = s; n[i]++ }
      END { printf "%d %d %d %d %d %d\n", n[1], mn[1], mx[1], n[2], mn[2], mx[2] }' $T/lp
  }
  lk=$(lps k) lr=$(lps r)
  echo "# learning packets in 3 s (s1: count, shortest and longest gap in ms; s2: the same): bonding.ko $lk, rbond $lr"
  # every slave sent 2 or more, one a second (lp_interval 1: 10 ticks of 100 ms, later under load)
  lpok() { set -- $1; [ "$1" -ge 2 ] && [ "$2" -ge 950 ] && [ "$3" -le 2000 ] && [ "$4" -ge 2 ] && [ "$5" -ge 950 ] && [ "$6" -le 2000 ]; }
  check "alb: learning packets (0x9000) from each slave's MAC on its port, one a second (lp_interval 1): bonding.ko ($lk)" lpok "$lk"
  check "alb: learning packets from each slave's MAC, one a second: rbond ($lr), as bonding.ko ($lk)" lpok "$lr"
else
  skip "alb: learning packets: bonding.ko" "no tcpdump"
  skip "alb: learning packets: rbond" "no tcpdump"
fi

# the active slave fails (its bridge port goes down): s2 takes the bond's MAC (swap), the peers of
# s1 move to s2, and all are told s2's new MAC
at sw "printf 'link set r-p1 down\nlink set k-p1 down\n' | ip -b -"
t=$(now)
both 10 active_is s2
both 20 learned_is 1 "s2 s2 s2 s2"
echo "# failover: active slave and peers moved in $(( $(now) - t )) ms"
pair "alb: s1's link down: the active slave" "s2" "$(info k; echo $ACTIVE)" "$(info r; echo $ACTIVE)"
pair "alb: MACs after the failover: s2 took the bond's, s1 s2's" "bond=P1 s1=P2 s2=P1" "$(macs k)" "$(macs r)"
pair "alb: every peer now has s2's MAC (the bond's) for the bond's address" "s2 s2 s2 s2" "$(learned k 1)" "$(learned r 1)"
check "alb: rbond's rlb_hash_table: every peer on r-s2" diff -u <(rlb_want r "s2 s2 s2 s2") $DBG
check "alb: rbond's /proc is bonding.ko's after the failover" same
# s1 returns (after the peers' neighbour lock time, 1 s: a new address within it is ignored; rlb's
# rounds of updates are 2 s apart anyway, RLB_UPDATE_DELAY): the rlb rebalance spreads the peers
# again, each told its slave's MAC
sleep 1
at sw "printf 'link set r-p1 up\nlink set k-p1 up\n' | ip -b -"
t=$(now)
both 10 ready
# (the used list, newest first, dealt round robin from the slave after the last one given: s2)
both 20 learned_is 1 "s2 s1 s2 s1"
echo "# return: the peers spread again in $(( $(now) - t )) ms"
Lk=$(learned k 1) Lr=$(learned r 1)
pair "alb: s1 back: the rlb rebalance spread the peers again (newest first: peer 4 to s1, 3 to s2, ...)" "s2 s1 s2 s1" "$Lk" "$Lr"
round 1
check "alb: s1 back: each of bonding.ko's peers' requests come in by the slave it learned (${RX[k]}; learned $Lk)" equals "$Lk" "${RX[k]}"
check "alb: s1 back: each of rbond's peers' requests come in by the slave it learned (${RX[r]}; learned $Lr), as bonding.ko's ($Lk)" \
  equals "$Lk $Lk" "$Lr ${RX[r]}"
pair "alb: s1 back: s2 stays active, the MACs stay swapped" "s2 bond=P1 s1=P2 s2=P1" \
  "$(info k; echo $ACTIVE) $(macs k)" "$(info r; echo $ACTIVE) $(macs r)"
check "alb: rbond's rlb_hash_table after the rebalance ($Lr)" diff -u <(rlb_want r "$Lr") $DBG
# release: each slave gets its permanent MAC back (s1's is still the bond's: bonding warns)
dmesg -C
for d in r k; do ip link set $d-s1 nomaster 2>/dev/null; done
pair "alb: s1 released: its permanent MAC back (the bond and s2 keep it too)" "bond=P1 s1=P1 s2=P1" "$(macs k)" "$(macs r)"
check "alb: rbond's log of the release is bonding.ko's (the permanent HWaddr still in use by the bond)" \
  diff -u <(logl k) <(logl r)
for d in r k; do ip link set $d-s2 nomaster 2>/dev/null; done
pair "alb: s2 released: its permanent MAC back" "s1=P1 s2=P2" "$(macs k | cut -d' ' -f2-)" "$(macs r | cut -d' ' -f2-)"
for d in r k; do ip link del $d-b 2>/dev/null; done

########## balance-tlb (the bond on 10.N.0.2: the peers' entries for .1 are the alb bond's)
mk balance-tlb 2
both 10 ready
round 2
pair "tlb: receive: every peer's requests came in by the active slave" "s1 s1 s1 s1" "${RX[k]}" "${RX[r]}"
pair "tlb: every peer learned the bond's MAC (s1's) for its address" "s1 s1 s1 s1" "$(learned k 2)" "$(learned r 2)"
if [ $((TE - T0)) -lt 9000 ]; then
  pair "tlb, tlb_dynamic_lb 1: transmit before the first 10 s rebalance: all on the first slave" "s1 s1 s1 s1" "${TX[k]}" "${TX[r]}"
else
  skip "tlb: transmit before the first rebalance: bonding.ko" "the probes ended $((TE - T0)) ms after the bonds came up, past the 10 s rebalance"
  skip "tlb: transmit before the first rebalance: rbond as bonding.ko" "the probes ended $((TE - T0)) ms after the bonds came up"
fi
keep_perms
pair "tlb: MACs: the active slave has the bond's (its own), s2 its own" "bond=P1 s1=P1 s2=P2" "$(macs k)" "$(macs r)"
check "tlb: rbond's /proc is bonding.ko's" same
# (bonding's rlb_hash_table shows nothing outside balance-alb, not even its header)
dbg_empty() { [ -r $DBG ] && [ -z "$(< $DBG)" ]; }
check "tlb: rbond's debugfs rlb_hash_table is there and empty" dbg_empty
pair "tlb: sysfs mode, tlb_dynamic_lb, lp_interval" "balance-tlb 5|1|1" \
  "$(sysv k mode)|$(sysv k tlb_dynamic_lb)|$(sysv k lp_interval)" "$(sysv r mode)|$(sysv r tlb_dynamic_lb)|$(sysv r lp_interval)"
dmesg -C
pair "tlb: tlb_dynamic_lb 0 by sysfs while up: refused" "Device or resource busy 1" \
  "$(w k tlb_dynamic_lb 0) $(sysv k tlb_dynamic_lb)" "$(w r tlb_dynamic_lb 0) $(sysv r tlb_dynamic_lb)"
nk=$(rtnl changelink k-b bond tlb_dynamic_lb 0); nr=$(rtnl changelink r-b rbond tlb_dynamic_lb 0)
# (rbond's extended ack names the option first: "tlb_dynamic_lb: unable to set ...")
pair "tlb: tlb_dynamic_lb 0 by netlink while up: refused" "errno=16 (EBUSY) msg=unable to set option because the bond is up" \
  "$nk" "$(sed 's/msg=tlb_dynamic_lb: /msg=/' <<< "$nr")"
check "tlb: rbond's log of the refusals is bonding.ko's" diff -u <(logl k) <(logl r)
# after the rebalance (10 s after the bonds came up, later under load; 20 s the next): from 13.5 s
# on, the probes must end before 19.5 s for the exact comparison. The clients are given to
# the least loaded slave as they send, their loads those of the last 10 s (tlb also counts the
# unbalanced frames, the ARP replies, to the active slave)
sleep_until 13500
round 2
check "tlb, tlb_dynamic_lb 1: after the 10 s rebalance, bonding.ko's replies spread over both slaves (${TX[k]})" \
  uses_both "${TX[k]}"
check "tlb, tlb_dynamic_lb 1: after the 10 s rebalance, rbond's replies spread over both slaves (${TX[r]})" \
  uses_both "${TX[r]}"
if [ $((TS - T0)) -ge 13000 ] && [ $((TE - T0)) -lt 19500 ]; then
  # (s1 has the unbalanced load, the ARP replies: peer 1 goes to s2, then each to the least loaded)
  pair "tlb, tlb_dynamic_lb 1: after the rebalance: the slave each peer's replies left by" "s2 s1 s2 s1" "${TX[k]}" "${TX[r]}"
else
  skip "tlb: transmit after the rebalance: bonding.ko" "the probes ended $((TE - T0)) ms after the bonds came up, past the next rebalance"
  skip "tlb: transmit after the rebalance: rbond as bonding.ko" "the probes ended $((TE - T0)) ms after the bonds came up"
fi
# tlb_dynamic_lb 0: accepted while down (netlink, then sysfs), the replies by the layer2 hash
# (dest MAC ^ source MAC last bytes ^ ethertype, modulo 2: peers .11-.14 against the bond's 01)
for d in r k; do ip link set $d-b down 2>/dev/null; done
nk=$(rtnl changelink k-b bond tlb_dynamic_lb 0); nr=$(rtnl changelink r-b rbond tlb_dynamic_lb 0)
pair "tlb: tlb_dynamic_lb 0 by netlink while down: accepted, sysfs reads 0" "errno=0 (OK) msg= 0" "$nk $(sysv k tlb_dynamic_lb)" "$nr $(sysv r tlb_dynamic_lb)"
pair "tlb: tlb_dynamic_lb 0 by sysfs while down: accepted" "ok 0" "$(w k tlb_dynamic_lb 0) $(sysv k tlb_dynamic_lb)" "$(w r tlb_dynamic_lb 0) $(sysv r tlb_dynamic_lb)"
for d in r k; do ip link set $d-b up 2>/dev/null; done
both 10 ready
round 2
pair "tlb, tlb_dynamic_lb 0: the replies to each peer by the layer2 hash" "s1 s2 s1 s2" "${TX[k]}" "${TX[r]}"
pair "tlb, tlb_dynamic_lb 0: receive still by the active slave" "s1 s1 s1 s1" "${RX[k]}" "${RX[r]}"
check "tlb, tlb_dynamic_lb 0: bonding.ko's /proc shows the transmit hash policy now" grep -qx "Transmit Hash Policy: layer2 (0)" ${PF[k]}
check "tlb, tlb_dynamic_lb 0: rbond's /proc is bonding.ko's" same
# failover: the MAC swap of tlb (no rlb: the peers keep the bond's MAC, now s2's)
at sw "printf 'link set r-p1 down\nlink set k-p1 down\n' | ip -b -"
both 10 active_is s2
pair "tlb: s1's link down: s2 active, it took the bond's MAC, s1 s2's" "s2 bond=P1 s1=P2 s2=P1" \
  "$(info k; echo $ACTIVE) $(macs k)" "$(info r; echo $ACTIVE) $(macs r)"
at sw "printf 'link set r-p1 up\nlink set k-p1 up\n' | ip -b -"
both 10 ready
for d in r k; do ip link set $d-s1 nomaster 2>/dev/null; ip link set $d-s2 nomaster 2>/dev/null; done
pair "tlb: both released: each slave's permanent MAC back" "s1=P1 s2=P2" "$(macs k | cut -d' ' -f2-)" "$(macs r | cut -d' ' -f2-)"

########## mode changes: a bond made in balance-rr (rbond allocates balance-tlb/alb's tables the
# first time a bond takes one of these modes, and keeps them) set to balance-alb, balance-rr,
# balance-tlb and balance-alb again, by sysfs and netlink; then it balances as balance-alb (on
# 10.N.0.3), and down, released, as balance-tlb (on 10.N.0.4: the peers learned slaves' MACs for .3)
for d in r k; do ip link del $d-b 2>/dev/null; done
ip link add r-b type rbond; ip link add k-b type bond mode balance-rr
# chg D MODE: a mode change by netlink ("errno=0 (OK) msg=" when accepted)
chg() { if [ $1 = r ]; then rtnl changelink r-b rbond mode $2; else rtnl changelink k-b bond mode $2; fi; }
steps() { echo "$(w $1 miimon 100) $(w $1 mode balance-alb) $(chg $1 balance-rr) $(chg $1 balance-tlb) $(w $1 mode balance-alb) $(sysv $1 mode)"; }
pair "modes: balance-rr, miimon 100, by sysfs balance-alb, by netlink balance-rr and balance-tlb, by sysfs balance-alb: all accepted" \
  "ok ok errno=0 (OK) msg= errno=0 (OK) msg= ok balance-alb 6" "$(steps k)" "$(steps r)"
# slaves D ADDR: D-s1 then D-s2 enslaved, the bond up on 10.N.0.ADDR/24, the peers its permanent neighbours
slaves() {
  local d=$1 N=${NET[$1]} x
  { echo "link set $d-s1 master $d-b"; echo "link set $d-s2 master $d-b"; echo "link set $d-b up"
    echo "addr add 10.$N.0.$2/24 dev $d-b"
    for x in $PEERS; do echo "neigh replace 10.$N.0.1$x lladdr 02:$N:00:00:00:1$x dev $d-b nud permanent"; done
  } | ip -b -
}
for d in r k; do slaves $d 3; done
T0=$(now)
both 10 ready
pair "modes: balance-alb after the changes: MII Status of the bond and its slaves" "up up up" "$(info k; echo $MII)" "$(info r; echo $MII)"
round 3
pair "modes: balance-alb after the changes: receive balancing (peers 1-4)" "s1 s2 s1 s2" "${RX[k]}" "${RX[r]}"
pair "modes: balance-alb after the changes: the slave whose MAC each peer learned" "s1 s2 s1 s2" "$(learned k 3)" "$(learned r 3)"
check "modes: balance-alb after the changes: rbond's rlb_hash_table lists the peers" grep -q "10.61.0.14" $DBG
check "modes: balance-alb after the changes: rbond's /proc is bonding.ko's" same
# back to balance-tlb (and through active-backup, which has no tables)
for d in r k; do ip link set $d-b down; ip link set $d-s1 nomaster; ip link set $d-s2 nomaster; done
pair "modes: down, released, by netlink active-backup then balance-tlb: accepted" "errno=0 (OK) msg= errno=0 (OK) msg= balance-tlb 5" \
  "$(chg k active-backup) $(chg k balance-tlb) $(sysv k mode)" "$(chg r active-backup) $(chg r balance-tlb) $(sysv r mode)"
for d in r k; do slaves $d 4; done
T0=$(now)
both 10 ready
round 4
pair "modes: balance-tlb after balance-alb: receive by the active slave" "s1 s1 s1 s1" "${RX[k]}" "${RX[r]}"
pair "modes: balance-tlb after balance-alb: every peer learned the bond's MAC (s1's)" "s1 s1 s1 s1" "$(learned k 4)" "$(learned r 4)"
check "modes: balance-tlb after balance-alb: rbond's rlb_hash_table is empty" dbg_empty
check "modes: balance-tlb after balance-alb: rbond's /proc is bonding.ko's" same
for d in r k; do ip link set $d-s1 nomaster 2>/dev/null; ip link set $d-s2 nomaster 2>/dev/null; done

for n in sw p1 p2 p3 p4; do eval "exec ${TO[$n]}>&- ${FROM[$n]}<&-"; done
for d in r k; do ip link del $d-b 2>/dev/null; ip link del $d-s1; ip link del $d-s2; done
printf 'netns del %s\n' sw p1 p2 p3 p4 | ip -b -
for f in all default; do echo 0 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done
rbond_unload; modprobe -r bonding 2>/dev/null
rm -rf $T
