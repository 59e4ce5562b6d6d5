#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NetworkManager, unchanged from Debian sid, configures rbond in compatibility mode as it does
# bonding.ko: nmcli profiles of kind bond with bond.options and port profiles on veths, brought up,
# modified (con modify, con up again; device reapply, which writes the options through sysfs) and
# down; an 802.3ad bond against a kind-bond partner in a namespace (the aggregate forms) and an
# active-backup bond with a primary. Each step runs with rbond and with bonding.ko (NetworkManager
# started anew for each), and the kernel's state (bond_state), what nmcli reports of the bond and
# its ports, which slave carries the traffic and the bonding options NetworkManager could not set
# (from its log) are compared between the two.
# vm-clients: 1
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
. "$(dirname "$0")/../lib/clients.sh"
t0=${EPOCHREALTIME/[.,]/}
rbond_unload; modprobe -r bonding 2>/dev/null
S=/sys/class/net P=/proc/net/bonding
T=$(mktemp -d)
export NO_COLOR=1

check "the clients' root is mounted and prepared" clients_setup
check "the system bus runs (dbus-daemon --system)" clients_dbus
check "systemd-udevd runs and the devices are announced" clients_udev
check "the root has NetworkManager and nmcli" test -x $C/usr/sbin/NetworkManager -a -x $C/usr/bin/nmcli
echo "# network-manager $(client_version network-manager)"

nm() { cl nmcli "$@"; }
# NetworkManager's configuration, in the root's /etc/NetworkManager: profiles in keyfiles only (not
# ifupdown's), no automatic "Wired connection" profile for the veths, no DNS or connectivity
# work, the log at debug level for the platform (its sysfs and netlink writes), the bond code and
# the core (its modprobe).
# The veths are managed: Debian's udev rules (85-nm-unmanaged.rules) mark veths NM_UNMANAGED,
# and a [device] section's managed=1 takes precedence over udev (NetworkManager.conf(5))
mkdir -p $C/etc/NetworkManager/conf.d
cat > $C/etc/NetworkManager/conf.d/90-rbond-test.conf <<'EOF'
[main]
plugins=keyfile
no-auto-default=*
dns=none

[logging]
level=INFO
domains=ALL:INFO,PLATFORM:DEBUG,BOND:DEBUG,CORE:DEBUG

[connectivity]
enabled=false

[device-rbond-test-veths]
match-device=interface-name:nm?
managed=1
EOF

# topology, the same for each driver (fixed MAC addresses, so that addresses compare): nm1, nm2
# (802.3ad ports) and nm3, nm4 (active-backup ports), their peers in namespace nmp; there nmp1 and
# nmp2 are the ports of pr0, an 802.3ad bond of kind bond (the driver under test: in compat mode
# kind bond is rbond), 192.0.2.2; nmp3 and nmp4 the ports of a bridge, 198.51.100.2
topology() {
  ip netns add nmp
  local i
  for i in 1 2 3 4; do
    ip link add nm$i address 02:00:00:00:01:0$i type veth peer name nmp$i address 02:00:00:00:02:0$i netns nmp
  done
  ip -n nmp link add pr0 type bond mode 802.3ad miimon 100 lacp_rate fast xmit_hash_policy layer3+4 &&
  ip -n nmp link set nmp1 master pr0 && ip -n nmp link set nmp2 master pr0 && ip -n nmp link set pr0 up &&
  ip -n nmp addr add 192.0.2.2/24 dev pr0 &&
  ip -n nmp link add br0 type bridge && ip -n nmp link set nmp3 master br0 &&
  ip -n nmp link set nmp4 master br0 && ip -n nmp link set nmp3 up && ip -n nmp link set nmp4 up &&
  ip -n nmp link set br0 up && ip -n nmp addr add 198.51.100.2/24 dev br0
}
untopology() {
  ip netns del nmp 2>/dev/null
  local i; for i in 1 2 3 4; do ip link del nm$i 2>/dev/null; done
}

