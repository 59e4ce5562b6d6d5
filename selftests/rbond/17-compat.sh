#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Compatibility mode (compat=1): rbond also answers to kind bond, /proc/net/bonding and
# /sys/class/net/bonding_masters, and names its own bonds bond0...; it refuses to load while
# bonding.ko is loaded, and refuses bonding.ko's load while it is loaded in this mode.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
rbond_unload; modprobe -r bonding 2>/dev/null
export -f jfield link_exists link_absent module_loaded module_unloaded
P=/proc/net/bonding; M=/sys/class/net/bonding_masters
IFENSLAVE="python3 $(dirname "$0")/../lib/ifenslave.py"
# the guest has no ifenslave binary: lib/ifenslave.py makes the same ioctls
command -v ifenslave >/dev/null && echo "# note: the guest has ifenslave, the test uses lib/ifenslave.py"
kind_of() { jfield "$1" .linkinfo.info_kind; }
# /proc text with MAC addresses made neutral
procnorm() { sed -E 's/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g' "$1"; }

check "modinfo: parameter compat is described" bash -c 'modinfo -F parm rbond | grep -q "^compat:"'
check "modinfo: no alias rtnl-link-bond (ip link add type bond keeps loading bonding.ko)" \
  bash -c '! modinfo rbond | grep -q "rtnl-link-bond"'

dmesg -C
check_fails "compat=2 is refused" modprobe rbond compat=2
check "the refusal names compat and the accepted values" \
  bash -c 'dmesg | grep -q "compat=2 is invalid; accepted values are 0 (.*) and 1 (.*)"'
check "rbond is not loaded after the refused load" module_unloaded rbond

# ---- compat=1, bonds made at load ----
check "modprobe rbond compat=1 max_bonds=1" modprobe rbond compat=1 max_bonds=1
check "/sys/module/rbond/parameters/compat reads 1" equals 1 "$(cat /sys/module/rbond/parameters/compat)"
check "max_bonds=1 creates bond0, as bonding.ko does" link_exists bond0
check "bond0 is of kind bond" equals bond "$(kind_of bond0)"
check "no rbond0 is made" link_absent rbond0
check "/proc/net/bonding/bond0 exists" test -f $P/bond0
check "its first line is the C driver's" equals "Ethernet Channel Bonding Driver: v$(uname -r)" "$(head -n 1 $P/bond0)"
check "bonding_masters lists bond0" equals bond0 "$(cat $M)"
check "/proc/net/rbond does not exist in compat mode" test ! -e /proc/net/rbond
check "/sys/class/net/rbond_masters does not exist in compat mode" test ! -e /sys/class/net/rbond_masters
ip link del bond0

# ---- ip link add ... type bond, with iproute2's bond options ----
check "ip link add bond0 type bond mode 802.3ad miimon 100 lacp_rate fast" \
  ip link add bond0 type bond mode 802.3ad miimon 100 lacp_rate fast
check "ip -d link show: bond0 is of kind bond" equals bond "$(kind_of bond0)"
check "the options arrived (sysfs mode, miimon, lacp_rate)" \
  equals "802.3ad 4|100|fast 1" "$(cat /sys/class/net/bond0/bonding/{mode,miimon,lacp_rate} | paste -sd'|')"
check "/proc/net/bonding/bond0 says 802.3ad, fast LACP and miimon 100" bash -c \
  "grep -qx 'Bonding Mode: IEEE 802.3ad Dynamic link aggregation' $P/bond0 && grep -qx 'LACP rate: fast' $P/bond0 && grep -qx 'MII Polling Interval (ms): 100' $P/bond0"

for i in 1 2; do ip link add cv$i type veth peer name cvp$i; ip link set cvp$i up; done
check "ip link add bondab type bond mode active-backup miimon 100" \
  ip link add bondab type bond mode active-backup miimon 100
check "ip link set cv1 master bondab enslaves" bash -c "ip link set cv1 master bondab && [ \"\$(jfield cv1 .master)\" = bondab ]"
check "ifenslave (SIOCBONDENSLAVE) enslaves cv2 to the kind-bond bond" \
  bash -c "$IFENSLAVE enslave bondab cv2 && [ \"\$(jfield cv2 .master)\" = bondab ]"
ip link set bondab up
check "bondab's slaves in sysfs" equals "cv1 cv2" "$(cat /sys/class/net/bondab/bonding/slaves)"
check "both slaves' links are up and cv1 is active" wait_for 5 bash -c \
  "[ \$(grep -c '^MII Status: up' $P/bondab) = 3 ] && grep -qx 'Currently Active Slave: cv1' $P/bondab"
procnorm $P/bondab > /tmp/compat-bondab.txt
check "/proc/net/bonding/bondab starts with the C driver's lines" diff -u \
  <(printf 'Ethernet Channel Bonding Driver: v%s\n\nBonding Mode: fault-tolerance (active-backup)\n' "$(uname -r)") \
  <(head -n 3 $P/bondab)
check "ifenslave (SIOCBONDCHANGEACTIVE) makes cv2 active" \
  bash -c "$IFENSLAVE change-active bondab cv2 && grep -qx 'Currently Active Slave: cv2' $P/bondab"
check "ifenslave (SIOCBONDRELEASE) releases cv2" \
  bash -c "$IFENSLAVE release bondab cv2 && [ \"\$(jfield cv2 .master)\" = null ] && [ \"\$(cat /sys/class/net/bondab/bonding/slaves)\" = cv1 ]"
check "ip link set cv1 nomaster releases cv1" bash -c "ip link set cv1 nomaster && [ -z \"\$(cat /sys/class/net/bondab/bonding/slaves)\" ]"

