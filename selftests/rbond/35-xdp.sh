#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Native XDP on a bond, side by side with bonding.ko (issue 17): a program attached to the bond in
# driver mode runs on every slave (XDP_DROP, XDP_TX), frames another device's program redirects
# to the bond (XDP_REDIRECT, ndo_xdp_xmit) leave by the slave the mode picks, the bond's XDP
# features are its slaves' (and follow them), and what bonding refuses rbond refuses with the
# same errno and message: a mode without native XDP, a slave that cannot run XDP or has its own
# program, a mode or policy change that would stop the program. The programs are a few
# instructions loaded by lib/xdp.py (no clang, no libbpf in the guest); the slaves are veth
# devices, whose peers have GRO on so that they take XDP frames. bonding.ko's devices start with
# k-, rbond's with r-. IPv6 is off on the test's devices: its router solicitations and reports
# would be counted with the test's frames.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
declare -A DRV=([r]=rbond [k]=bonding) ATT ERR
XDP="python3 $LIB/xdp.py"
V6=$(sysctl -n net.ipv6.conf.default.disable_ipv6)
sysctl -qw net.ipv6.conf.default.disable_ipv6=1

rx() { cat "/sys/class/net/$1/statistics/rx_packets"; }
# got PEER: the frames a slave's peer received through its XDP_PASS program (the peers have one:
# a veth delivers another veth's XDP frames to a peer that runs XDP)
got() { xdpstat "$1" packets; }
# xdpstat DEV NAME: a veth's per-queue XDP counter (ethtool -S: rx_queue_0_xdp_drops, ...)
xdpstat() { ethtool -S "$1" | awk -v k="rx_queue_0_xdp_$2:" '$1 == k { print $2 }'; }
# around COUNTERS SEND: how the counters `COUNTERS d` (a line of numbers) of each driver's devices
# (d: r, k) changed while `SEND d` sent frames, into CH[d]
declare -A CH
around() {
  local d; local -A before
  for d in r k; do before[$d]=$($1 $d); done
  for d in r k; do $2 $d > /dev/null; done
  sleep 0.5
  for d in r k; do
    local a=(${before[$d]}) b=($($1 $d)) i out=()
    for i in "${!a[@]}"; do out+=($(( b[i] - a[i] ))); done
    CH[$d]="${out[*]}"
  done
}

# ---- two bonds of each driver: active-backup (b) and balance-xor layer3+4 (x), two veth
# slaves each; a veth pair (in/inp) whose program redirects to a bond ----
for d in r k; do
  mkbond ${DRV[$d]} $d-b mode active-backup miimon 100
  mkbond ${DRV[$d]} $d-x mode balance-xor miimon 100 xmit_hash_policy layer3+4
  for b in b x; do
    for i in 1 2; do
      ip link add $d-$b$i type veth peer name $d-$b${i}p
      ip link set $d-$b${i}p up
      ip link set $d-$b$i master $d-$b
    done
    ip link set $d-$b up
  done
  ip link add $d-in type veth peer name $d-inp
  ip link set $d-in up; ip link set $d-inp up
done
for d in r k; do
  for b in b x; do
    wait_for 10 bash -c "[ \$(grep -c '^MII Status: up' $(procfile ${DRV[$d]} $d-$b)) = 3 ]"
  done
done
check "both drivers' bonds are up with two slaves" bash -c \
  "for f in /proc/net/rbond/r-b /proc/net/rbond/r-x /proc/net/bonding/k-b /proc/net/bonding/k-x; do [ \$(grep -c '^MII Status: up' \$f) = 3 ] || exit 1; done"

# ---- XDP features: the slaves' (veth: basic, redirect, rx-sg; ndo-xmit once the peer takes
# XDP frames, i.e. has GRO on), and they follow a slave's change (NETDEV_XDP_FEAT_CHANGE) ----
feat() { $XDP features "$1" | sed 's/xdp-features=//'; }
check "xdp-features of the bonds before the peers have GRO: as bonding.ko's (0x23: basic, redirect, rx-sg)" \
  equals "0x23 0x23|0x23 0x23" "$(feat r-b) $(feat r-x)|$(feat k-b) $(feat k-x)"