NMPID=
nm_start() { # LOG
  rm -rf $C/run/NetworkManager $C/var/lib/NetworkManager/*
  # as its unit starts it (ExecStart=/usr/sbin/NetworkManager --no-daemon); --debug has it log to
  # stderr too (no syslog or journal here)
  SYSTEMD_IGNORE_CHROOT=1 chroot $C /usr/sbin/NetworkManager --no-daemon --debug > "$1" 2>&1 &
  NMPID=$!
}
nm_running() { kill -0 "$NMPID" && [ "$(nm -t -f RUNNING general)" = running ]; }
nm_stop() {
  [ -n "$NMPID" ] || return 0
  kill "$NMPID" 2>/dev/null; wait "$NMPID" 2>/dev/null; NMPID=
}
# devices_state STATE DEV...: nmcli says each DEV is in STATE (connected, disconnected...)
devices_state() {
  local want=$1 d bad=0 all; shift
  all=$(nm -t -f DEVICE,STATE dev) || return 1
  for d in "$@"; do
    grep -qx "$d:$want" <<< "$all" || { echo "$d: $(grep "^$d:" <<< "$all") (want $want)"; bad=1; }
  done
  return $bad
}
# nm_report DEV...: what nmcli says of the devices, without what differs from run to run (the
# profiles' UUIDs, made by nmcli con add; NetworkManager's D-Bus object paths, numbered as objects
# come and go)
nm_report() {
  local d
  for d in "$@"; do
    nm -f GENERAL,CAPABILITIES,INTERFACE-FLAGS,WIRED-PROPERTIES,BOND,IP4 dev show "$d" |
      sed -E '/^GENERAL\.(CON-UUID|DBUS-PATH|CON-PATH):/d; /^CONNECTIONS\./d'
  done
}
# aggregated BOND S1 S2: the 802.3ad aggregate with pr0 is up: both ports in the bond's aggregator,
# actor and partner port states collecting and distributing (63 fast, 61 slow: bit 1 is the
# timeout), the partner pr0
aggregated() {
  local b=$1 a s st
  a=$(cat $S/$b/bonding/ad_aggregator) || return 1
  [ "$(cat $S/$b/bonding/ad_num_ports)" = 2 ] || { echo "ad_num_ports $(cat $S/$b/bonding/ad_num_ports)"; return 1; }
  for s in "$2" "$3"; do
    [ "$(cat $S/$s/bonding_slave/ad_aggregator_id)" = "$a" ] || { echo "$s not in aggregator $a"; return 1; }
    for st in ad_actor_oper_port_state ad_partner_oper_port_state; do
      case "$(cat $S/$s/bonding_slave/$st)" in 61|63) ;; *) echo "$s $st $(cat $S/$s/bonding_slave/$st)"; return 1;; esac
    done
  done
  [ "$(cat $S/$b/bonding/ad_partner_mac)" = 02:00:00:00:02:01 ] || { echo "partner $(cat $S/$b/bonding/ad_partner_mac)"; return 1; }
}
# carrier DST S1 S2: which slave carried N pings to DST (its tx count grew by N or more, the
# other's by less than N/2: LACPDUs and ARP go by both), for two flows: ICMP echo identifiers
# 4660 and 4662 (layer3+4 hashes the identifier, ping's own is random: with these two the
# flows of the 802.3ad bond take different slaves)
carrier() {
  local dst=$1 a0 b0 a1 b1 n=30 id out=()
  for id in 4660 4662; do
    a0=$(txcount "$2"); b0=$(txcount "$3")
    ping -q -e $id -c $n -i 0.02 -W 2 "$dst" > /dev/null || { echo "ping $dst failed"; return 1; }
    a1=$(( $(txcount "$2") - a0 )); b1=$(( $(txcount "$3") - b0 ))
    if [ $a1 -ge $n ] && [ $b1 -lt $((n / 2)) ]; then out+=("$2")
    elif [ $b1 -ge $n ] && [ $a1 -lt $((n / 2)) ]; then out+=("$3")
    else echo "id $id: none: $2 +$a1, $3 +$b1"; return 1; fi
  done
  echo "${out[*]}"
}
# state BOND: bond_state with two 802.3ad values masked, which depend on timing, not on the driver:
# the churn machines' states (they leave "monitoring" 60 s after a port starts: the churn timer),
# and the aggregator IDs: each port has an aggregator, numbered 1, 2 as the ports are bound, and
# the aggregate ends in 1 when the partner's LACPDUs come before the ports' first selection, in 2
# when the ports first select with the default partner and move once they hear it (after nmcli
# con up again, one run had 2 with rbond and 1 with bonding.ko, three runs the same on both).
# aggregated checks that both ports are in the bond's aggregator
state() {
  bond_state "$1" | sed -E 's/^(Actor|Partner) Churn State: .*/\1 Churn State: (masked)/
    s/^(.*Aggregator ID: |ad_aggregator: |[a-z0-9]+\/ad_aggregator_id: )[0-9]+$/\1(masked)/
    s/^( *"(aggregator|ad_aggregator_id)": )[0-9]+/\1"(masked)"/'
}
opts() { local b=$1 f; shift; for f in "$@"; do printf '%s ' "$(cat $S/$b/bonding/$f)"; done; echo; }
# nm_problems LOG: the warnings and errors in NetworkManager's log (a bonding option it failed to
# set through sysfs is an error, "sysctl: failed to set '...'", through netlink a warning,
# "do-change-link[IFINDEX]: failure ..."), interface indexes masked, but two about what this guest
# lacks: ModemManager and the audit socket; and the DNS manager's "DNS plugin did not become ready
# again", its own timeout (no DNS is configured), which a loaded make check's guest once reached
nm_problems() {
  grep -E '<(warn|error)>' "$1" |
    grep -v -e 'modem-manager: error poking ModemManager' -e 'audit: failed to open auditd socket' \
      -e 'dns-mgr: update-pending changed: DNS plugin did not become ready again' |
    sed -E 's/^[^]]*\] //; s/\[[0-9]+\]/[N]/g' | sort -u
}

