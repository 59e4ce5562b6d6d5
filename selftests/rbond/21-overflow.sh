#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The robustness defects of issue 12, side by side with bonding.ko: values that users and the wire
# supply at their limits, slaves that do not tell their speed, frames in unusual shapes. Nothing
# may panic (the kernel is built with CONFIG_RUST_OVERFLOW_CHECKS; a panic ends the guest and
# fails the run), and what rbond reports and does is what bonding.ko reports and does.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
# both drivers rate limit their lines of a link's delays (net_ratelimit(): 10 in 5 s for the whole
# network stack), which a loaded guest's earlier lines can use up: off while this file compares them
RATECOST=$(sysctl -n net.core.message_cost)
sysctl -qw net.core.message_cost=0
trap 'sysctl -qw net.core.message_cost=$RATECOST' EXIT
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
S=/sys/class/net

# logged MESSAGE...: each is in the kernel log
logged() {
  local m
  for m in "$@"; do dmesg | grep -qF "$m" || { echo "missing: $m"; dmesg | tail -5; return 1; }; done
}

# --- 1. delays past INT_MAX ms (defect 1): up and down delays are kept in miimon ticks, as C
# keeps them, and reported as C's `int` product ticks * miimon, which wraps past INT_MAX: updelay
# INT_MAX set at miimon 1 reads 2147483645 at miimon 3 and -2 at miimon 2, in sysfs, /proc,
# netlink and the log (rbond panicked in fill_info, under RTNL)
# delays DRIVER BOND: sysfs updelay/downdelay, /proc's delay lines, netlink's (hex u32)
delays() {
  local d=$1 b=$2
  echo "sysfs $(cat $S/$b/bonding/updelay) $(cat $S/$b/bonding/downdelay)"
  grep -E '^(MII Polling Interval|Up Delay|Down Delay|Peer Notification Delay)' "$(procfile "$d" "$b")"
  rtnl getlink "$b" | grep -E '^data (miimon|updelay|downdelay|peer_notif_delay)='
}
for d in rbond bonding; do
  b=${d:0:1}-d
  mkbond $d $b mode active-backup miimon 1 updelay 2147483647 downdelay 1073741824
  # s1 comes up at once (no active slave: the updelay is ignored) and is the active one; s2
  # then waits for its updelay
  for s in s1 s2; do ip link add $b-$s type dummy; done
  ip link set $b up
  ip link set $b-s1 master $b
  wait_for 5 grep -q "^Currently Active Slave: $b-s1" "$(procfile $d $b)"
  ip link set $b-s2 master $b
done
check "miimon 1, updelay INT_MAX, downdelay 2^30: rbond reports what bonding.ko does" \
  diff -u <(delays bonding b-d) <(delays rbond r-d)
# the issue's reproducer: miimon 3 makes both products overflow an int
setbond rbond r-d miimon 3; setbond bonding b-d miimon 3
check "netlink miimon 3: the bond is still there and answers (no panic under RTNL)" link_exists r-d
check "... sysfs reads C's wrapped int products: updelay 2147483645, downdelay -1073741824" equals \
  "2147483645 -1073741824" "$(cat $S/r-d/bonding/updelay $S/r-d/bonding/downdelay | xargs)"
check "... sysfs, /proc and netlink as bonding.ko's" diff -u <(delays bonding b-d) <(delays rbond r-d)
echo 2 > $S/r-d/bonding/miimon; echo 2 > $S/b-d/bonding/miimon
check "sysfs miimon 2: updelay reads -2, downdelay -2147483648, as bonding.ko's" equals \
  "-2 -2147483648|-2 -2147483648" \
  "$(cat $S/r-d/bonding/{updelay,downdelay} | xargs)|$(cat $S/b-d/bonding/{updelay,downdelay} | xargs)"
check "... sysfs, /proc and netlink as bonding.ko's" diff -u <(delays bonding b-d) <(delays rbond r-d)
# the MII monitor's messages carry the same products: s2 goes down and comes back ("enabling it
# in" the whole updelay), the active s1 fails ("disabling it in" the whole downdelay)
dmesg -C
for b in r-d b-d; do ip link set $b-s2 carrier off; done
sleep 0.3
for b in r-d b-d; do ip link set $b-s2 carrier on; ip link set $b-s1 carrier off; done
sleep 0.3
for b in r-d b-d; do
  check "${b%-d}: the MII monitor logs the wrapped delays as bonding.ko does" logged \
    "$b: (slave $b-s2): link status up, enabling it in -2 ms" \
    "$b: (slave $b-s1): link status down for active interface, disabling it in -2147483648 ms"
done
for b in r-d b-d; do ip link del $b; ip link del $b-s1; ip link del $b-s2; done

