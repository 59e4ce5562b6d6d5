#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sysfs: the same files as the C driver with the same text (names and MACs normalized), and
# writes that work like the C driver's.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
ip netns add rbpeer
for side in r c; do
  for i in 1 2; do ip link add $side-s$i type veth peer name $side-p$i netns rbpeer; ip -n rbpeer link set $side-p$i up; done
  ip link add $side-b type $([ $side = r ] && echo rbond || echo bond)
done
S=/sys/class/net
check "the bonding/ directory has the C driver's files" \
  diff <(ls $S/c-b/bonding) <(ls $S/r-b/bonding)
dump() { # every readable attribute: name=value, names of the side made neutral
  local p=$1 d=$2
  for f in $(ls $S/$p-b/$d); do printf '%s=%s\n' "$f" "$(cat $S/$p-b/$d/$f 2>&1 | tr '\n' '|')"; done |
    sed -E "s/$p-/IF-/g; s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g"
}
sdump() {
  local p=$1 s=$2
  for f in $(ls $S/$p-$s/bonding_slave); do printf '%s=%s\n' "$f" "$(cat $S/$p-$s/bonding_slave/$f | tr '\n' '|')"; done |
    sed -E "s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g"
}
check "a new bond's attributes read as the C driver's" diff -u <(dump c bonding) <(dump r bonding)

# configure both through sysfs, as ifenslave and distribution scripts do
for side in r c; do
  echo active-backup > $S/$side-b/bonding/mode
  echo 100 > $S/$side-b/bonding/miimon
  echo 200 > $S/$side-b/bonding/updelay
  echo $side-s2 > $S/$side-b/bonding/primary
  echo +$side-s1 > $S/$side-b/bonding/slaves
  echo +$side-s2 > $S/$side-b/bonding/slaves
  ip link set $side-b up
done
check "echo +IF > bonding/slaves enslaves" equals "r-s1 r-s2" "$(cat $S/r-b/bonding/slaves)"
wait_for 5 bash -c "[ \"\$(cat $S/r-b/bonding/active_slave)\" = r-s2 ] && [ \"\$(cat $S/c-b/bonding/active_slave)\" = c-s2 ]"
sleep 0.5
check "an active-backup bond's attributes read as the C driver's" diff -u <(dump c bonding) <(dump r bonding)
check "the bonding_slave/ directory has the C driver's files" diff <(ls $S/c-s1/bonding_slave) <(ls $S/r-s1/bonding_slave)
check "bonding_slave/ of the backup slave reads as C's" diff -u <(sdump c s1) <(sdump r s1)
check "bonding_slave/ of the active slave reads as C's" diff -u <(sdump c s2) <(sdump r s2)
check "bonding_slave/state says backup / active" equals "backup active" "$(cat $S/r-s1/bonding_slave/state) $(cat $S/r-s2/bonding_slave/state)"

for side in r c; do echo $side-s1 > $S/$side-b/bonding/active_slave; done
check "echo IF > active_slave switches as in C" equals "r-s1 c-s1" "$(cat $S/r-b/bonding/active_slave) $(cat $S/c-b/bonding/active_slave)"
for side in r c; do echo 1 > $S/$side-b/bonding/all_slaves_active; echo failure > $S/$side-b/bonding/primary_reselect; done
check "all_slaves_active and primary_reselect by name read as C's" diff -u <(dump c bonding) <(dump r bonding)

# refused writes: the same errno as C, and nothing changes
errno_of() { bash -c "echo '$2' > $1" 2>&1 | sed -E 's/.*: //'; }
for pair in "mode|balance-xor" "mode|foo" "miimon|-1" "xmit_hash_policy|layer9" "slaves|s1" "slaves|+nosuchdev" "active_slave|nosuchdev"; do
  attr=${pair%%|*}; val=${pair#*|}
  val_r=${val/s1/r-s1}; val_c=${val/s1/c-s1}
  er=$(errno_of $S/r-b/bonding/$attr "$val_r"); ec=$(errno_of $S/c-b/bonding/$attr "$val_c")
  check "echo '$val' > $attr fails as with C ($ec)" equals "$ec" "$er"
done
check "refused writes changed nothing" diff -u <(dump c bonding) <(dump r bonding)
check "the log names the option and the value, as C does" \
  bash -c 'dmesg | grep -q "r-b: option xmit_hash_policy: invalid value (layer9)" && dmesg | grep -q "c-b: option xmit_hash_policy: invalid value (layer9)"'

for side in r c; do echo -$side-s1 > $S/$side-b/bonding/slaves; done
check "echo -IF > bonding/slaves releases" equals "r-s2" "$(cat $S/r-b/bonding/slaves)"
check "a released slave has no bonding_slave/ any more" test ! -e $S/r-s1/bonding_slave
ip link del r-b; ip link del c-b
ip netns del rbpeer
rmmod rbond; rmmod bonding