run_driver() { # rbond|bonding
  local d=$1 L=$T/nm-$1.log
  use_driver "$d"
  check "$d: the topology (veths, the partner bond in namespace nmp, a bridge) is built" topology
  nm_start "$L"
  check "$d: NetworkManager starts and answers nmcli" wait_for 60 nm_running
  check "$d: NetworkManager manages the veths nm1..nm4 (disconnected, not unmanaged)" \
    wait_show 30 devices_state disconnected nm1 nm2 nm3 nm4

  # before it makes a bond NetworkManager runs `modprobe --use-blacklist bonding max_bonds=0`
  # unless /sys/class/net/bonding_controllers exists (nm-linux-platform.c), a file no kernel has:
  # so each time. The root has no modprobe (kmod is not installed there) and NetworkManager goes
  # on; on a system with kmod, this is what it gets: a no-op with bonding.ko, EBUSY with rbond
  # in compat mode (its veto of bonding.ko), which NetworkManager ignores
  modprobe --use-blacklist bonding max_bonds=0 > $T/modprobe-$d 2>&1; echo "rc $?" >> $T/modprobe-$d
  if [ "$d" = rbond ]; then
    check "rbond: NetworkManager's modprobe of bonding before a bond fails with EBUSY (rbond's veto)" \
      grep -q 'Device or resource busy' $T/modprobe-$d
  else
    check "bonding: NetworkManager's modprobe of bonding before a bond succeeds (loaded already)" grep -qx 'rc 0' $T/modprobe-$d
  fi

  # ---- 802.3ad with a partner ----
  check "$d: nmcli con add type bond nmbond0 (802.3ad, miimon 100, lacp_rate fast, layer3+4) and ports nm1, nm2" \
    bash -c "SYSTEMD_IGNORE_CHROOT=1 chroot $C sh -e -c '
      nmcli con add type bond con-name nmb ifname nmbond0 connection.autoconnect no connection.autoconnect-ports true \
        bond.options mode=802.3ad,miimon=100,lacp_rate=fast,xmit_hash_policy=layer3+4 \
        ipv4.method manual ipv4.addresses 192.0.2.1/24 ipv6.method disabled
      nmcli con add type ethernet con-name nmb-p1 ifname nm1 connection.autoconnect no slave-type bond master nmbond0
      nmcli con add type ethernet con-name nmb-p2 ifname nm2 connection.autoconnect no slave-type bond master nmbond0 \
        bond-port.queue-id 2'"
  check "$d: nmcli con up nmb" nm con up nmb
  check "$d: NetworkManager ran its modprobe of bonding before it made nmbond0 (its log)" \
    grep -q "modprobe: '/usr/sbin/modprobe --use-blacklist bonding max_bonds=0'" "$L"
  check "$d: nmbond0 is a kind-bond device" equals bond "$(jfield nmbond0 .linkinfo.info_kind)"
  check "$d: the kernel has the profile's options (mode, miimon, lacp_rate, xmit_hash_policy)" \
    equals "802.3ad 4 100 fast 1 layer3+4 1 " "$(opts nmbond0 mode miimon lacp_rate xmit_hash_policy)"
  check "$d: the slaves are nm1 and nm2" equals "nm1 nm2" "$(cat $S/nmbond0/bonding/slaves)"
  check "$d: nm2's queue_id is its profile's bond-port.queue-id 2 (set over netlink), in the slaves' and the bond's sysfs" \
    equals "0 2|nm1:0 nm2:2" "$(cat $S/nm1/bonding_slave/queue_id) $(cat $S/nm2/bonding_slave/queue_id)|$(cat $S/nmbond0/bonding/queue_id)"
  check "$d: the aggregate with pr0 forms (both ports collecting and distributing)" wait_show 40 aggregated nmbond0 nm1 nm2
  check "$d: nmcli: nmbond0 and its ports are connected" wait_show 10 devices_state connected nmbond0 nm1 nm2
  check "$d: nmcli dev show nmbond0: BOND.PORTS nm1 nm2" equals "nm1 nm2" "$(nm -g BOND.PORTS dev show nmbond0)"
  carrier 192.0.2.2 nm1 nm2 > $T/ad-carrier-$d
  check "$d: layer3+4: the two flows of pings to the partner take nm1 and nm2 ($(cat $T/ad-carrier-$d))" \
    grep -qx 'nm1 nm2' $T/ad-carrier-$d
  state nmbond0 > $T/ad-state-$d
  nm_report nmbond0 nm1 nm2 > $T/ad-nmcli-$d

  # ---- modify: new options, nmcli con up again (NetworkManager detaches the ports, sets the
  # options over netlink with the bond down, attaches them again) ----
  check "$d: nmcli con modify nmb bond.options (miimon 200, lacp_rate slow, layer2+3, ad_select bandwidth)" \
    nm con modify nmb bond.options "mode=802.3ad,miimon=200,lacp_rate=slow,xmit_hash_policy=layer2+3,ad_select=bandwidth"
  check "$d: nmcli con up nmb (again)" nm con up nmb
  check "$d: the new miimon, xmit_hash_policy and ad_select reached the kernel" \
    equals "200 layer2+3 2 bandwidth 1 " "$(opts nmbond0 miimon xmit_hash_policy ad_select)"
  opts nmbond0 lacp_rate > $T/mod-lacp-$d
  check "$d: the aggregate forms again" wait_show 40 aggregated nmbond0 nm1 nm2
  check "$d: nmcli: connected again" wait_show 10 devices_state connected nmbond0 nm1 nm2
  carrier 192.0.2.2 nm1 nm2 > $T/mod-carrier-$d
  check "$d: layer2+3: one slave carries both flows ($(cat $T/mod-carrier-$d))" grep -qxE 'nm1 nm1|nm2 nm2' $T/mod-carrier-$d
  state nmbond0 > $T/mod-state-$d

  # ---- reapply: NetworkManager writes the options it can change on a running bond to sysfs ----
  check "$d: nmcli con modify (miimon 300, min_links 1, layer3+4) and nmcli dev reapply nmbond0" \
    bash -c "SYSTEMD_IGNORE_CHROOT=1 chroot $C sh -e -c '
      nmcli con modify nmb bond.options mode=802.3ad,miimon=300,lacp_rate=slow,xmit_hash_policy=layer3+4,ad_select=bandwidth,min_links=1
      nmcli dev reapply nmbond0'"
  check "$d: sysfs has miimon 300, min_links 1, xmit_hash_policy layer3+4" \
    wait_for 10 bash -c "[ \"\$(cat $S/nmbond0/bonding/miimon $S/nmbond0/bonding/min_links $S/nmbond0/bonding/xmit_hash_policy | paste -sd' ')\" = '300 1 layer3+4 1' ]"
  check "$d: NetworkManager wrote bonding options through sysfs (its log)" grep -q "sysctl: setting 'net:/sys/class/net/nmbond0/bonding/miimon' to '300'" "$L"
  state nmbond0 > $T/reapply-state-$d

  check "$d: nmcli con down nmb" nm con down nmb
  check "$d: it deleted nmbond0 and freed nm1, nm2" bash -c "! ip link show nmbond0 2>/dev/null && [ ! -e $S/nm1/master ] && [ ! -e $S/nm2/master ]"
  check "$d: nmcli: nm1, nm2 disconnected" wait_show 10 devices_state disconnected nm1 nm2

  # ---- active-backup with a primary ----
  check "$d: nmcli con add type bond nmbond1 (active-backup, primary nm4, miimon 100) and ports nm3, nm4" \
    bash -c "SYSTEMD_IGNORE_CHROOT=1 chroot $C sh -e -c '
      nmcli con add type bond con-name nmab ifname nmbond1 connection.autoconnect no connection.autoconnect-ports true \
        bond.options mode=active-backup,primary=nm4,miimon=100 \
        ipv4.method manual ipv4.addresses 198.51.100.1/24 ipv6.method disabled
      nmcli con add type ethernet con-name nmab-p3 ifname nm3 connection.autoconnect no slave-type bond master nmbond1 \
        bond-port.prio 5
      nmcli con add type ethernet con-name nmab-p4 ifname nm4 connection.autoconnect no slave-type bond master nmbond1'"
  check "$d: nmcli con up nmab" nm con up nmab
  check "$d: the kernel has the options (mode, miimon, primary) and the slaves nm3 nm4" \
    equals "active-backup 1 100 nm4 nm3 nm4 " "$(opts nmbond1 mode miimon primary slaves)"
  check "$d: nm3's bond prio is its profile's bond-port.prio 5 (a netlink slave attribute)" \
    equals 5 "$(jfield nm3 .linkinfo.info_slave_data.prio)"
  check "$d: the primary nm4 is the active slave" wait_for 10 bash -c "[ \"\$(cat $S/nmbond1/bonding/active_slave)\" = nm4 ]"
  check "$d: nmcli: nmbond1 and its ports are connected" wait_show 10 devices_state connected nmbond1 nm3 nm4
  carrier 198.51.100.2 nm3 nm4 > $T/ab-carrier-$d
  check "$d: nm4 carries the pings ($(cat $T/ab-carrier-$d))" grep -qx 'nm4 nm4' $T/ab-carrier-$d
  state nmbond1 > $T/ab-state-$d
  nm_report nmbond1 nm3 nm4 > $T/ab-nmcli-$d
  check "$d: nmcli con down nmab deletes nmbond1" bash -c "SYSTEMD_IGNORE_CHROOT=1 chroot $C nmcli con down nmab && ! ip link show nmbond1 2>/dev/null"

  check "$d: nmcli con delete the profiles" nm con delete nmb nmb-p1 nmb-p2 nmab nmab-p3 nmab-p4
  nm_stop
  nm_problems "$L" > $T/problems-$d
  check "$d: NetworkManager logged no warning or error (no option it failed to set)" \
    bash -c "grep -q 'attached bond port nm2' $L && ! cat $T/problems-$d | grep ."
  cp "$L" /out/networkmanager.$d.log 2>/dev/null   # for a look after the run
  untopology
}