# the MII monitor's words otherwise: a backup slave failing is a "backup interface"; an
# updelay ignored (no active slave) is logged as "enabling it in 0 ms"
dmesg -C
for d in rbond bonding; do
  b=${d:0:1}-e
  mkbond $d $b mode active-backup miimon 10 updelay 100 downdelay 200
  for s in s1 s2; do ip link add $b-$s type dummy; ip link set $b-$s carrier off; ip link set $b-$s master $b; done
  ip link set $b up
  sleep 0.1
  ip link set $b-s1 carrier on
  wait_for 5 grep -q "^Currently Active Slave: $b-s1" "$(procfile $d $b)"
  ip link set $b-s2 carrier on
  wait_for 5 bash -c "[ \$(grep -c '^MII Status: up' $(procfile $d $b)) = 3 ]"
  ip link set $b-s2 carrier off
  sleep 0.1
done
for b in r-e b-e; do
  check "${b%-e}: updelay ignored: 'enabling it in 0 ms'; a backup failing: 'backup interface'" logged \
    "$b: (slave $b-s1): link status up, enabling it in 0 ms" \
    "$b: (slave $b-s2): link status up, enabling it in 100 ms" \
    "$b: (slave $b-s2): link status down for backup interface, disabling it in 200 ms"
done
for b in r-e b-e; do ip link del $b; ip link del $b-s1; ip link del $b-s2; done

# --- 2. 802.3ad without speed and duplex (issue 12, defect 8): a dummy tells neither, and
# bonding.ko keeps such a slave down ("failed to get link speed/duplex") once a NETDEV_CHANGE
# has asked again, where rbond used to take it up with a speed-0 key
# adslave DRIVER BOND: the slave's link, speed, duplex and key as /proc and sysfs show them
adslave() {
  awk -v s="Slave Interface: $2-s" '$0 == s { on = 1 } on && /^(MII Status|Speed|Duplex|Link Failure Count|    port key):/' \
    "$(procfile "$1" "$2")"
  echo "sysfs mii_status $(cat $S/$2-s/bonding_slave/mii_status)"
}
for d in rbond bonding; do
  b=${d:0:1}-a
  mkbond $d $b mode 802.3ad miimon 100
  ip link add $b-s type dummy
  ip link set $b-s master $b; ip link set $b up
done
sleep 1
check "802.3ad, a dummy slave just enslaved: link, speed, duplex and key as bonding.ko's" \
  diff -u <(adslave bonding b-a) <(adslave rbond r-a)
dmesg -C
for b in r-a b-a; do ip link set $b-s carrier off; done
sleep 0.5
for b in r-a b-a; do ip link set $b-s carrier on; done
sleep 1
# (the link failures counted are not compared: 1, or 2 when the MII monitor saw the carrier
# gone before linkwatch's NETDEV_CHANGE said so, which then turns the slave, already down, into
# "going down" for the monitor to count again; a race of both drivers under load, seen once
# with bonding.ko at 1 and rbond at 2)
failures() { adslave "$1" "$2" | sed -n 's/^Link Failure Count: //p'; }
# (read again for up to 5 s until both agree: a make check on a fresh machine read bonding.ko's
# sysfs mii_status "up" once, a moment of its MII monitor, which takes such a slave down again at
# each tick when it finds no speed, while its /proc and rbond said down)
same_ad() { diff -u <(adslave bonding b-a | grep -v '^Link Failure Count: ') <(adslave rbond r-a | grep -v '^Link Failure Count: '); }
agree_ad() { wait_for 5 same_ad || same_ad; }
check "... after its carrier came back (NETDEV_CHANGE): as bonding.ko's" agree_ad
for b in r-a b-a; do
  d=$([ "$b" = r-a ] && echo rbond || echo bonding)
  check "${b%-a}: the carrier's loss counted as a link failure (once, or twice in the race)" \
    bash -c "case '$(failures $d $b)' in 1|2) ;; *) echo 'Link Failure Count: $(failures $d $b)'; exit 1;; esac"
done
check "... which is down: no speed or duplex, no 802.3ad" equals "MII Status: down" \
  "$(adslave rbond r-a | head -1)"
for b in r-a b-a; do
  check "${b%-a}: logs 'failed to get link speed/duplex'" logged "$b: (slave $b-s): failed to get link speed/duplex"
done
for b in r-a b-a; do ip link del $b; ip link del $b-s; done
# a link back during its downdelay is taken up as any other (bond_miimon_commit()), with the
# speed and duplex it has: a dummy's unknown duplex reads "full" in C's line
dmesg -C
for d in rbond bonding; do
  b=${d:0:1}-u
  mkbond $d $b mode active-backup miimon 10 downdelay 2000
  ip link add $b-s type dummy; ip link set $b-s master $b; ip link set $b up
  wait_for 5 grep -q "^Currently Active Slave: $b-s" "$(procfile $d $b)"
  ip link set $b-s carrier off; sleep 0.3; ip link set $b-s carrier on
  wait_for 5 bash -c "dmesg | grep -q '$b: (slave $b-s): link status definitely up'"
done
for b in r-u b-u; do
  check "${b%-u}: a link up again within its downdelay: logged as by C" logged \
    "$b: (slave $b-s): link status down for active interface, disabling it in 2000 ms" \
    "$b: (slave $b-s): link status up again after " \
    "$b: (slave $b-s): link status definitely up, 0 Mbps full duplex"