for d in r k; do for b in b x; do for i in 1 2; do ethtool -K $d-$b${i}p gro on; done; done; ethtool -K $d-inp gro on; done
check "... with GRO on the peers: ndo-xmit too (0x67), as bonding.ko's" \
  equals "0x67 0x67|0x67 0x67" "$(feat r-b) $(feat r-x)|$(feat k-b) $(feat k-x)"
for d in r k; do for b in b x; do for i in 1 2; do $XDP attach $d-$b${i}p pass >/dev/null; done; done; done

# ---- XDP_DROP on the bond: runs on both slaves, the active one and the backup ----
for d in r k; do ATT[$d]=$($XDP attach $d-b drop); done
check "attach a dropping program to the active-backup bonds (driver mode): accepted by both" \
  equals "errno=0 (OK) msg=|errno=0 (OK) msg=" "${ATT[r]}|${ATT[k]}"
check "... the bond shows it attached in driver mode" equals "attached=drv|attached=drv" \
  "$($XDP query r-b | cut -d' ' -f1)|$($XDP query k-b | cut -d' ' -f1)"
c_drops() { echo "$(xdpstat $1-b1 drops) $(xdpstat $1-b2 drops)"; }
s_both() { $XDP send $1-b1p 20 \; send $1-b2p 20; }
around c_drops s_both
check "20 frames into each slave: both slaves' programs dropped 20, as on bonding.ko" equals "20 20|20 20" "${CH[r]}|${CH[k]}"

# ---- XDP_TX on the bond (replaces the program): a frame goes back out of the active slave it
# came in by (bonding.ko passes it through the bond, which picks the same active slave) ----
for d in r k; do ATT[$d]=$($XDP attach $d-b tx); done
check "replace it with an XDP_TX program: accepted by both" equals "errno=0 (OK) msg=|errno=0 (OK) msg=" "${ATT[r]}|${ATT[k]}"
c_tx() { echo "$(got $1-b1p) $(xdpstat $1-b1 tx)"; }
s_b1() { $XDP send $1-b1p "${2:-20}"; }
around c_tx s_b1
check "20 frames into the active slave: the program sent all 20 back to the sender, as on bonding.ko" \
  equals "20 20|20 20" "${CH[r]}|${CH[k]}"

# ---- a program on a slave of a bond that has one: refused by the core for both ----
check "attach to a slave while its bond has a program: refused as for bonding.ko" \
  equals "errno=17 (EEXIST) msg=Cannot attach when an upper device already has a program|same" \
  "$($XDP attach r-b1 pass)|$([ "$($XDP attach k-b1 pass)" = "$($XDP attach r-b1 pass)" ] && echo same)"

# ---- the bond's program leaves with a slave, and with the bond ----
for d in r k; do $XDP attach $d-b drop >/dev/null; ip link set $d-b2 nomaster; ip link set $d-b2 up; done
c_b2() { echo "$(xdpstat $1-b2 drops) $(rx $1-b2)"; }
s_b2() { $XDP send $1-b2p 20; }
around c_b2 s_b2
check "a released slave no longer runs the bond's program: 20 frames received, none dropped, as on bonding.ko" \
  equals "0 20|0 20" "${CH[r]}|${CH[k]}"

# ---- refusals, with bonding's errno and message ----
# a slave with a program of its own
for d in r k; do $XDP attach $d-b2 pass >/dev/null; ip link set $d-b2 down; done
for d in r k; do ERR[$d]=$(ip link set $d-b2 master $d-b 2>&1); done
check "enslave a device with its own program into a bond with one: refused as by bonding.ko (${ERR[k]})" \
  equals "${ERR[k]}" "${ERR[r]}"
