#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An independent LACP partner: teamd's lacp runner (libteam-utils, Debian sid, unchanged, in the
# clients' chroot), its team device (the kernel's team driver, loadbalance mode) in namespace
# "tp" at the other end of two veth links, against a `type bond` 802.3ad bond made by rbond in
# compatibility mode and then, with the same configuration, by bonding.ko. For each driver, two
# scenarios that give each side each LACP mode and rate once:
#   "fast": the bond active, lacp_rate fast; teamd passive ("active": false), "fast_rate": true;
#   "slow": the bond passive (lacp_active off), lacp_rate slow; teamd active, "fast_rate": false;
# the aggregate forms (both ports collecting and distributing on both sides; the formation time,
# from `ip link add` of the bond to that, is printed as a diagnostic line, not asserted),
# `teamdctl tm0 state dump` and /proc/net/bonding/bond0 agree (teamd's actor is the bond's
# partner and the reverse: system MAC, key, port number, priorities, port state), and the kernel
# state of the two drivers compares equal (bond_state). In "fast" a port taken down leaves and comes
# back, and a half-duplex port (a tap, as in 16-lacp-diag: seed 000's USB adapter) does not
# aggregate, and rbond's "Aggregation:" line and kernel log say why.
# vm-clients: 1
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lacp.sh"
. "$(dirname "$0")/../lib/clients.sh"
START=${EPOCHREALTIME/[.,]/}
elapsed() { local t=${EPOCHREALTIME/[.,]/}; echo $(( (t - START) / 1000000 )); }
rbond_unload; modprobe -r bonding 2>/dev/null
T=$(mktemp -d)
NS=tp TEAM=tm0 TMAC=02:00:00:00:43:00 B=bond0
S=/sys/class/net
FORM_S=60 LEAVE_S=15

