#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# /sys/class/net/rbond_masters works as bonding_masters does: list, +name creates, -name deletes,
# per network namespace, with the C driver's errors.
. "$(dirname "$0")/../lib/tap.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=2; modprobe bonding max_bonds=2
R=/sys/class/net/rbond_masters; C=/sys/class/net/bonding_masters
errno_of() { bash -c "echo '$2' > $1" 2>&1 | sed -E 's/.*: //'; }
check "rbond_masters lists the bonds made at load as bonding_masters does" \
  equals "$(sed 's/bond/X/g' $C)" "$(sed 's/rbond/X/g' $R)"
check "echo +rbm0 creates a bond" bash -c "echo +rbm0 > $R && [ \"\$(ip -j -d link show rbm0 | jq -r '.[0].linkinfo.info_kind')\" = rbond ]"
check "it is listed" equals "rbond0 rbond1 rbm0" "$(cat $R)"
echo +bdm0 > $C
check "creating an existing bond fails as with C ($(errno_of $C +bdm0))" equals "$(errno_of $C +bdm0)" "$(errno_of $R +rbm0)"
check "deleting an unknown bond fails as with C ($(errno_of $C -nosuch))" equals "$(errno_of $C -nosuch)" "$(errno_of $R -nosuch)"
check "a write without +/- fails as with C ($(errno_of $C rbm0))" equals "$(errno_of $C rbm0)" "$(errno_of $R rbm0)"
check "-name does not delete a device of another kind" bash -c "ip link add rbdummy type dummy; ! echo -rbdummy > $R 2>/dev/null; ip link show rbdummy >/dev/null"
ip link del rbdummy
check "echo -rbm0 deletes it" bash -c "echo -rbm0 > $R && ! ip link show rbm0 2>/dev/null && [ \"\$(cat $R)\" = 'rbond0 rbond1' ]"
ip netns add rbmns
check "in another namespace the file lists that namespace's bonds (none)" equals "" "$(ip netns exec rbmns cat $R)"
check "+name there creates the bond in that namespace only" \
  bash -c "ip netns exec rbmns sh -c 'echo +rbm1 > $R' && ip -n rbmns link show rbm1 >/dev/null && ! ip link show rbm1 2>/dev/null"
ip netns del rbmns
rmmod rbond; rmmod bonding
check "the file goes away with the module" test ! -e $R