check "... which says why" grep -q "Slave has XDP program loaded, please unload before enslaving" <<< "${ERR[r]}"
check "... and left it out" equals "null|null" "$(jfield r-b2 .master)|$(jfield k-b2 .master)"
# a device that cannot run XDP (dummy has no ndo_bpf)
for d in r k; do ip link add $d-dm type dummy; ERR[$d]=$(ip link set $d-dm master $d-b 2>&1); done
check "enslave a dummy device into a bond with a program: refused as by bonding.ko (${ERR[k]})" \
  equals "${ERR[k]}" "${ERR[r]}"
check "... which says why" grep -q "Slave does not support XDP" <<< "${ERR[r]}"
check "... and left it out" equals "null|null" "$(jfield r-dm .master)|$(jfield k-dm .master)"
# attaching to a bond one of whose slaves has its own program: refused, the other slave unwound
for d in r k; do
  $XDP detach $d-b >/dev/null; $XDP detach $d-b2 >/dev/null
  ip link set $d-b2 master $d-b; $XDP attach $d-b2 pass >/dev/null
done
for d in r k; do ATT[$d]=$($XDP attach $d-b drop); done
check "attach to a bond a slave of which has its own program: refused as by bonding.ko (${ATT[k]})" equals "${ATT[k]}" "${ATT[r]}"
check "... with bonding's message" equals "errno=95 (ENOTSUP) msg=Slave has XDP program loaded, please unload before enslaving" "${ATT[r]}"
c_b1() { xdpstat $1-b1 drops; }
around c_b1 s_b1
check "... and the slave that took the program before the refusal has none again: nothing dropped, as on bonding.ko" \
  equals "0|0" "${CH[r]}|${CH[k]}"
# modes without native XDP
for d in r k; do mkbond ${DRV[$d]} $d-t mode balance-tlb; ATT[$d]=$($XDP attach $d-t drop); done
check "attach to a balance-tlb bond: refused as by bonding.ko" equals "${ATT[k]}" "${ATT[r]}"
check "... with bonding's message" equals "errno=95 (ENOTSUP) msg=No native XDP support for the current bonding mode" "${ATT[r]}"
check "... and bonding's log line" grep -q "r-t: Error: No native XDP support for the current bonding mode" <(dmesg)
for d in r k; do ip link set $d-dm master $d-t; done
check "xdp-features of a balance-tlb bond with a slave: none, as bonding.ko's" equals "0x0|0x0" "$(feat r-t)|$(feat k-t)"
# a program on a bond without slaves; a mode change it would not survive
for d in r k; do mkbond ${DRV[$d]} $d-e mode balance-rr; $XDP attach $d-e drop >/dev/null; done
check "a program on a bond without slaves: attached on both" equals "attached=drv|attached=drv" \
  "$($XDP query r-e | cut -d' ' -f1)|$($XDP query k-e | cut -d' ' -f1)"
for d in r k; do ATT[$d]=$(rtnl changelink $d-e ${DRV[$d]/bonding/bond} mode broadcast); done
check "... changing its mode to broadcast: refused with bonding's errno (${ATT[k]})" equals "${ATT[k]%% msg=*}" "${ATT[r]%% msg=*}"
check "... rbond says why (${ATT[r]})" grep -q "msg=mode: the bond's XDP program does not run in this mode" <<< "${ATT[r]}"
check "... the mode is unchanged" equals "balance-rr 0|balance-rr 0" "$(cat /sys/class/net/r-e/bonding/mode)|$(cat /sys/class/net/k-e/bonding/mode)"
for d in r k; do $XDP attach $d-x pass >/dev/null; ATT[$d]=$(rtnl changelink $d-x ${DRV[$d]/bonding/bond} xmit_hash_policy vlan+srcmac); done
check "a balance-xor bond with a program: xmit_hash_policy vlan+srcmac refused with bonding's errno (${ATT[k]})" \
  equals "${ATT[k]%% msg=*}" "${ATT[r]%% msg=*}"
check "... the policy is unchanged" equals "layer3+4 1|layer3+4 1" \
  "$(cat /sys/class/net/r-x/bonding/xmit_hash_policy)|$(cat /sys/class/net/k-x/bonding/xmit_hash_policy)"