PIDS=()
cleanup() {
  [ -s $C/run/teamd/$TEAM.pid ] && cl teamd -k -t $TEAM 2>/dev/null
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  ip link del $B 2>/dev/null
  ip netns del $NS 2>/dev/null
  for l in ta1 ta2 t1; do ip link del $l 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

check "the clients' root is there" clients_setup
echo "# clients' root at $(elapsed) s"
check "it has teamd and teamdctl (libteam-utils $(client_version libteam-utils))" bash -c "[ -x $C/usr/bin/teamd ] && [ -x $C/usr/bin/teamdctl ]"
mkdir -p $C/run/teamd
# tcl CMD...: a command of the clients' root in the partner's namespace (teamdctl finds its team
# device by name there)
tcl() { ip netns exec $NS chroot $C "$@"; }

# the links: ta1, ta2 (the bond's) to tb1, tb2 (teamd's), fixed addresses so that both drivers'
# states compare
ip netns add $NS
for i in 1 2; do
  ip link add ta$i address 02:00:00:00:41:0$i type veth peer name tb$i address 02:00:00:00:42:0$i netns $NS
done
# a half-duplex port (16-lacp-diag's way): tap t1 (the bond's side) wired by a frame forwarder to
# tap t2 in the partner's namespace (wire, lib/lacp.sh); t1 is set to 100 Mb/s half duplex
attached() { grep -qs "^iff:[[:space:]]*$2\$" /proc/$1/fdinfo/*; }
ip tuntap add t1 mode tap; ip tuntap add t2 mode tap
ip link set t1 address 02:00:00:00:41:03; ip link set t2 address 02:00:00:00:42:03
wire t1 t2
check "the half-duplex tap cable's two ends are attached" wait_show 60 bash -c \
  "$(declare -f attached); attached ${PIDS[-1]} t1 && attached ${PIDS[-1]} t2"
ip link set t2 netns $NS
ethtool -s t1 speed 100 duplex half autoneg off
echo "# set up at $(elapsed) s"

# teamd_start ACTIVE FAST: teamd with the lacp runner in the namespace, tb1 and tb2 its ports,
# its team device up; returns when teamdctl answers
teamd_start() {
  local conf
  conf=$(printf '{"device":"%s","hwaddr":"%s","runner":{"name":"lacp","active":%s,"fast_rate":%s},"link_watch":{"name":"ethtool"},"ports":{"tb1":{},"tb2":{}}}' \
    $TEAM $TMAC "$1" "$2")
  tcl teamd -d -t $TEAM -c "$conf" 2> $T/teamd.err || { cat $T/teamd.err; return 1; }
  ip -n $NS link set $TEAM up || return 1
  ip -n $NS addr add 10.41.0.2/24 dev $TEAM || return 1
  wait_show 20 tcl teamdctl $TEAM state dump || { echo "teamdctl does not answer"; return 1; }
}
teamd_stop() {
  cl teamd -k -t $TEAM 2>/dev/null
  wait_for 20 bash -c "! ip -n $NS link show $TEAM" 2>/dev/null
}
tdump() { tcl teamdctl $TEAM state dump; }

# formed ACTOR-STATE PARTNER-STATE: both of the bond's ports in its active aggregator with the
# given actor and partner (teamd's) port states, ad_num_ports 2, the partner teamd's MAC
formed() {
  local agg n pm s v bad=""
  # (bash's read, not cat: this is polled, and a program start costs a TCG guest ~0.05 s)
  rd() { v="?"; read -r v < "$1" 2>/dev/null; }
  rd $S/$B/bonding/ad_aggregator; agg=$v
  rd $S/$B/bonding/ad_num_ports; [ "$v" = 2 ] || bad+=" ad_num_ports=$v"
  rd $S/$B/bonding/ad_partner_mac; [ "$v" = $TMAC ] || bad+=" ad_partner_mac=$v"
  for s in ta1 ta2; do
    rd $S/$s/bonding_slave/ad_aggregator_id; [ "$v" = "$agg" ] || bad+=" $s:aggregator=$v(want $agg)"
    rd $S/$s/bonding_slave/ad_actor_oper_port_state; [ "$v" = "$1" ] || bad+=" $s:actor=$v(want $1)"
    rd $S/$s/bonding_slave/ad_partner_oper_port_state; [ "$v" = "$2" ] || bad+=" $s:partner=$v(want $2)"
  done
  [ -z "$bad" ] || { echo "not formed:$bad"; return 1; }
}
# team_selected PORT...: teamd has these ports (and only these) selected, its lacp state "current"
team_selected() {
  local want got
  want=$(printf '%s\n' "$@" | sort | xargs)
  got=$(tdump | jq -r '.ports | to_entries[] | select(.value.runner.selected == true and .value.runner.state == "current") | .key' | sort | xargs)
  equals "$want" "$got"
}
# proc_lacp SLAVE actor|partner: "system key port state system-priority port-priority" of the
# slave's details in /proc
proc_lacp() {
  awk -v s="$1" -v w="details $2 lacp pdu:" '
    /^Slave Interface: / { cur = $3; p = 0 }
    cur == s && $0 == w { p = 1; next }
    p && /^details / { p = 0 }
    p && /system priority:/ { sp = $3 } p && /system mac address:/ { m = $4 }
    p && /(port|oper) key:/ { k = $3 } p && /port priority:/ { pp = $3 }
    p && /port number:/ { n = $3 } p && /port state:/ { st = $3 }
    END { print m, k, n, st, sp, pp }' /proc/net/bonding/$B
}
# agree: on each link (ta1-tb1, ta2-tb2) teamd's actor is the bond's partner and the reverse
# (one state dump, one jq: each costs ~0.5 s of a TCG guest's CPU)
agree() {
  local d pa pp ta tp i bad=0
  d=$(tdump | jq -r '.ports.tb1.runner, .ports.tb2.runner | (.actor_lacpdu_info, .partner_lacpdu_info) |
    "\(.system) \(.key) \(.port) \(.state) \(.system_priority) \(.port_priority)"')
  for i in 1 2; do
    pa=$(proc_lacp ta$i actor); pp=$(proc_lacp ta$i partner)
    ta=$(sed -n "$((2 * i - 1))p" <<< "$d"); tp=$(sed -n "$((2 * i))p" <<< "$d")
    echo "/proc ta$i: actor $pa, partner $pp; teamd tb$i: actor $ta, partner $tp"
    [ -n "${pa// }" ] && [ "$pa" = "$tp" ] && [ "$pp" = "$ta" ] && [ "${ta%% *}" = $TMAC ] || bad=1
  done
  [ $bad = 0 ]
}
left() { local v; read -r v < $S/$B/bonding/ad_num_ports; [ "$v" = 1 ] && team_selected tb2; }
# port_state SLAVE: its actor port state
port_state() { local v; read -r v < $S/$1/bonding_slave/ad_actor_oper_port_state; echo "$v"; }

# scenario DRIVER NAME LACP_ACTIVE LACP_RATE TEAM_ACTIVE TEAM_FAST: the bond and teamd so
# configured; the aggregate forms and both sides agree
scenario() {
  local drv=$1 name=$2 la=$3 lr=$4 ta=$5 tf=$6 L="$1 $2" ast pst t0
  ast=$(( 4 | 8 | 16 | 32 )); pst=$ast
  [ "$la" = on ] && ast=$(( ast | 1 )); [ "$lr" = fast ] && ast=$(( ast | 2 ))
  [ "$ta" = true ] && pst=$(( pst | 1 )); [ "$tf" = true ] && pst=$(( pst | 2 ))
  check "$L: teamd starts (lacp runner, active $ta, fast_rate $tf)" teamd_start "$ta" "$tf"
  t0=$(now_ms)
  ip link add $B type bond mode 802.3ad miimon 100 lacp_rate "$lr" lacp_active "$la"
  ip link set ta1 master $B; ip link set ta2 master $B; ip link set $B up
  ip addr add 10.41.0.1/24 dev $B
  check "$L: the bond is 802.3ad, lacp_rate $lr, lacp_active $la, ta1 and ta2 enslaved" equals \
    "802.3ad 4|$lr $([ $lr = fast ] && echo 1 || echo 0)|$la $([ $la = on ] && echo 1 || echo 0)|ta1 ta2" \
    "$(cat $S/$B/bonding/{mode,lacp_rate,lacp_active,slaves} | paste -sd'|')"
  if check_poll "$L: the aggregate forms (both ports distributing, actor state $ast, partner teamd's $pst)" $FORM_S formed $ast $pst; then
    echo "# $L: formed in $(waited) s (from ip link add to both ports distributing on both sides)"
  fi
  check "$L: teamd has selected both ports (teamdctl state dump)" wait_show 10 team_selected tb1 tb2
  check "$L: teamdctl state dump and /proc agree, teamd's actor the bond's partner and the reverse (system MAC, key, port, state, priorities; ta1-tb1, ta2-tb2)" \
    wait_show 10 agree
  check "$L: ping over the aggregate to teamd's team device" ping -c 2 -i 0.3 -W 3 10.41.0.2
  bond_state $B | agg_ids > "$T/$name.$drv"
  echo "# $L: done at $(elapsed) s"
}
scenario_end() {
  ip link del $B
  teamd_stop
}

for drv in rbond bonding; do
  use_driver $drv
  check "$drv: the driver of type bond" bash -c "[ -e /sys/module/$drv ]"

  scenario $drv fast on fast false true
  tdump > $T/dump.$drv
  # a port taken down leaves and comes back
  ip link set ta1 down
  check "$drv fast: ta1 taken down leaves the aggregate (one port, teamd selects tb2 alone)" \
    wait_show $LEAVE_S left
  t0=$(now_ms)
  ip link set ta1 up
  if check_poll "$drv fast: ta1 up again rejoins" $FORM_S formed 63 62; then
    echo "# $drv fast: ta1 rejoined in $(waited) s"
  fi
  check "$drv fast: teamd selects both again" wait_show 10 team_selected tb1 tb2

  # a half-duplex port
  dmesg -C
  ip -n $NS link set t2 down
  check "$drv half duplex: teamd takes t2, the other end of t1's cable, as a port" tcl teamdctl $TEAM port add t2
  ip link set t1 master $B
  check "$drv half duplex: t1 reports half duplex" bash -c 'ethtool t1 | grep -q "Duplex: Half"'
  check "$drv half duplex: t1 is out of LACP (port state 71: active, fast, aggregatable, defaulted)" \
    wait_show 10 eval '[ "$(port_state t1)" = 71 ]'
  check "$drv half duplex: t1 is not in the active aggregator, which keeps its two ports" bash -c \
    "[ \"\$(cat $S/t1/bonding_slave/ad_aggregator_id)\" != \"\$(cat $S/$B/bonding/ad_aggregator)\" ] && [ \"\$(cat $S/$B/bonding/ad_num_ports)\" = 2 ]"
  if [ $drv = rbond ]; then
    check "$drv half duplex: /proc says why t1 does not aggregate" wait_show 10 bash -c \
      "awk '/^Slave Interface: t1/ {f=1} f && /^Aggregation: / {print; exit}' /proc/net/bonding/$B | grep -q '^Aggregation: no: half duplex (LACP needs full duplex'"
    check "$drv half duplex: the kernel log says so once, with the slave's name" bash -c \
      "[ \"\$(dmesg | grep -c '$B: (slave t1): 802.3ad aggregation: no: half duplex')\" = 1 ]"
  fi
  bond_state $B | agg_ids > $T/half.$drv
  echo "# $drv half duplex: done at $(elapsed) s"
  ip link set t1 nomaster
  tcl teamdctl $TEAM port remove t2
  scenario_end

  scenario $drv slow off slow true false
  scenario_end
done

for name in fast half slow; do
  check "$name: the kernel state is bonding.ko's (bond_state: netlink, sysfs, /proc; aggregator IDs by order of appearance)" \
    diff -u $T/$name.bonding $T/$name.rbond
done
# (a comparison of two empty or partnerless states must not pass)
check "the compared states have the partner teamd's MAC, and half's the half-duplex slave t1" bash -c \
  "grep -q $TMAC $T/fast.rbond && grep -q $TMAC $T/slow.rbond && grep -q $TMAC $T/half.rbond && grep -qx 'Slave Interface: t1' $T/half.rbond"
echo "# teamd's lacp runner state of tb1 against bonding.ko: $(jq -c .ports.tb1.runner $T/dump.bonding)"

check "teamd stopped, no teamd left" bash -c "! grep -qsx teamd /proc/[0-9]*/comm"
use_driver bonding; modprobe -r bonding
echo "# 41-teamd-lacp took $(elapsed) s"
