#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Debian's own tools configure rbond in compatibility mode, unchanged: ifupdown (ifup, ifdown)
# with the ifenslave package's if-pre-up/if-up/if-post-down hooks, from /etc/network/interfaces
# stanzas with bond-* options, as Debian users write them (the hooks use `ip link add ... type
# bond` and the bonding sysfs files). The packages are Debian sid's, built into the guest.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
P=/proc/net/bonding; S=/sys/class/net
IFS_FILE=/etc/network/interfaces
T=$(mktemp -d)

check "the guest has Debian's ifup and ifenslave's hooks" \
  bash -c 'command -v ifup && [ -x /etc/network/if-pre-up.d/ifenslave ] && [ -x /etc/network/if-post-down.d/ifenslave ]'
check "modprobe rbond compat=1" modprobe rbond compat=1
mkdir -p /run/network

# ifup IFACE...: the exit status is ifup's; its stderr (the hooks report sysfs write errors there
# and go on) must be empty
ifup_clean() { ifup "$@" 2> $T/err; local rc=$?; cat $T/err; [ $rc = 0 ] && [ ! -s $T/err ]; }
ifdown_clean() { ifdown "$@" 2> $T/err; local rc=$?; cat $T/err; [ $rc = 0 ] && [ ! -s $T/err ]; }
slaves_of() { cat $S/$1/bonding/slaves; }

# ---- 802.3ad, slaves listed on the master (bond-slaves), a kind-bond partner in a namespace ----
ip netns add iup
for i in 1 2; do ip link add iu$i type veth peer name iup$i netns iup; done
ip -n iup link add pr0 type bond mode 802.3ad miimon 100 lacp_rate fast
for i in 1 2; do ip -n iup link set iup$i master pr0; done
ip -n iup link set pr0 up
cat > $IFS_FILE <<'EOF'
auto bond0
iface bond0 inet manual
	bond-slaves iu1 iu2
	bond-mode 802.3ad
	bond-miimon 100
	bond-lacp-rate fast
	bond-ad-select bandwidth
	bond-xmit-hash-policy layer3+4
	bond-updelay 200
	bond-downdelay 100
EOF
check "ifup bond0 (bond-mode 802.3ad, bond-slaves iu1 iu2): no error" ifup_clean bond0
check "bond0 is a kind-bond device of rbond" equals bond "$(jfield bond0 .linkinfo.info_kind)"
check "the slaves are iu1 and iu2" equals "iu1 iu2" "$(slaves_of bond0)"
check "the options are the stanza's (mode, miimon, lacp_rate, ad_select, xmit_hash_policy, updelay, downdelay)" \
  equals "802.3ad 4|100|fast 1|bandwidth 1|layer3+4 1|200|100" \
  "$(cat $S/bond0/bonding/{mode,miimon,lacp_rate,ad_select,xmit_hash_policy,updelay,downdelay} | paste -sd'|')"
check "/proc/net/bonding/bond0 says so" bash -c \
  "grep -qx 'Bonding Mode: IEEE 802.3ad Dynamic link aggregation' $P/bond0 && grep -qx 'Transmit Hash Policy: layer3+4 (1)' $P/bond0 && grep -qx 'LACP rate: fast' $P/bond0"
check "bond0 is up" bash -c "ip link show bond0 | grep -q '[<,]UP[,>]'"
aggregated() {
  local a; a=$(cat $S/bond0/bonding/ad_aggregator)
  [ "$(cat $S/bond0/bonding/ad_num_ports)" = 2 ] &&
  [ "$(cat $S/iu1/bonding_slave/ad_aggregator_id)" = "$a" ] && [ "$(cat $S/iu2/bonding_slave/ad_aggregator_id)" = "$a" ] &&
  [ "$(cat $S/bond0/bonding/ad_partner_mac)" = "$(ip netns exec iup cat $S/pr0/address)" ]
}
check "the aggregate with the partner forms (2 ports in one aggregator, partner MAC is pr0's)" wait_for 30 aggregated
check "ifdown bond0: no error" ifdown_clean bond0
check "ifdown bond0 deleted bond0" link_absent bond0
check "... and freed iu1 and iu2" bash -c "[ ! -e $S/iu1/master ] && [ ! -e $S/iu2/master ]"
ip netns del iup

# ---- active-backup, slaves naming their master (bond-master), bond-primary ----
# (README.Debian: with bond-master, the bond-* options go in the slave stanzas too: the primary is
# set when a slave it names is enslaved)
for i in 3 4; do ip link add iu$i type veth peer name iup$i; ip link set iup$i up; done
cat > $IFS_FILE <<'EOF'
auto bond1
iface bond1 inet manual
	bond-slaves none
	bond-mode active-backup
	bond-miimon 100
	bond-primary iu4
	bond-primary-reselect better
	bond-fail-over-mac active

auto iu3
iface iu3 inet manual
	bond-master bond1
	bond-primary iu4

auto iu4
iface iu4 inet manual
	bond-master bond1
	bond-primary iu4
EOF
check "ifup bond1 iu3 iu4 (bond-master on the slaves): no error" ifup_clean bond1 iu3 iu4
check "bond1's slaves are iu3 and iu4" equals "iu3 iu4" "$(slaves_of bond1)"
check "the options are the stanza's (mode, miimon, primary, primary_reselect, fail_over_mac)" \
  equals "active-backup 1|100|iu4|better 1|active 1" \
  "$(cat $S/bond1/bonding/{mode,miimon,primary,primary_reselect,fail_over_mac} | paste -sd'|')"
check "the primary iu4 becomes the active slave" wait_for 5 \
  bash -c "[ \"\$(sed -n 's/^Currently Active Slave: //p' $P/bond1)\" = iu4 ]"
check "ifquery --state knows bond1, iu3 and iu4" bash -c 'ifquery --state bond1 && ifquery --state iu3 && ifquery --state iu4'
check "ifdown iu4: no error" ifdown_clean iu4
check "... it released iu4, and iu3 is the active slave" bash -c \
  "[ \"\$(cat $S/bond1/bonding/slaves)\" = iu3 ] && [ \"\$(sed -n 's/^Currently Active Slave: //p' $P/bond1)\" = iu3 ]"
check "ifdown bond1: no error" ifdown_clean bond1
check "ifdown bond1 deleted bond1 and freed iu3" bash -c "! ip link show bond1 2>/dev/null && [ ! -e $S/iu3/master ]"
ifdown iu3 2>/dev/null

# ---- a stanza with an option rbond refuses: the hook reports it, the bond is made without it ----
cat > $IFS_FILE <<'EOF'
iface bond2 inet manual
	bond-slaves iu3
	bond-mode balance-xor
	bond-xmit-hash-policy nonsense
EOF
ifup bond2 2> $T/err; cat $T/err
check "a bad bond-xmit-hash-policy: the sysfs write's error reaches ifup's stderr" \
  grep -q 'write error: Invalid argument' $T/err
check "the refusal in the kernel log names the option and the value (as bonding.ko)" \
  bash -c 'dmesg | grep -q "bond2: option xmit_hash_policy: invalid value (nonsense)"'
check "the rest of the stanza is applied (balance-xor, iu3 enslaved, policy unchanged)" \
  equals "balance-xor 2|iu3|layer2 0" "$(cat $S/bond2/bonding/{mode,slaves,xmit_hash_policy} | paste -sd'|')"
ifdown bond2 2>/dev/null
check "ifdown bond2 deleted it" link_absent bond2

for i in 1 2 3 4; do ip link del iu$i 2>/dev/null; done
rm -f $IFS_FILE; rm -rf $T
check "rmmod rbond" rmmod rbond
