#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Enslaving and releasing: addresses, MTU, flags, and what is refused.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload
modprobe rbond max_bonds=0
ip netns add rbpeer
for i in 1 2 3; do ip link add v$i type veth peer name p$i netns rbpeer; ip -n rbpeer link set p$i up; done
perm1=$(cat /sys/class/net/v1/address); perm2=$(cat /sys/class/net/v2/address)
ip link set v2 mtu 1400

ip link add rb0 type rbond
check "ip link set v1 master rb0" ip link set v1 master rb0
check "v1 shows master rb0" equals rb0 "$(jfield v1 .master)"
check "v1 has the SLAVE flag" bash -c 'ip -j link show v1 | jq -e ".[0].flags | index(\"SLAVE\")"'
check "the slave is opened" bash -c 'ip link show v1 | grep -q "<.*,UP"'
check "the bond took the first slave's MAC" equals "$perm1" "$(cat /sys/class/net/rb0/address)"
check "the bond's address is stolen (NET_ADDR_STOLEN)" equals 2 "$(cat /sys/class/net/rb0/addr_assign_type)"
check "ip link set v2 master rb0" ip link set v2 master rb0
check "the second slave takes the bond's MAC" equals "$perm1" "$(cat /sys/class/net/v2/address)"
check "the second slave takes the bond's MTU (1400 -> 1500)" equals 1500 "$(cat /sys/class/net/v2/mtu)"
check "the bond's MTU change reaches every slave" \
  bash -c 'ip link set rb0 mtu 1400 && [ "$(cat /sys/class/net/v1/mtu) $(cat /sys/class/net/v2/mtu)" = "1400 1400" ]'
ip link set rb0 mtu 1500
check "setting the bond's MAC sets every slave's" \
  bash -c 'ip link set rb0 address 02:aa:bb:cc:dd:ee && [ "$(cat /sys/class/net/v1/address) $(cat /sys/class/net/v2/address)" = "02:aa:bb:cc:dd:ee 02:aa:bb:cc:dd:ee" ]'
ip link set rb0 address "$perm1"
check "/proc lists both slaves" equals 2 "$(grep -c '^Slave Interface:' /proc/net/rbond/rb0)"
check "/proc shows v2's permanent address" bash -c "grep -q 'Permanent HW addr: $perm2' /proc/net/rbond/rb0"

check "ip link set v2 nomaster" ip link set v2 nomaster
check "released v2 gets its own MAC back" equals "$perm2" "$(cat /sys/class/net/v2/address)"
check "released v2 gets its MTU back (1400)" equals 1400 "$(cat /sys/class/net/v2/mtu)"
check "released v2 has no master and no SLAVE flag" \
  bash -c '[ "$(ip -j link show v2 | jq -r ".[0].master")" = null ] && ! ip link show v2 | grep -q SLAVE'
check "released v2 is closed again" bash -c '! ip link show v2 | grep -q "<.*,UP"'

# refusals: each leaves the bond as it was
n_before=$(grep -c '^Slave Interface:' /proc/net/rbond/rb0)
out=$(ip link set rb0 master rb0 2>&1); check "enslaving the bond to itself is refused ($out)" grep -q "Cannot enslave bond to itself" <<< "$out"
out=$(ip link set lo master rb0 2>&1); check "enslaving loopback is refused ($out)" grep -q "loopback" <<< "$out"
ip link add rb1 type rbond
check "a bond can be enslaved to a bond and released, as bonding allows" \
  bash -c 'ip link set rb1 master rb0 && ip link show rb1 | grep -q "[<,]SLAVE[,>]" && grep -q "^Slave Interface: rb1" /proc/net/rbond/rb0 &&
    ip link set rb1 nomaster && ! grep -q "^Slave Interface: rb1" /proc/net/rbond/rb0'
ip link add rbn0 type rbond; ip link add rbn1 type rbond
ip link set rbn0 master rb1; ip link set rbn1 master rbn0
check "deleting a bond that is a slave of one bond and the master of another releases it from both (no reference left)" \
  bash -c 'timeout 20 ip link del rbn0 && ! grep -q "^Slave Interface: rbn0" /proc/net/rbond/rb1 && ! ip link show rbn1 | grep -q "master"'
ip link del rbn1
ip link add rb2 type rbond; ip link set v3 master rb2
check "ip link set master moves a slave from one bond to another (as with C bonds)" \
  bash -c 'ip link set v3 master rb0 && [ "$(ip -j link show v3 | jq -r ".[0].master")" = rb0 ] && ! grep -q v3 /proc/net/rbond/rb2'
ip link set v3 nomaster
ip link set v3 up
out=$(ip link set v3 master rb0 2>&1); check "an up device is refused like the C driver does ($out)" grep -q "Device can not be enslaved while up" <<< "$out"
ip link set v3 down
ip link add rbmv0 link v3 type macvlan
out=$(ip link set v3 master rb0 2>&1); check "a device with another rx handler (macvlan lower) is refused ($out)" grep -q "in use" <<< "$out"
ip link del rbmv0
ip tuntap add rbtun0 mode tun
out=$(ip link set rbtun0 master rb0 2>&1); check "a device of another type than the bond's slaves (tun: ARPHRD_NONE) is refused as by the C driver ($out)" grep -q "Device type is different from other slaves" <<< "$out"
ip link del rbtun0
ip -n rbpeer link add rbfar type dummy
out=$(bash -c 'echo +rbfar > /sys/class/net/rb0/bonding/slaves' 2>&1)
check "a device of another namespace cannot be enslaved (it is not found there: $out)" grep -q "No such device" <<< "$out"
check "refusals left the slaves as they were" equals "$n_before" "$(grep -c '^Slave Interface:' /proc/net/rbond/rb0)"

IFENSLAVE="python3 $(dirname "$0")/../lib/ifenslave.py"
ip link set v2 down
check "the ifenslave ioctl SIOCBONDENSLAVE enslaves" bash -c "$IFENSLAVE enslave rb0 v2 && [ \"\$(ip -j link show v2 | jq -r '.[0].master')\" = rb0 ]"
check "the ifenslave ioctl SIOCBONDRELEASE releases" bash -c "$IFENSLAVE release rb0 v2 && [ \"\$(ip -j link show v2 | jq -r '.[0].master')\" = null ]"
check "SIOCBONDENSLAVE of an unknown device fails with ENODEV" bash -c "$IFENSLAVE enslave rb0 nosuchdev; [ \$? = 19 ]"
check "deleting a slave device releases it" bash -c 'ip link del v1 && ! grep -q "Slave Interface: v1" /proc/net/rbond/rb0'
check "the last release gives the bond a new random MAC" \
  bash -c '[ "$(cat /sys/class/net/rb0/address)" != "'"$perm1"'" ] && [ "$(cat /sys/class/net/rb0/addr_assign_type)" = 1 ]'
ip link set v2 master rb0
check "deleting the bond releases its slaves" bash -c 'ip link del rb0 && [ "$(cat /sys/class/net/v2/address)" = "'"$perm2"'" ] && ! ip link show v2 | grep -q SLAVE'
ip link set v2 master rb1; ip link set v3 master rb2
check "rmmod with enslaved devices releases them" \
  bash -c 'rmmod rbond && ip link show v2 | grep -vq SLAVE && [ "$(cat /sys/class/net/v2/address)" = "'"$perm2"'" ]'
ip netns del rbpeer