run_driver rbond
run_driver bonding

# ---- the two drivers side by side ----
for s in ad mod reapply ab; do
  check "$s: the kernel's state (netlink, sysfs, /proc) is the same with rbond as with bonding.ko" \
    bash -c "grep -q '^slaves: nm[0-9] nm[0-9]$' $T/$s-state-bonding && diff -u $T/$s-state-bonding $T/$s-state-rbond"
done
for s in ad ab; do
  check "$s: nmcli dev show (bond and ports) says the same with rbond as with bonding.ko" \
    bash -c "grep -q '^BOND.PORTS: *nm[0-9] nm[0-9]$' $T/$s-nmcli-bonding && diff -u $T/$s-nmcli-bonding $T/$s-nmcli-rbond"
done
for s in ad mod ab; do
  check "$s: the same slave carries the pings ($(cat $T/$s-carrier-rbond) with rbond)" \
    bash -c "grep -qxE 'nm[0-9] nm[0-9]' $T/$s-carrier-bonding && diff $T/$s-carrier-bonding $T/$s-carrier-rbond"
done
# (NetworkManager sends a bond option over netlink only when it is not 0: lacp_rate slow is not
# sent, and the kernel keeps fast, with both drivers)
check "after con modify lacp_rate=slow and con up, lacp_rate is the same ($(cat $T/mod-lacp-rbond))" \
  diff $T/mod-lacp-bonding $T/mod-lacp-rbond
check "NetworkManager's warnings and errors are the same with both drivers" diff $T/problems-bonding $T/problems-rbond

nm_stop; untopology
rbond_unload; modprobe -r bonding 2>/dev/null
check "the system bus and udevd stop (nothing of the clients is left for the next test)" clients_stop
rm -f $C/etc/NetworkManager/conf.d/90-rbond-test.conf $C/etc/NetworkManager/system-connections/nm*
rm -rf $C/run/NetworkManager
rm -rf $T
echo "# 39-networkmanager took $(( (${EPOCHREALTIME/[.,]/} - t0) / 1000000 )) s"