# ---- both kinds, and bonding_masters ----
check "ip link add rbx type rbond still makes a kind-rbond bond" bash -c "ip link add rbx type rbond && [ \"\$(jfield rbx .linkinfo.info_kind)\" = rbond ]"
check "it has /proc/net/bonding/rbx" test -f $P/rbx
check "bonding_masters lists the bonds of both kinds" equals "bond0 bondab rbx" "$(cat $M)"
check "echo +bond1 > bonding_masters makes a kind-bond bond" bash -c "echo +bond1 > $M && [ \"\$(jfield bond1 .linkinfo.info_kind)\" = bond ]"
check "bond1 has /proc/net/bonding/bond1 and is listed" bash -c "test -f $P/bond1 && [ \"\$(cat $M)\" = 'bond0 bondab rbx bond1' ]"
check "echo -bond1 deletes it" bash -c "echo -bond1 > $M && ! ip link show bond1 2>/dev/null && test ! -e $P/bond1"
check "echo -rbx deletes the kind-rbond bond too" bash -c "echo -rbx > $M && ! ip link show rbx 2>/dev/null && [ \"\$(cat $M)\" = 'bond0 bondab' ]"
dmesg -C
check_fails "a write without +/- is refused" bash -c "echo bond1 > $M"
check "the refusal names bonding_masters" bash -c 'dmesg | grep -q "no command found in bonding_masters - use +ifname or -ifname"'
ip netns add cns
check "in a new namespace, bonding_masters is there, empty, and +name makes a kind-bond bond there" \
  bash -c "ip netns exec cns sh -c '[ -z \"\$(cat $M)\" ] && echo +bondns > $M' && [ \"\$(jfield bondns .linkinfo.info_kind cns)\" = bond ] && link_absent bondns"
ip netns del cns

# ---- bonding.ko cannot load while compat=1 is loaded ----
dmesg -C
check_fails "modprobe bonding is refused while rbond compat=1 is loaded" modprobe bonding
check "the kernel log says why and what to do" \
  bash -c 'dmesg | grep -q "refusing to load the C bonding driver (bonding.ko): rbond was loaded with compat=1 .*unload rbond first"'
check "bonding.ko is not loaded" module_unloaded bonding
check "rbond's /proc/net/bonding and bonding_masters are untouched" \
  bash -c "test -f $P/bondab && [ \"\$(cat $M)\" = 'bond0 bondab' ]"

check "rmmod rbond" rmmod rbond
check "rmmod removed the bonds, /proc/net/bonding and bonding_masters" \
  bash -c "link_absent bond0 && link_absent bondab && test ! -e $P && test ! -e $M"

# ---- the /proc text is the one rbond writes under /proc/net/rbond without compat ----
modprobe rbond max_bonds=0
rtnl newlink bondab rbond mode active-backup miimon 100 >/dev/null
ip link set cv1 master bondab; ip link set cv2 master bondab; ip link set bondab up
wait_for 5 bash -c "[ \$(grep -c '^MII Status: up' /proc/net/rbond/bondab) = 3 ] && grep -qx 'Currently Active Slave: cv1' /proc/net/rbond/bondab"
check "/proc/net/bonding/bondab of compat mode is the text of /proc/net/rbond/bondab (MACs aside)" \
  diff -u /tmp/compat-bondab.txt <(procnorm /proc/net/rbond/bondab)
rmmod rbond
check "without rbond, ip link add type bond loads bonding.ko (not rbond)" \
  bash -c "ip link add cb0 type bond && module_loaded bonding && module_unloaded rbond && ip link del cb0"

# ---- bonding.ko loaded: compat=1 refuses to load and leaves nothing ----
rmmod bonding; modprobe bonding max_bonds=1
dmesg -C
check_fails "modprobe rbond compat=1 fails while bonding.ko is loaded" modprobe rbond compat=1
check "the kernel log says that the C driver owns the names and what to do" \
  bash -c 'dmesg | grep -q "compat=1: the C bonding driver (bonding.ko) is loaded and owns link kind .bond., /proc/net/bonding and /sys/class/net/bonding_masters; unload it (rmmod bonding) .* or load rbond without compat=1"'
check "rbond is not loaded and left nothing (no /proc/net/rbond, no rbond_masters)" \
  bash -c "module_unloaded rbond && test ! -e /proc/net/rbond && test ! -e /sys/class/net/rbond_masters"
check "bonding.ko's bond0, /proc/net/bonding/bond0 and bonding_masters still work" \
  bash -c "[ \"\$(jfield bond0 .linkinfo.info_kind)\" = bond ] && head -n 1 $P/bond0 | grep -q '^Ethernet Channel Bonding Driver' && [ \"\$(cat $M)\" = bond0 ] && echo +cb1 > $M && echo -cb1 > $M"
rmmod bonding
check "after rmmod bonding, modprobe rbond compat=1 loads" modprobe rbond compat=1
check "and makes bond0 of kind bond" equals bond "$(kind_of bond0)"
rmmod rbond

# ---- the drop-in recipe of Documentation/rbond.rst: modprobe.d sends "bonding" to rbond ----
mkdir -p /etc/modprobe.d
printf 'options rbond compat=1\ninstall bonding modprobe rbond\n' > /etc/modprobe.d/rbond-compat.conf
check "with the recipe, ip link add cb0 type bond loads rbond in compat mode (not bonding.ko)" \
  bash -c "ip link add cb0 type bond && module_loaded rbond && module_unloaded bonding && [ \"\$(jfield cb0 .linkinfo.info_kind)\" = bond ] && test -f $P/cb0"
check "and modprobe bonding is then a no-op that succeeds" bash -c "modprobe bonding && module_unloaded bonding"
rm -f /etc/modprobe.d/rbond-compat.conf
rmmod rbond
for i in 1 2; do ip link del cv$i; done
rm -f /tmp/compat-bondab.txt
