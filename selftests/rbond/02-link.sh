#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Creating, configuring and deleting bonds with ip link.
. "$(dirname "$0")/../lib/tap.sh"
rbond_unload
modprobe rbond max_bonds=0

check "ip link add rb0 type rbond" ip link add rb0 type rbond
check "rb0 exists" link_exists rb0
check "rb0 is of kind rbond" equals rbond "$(jfield rb0 .linkinfo.info_kind)"
check "rb0 is an Ethernet device" equals ether "$(jfield rb0 .link_type)"
mac=$(jfield rb0 .address)
check "rb0 has a random, locally administered unicast MAC ($mac)" \
  bash -c "[ '$mac' != 00:00:00:00:00:00 ] && (( (0x${mac%%:*} & 3) == 2 ))"
check "rb0's address is of type random (NET_ADDR_RANDOM)" equals 1 "$(cat /sys/class/net/rb0/addr_assign_type)"
check "/proc/net/rbond/rb0 shows a new bond as the C driver shows bond0 (balance-rr, no slaves)" \
  diff -u <(printf 'Ethernet Channel Bonding Driver: v%s\n\nBonding Mode: load balancing (round-robin)\nMII Status: down\nMII Polling Interval (ms): 0\nUp Delay (ms): 0\nDown Delay (ms): 0\nPeer Notification Delay (ms): 0\n' "$(uname -r)") /proc/net/rbond/rb0
check "rb0 starts with MTU 1500" equals 1500 "$(jfield rb0 .mtu)"
check "rb0 accepts MTU 68..65535 (min_mtu, max_mtu)" \
  bash -c '[ "$(ip -j -d link show rb0 | jq -r ".[0].min_mtu,.[0].max_mtu" | tr "\n" " ")" = "68 65535 " ]'
check "ip link add rb1 address 02:11:22:33:44:55 keeps the user's MAC" \
  bash -c 'ip link add rb1 address 02:11:22:33:44:55 type rbond && [ "$(ip -j link show rb1 | jq -r ".[0].address")" = 02:11:22:33:44:55 ]'
check "rb1's address is of type set (NET_ADDR_SET)" equals 3 "$(cat /sys/class/net/rb1/addr_assign_type)"
check "ip link set rb1 address changes the bond's MAC" \
  bash -c 'ip link set rb1 address 02:11:22:33:44:66 && [ "$(cat /sys/class/net/rb1/address)" = 02:11:22:33:44:66 ]'
check_fails "a multicast MAC is refused" ip link set rb1 address 03:11:22:33:44:66
check "two bonds get different random MACs" \
  bash -c 'ip link add rb2 type rbond && [ "$(ip -j link show rb2 | jq -r ".[0].address")" != "'"$mac"'" ]'

check "ip link set rb0 up" ip link set rb0 up
check "rb0 is administratively up" bash -c 'ip link show rb0 | grep -q "<.*UP.*>"'
check "rb0 has no carrier without slaves" equals 0 "$(cat /sys/class/net/rb0/carrier)"
check "ip link set rb0 mtu 9000" ip link set rb0 mtu 9000
check "rb0 has MTU 9000" equals 9000 "$(jfield rb0 .mtu)"
check "MTU 65535 is accepted" ip link set rb0 mtu 65535
check_fails "MTU 65536 is refused" ip link set rb0 mtu 65536
check_fails "MTU 67 is refused" ip link set rb0 mtu 67
check "refused MTUs left 65535 in place" equals 65535 "$(jfield rb0 .mtu)"
ip link set rb0 mtu 1500

before=$(ip -j -s link show rb0 | jq '.[0].stats64.tx.dropped')
ip addr add 192.0.2.1/24 dev rb0
ping -c 3 -i 0.2 -W 1 192.0.2.2 >/dev/null 2>&1
after=$(ip -j -s link show rb0 | jq '.[0].stats64.tx.dropped')
check "frames sent on a bond without slaves are dropped and counted in 64-bit stats ($before -> $after)" \
  test "$after" -gt "$before"
check "no frame is counted as transmitted" equals 0 "$(ip -j -s link show rb0 | jq '.[0].stats64.tx.packets')"

check "ip link set rb0 down" ip link set rb0 down
check "rb0 is down" bash -c '! ip link show rb0 | grep -q "<.*,UP.*>"'
check "ip link del rb0" ip link del rb0
check "rb0 is gone" link_absent rb0
check "rb1 and rb2 are untouched" bash -c 'ip link show rb1 >/dev/null && ip link show rb2 >/dev/null'
check "ip link del rb1 rb2" bash -c 'ip link del rb1 && ip link del rb2'
rbond_unload