for d in r k; do $XDP detach $d-x >/dev/null; done
# a bond without a program: a slave that cannot run XDP, or has a program of its own, may join
# (bpf's xdp_bonding test), and then the bond's program is refused (the dummy moves to the bond
# that had one)
for d in r k; do
  $XDP detach $d-e >/dev/null; ip link set $d-dm nomaster; ip link set $d-dm down
  ip link add $d-o type veth peer name $d-op; $XDP attach $d-o pass >/dev/null
  ERR[$d]="$(ip link set $d-dm master $d-e 2>&1)|$(ip link set $d-o master $d-e 2>&1)"
done
check "a bond without a program takes a dummy and a device with a program of its own, as bonding.ko" \
  equals "|:r-e|r-e||:k-e|k-e" "${ERR[r]}:$(jfield r-dm .master)|$(jfield r-o .master)|${ERR[k]}:$(jfield k-dm .master)|$(jfield k-o .master)"
for d in r k; do $XDP detach $d-o >/dev/null; ATT[$d]=$($XDP attach $d-e drop); done
check "... a program for that bond: refused as by bonding.ko (${ATT[k]})" equals "${ATT[k]}" "${ATT[r]}"
check "... with bonding's message" equals "errno=95 (ENOTSUP) msg=Slave device does not support XDP" "${ATT[r]}"
check "... and its veth slave got no program meanwhile (none dropped), as on bonding.ko" bash -c \
  "for d in r k; do a=\$(ethtool -S \$d-o | awk '/rx_queue_0_xdp_drops:/ {print \$2}'); $XDP send \$d-op 10 >/dev/null; sleep 0.3; [ \"\$(ethtool -S \$d-o | awk '/rx_queue_0_xdp_drops:/ {print \$2}')\" = \"\$a\" ] || exit 1; done"
for d in r k; do ip link del $d-o; done
# nested bonds (bpf's xdp_bonding: a bond of a bond of a bond): the program goes down the chain
for d in r k; do
  mkbond ${DRV[$d]} $d-n0; mkbond ${DRV[$d]} $d-n1; mkbond ${DRV[$d]} $d-n2
  ip link set $d-n1 master $d-n0; ip link set $d-n2 master $d-n1
  ATT[$d]=$($XDP attach $d-n0 drop)
done
check "a program on a bond of bonds (three levels): accepted by both" equals "errno=0 (OK) msg=|errno=0 (OK) msg=" "${ATT[r]}|${ATT[k]}"
for d in r k; do ERR[$d]=$($XDP detach $d-n0); ip link del $d-n0; ip link del $d-n1; ip link del $d-n2; done
check "... and off again" equals "errno=0 (OK) msg=|errno=0 (OK) msg=" "${ERR[r]}|${ERR[k]}"

# ---- XDP_REDIRECT to the bond (ndo_xdp_xmit): frames leave by the slave of the mode ----
# active-backup: the active slave
for d in r k; do $XDP detach $d-b >/dev/null; $XDP detach $d-b2 >/dev/null; ATT[$d]=$($XDP attach $d-in redirect:$d-b); done
check "a program redirecting to the bond: attached for both" equals "errno=0 (OK) msg=|errno=0 (OK) msg=" "${ATT[r]}|${ATT[k]}"
c_ab() { echo "$(got $1-b1p) $(got $1-b2p)"; }
s_in() { $XDP send $1-inp "$N" $SPEC; }
N=20 SPEC=udp around c_ab s_in
check "active-backup: 20 redirected frames all leave by the active slave, as on bonding.ko" \
  equals "20 0|20 0" "${CH[r]}|${CH[k]}"
# after a failover: the new active slave
for d in r k; do ip link set $d-b1p down; done
for d in r k; do wait_for 10 bash -c "[ \"\$(active_of ${DRV[$d]} $d-b)\" = $d-b2 ]"; done
N=20 SPEC=udp around c_ab s_in
check "... after a failover all 20 leave by the new active slave, as on bonding.ko" \
  equals "0 20|0 20" "${CH[r]}|${CH[k]}"
