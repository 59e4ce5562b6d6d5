#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What other programs ask a bond outside its own options, side by side with bonding.ko (issue 17):
# ethtool (driver info, link settings, link, timestamping: bond_ethtool_ops), the bond's device
# type (DEVTYPE=bond in its uevent, which udev and networkd's Type=bond match), the ifenslave
# query ioctls (SIOCBONDINFOQUERY, SIOCBONDSLAVEINFOQUERY and their old SIOCDEVPRIVATE numbers),
# the old private enslave ioctl and who may use it, the MII ioctls (SIOCGMIIPHY/REG: the bond's
# carrier in BMSR) and SIOCGHWTSTAMP. bonding.ko's bonds start with k-, rbond's with r-.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
T=$(mktemp -d)
declare -A DRV=([r]=rbond [k]=bonding) FAIL BACK

# ioc BOND QUERY...: the answers of the bond's ioctls, a line each ("errno NAME" when refused).
# QUERY: info | oldinfo | slave:N | oldslave:N | mii | hwtstamp | oldenslave:SLAVE
cat > $T/ioc.py <<'PY'
import ctypes, errno, fcntl, socket, struct, sys
SIOCGMIIPHY, SIOCGMIIREG, SIOCGHWTSTAMP = 0x8947, 0x8948, 0x89b1
SIOCBONDSLAVEINFOQUERY, SIOCBONDINFOQUERY, SIOCDEVPRIVATE = 0x8993, 0x8994, 0x89F0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
bond = sys.argv[1]
def name(b):
    return b.split(b"\0")[0].decode()
def ioctl_data(cmd, buf):
    # struct ifreq (40 bytes): the name, then ifr_data pointing at buf
    req = struct.pack("16sP16x", bond.encode(), ctypes.addressof(buf))
    fcntl.ioctl(s, cmd, req)