done
# (a line repeated is collapsed: bond_mii_monitor() commits under rtnl_trylock(), and when RTNL is
# busy it inspects, and logs the link going down, again a tick later; a CI run saw bonding.ko log
# it three times)
check "... the same lines from both drivers" diff -u \
  <(dmesg | sed -nE 's/^\[[ 0-9.]+\] (rbond: )?b-u: \(slave b-u-s\): (link status [a-z ]+).*/\2/p' | uniq) \
  <(dmesg | sed -nE 's/^\[[ 0-9.]+\] (rbond: )?r-u: \(slave r-u-s\): (link status [a-z ]+).*/\2/p' | uniq)
for b in r-u b-u; do ip link del $b; ip link del $b-s; done

# --- 3. the transmit hash of a frame whose headers are in the skb's fragments (issue 12,
# defect 10): bonding.ko reads them there (pskb_may_pull(), skb_header_pointer()); rbond must
# pick the same slave. A packet socket sends a frame of more than a page with only its 14-byte
# Ethernet header linear, the IP and UDP headers in a page fragment: packet_snd() makes the
# linear part as long as the virtio_net_hdr's hdr_len (PACKET_VNET_HDR; 0 here) or the device's
# hard_header_len, whichever is longer, and packet_alloc_skb() keeps only frames under a page
# whole, which the reference frames are.
NX=3
for d in rbond bonding; do
  b=${d:0:1}-x
  mkbond $d $b mode balance-xor xmit_hash_policy layer3+4 miimon 100
  ip link set $b address 02:00:00:00:00:01
  for i in $(seq 1 $NX); do ip link add $b-s$i type dummy; ip link set $b-s$i master $b; done
  # no IPv6 autoconfiguration or MLD frames to blur which slave sent a test frame
  echo 1 > /proc/sys/net/ipv6/conf/$b/disable_ipv6
  ip link set $b mtu 9000; ip link set $b up
  wait_for 5 bash -c "[ \$(grep -c '^MII Status: up' $(procfile $d $b)) = $((NX + 1)) ]"
done
# paged BOND LINEAR: per flow (UDP over IPv4 and IPv6 from several ports to several addresses),
# the index of the slave that sent it; LINEAR=1: the same flows in linear 1000-byte frames, else
# in 5000-byte frames whose headers are in a fragment
paged() {
  python3 - "$1" $NX "$2" <<'PY'
import socket, struct, sys
bond, n, linear = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
SOL_PACKET, PACKET_VNET_HDR = 263, 15
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
if not linear:
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
def tx():
    return [int(open(f"/sys/class/net/{bond}-s{i}/statistics/tx_packets").read()) for i in range(1, n + 1)]
eth = bytes.fromhex("020000000002" "020000000001")
out = []
size = 1000 if linear else 5000
for v6 in (False, True):
    for dst in range(2, 5):
        for sport in range(40000, 40008):
            pay = bytes(size - 14 - (40 if v6 else 20) - 8)
            udp = struct.pack("!HHHH", sport, 9, 8 + len(pay), 0)
            if v6:
                src = socket.inet_pton(socket.AF_INET6, "2001:db8::1")
                dsta = socket.inet_pton(socket.AF_INET6, f"2001:db8::{dst}")
                ip = struct.pack("!IHBB", 6 << 28, 8 + len(pay), 17, 64) + src + dsta
                frame = eth + b"\x86\xdd" + ip + udp + pay
                proto = 0x86dd
            else:
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(pay), 1, 0, 64, 17, 0,
                                 socket.inet_aton("10.9.0.1"), socket.inet_aton(f"10.9.0.{dst}"))
                frame = eth + b"\x08\x00" + ip + udp + pay
                proto = 0x0800
            # a frame of the kernel's own may pass at the same time: send again until exactly
            # one slave sent exactly one frame
            for _ in range(5):
                before = tx()
                s.sendto(frame if linear else bytes(10) + frame, (bond, proto))
                after = tx()
                d = [i for i in range(n) if after[i] != before[i]]
                if len(d) == 1 and after[d[0]] - before[d[0]] == 1:
                    break
            out.append(",".join(str(i) for i in d) or "-")
print(" ".join(out))
PY
}
for d in bonding rbond; do
  b=${d:0:1}-x
  eval "${d}_lin=\$(paged $b 1)"; eval "${d}_frag=\$(paged $b 0)"
done
check "linear frames: rbond picks bonding.ko's slave for every flow (the reference)" equals "$bonding_lin" "$rbond_lin"
check "... and bonding.ko spreads them over all $NX slaves (the comparison means something)" bash -c \
  "for i in \$(seq 0 $((NX - 1))); do grep -qw \$i <<< '$bonding_lin' || exit 1; done"
check "headers in fragments: bonding.ko picks the same slaves as for the linear frames" equals "$bonding_lin" "$bonding_frag"
check "headers in fragments: rbond picks bonding.ko's slave for every flow" equals "$bonding_frag" "$rbond_frag"
for b in r-x b-x; do ip link del $b; for i in $(seq 1 $NX); do ip link del $b-s$i; done; done