# balance-xor layer3+4: by the hash of each frame's ports, the same slave as bonding.ko picks
c_x() { echo "$(got $1-x1p) $(got $1-x2p)"; }
for d in r k; do $XDP attach $d-in redirect:$d-x >/dev/null; done
N=40 SPEC=udp around c_x s_in
check "balance-xor layer3+4: 40 redirected flows split between the slaves as bonding.ko splits them (${CH[k]})" \
  equals "${CH[k]}" "${CH[r]}"
check "... over both slaves, all 40" bash -c "a=(${CH[r]}); [ \${a[0]} -gt 0 ] && [ \${a[1]} -gt 0 ] && [ \$((a[0] + a[1])) = 40 ]"
# the policies that use the kernel's flow dissector (encap3+4), and layer2+3
for pol in encap3+4 layer2+3; do
  for d in r k; do setbond ${DRV[$d]} $d-x xmit_hash_policy $pol; done
  N=40 SPEC=udp around c_x s_in
  check "balance-xor $pol: 40 redirected flows split as bonding.ko splits them (${CH[k]})" \
    equals "${CH[k]}|40" "${CH[r]}|$(( ${CH[r]/ /+} ))"
done
# balance-rr: in turn
for d in r k; do
  mkbond ${DRV[$d]} $d-rr mode balance-rr miimon 100
  for i in 1 2; do
    ip link add $d-rr$i type veth peer name $d-rr${i}p
    ip link set $d-rr${i}p up; $XDP attach $d-rr${i}p pass >/dev/null
    ip link set $d-rr$i master $d-rr
  done
  ip link set $d-rr up
done
for d in r k; do wait_for 10 bash -c "[ \$(grep -c '^MII Status: up' $(procfile ${DRV[$d]} $d-rr)) = 3 ]"; done
c_rr() { echo "$(got $1-rr1p) $(got $1-rr2p)"; }
for d in r k; do $XDP attach $d-in redirect:$d-rr >/dev/null; done
N=40 SPEC=udp-fixed around c_rr s_in
# (the turn is counted per CPU, as in bonding: frames handled on two CPUs may split 19/21)
rr_split() { local a=($1); [ $((a[0] + a[1])) = 40 ] && [ ${a[0]} -ge 15 ] && [ ${a[1]} -ge 15 ] && echo in-turn || echo "$1"; }
check "balance-rr: 40 redirected frames of one flow alternate over the slaves, as on bonding.ko (rbond ${CH[r]}, bonding.ko ${CH[k]})" \
  equals "in-turn|in-turn" "$(rr_split "${CH[r]}")|$(rr_split "${CH[k]}")"

# XDP_TX from the program of a balance-rr bond: bonding.ko passes it through the bond, which
# sends it by the slave whose turn it is; rbond sends it back by the slave that received it (the
# kernel's xdp_master_redirect() is for bonding.ko's slaves only: Documentation/rbond.rst)
for d in r k; do $XDP attach $d-rr tx >/dev/null; done
s_rr1() { $XDP send $1-rr1p 20; }
around c_rr s_rr1
check "balance-rr, XDP_TX of 20 frames received by the first slave: rbond sends all back by it (bonding.ko: ${CH[k]}, in turn)" \
  equals "20 0" "${CH[r]}"

# ---- deleting a bond with a program takes it off its slaves ----
for d in r k; do $XDP attach $d-rr drop >/dev/null; ip link del $d-rr; done
for d in r k; do ip link set $d-rr1 up; done
c_rr1() { xdpstat $1-rr1 drops; }
around c_rr1 s_rr1
check "a deleted bond's program is off its former slaves: nothing dropped, as on bonding.ko" equals "0|0" "${CH[r]}|${CH[k]}"

for d in r k; do
  for b in b x t e; do ip link del $d-$b 2>/dev/null; done
  for l in b1 b2 x1 x2 rr1 rr2 in dm; do ip link del $d-$l 2>/dev/null; done
done
sysctl -qw net.ipv6.conf.default.disable_ipv6=$V6
check "every test device is gone" bash -c "! ip -o link show | grep -qE ': [rk]-(b|x|t|e|rr|in|dm)'"