def drop_net_admin():
    # capget/capset (version 3): CAP_NET_ADMIN (12) out of the effective and permitted sets
    libc = ctypes.CDLL(None, use_errno=True)
    hdr = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    if libc.capget(hdr, data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    data[0] &= ~(1 << 12); data[1] &= ~(1 << 12)
    if libc.capset(hdr, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
for q in sys.argv[2:]:
    try:
        if q == "dropcap":
            drop_net_admin()
        elif q in ("info", "oldinfo"):
            buf = ctypes.create_string_buffer(12)
            ioctl_data(SIOCBONDINFOQUERY if q == "info" else SIOCDEVPRIVATE + 12, buf)
            print(q, "mode %d num_slaves %d miimon %d" % struct.unpack("iii", buf.raw))
        elif q.split(":")[0] in ("slave", "oldslave"):
            kind, n = q.split(":")
            buf = ctypes.create_string_buffer(struct.pack("i16sbbxxI", int(n), b"", 0, 0, 0), 28)
            ioctl_data(SIOCBONDSLAVEINFOQUERY if kind == "slave" else SIOCDEVPRIVATE + 11, buf)
            sid, sname, link, state, fails = struct.unpack("i16sbbxxI", buf.raw)
            print(q, "id %d name %s link %d state %d link_failure_count %d" % (sid, name(sname), link, state, fails))
        elif q == "mii":
            # SIOCGMIIPHY sets phy_id 0 and reads register reg_num (1: BMSR)
            req = bytearray(struct.pack("16sHHHH", bond.encode(), 7, 1, 0, 0xffff).ljust(40, b"\0"))
            fcntl.ioctl(s, SIOCGMIIPHY, req, True)
            phy, reg, _, val = struct.unpack("HHHH", req[16:24])
            req2 = bytearray(struct.pack("16sHHHH", bond.encode(), 0, 1, 0, 0xffff).ljust(40, b"\0"))
            fcntl.ioctl(s, SIOCGMIIREG, req2, True)
            print(q, "phy %d bmsr %#x reg1 %#x" % (phy, val, struct.unpack("HHHH", req2[16:24])[3]))
        elif q == "hwtstamp":
            buf = ctypes.create_string_buffer(12)
            ioctl_data(SIOCGHWTSTAMP, buf)
            print(q, "flags %d tx_type %d rx_filter %d" % struct.unpack("iii", buf.raw))
        elif q.startswith("oldenslave:"):
            # BOND_ENSLAVE_OLD: ifr_slave (the union) names the slave
            req = struct.pack("16s16s8x", bond.encode(), q.split(":")[1].encode())
            fcntl.ioctl(s, SIOCDEVPRIVATE, req)
            print(q, "done")
    except OSError as e:
        print(q, "errno", errno.errorcode.get(e.errno, e.errno))
PY
ioc() { python3 $T/ioc.py "$@" | sed -E 's/\b[rk]-/B-/g'; }
# eth BOND [ARGS]: ethtool's text about the bond, the bonds' names made neutral
eth() { ethtool "$@" 2>&1 | sed -E 's/\b[rk]-/B-/g'; }

# ---- bonds of each kind of mode, two veth slaves each (veth: 10000Mb/s, full duplex) ----
# MODE: xor sums the speeds, broadcast takes the slowest, active-backup has only its active slave
for d in r k; do
  mkbond ${DRV[$d]} $d-ab mode active-backup miimon 100
  mkbond ${DRV[$d]} $d-x mode balance-xor miimon 100
  mkbond ${DRV[$d]} $d-bc mode broadcast miimon 100
  mkbond ${DRV[$d]} $d-e mode balance-rr miimon 100     # no slaves
  for b in ab x bc; do
    for i in 1 2; do
      ip link add $d-$b$i type veth peer name $d-$b${i}p
      ip link set $d-$b${i}p up
      ip link set $d-$b$i master $d-$b
    done
    ip link set $d-$b up
  done
  ip link set $d-e up
done
for d in r k; do
  for b in ab x bc; do
    wait_for 10 bash -c "[ \$(grep -c '^MII Status: up' $(procfile ${DRV[$d]} $d-$b)) = 3 ]"
  done
done
for b in ab x bc; do
  check "$b: both bonds' slaves are up" bash -c "[ \$(grep -c '^MII Status: up' /proc/net/rbond/r-$b) = 3 ] && [ \$(grep -c '^MII Status: up' /proc/net/bonding/k-$b) = 3 ]"
done

# ---- ethtool -i: bonding's driver name (rbond's own outside compat mode), the kernel's version,
# firmware-version 2 (BOND_ABI_VERSION, which ifenslave reads) ----
check "ethtool -i: rbond's driver is rbond, bonding.ko's bonding" equals "driver: rbond|driver: bonding" \
  "$(ethtool -i r-ab | grep '^driver:')|$(ethtool -i k-ab | grep '^driver:')"
check "... firmware-version 2 and the rest as bonding.ko's" diff -u <(eth -i k-ab | grep -v '^driver:') <(eth -i r-ab | grep -v '^driver:')
check "... which says firmware-version: 2 (the comparison is not empty)" grep -qx 'firmware-version: 2' <(eth -i k-ab)

# ---- ethtool: speed, duplex, port and link ----
for b in ab x bc e; do
  check "ethtool $b: link settings and link as bonding.ko's ($(eth k-$b | grep -E 'Speed|Duplex' | xargs))" \
    diff -u <(eth k-$b) <(eth r-$b)
done
check "... which are 10000Mb/s Full (active-backup), 20000Mb/s (xor: the sum), 10000Mb/s (broadcast: the slowest), Unknown! (no slave)" \
  equals "10000Mb/s Full|20000Mb/s Full|10000Mb/s Full|Unknown! Unknown! (255)" \
  "$(eth r-ab | sed -n 's/.*Speed: //p') $(eth r-ab | sed -n 's/.*Duplex: //p')|$(eth r-x | sed -n 's/.*Speed: //p') $(eth r-x | sed -n 's/.*Duplex: //p')|$(eth r-bc | sed -n 's/.*Speed: //p') $(eth r-bc | sed -n 's/.*Duplex: //p')|$(eth r-e | sed -n 's/.*Speed: //p') $(eth r-e | sed -n 's/.*Duplex: //p')"
check "... and the link detected: yes, yes, yes, no" equals "yes yes yes no" \
  "$(for b in ab x bc e; do eth r-$b | sed -n 's/.*Link detected: //p'; done | xargs)"
# a slave's link gone: xor counts only the slaves that can transmit
for d in r k; do ip link set $d-x2p down; done
for d in r k; do wait_for 10 bash -c "[ \$(grep -c '^MII Status: up' $(procfile ${DRV[$d]} $d-x)) = 2 ]"; done
check "xor with one slave down: 10000Mb/s, as bonding.ko" equals "10000Mb/s|10000Mb/s" \
  "$(eth r-x | sed -n 's/.*Speed: //p')|$(eth k-x | sed -n 's/.*Speed: //p')"
for d in r k; do ip link set $d-x2p up; done

# ---- ethtool -T: the active slave's timestamping (active-backup), or software transmit
# timestamps when every slave has them ----
for b in ab x e; do
  check "ethtool -T $b: as bonding.ko's" diff -u <(eth -T k-$b) <(eth -T r-$b)
done
check "... software transmit timestamps on xor (its slaves have them)" grep -q 'software-transmit' <(eth -T r-x)

# ---- the device type ----
check "uevent: DEVTYPE=bond, as bonding.ko's bond" equals "DEVTYPE=bond|DEVTYPE=bond" \
  "$(grep '^DEVTYPE=' /sys/class/net/r-ab/uevent)|$(grep '^DEVTYPE=' /sys/class/net/k-ab/uevent)"

# ---- the ifenslave query ioctls, new and old numbers ----
Q="info oldinfo slave:0 slave:1 slave:2 slave:-1 oldslave:0 oldslave:1 mii hwtstamp"
for b in ab x e; do
  check "ioctls on $b: as bonding.ko answers ($(ioc k-$b info slave:1 | xargs))" diff -u <(ioc k-$b $Q) <(ioc r-$b $Q)
done
check "... which name the slaves, their links and states (active-backup: the second is a backup)" equals \
  "info mode 1 num_slaves 2 miimon 100|slave:0 id 0 name B-ab1 link 0 state 0 link_failure_count 0|slave:1 id 1 name B-ab2 link 0 state 1 link_failure_count 0|slave:2 errno ENODEV" \
  "$(ioc r-ab info slave:0 slave:1 slave:2 | paste -sd '|')"
check "... and BMSR has the link bit (0x4) of the bond's carrier" equals "mii phy 0 bmsr 0x4 reg1 0x4" "$(ioc r-ab mii)"
# a slave's failure is counted; a bond down has no carrier
for d in r k; do ip link set $d-ab1p down; done
for d in r k; do wait_for 10 bash -c "[ \"\$(active_of ${DRV[$d]} $d-ab)\" = $d-ab2 ]"; done
check "after a failover: as bonding.ko answers" diff -u <(ioc k-ab $Q) <(ioc r-ab $Q)
check "... the failure counted, the link bit still set" equals "slave:0 id 0 name B-ab1 link 2 state 1 link_failure_count 1|mii phy 0 bmsr 0x4 reg1 0x4" \
  "$(ioc r-ab slave:0 mii | paste -sd '|')"
# the last slave's link gone: the bond has no carrier
for d in r k; do ip link set $d-ab2p down; done
for d in r k; do wait_for 10 bash -c "[ \$(cat /sys/class/net/$d-ab/carrier) = 0 ]"; done
check "every link down: as bonding.ko answers" diff -u <(ioc k-ab $Q) <(ioc r-ab $Q)
check "... no link bit" equals "mii phy 0 bmsr 0x0 reg1 0x0" "$(ioc r-ab mii)"
for d in r k; do ip link set $d-ab1p up; ip link set $d-ab2p up; done

# ---- the old private enslave ioctl: with CAP_NET_ADMIN it enslaves, without it is refused ----
for d in r k; do ip link add $d-e1 type veth peer name $d-e1p; done
check "BOND_ENSLAVE_OLD without CAP_NET_ADMIN: refused as by bonding.ko" \
  equals "oldenslave:B-e1 errno EPERM|oldenslave:B-e1 errno EPERM" "$(ioc k-e dropcap oldenslave:k-e1)|$(ioc r-e dropcap oldenslave:r-e1)"
check "... while the queries are answered" equals "info mode 0 num_slaves 0 miimon 100" "$(ioc r-e dropcap info)"
check "BOND_ENSLAVE_OLD as root: enslaved, as by bonding.ko" equals "oldenslave:B-e1 done|oldenslave:B-e1 done" \
  "$(ioc k-e oldenslave:k-e1)|$(ioc r-e oldenslave:r-e1)"
check "... the bonds have it" equals "r-e k-e|info mode 0 num_slaves 1 miimon 100|info mode 0 num_slaves 1 miimon 100" \
  "$(basename "$(readlink /sys/class/net/r-e1/master)") $(basename "$(readlink /sys/class/net/k-e1/master)")|$(ioc r-e info)|$(ioc k-e info)"

for d in r k; do for b in ab x bc e; do ip link del $d-$b; done; done
for d in r k; do ip link del $d-e1 2>/dev/null; for b in ab x bc; do for i in 1 2; do ip link del $d-$b$i 2>/dev/null; done; done; done

# ---- the slaves' lower state (NETDEV_CHANGELOWERSTATE, which LAG offload follows): every change
# of a slave's link or transmit state is told, and rtnetlink sends an RTM_NEWLINK of the slave
# with its new state ----
# (a monitor of its own: iproute2 decodes the slave data of kind bond only, not rbond's)
cat > $T/mon.py <<'PY'
import socket, struct, sys
sys.path.insert(0, sys.argv[1])
from rtnl import attrs   # selftests/lib/rtnl.py's attribute walker
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.bind((0, 1))   # RTMGRP_LINK
print("listening", flush=True)
while True:
    data = s.recv(65536)
    off = 0
    while off + 16 <= len(data):
        length, typ = struct.unpack_from("IH", data, off)
        if typ == 16:   # RTM_NEWLINK
            name, state = "?", None
            for k, v in attrs(data[off + 32: off + length]):
                if k == 3:
                    name = v.rstrip(b"\0").decode()
                elif k == 18:   # IFLA_LINKINFO / IFLA_INFO_SLAVE_DATA: state, mii_status
                    for ik, iv in attrs(v):
                        if ik == 5:
                            sd = dict(attrs(iv))
                            state = "state %s mii_status %s" % (["ACTIVE", "BACKUP"][sd[1][0]], ["UP", "FAIL", "DOWN", "BACK"][sd[2][0]])
            if state:
                print(name, state, flush=True)
        off += (length + 3) & ~3
PY
# told MONFILE SLAVE: the state and MII status in the last RTM_NEWLINK of SLAVE
told() { grep "^$2 " "$1" | tail -1 | cut -d' ' -f2-; }
for d in r k; do
  mkbond ${DRV[$d]} $d-l mode active-backup miimon 100
  for i in 1 2; do
    ip link add $d-l$i type veth peer name $d-l${i}p; ip link set $d-l${i}p up; ip link set $d-l$i master $d-l
  done
  ip link set $d-l up
done
for d in r k; do
  wait_for 10 bash -c "[ \$(grep -c '^MII Status: up' $(procfile ${DRV[$d]} $d-l)) = 3 ] && [ \"\$(active_of ${DRV[$d]} $d-l)\" = $d-l1 ]"
done
python3 $T/mon.py "$LIB" > $T/mon 2>&1 & MONPID=$!
wait_for 30 grep -q listening $T/mon
for d in r k; do ip link set $d-l1p down; done
for d in r k; do wait_for 10 bash -c "[ \"\$(active_of ${DRV[$d]} $d-l)\" = $d-l2 ]"; done
sleep 1
for d in r k; do FAIL[$d]="$(told $T/mon $d-l1)|$(told $T/mon $d-l2)"; done
for d in r k; do ip link set $d-l1p up; done
for d in r k; do wait_for 10 bash -c "[ \$(grep -c '^MII Status: up' $(procfile ${DRV[$d]} $d-l)) = 3 ]"; done
sleep 1
for d in r k; do BACK[$d]=$(told $T/mon $d-l1); done
kill $MONPID; wait $MONPID 2>/dev/null
check "a failover: the failed slave told BACKUP and DOWN, the new active one ACTIVE and UP, as by bonding.ko" \
  equals "state BACKUP mii_status DOWN|state ACTIVE mii_status UP (both drivers)" \
  "$([ "${FAIL[r]}" = "${FAIL[k]}" ] && echo "${FAIL[r]} (both drivers)" || echo "rbond ${FAIL[r]}, bonding.ko ${FAIL[k]}")"
check "... its link back: told BACKUP and UP, as by bonding.ko" equals "state BACKUP mii_status UP (both drivers)" \
  "$([ "${BACK[r]}" = "${BACK[k]}" ] && echo "${BACK[r]} (both drivers)" || echo "rbond ${BACK[r]}, bonding.ko ${BACK[k]}")"
for d in r k; do ip link del $d-l; ip link del $d-l1; ip link del $d-l2; done
# 802.3ad without an LACP partner: each port is an aggregator of its own, one is selected and its
# port transmits (ACTIVE), the other waits (BACKUP); the selected port's link gone, the other
# aggregator is selected and its port told ACTIVE
python3 $T/mon.py "$LIB" > $T/mon 2>&1 & MONPID=$!
wait_for 30 grep -q listening $T/mon
for d in r k; do
  mkbond ${DRV[$d]} $d-a mode 802.3ad miimon 100
  for i in 1 2; do
    ip link add $d-a$i type veth peer name $d-a${i}p; ip link set $d-a${i}p up; ip link set $d-a$i master $d-a
  done
done
for d in r k; do ip link set $d-a up; done
# the port told ACTIVE last, in each bond
for d in r k; do wait_for 15 bash -c "[ \"\$(grep -c '^$d-a[12] state ACTIVE' $T/mon)\" -ge 1 ]"; done
sleep 1
for d in r k; do FAIL[$d]="$(told $T/mon $d-a1)|$(told $T/mon $d-a2)"; done
check "802.3ad: one port told ACTIVE and UP, the other BACKUP and UP, as by bonding.ko" \
  equals "state ACTIVE mii_status UP|state BACKUP mii_status UP (both drivers)" \
  "$([ "${FAIL[r]}" = "${FAIL[k]}" ] && echo "${FAIL[r]} (both drivers)" || echo "rbond ${FAIL[r]}, bonding.ko ${FAIL[k]}")"
for d in r k; do ip link set $d-a1p down; done
for d in r k; do wait_for 15 bash -c "[ \"\$(grep '^$d-a2 ' $T/mon | tail -1 | cut -d' ' -f2-)\" = 'state ACTIVE mii_status UP' ]"; done
sleep 1
for d in r k; do BACK[$d]="$(told $T/mon $d-a1)|$(told $T/mon $d-a2)"; done
kill $MONPID; wait $MONPID 2>/dev/null
check "... its link gone: it told BACKUP and DOWN, the other port ACTIVE and UP, as by bonding.ko" \
  equals "state BACKUP mii_status DOWN|state ACTIVE mii_status UP (both drivers)" \
  "$([ "${BACK[r]}" = "${BACK[k]}" ] && echo "${BACK[r]} (both drivers)" || echo "rbond ${BACK[r]}, bonding.ko ${BACK[k]}")"
for d in r k; do ip link del $d-a; ip link del $d-a1; ip link del $d-a2; done

# ---- compat mode: the driver is "bonding" ----
rmmod rbond; rmmod bonding
modprobe rbond compat=1 max_bonds=0
ip link add c-b type bond mode active-backup
check "compat=1: ethtool -i says driver: bonding" grep -qx 'driver: bonding' <(ethtool -i c-b)
ip link del c-b
rmmod rbond
rm -rf $T
