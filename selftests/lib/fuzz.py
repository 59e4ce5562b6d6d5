#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Netlink and sysfs fuzzer, rbond side by side with bonding.ko (issue 12).

Both drivers are loaded in one guest (rbond without compat: kind rbond, /proc/net/rbond). Every
episode builds the same setup for each driver -- a bond (rbond: rb0, bonding.ko: cb0) in a random
mode, created with random options, 0 to 3 veth slaves (rs1..rs3 / cs1..cs3, whose peers rp*/cp*
are up), up or down -- and then applies the same random operations to both: IFLA_BOND_* requests
(RTM_NEWLINK with IFLA_INFO_DATA, every attribute from 1 to beyond IFLA_BOND_MAX, boundary and
random values, wrong lengths), IFLA_BOND_SLAVE_* requests, writes of boundary and random text to
every file of <bond>/bonding/ and <slave>/bonding_slave/, enslave, release, up, down and MTU
changes. iproute2 parses no options for kind rbond, so requests are built here, byte for byte the
same for both kinds (selftests/lib/rtnl.py replays them). After each operation it compares:
  - accept/refuse: the errno of both drivers must be the same;
  - a refusal leaves the state of its own bond unchanged;
  - the state of both (IFLA_LINKINFO of the bond and its slaves as `ip -d -j link show` decodes it
    for kind bond: decoded here, since ip does not decode kind rbond; flags, MTU, MAC, master;
    every file of bonding/ and bonding_slave/; the /proc text), normalized for the interface names
    and the bond's random MAC; in 802.3ad what depends on LACP timing (aggregator, partner, port
    states, the bond's carrier) is left out. A state that differs is read again after 1 and 3 s
    (the MII monitor acts on its own time) before it counts.
Operations that rbond refuses by design (KNOWN below, each listed in Documentation/rbond.rst's
differences) are sent to rbond alone: it must refuse with an errno (and, by netlink, a message)
and change nothing; they are counted, not failed.

Seeded: episode K of seed S uses random.Random("S:K") alone, so `--seed S --episode K` replays it
(with the same fuzz.py: the first line prints its hash; the value pools are part of the sequence).
A difference prints the commands that reproduce it (shell, with selftests/lib/rtnl.py) for both
drivers. Output is TAP (one line per difference, then a summary); exit 1 on any difference not in
KNOWN.

usage: fuzz.py [--seed N] [--seconds N] [--episode K] [--steps N]
"""
import argparse
import errno
import hashlib
import os
import random
import re
import shlex
import socket
import struct
import sys
import time

RTNL_PY = "python3 /src/selftests/lib/rtnl.py"

# ---------------------------------------------------------------------------------------------
# netlink
NETLINK_EXT_ACK = 11
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x2, 0x4, 0x300
NLM_F_EXCL, NLM_F_CREATE = 0x200, 0x400
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER, IFLA_OPERSTATE, IFLA_LINKINFO = 1, 3, 4, 10, 16, 18
IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA = 1, 2, 4, 5
IFF_UP, IFF_RUNNING, IFF_LOWER_UP, IFF_DORMANT = 0x1, 0x40, 0x10000, 0x20000


# netlink attributes as rtnl.py builds and reads them (the selftests' netlink client beside this file)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtnl import attr as nla, attrs as nla_parse  # noqa: E402


class Netlink:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self.s.setsockopt(270, NETLINK_EXT_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 0

    def request(self, typ, flags, body):
        """(errno, extack message) of one request"""
        self.seq += 1
        self.s.send(struct.pack("IHHII", 16 + len(body), typ, flags | NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + body)
        while True:
            reply = self.s.recv(1 << 16)
            off = 0
            while off + 16 <= len(reply):
                length, t, fl, seq, _ = struct.unpack_from("IHHII", reply, off)
                if t == NLMSG_ERROR and seq == self.seq:
                    err = -struct.unpack_from("i", reply, off + 16)[0]
                    msg = ""
                    a = off + 20 + (16 if fl & 0x100 else struct.unpack_from("I", reply, off + 20)[0])
                    for k, v in nla_parse(reply[a: off + length]):
                        if k == 1:
                            msg = v.rstrip(b"\0").decode(errors="replace")
                    return err, msg
                off += (length + 3) & ~3

    def dump(self):
        """{name: link} of every link"""
        self.seq += 1
        body = struct.pack("BxHiII", 0, 0, 0, 0, 0)
        self.s.send(struct.pack("IHHII", 16 + len(body), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, self.seq, 0) + body)
        links = {}
        while True:
            reply = self.s.recv(1 << 20)
            off = 0
            while off + 16 <= len(reply):
                length, t, fl, seq, _ = struct.unpack_from("IHHII", reply, off)
                if t == NLMSG_DONE:
                    return links
                if t == NLMSG_ERROR:
                    raise OSError(-struct.unpack_from("i", reply, off + 16)[0], "link dump")
                _, _, index, flags, _ = struct.unpack_from("BxHiII", reply, off + 16)
                link = {"index": index, "flags": flags}
                for k, v in nla_parse(reply[off + 32: off + length]):
                    if k == IFLA_IFNAME:
                        link["name"] = v.rstrip(b"\0").decode()
                    elif k == IFLA_MTU:
                        link["mtu"] = struct.unpack("I", v)[0]
                    elif k == IFLA_ADDRESS:
                        link["address"] = ":".join(f"{b:02x}" for b in v)
                    elif k == IFLA_MASTER:
                        link["master"] = struct.unpack("I", v)[0]
                    elif k == IFLA_OPERSTATE:
                        link["operstate"] = v[0]
                    elif k == IFLA_LINKINFO:
                        for ik, iv in nla_parse(v):
                            if ik == IFLA_INFO_DATA:
                                link["data"] = list(nla_parse(iv))
                            elif ik == IFLA_INFO_SLAVE_DATA:
                                link["slave_data"] = list(nla_parse(iv))
                links[link["name"]] = link
                off += (length + 3) & ~3


NL = Netlink()


def ifindex(name):
    try:
        with open(f"/sys/class/net/{name}/ifindex") as f:
            return int(f.read())
    except OSError:
        return 0


def ifinfo(index=0, flags=0, change=0):
    return struct.pack("BxHiII", 0, 0, index, flags, change)


def rtm_link(name, kind, data=None, slave_data=None, create=False):
    info = b""
    if kind and slave_data is None:
        info += nla(IFLA_INFO_KIND, kind.encode() + b"\0")
    if data is not None:
        info += nla(IFLA_INFO_DATA | NLA_F_NESTED, b"".join(nla(k, v) for k, v in data))
    if slave_data is not None:
        info += nla(IFLA_INFO_SLAVE_KIND, kind.encode() + b"\0")
        info += nla(IFLA_INFO_SLAVE_DATA | NLA_F_NESTED, b"".join(nla(k, v) for k, v in slave_data))
    body = ifinfo() + nla(IFLA_IFNAME, name.encode() + b"\0") + nla(IFLA_LINKINFO | NLA_F_NESTED, info)
    return NL.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL if create else 0, body)


def set_link(name, up=None, master=None, mtu=None, address=None):
    flags = change = 0
    if up is not None:
        flags, change = (IFF_UP if up else 0), IFF_UP
    body = ifinfo(ifindex(name), flags, change) + nla(IFLA_IFNAME, name.encode() + b"\0")
    if master is not None:
        body += nla(IFLA_MASTER, struct.pack("I", master))
    if mtu is not None:
        body += nla(IFLA_MTU, struct.pack("I", mtu))
    if address is not None:
        body += nla(IFLA_ADDRESS, address)
    return NL.request(RTM_NEWLINK, 0, body)


def make_veth(s, p, i):
    """veth s (MAC 02:00:00:00:00:0i) with peer p (02:00:00:00:01:0i), the peer up"""
    del_link(s)
    body = (ifinfo() + nla(IFLA_IFNAME, s.encode() + b"\0")
            + nla(IFLA_ADDRESS, bytes.fromhex(f"0200000000{i:02x}"))
            + nla(IFLA_LINKINFO | NLA_F_NESTED, nla(IFLA_INFO_KIND, b"veth\0") + nla(
                IFLA_INFO_DATA | NLA_F_NESTED, nla(1, ifinfo() + nla(IFLA_IFNAME, p.encode() + b"\0")
                                              + nla(IFLA_ADDRESS, bytes.fromhex(f"0200000001{i:02x}"))))))
    err, msg = NL.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, body)
    if err:
        raise SystemExit(f"cannot create veth {s}: errno {err} {msg}")
    set_link(p, up=True)


def del_link(name):
    if ifindex(name):
        NL.request(RTM_DELLINK, 0, ifinfo(ifindex(name)) + nla(IFLA_IFNAME, name.encode() + b"\0"))


def sysfs_write(path, data):
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        return e.errno, ""
    try:
        os.write(fd, data)
        return 0, ""
    except OSError as e:
        return e.errno, ""
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# the two sides
class Side:
    def __init__(self, drv):
        self.drv = drv
        p = "r" if drv == "rbond" else "c"
        self.kind = "rbond" if drv == "rbond" else "bond"
        self.bond = p + "b0"
        self.slaves = [f"{p}s{i}" for i in (1, 2, 3)]
        self.peers = [f"{p}p{i}" for i in (1, 2, 3)]
        self.proc = f"/proc/net/{'rbond' if drv == 'rbond' else 'bonding'}/{self.bond}"
        self.sym = {"B": self.bond, "S1": self.slaves[0], "S2": self.slaves[1], "S3": self.slaves[2],
                    "P1": self.peers[0], "P2": self.peers[1]}

    def name(self, sym):
        return self.sym.get(sym, sym)

    def text(self, s):
        return re.sub(r"\{(\w+)\}", lambda m: self.name(m.group(1)), s)


R, C = Side("rbond"), Side("bonding")
NAME_RE = re.compile(r"\b[rc](b0|s[123]|p[123])\b")


# ---------------------------------------------------------------------------------------------
# attributes, values, sysfs text
MODES = ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"]
# IFLA_BOND_*: number -> (name, type)
BOND_ATTRS = {
    1: ("MODE", "u8"), 2: ("ACTIVE_SLAVE", "ifindex"), 3: ("MIIMON", "u32"), 4: ("UPDELAY", "u32"),
    5: ("DOWNDELAY", "u32"), 6: ("USE_CARRIER", "u8"), 7: ("ARP_INTERVAL", "u32"),
    8: ("ARP_IP_TARGET", "nested"), 9: ("ARP_VALIDATE", "u32"), 10: ("ARP_ALL_TARGETS", "u32"),
    11: ("PRIMARY", "ifindex"), 12: ("PRIMARY_RESELECT", "u8"), 13: ("FAIL_OVER_MAC", "u8"),
    14: ("XMIT_HASH_POLICY", "u8"), 15: ("RESEND_IGMP", "u32"), 16: ("NUM_PEER_NOTIF", "u8"),
    17: ("ALL_SLAVES_ACTIVE", "u8"), 18: ("MIN_LINKS", "u32"), 19: ("LP_INTERVAL", "u32"),
    20: ("PACKETS_PER_SLAVE", "u32"), 21: ("AD_LACP_RATE", "u8"), 22: ("AD_SELECT", "u8"),
    23: ("AD_INFO", "nested"), 24: ("AD_ACTOR_SYS_PRIO", "u16"), 25: ("AD_USER_PORT_KEY", "u16"),
    26: ("AD_ACTOR_SYSTEM", "mac"), 27: ("TLB_DYNAMIC_LB", "u8"), 28: ("PEER_NOTIF_DELAY", "u32"),
    29: ("AD_LACP_ACTIVE", "u8"), 30: ("MISSED_MAX", "u8"), 31: ("NS_IP6_TARGET", "nested"),
    32: ("COUPLED_CONTROL", "u8"), 33: ("BROADCAST_NEIGH", "u8"), 34: ("LACP_STRICT", "u8"),
    35: ("35 (beyond IFLA_BOND_MAX)", "u32"), 60: ("60 (beyond IFLA_BOND_MAX)", "u8"),
}
# bond_changelink()'s order: where bonding stops on an error, the options before are applied
C_ORDER = [1, 2, 3, 4, 5, 28, 6, 7, 8, 31, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 29, 21, 22,
           24, 25, 26, 27, 30, 32, 33, 34]
SLAVE_ATTRS = {
    1: ("STATE", "u8"), 2: ("MII_STATUS", "u8"), 3: ("LINK_FAILURE_COUNT", "u32"), 4: ("PERM_HWADDR", "mac"),
    5: ("QUEUE_ID", "u16"), 6: ("AD_AGGREGATOR_ID", "u16"), 7: ("AD_ACTOR_OPER_PORT_STATE", "u8"),
    8: ("AD_PARTNER_OPER_PORT_STATE", "u16"), 9: ("PRIO", "u32"), 10: ("ACTOR_PORT_PRIO", "u16"),
    11: ("AD_CHURN_ACTOR_STATE", "u8"), 12: ("AD_CHURN_PARTNER_STATE", "u8"),
    13: ("13 (beyond IFLA_BOND_SLAVE_MAX)", "u32"),
}
SLAVE_C_ORDER = [5, 9, 10]
SIZES = {"u8": 1, "u16": 2, "u32": 4, "ifindex": 4, "mac": 6}

# The differences rbond has by design, each in Documentation/rbond.rst ("Differences from
# bonding", "Options by netlink", "sysfs"). Operations of these kinds go to rbond alone.
KNOWN = {
    "read-only-slave-attr": "read-only IFLA_BOND_SLAVE_* attributes in a request are refused with EINVAL "
                            "(bonding ignores them)",
    "ad-info": "IFLA_BOND_AD_INFO in a request is refused with EOPNOTSUPP (bonding ignores it)",
    "all-or-nothing": "a netlink request with several options is applied all or nothing; bonding keeps "
                      "the options it applied before the one it refused",
}

NAMES = ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb",
         "layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac", "layer9", "always", "better",
         "failure", "none", "active", "follow", "slow", "fast", "stable", "bandwidth", "count",
         "actor_port_prio", "on", "off", "filter", "filter_active", "filter_backup", "backup", "all", "any",
         "ACTIVE-BACKUP", "802.3AD", "balance"]
NUMS = ["0", "1", "-1", "2", "3", "4", "5", "6", "7", "8", "10", "100", "101", "255", "256", "1000", "65535",
        "65536", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
        "99999999999999999999", "0x10", "010", "1a", " 1", "1 ", "+1", "1.5"]
ODD = ["", " ", "\n", "abc", "+", "-", "*", "A" * 300, "1" * 40, "\t0", "0\n0", "\xff"]
SLAVE_REFS = ["{S1}", "{S2}", "{S3}", "+{S1}", "+{S2}", "+{S3}", "-{S1}", "-{S2}", "-{S3}", "+{P1}", "+lo",
              "+nosuch", "-nosuch", "+{B}", "{P1}", "lo", "nosuch", "x" * 16, "{S1}:0", "{S2}:0", "{S1}:1",
              "{S2}:65535", "{S1}:65536", "{S1}:-1", "{S1}:", ":0", "nosuch:0", "{S1}:abc", " +{S1}", "+{S1} x",
              "+ {S1}", "\t-{S2}", "+" + "y" * 20, " {S1}", "{S2} x", " \n", "{S1}:16", "{S1}:17", " {S2}: 1", "{S1}:0:0"]
MACS = ["00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "01:80:c2:00:00:02", "02:11:22:33:44:55",
        "00:11:22:33:44:55", "02:11:22:33:44", "02:11:22:33:44:55:66", "zz:11:22:33:44:55", "0211.2233.4455"]
IPS = ["+192.0.2.1", "-192.0.2.1", "192.0.2.1", "+255.255.255.255", "+0.0.0.0", "+2001:db8::1", "-2001:db8::1"]
# files whose writes take mostly names (of slaves) or MACs: bias the values
NAME_FILES = {"slaves", "primary", "active_slave", "queue_id"}


def rand_value(rng, typ):
    if typ == "u8":
        v = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 127, 128, 255, rng.randrange(256)])
        return struct.pack("B", v)
    if typ == "u16":
        v = rng.choice([0, 1, 2, 255, 256, 32767, 32768, 65534, 65535, rng.randrange(65536)])
        return struct.pack("H", v)
    if typ == "u32":
        v = rng.choice([0, 1, 2, 3, 10, 100, 150, 1000, 65535, 65536, 0x7ffffffe, 0x7fffffff, 0x80000000,
                        0xfffffffe, 0xffffffff, rng.randrange(1 << 32), rng.randrange(3000)])
        return struct.pack("I", v)
    if typ == "mac":
        return rng.choice([bytes(6), b"\xff" * 6, bytes.fromhex("0180c2000002"), bytes.fromhex("021122334455"),
                           bytes.fromhex("001122334455"), bytes(rng.randrange(256) for _ in range(6))])
    if typ == "nested":
        return rng.choice([b"", nla(0, bytes([192, 0, 2, 1])), nla(1, bytes([192, 0, 2, 1])), b"\x01\x02\x03",
                           nla(0, bytes(16))])
    raise ValueError(typ)


def rand_attr(rng, table):
    nr = rng.choice(list(table))
    name, typ = table[nr]
    if typ == "ifindex":
        payload = ("if", rng.choice(["S1", "S2", "S3", "P1", "B", "lo", 0, 0xffffffff, 99999]))
    elif nr == 1 and table is BOND_ATTRS:
        payload = struct.pack("B", rng.choice([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 4, 7, 255]))
    else:
        payload = rand_value(rng, typ)
    # wrong lengths now and then: shorter, longer, empty
    if rng.random() < 0.12:
        size = SIZES.get(typ, 4)
        how = rng.choice(["short", "long", "empty"])
        if how == "empty":
            payload = b""
        else:
            if isinstance(payload, tuple):
                payload = struct.pack("I", 1)
            payload = payload[:rng.randrange(size)] if how == "short" else payload + bytes(rng.randint(1, 4))
    return nr, payload


def attr_bytes(side, payload):
    if isinstance(payload, tuple):
        ref = payload[1]
        if isinstance(ref, int):
            return struct.pack("I", ref)
        return struct.pack("I", 1 if ref == "lo" else ifindex(side.name(ref)))
    return payload


def attr_text(nr, payload, table):
    if isinstance(payload, tuple):
        return f"{table[nr][0]}=ifindex({payload[1]})"
    return f"{table[nr][0]}={payload.hex() or '(empty)'}"


def rand_sysfs_value(rng, fname):
    pools = [NUMS, NAMES, ODD, SLAVE_REFS, MACS, IPS]
    weights = [4, 3, 1, 1, 1, 1]
    if fname in NAME_FILES:
        weights = [1, 1, 1, 6, 0, 0]
    elif fname == "ad_actor_system":
        weights = [1, 1, 1, 0, 6, 0]
    elif fname in ("arp_ip_target", "ns_ip6_target"):
        weights = [1, 0, 1, 0, 0, 6]
    v = rng.choice(rng.choices(pools, weights)[0])
    if rng.random() < 0.7:
        v += "\n"
    return v


# ---------------------------------------------------------------------------------------------
# state
# in 802.3ad, which port is active follows the aggregator selection (LACP timing)
AD_SLAVE_ATTRS = {1, 6, 7, 8, 11, 12}
AD_FILES = {"ad_aggregator", "ad_num_ports", "ad_actor_key", "ad_partner_key", "ad_partner_mac"}
AD_SLAVE_FILES = {"ad_aggregator_id", "ad_actor_oper_port_state", "ad_partner_oper_port_state", "state"}


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError as e:
        return f"<{errno.errorcode.get(e.errno, e.errno)}>"


def norm_proc(text, lacp):
    out = []
    skip = False
    first_mii = True
    for line in text.split("\n"):
        if line.startswith("Aggregation: "):
            continue
        if lacp:
            if line.startswith("Active Aggregator Info:") or re.match(r"bond \S+ has no active aggregator", line):
                skip = True
            if skip:
                if line == "":
                    skip = False
                else:
                    continue
            if line.startswith("MII Status:") and first_mii:
                first_mii = False
                continue
            if re.match(r"(Aggregator ID|Actor Churn|Partner Churn|Actor Churned|Partner Churned|details "
                        r"(actor|partner) lacp pdu):", line) or line.startswith("    "):
                continue
        out.append(line)
    return "\n".join(out)


def state(side, links=None):
    """the comparable state of a side: a dict of KEY -> text"""
    links = links or NL.dump()
    st = {}
    bond = links.get(side.bond)
    if bond is None:
        return {"bond": "absent"}
    byindex = {l["index"]: n for n, l in links.items()}
    mode = None
    for k, v in bond.get("data", []):
        if k == 1:
            mode = v[0]
    lacp = mode == 4
    for n in [side.bond] + side.slaves:
        l = links.get(n)
        if l is None:
            st[f"{n} link"] = "absent"
            continue
        flags = l["flags"]
        if lacp and n == side.bond:
            flags &= ~(IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT)
        st[f"{n} flags"] = hex(flags)
        st[f"{n} mtu"] = str(l.get("mtu"))
        st[f"{n} address"] = l.get("address", "")
        st[f"{n} master"] = byindex.get(l.get("master"), str(l.get("master")))
        if not (lacp and n == side.bond):
            st[f"{n} operstate"] = str(l.get("operstate"))
        st[f"{n} addr_assign_type"] = read(f"/sys/class/net/{n}/addr_assign_type")
        for k, v in l.get("data", []):
            if k == 23:
                continue
            name = BOND_ATTRS.get(k, (str(k),))[0]
            if k in (2, 11) and len(v) == 4:
                v = byindex.get(struct.unpack("I", v)[0], v.hex())
            else:
                v = v.hex()
            st[f"{n} data {name}"] = v
        for k, v in l.get("slave_data", []):
            if lacp and k in AD_SLAVE_ATTRS:
                continue
            st[f"{n} slave_data {SLAVE_ATTRS.get(k, (str(k),))[0]}"] = v.hex()
        d = f"/sys/class/net/{n}/" + ("bonding" if n == side.bond else "bonding_slave")
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                if lacp and (f in AD_FILES or f in AD_SLAVE_FILES or (n == side.bond and f == "mii_status")):
                    continue
                st[f"{n} file {f}"] = read(f"{d}/{f}")
    st["proc"] = norm_proc(read(side.proc), lacp)
    # normalize: names, the bond's random MAC
    mac = bond.get("address", "")
    random_mac = st.get(f"{side.bond} addr_assign_type", "").strip() == "1"
    out = {}
    for k, v in st.items():
        if random_mac and mac:
            v = v.replace(mac, "BONDMAC").replace(mac.replace(":", ""), "BONDMAC")
        out[NAME_RE.sub(r"X\1", k)] = NAME_RE.sub(r"X\1", v)
    return out


def diff(a, b, la="rbond", lb="bonding"):
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append(f"{k}: {la} {a.get(k, '(none)')!r} / {lb} {b.get(k, '(none)')!r}")
    return lines


def carrierless(st):
    """st without what a link's carrier drives, asynchronously (linkwatch): a slave enslaved by
    the operation before gets IFF_RUNNING and operstate up whenever linkwatch runs, also after a
    later refused operation, which did not change it. The other flags (IFF_UP...) stay."""
    out = {}
    for k, v in st.items():
        if k.endswith(" operstate"):
            continue
        if k.endswith(" flags"):
            v = hex(int(v, 16) & ~(IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT))
        out[k] = v
    return out


# ---------------------------------------------------------------------------------------------
# operations: each is a dict; run(op, side) -> (errno, message); cmd(op, side) -> shell text
def run(op, side):
    k = op["kind"]
    if k == "create":
        return rtm_link(side.bond, side.kind, [(n, attr_bytes(side, p)) for n, p in op["attrs"]], create=True)
    if k == "nl":
        return rtm_link(side.bond, side.kind, [(n, attr_bytes(side, p)) for n, p in op["attrs"]])
    if k == "nlslave":
        return rtm_link(side.name(op["slave"]), side.kind, slave_data=[(n, attr_bytes(side, p)) for n, p in op["attrs"]])
    if k == "sysfs":
        return sysfs_write(side.text(op["path"]), side.text(op["value"]).encode("utf-8", "surrogateescape"))
    if k == "enslave":
        if op["down"]:
            set_link(side.name(op["slave"]), up=False)
        return set_link(side.name(op["slave"]), master=ifindex(side.bond))
    if k == "release":
        return set_link(side.name(op["slave"]), master=0)
    if k == "updown":
        return set_link(side.bond, up=op["up"])
    if k == "mtu":
        return set_link(side.bond, mtu=op["mtu"])
    if k == "address":
        return set_link(side.bond, address=op["address"])
    if k == "flap":
        return set_link(side.name(op["dev"]), up=op["up"])
    if k == "recreate":
        i = int(op["slave"][1])
        make_veth(side.slaves[i - 1], side.peers[i - 1], i)
        return 0, ""
    raise ValueError(k)


def shell_quote(v):
    """v as one shell word, on one line ($'...' for control characters)"""
    if v.isprintable():
        return shlex.quote(v)
    return "$'" + "".join(c if c.isprintable() and c not in "\\'" else f"\\x{ord(c):02x}" for c in v) + "'"


def hexargs(side, attrs):
    return " ".join(f"{n}=hex:{attr_bytes(side, p).hex()}" for n, p in attrs)


def cmd(op, side):
    k = op["kind"]
    if k == "create":
        return f"{RTNL_PY} newlink {side.bond} {side.kind} {hexargs(side, op['attrs'])}"
    if k == "nl":
        return f"{RTNL_PY} changelink {side.bond} {side.kind} {hexargs(side, op['attrs'])}"
    if k == "nlslave":
        return f"{RTNL_PY} setslave {side.name(op['slave'])} {side.kind} {hexargs(side, op['attrs'])}"
    if k == "sysfs":
        return f"printf %s {shell_quote(side.text(op['value']))} > {side.text(op['path'])}"
    if k == "enslave":
        s = side.name(op["slave"])
        return (f"ip link set {s} down; " if op["down"] else "") + f"ip link set {s} master {side.bond}"
    if k == "release":
        return f"ip link set {side.name(op['slave'])} nomaster"
    if k == "updown":
        return f"ip link set {side.bond} {'up' if op['up'] else 'down'}"
    if k == "mtu":
        return f"ip link set {side.bond} mtu {op['mtu']}"
    if k == "address":
        return f"ip link set {side.bond} address {':'.join(f'{b:02x}' for b in op['address'])}"
    if k == "flap":
        return f"ip link set {side.name(op['dev'])} {'up' if op['up'] else 'down'}"
    if k == "recreate":
        i = int(op["slave"][1])
        s, p = side.slaves[i - 1], side.peers[i - 1]
        return (f"ip link del {s}; ip link add {s} address 02:00:00:00:00:0{i} type veth peer name {p} "
                f"address 02:00:00:00:01:0{i}; ip link set {p} up")
    raise ValueError(k)


def describe(op):
    k = op["kind"]
    if k in ("create", "nl"):
        return f"{k} " + " ".join(attr_text(n, p, BOND_ATTRS) for n, p in op["attrs"])
    if k == "nlslave":
        return f"slave {op['slave']} " + " ".join(attr_text(n, p, SLAVE_ATTRS) for n, p in op["attrs"])
    if k == "sysfs":
        return f"write {op['value']!r} to {op['path'].split('/', 5)[-1]}"
    if k == "enslave":
        return f"enslave {op['slave']}" + ("" if op["down"] else " (left up)")
    if k == "release":
        return f"release {op['slave']}"
    if k == "updown":
        return "up" if op["up"] else "down"
    if k == "address":
        return "address " + ":".join(f"{b:02x}" for b in op["address"])
    if k == "flap":
        return f"{op['dev']} {'up' if op['up'] else 'down'}"
    if k == "recreate":
        return f"delete and recreate {op['slave']}"
    return f"mtu {op['mtu']}"


def known_kind(op):
    """the KNOWN difference an operation exercises (it then goes to rbond alone), or None"""
    k = op["kind"]
    if k in ("create", "nl"):
        for n, p in op["attrs"]:
            if n == 23:
                return "ad-info"
    elif k == "nlslave":
        for n, p in op["attrs"]:
            if n in (1, 2, 3, 4, 6, 7, 8, 11, 12):
                return "read-only-slave-attr"
    elif k == "sysfs":
        f = op["path"].rsplit("/", 1)[-1]
        v = op["value"].strip()
        if not op["value"]:
            return None  # write(2) of nothing: no store() is called, for either driver
    return None


def arms_arp(n, payload):
    """an IFLA_BOND_ARP_INTERVAL that turns the ARP monitor on"""
    return n == 7 and not isinstance(payload, tuple) and len(payload) >= 4 and struct.unpack_from("I", payload)[0] != 0


def gen_op(rng, files, slave_files):
    # the ARP monitor's link decisions depend on timing (its probes, their answers): operations
    # that turn it on are not generated; 31-arp-monitor.sh compares it with bonding's
    while True:
        op = gen_any_op(rng, files, slave_files)
        if op["kind"] == "nl" and any(arms_arp(n, p) for n, p in op["attrs"]):
            continue
        if op["kind"] == "sysfs" and op["path"].endswith("/bonding/arp_interval") and \
                (re.search(r"[1-9]", op["value"]) or "max" in op["value"]):
            continue
        return op


def gen_any_op(rng, files, slave_files):
    r = rng.random()
    if r < 0.33:
        attrs = [rand_attr(rng, BOND_ATTRS) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        # one attribute of a number per request (as rtnetlink keeps the last of a duplicate)
        return {"kind": "nl", "attrs": list({n: (n, p) for n, p in attrs}.values())}
    if r < 0.66:
        f = rng.choice(files)
        return {"kind": "sysfs", "path": f"/sys/class/net/{{B}}/bonding/{f}", "value": rand_sysfs_value(rng, f)}
    if r < 0.74:
        attrs = [rand_attr(rng, SLAVE_ATTRS) for _ in range(rng.choice([1, 1, 2]))]
        return {"kind": "nlslave", "slave": rng.choice(["S1", "S2", "S3"]),
                "attrs": list({n: (n, p) for n, p in attrs}.values())}
    if r < 0.76 and slave_files:
        f = rng.choice(slave_files)
        return {"kind": "sysfs", "path": f"/sys/class/net/{{{rng.choice(['S1', 'S2'])}}}/bonding_slave/{f}",
                "value": rand_sysfs_value(rng, f)}
    if r < 0.84:
        return {"kind": "enslave", "slave": rng.choice(["S1", "S2", "S3"]), "down": rng.random() < 0.85}
    if r < 0.90:
        return {"kind": "release", "slave": rng.choice(["S1", "S2", "S3"])}
    if r < 0.95:
        return {"kind": "updown", "up": rng.random() < 0.6}
    if r < 0.965:
        return {"kind": "mtu", "mtu": rng.choice([0, 67, 68, 576, 1500, 9000, 65535, 65536, 0xffffffff])}
    if r < 0.975:
        return {"kind": "address", "address": rng.choice([bytes.fromhex("02aabbccddee"), bytes(6), b"\xff" * 6,
                                                          bytes.fromhex("01aabbccddee"), bytes.fromhex("020000000002"),
                                                          bytes.fromhex("02aabbccdd")])}
    if r < 0.99:
        return {"kind": "flap", "dev": rng.choice(["S1", "S2", "S3", "P1", "P2"]), "up": rng.random() < 0.5}
    return {"kind": "recreate", "slave": rng.choice(["S1", "S2", "S3"])}


# ---------------------------------------------------------------------------------------------
class Difference(Exception):
    pass


class Fuzzer:
    def __init__(self, seed, tap=True):
        self.seed = seed
        self.ops = 0
        self.known = {k: 0 for k in KNOWN}
        self.diffs = []
        self.signatures = set()
        self.files = []
        self.slave_files = []

    def setup_links(self):
        for side in (R, C):
            del_link(side.bond)
            for i, (s, p) in enumerate(zip(side.slaves, side.peers), 1):
                make_veth(s, p, i)

    def teardown(self):
        for side in (R, C):
            del_link(side.bond)
            for s in side.slaves:
                del_link(s)

    def fail(self, ep, log, what, detail):
        # one TAP line per kind of difference (operation and attribute or file, without the values)
        sig = re.sub(r"'[^']*'", "V", re.sub(r"=[0-9a-f]*(\(empty\))?", "", re.sub(r"ifindex\(\w+\)", "", what)))
        first = sig not in self.signatures
        self.signatures.add(sig)
        self.diffs.append(what)
        if first:
            print(f"not ok - seed {self.seed} episode {ep}: {what}")
            for d in detail[:25]:
                print(f"#   {d}")
            print(f"#   replay: make fuzz SEED={self.seed} EPISODE={ep}  (or fuzz.py --seed {self.seed} --episode {ep})")
            for side in (R, C):
                print(f"#   commands, {side.drv} (after `modprobe {side.drv}`):")
                for op in log:
                    if side is R or not op.get("rbond_only"):
                        print(f"#     {cmd(op, side)}")
        sys.stdout.flush()
        raise Difference(what)

    def compare(self, ep, log, what, before=None):
        """states of both sides equal, allowing the MII monitor time to act"""
        for wait in (0, 1, 2):
            if wait:
                time.sleep(wait)
            links = NL.dump()
            sr, sc = state(R, links), state(C, links)
            d = diff(sr, sc)
            if not d:
                return sr, sc
        self.fail(ep, log, f"{what}: the state differs", d)

    def known_op(self, ep, log, op, kind, sr):
        err, msg = run(op, R)
        log.append(op)
        self.known[kind] += 1
        if op["kind"] == "create":
            if err == 0:
                self.fail(ep, log, f"{describe(op)}: rbond accepted ({KNOWN[kind]})", [])
            if ifindex(R.bond):
                self.fail(ep, log, f"{describe(op)}: refused, but the bond exists", [])
            return
        if err == 0:
            self.fail(ep, log, f"{describe(op)}: rbond accepted it (known difference {kind}: {KNOWN[kind]})", [])
        if op["kind"] != "sysfs" and not msg:
            self.fail(ep, log, f"{describe(op)}: refused ({errno.errorcode.get(err, err)}) without a message", [])
        after = state(R)
        d = diff(carrierless(after), carrierless(sr), "after", "before")
        if d:
            # unless time changed both drivers alike (the MII monitor), while bonding did nothing
            time.sleep(1)
            links = NL.dump()
            if diff(state(R, links), state(C, links)):
                self.fail(ep, log, f"{describe(op)}: rbond refused it but its state changed", d)
        log.pop()  # nothing changed: not needed to reproduce what follows

    def step(self, ep, log, op, sr, sc):
        if op["kind"] == "enslave" and sr.get(f"X{op['slave'].lower()} master", "").startswith("X"):
            # already a slave: not taken down (a link flap; rbond acts on the carrier change at
            # once, bonding at its next MII poll, which may be minutes away: documented)
            op = dict(op, down=False)
        if op["kind"] == "flap":
            mii = sr.get("Xb0 data MIIMON", "")
            if mii and struct.unpack("<I", bytes.fromhex(mii))[0] > 300:
                # bonding sees the link change at its next MII poll, rbond at once (documented):
                # flaps are compared only while that poll comes within the settle time
                return sr, sc
        kind = known_kind(op)
        if kind and op["kind"] == "nlslave" and not sr.get(f"X{op['slave'].lower()} master", "").startswith("X"):
            kind = None  # not a slave: rtnetlink refuses it for both before the driver sees it
        if kind:
            self.known_op(ep, log, op, kind, sr)
            return sr, sc
        er, mr = run(op, R)
        ec, mc = run(op, C)
        log.append(op)
        self.ops += 1
        name = lambda e: errno.errorcode.get(e, str(e)) if e else "accepted"
        if er != ec:
            self.fail(ep, log, f"{describe(op)}: rbond {name(er)}, bonding {name(ec)}",
                      [f"rbond: {name(er)} {mr}", f"bonding: {name(ec)} {mc}"])
        if er and op["kind"] in ("nl", "nlslave", "create") and mc and not mr:
            # bad input gets a message naming what was wrong (bonding gave one)
            self.fail(ep, log, f"{describe(op)}: rbond refused it ({name(er)}) without a message",
                      [f"bonding: {mc}"])
        if er:
            # a refusal leaves the state unchanged (rbond); bonding keeps what it applied before
            # the option it refused: replay that on rbond, one option at a time, in its order
            links = NL.dump()
            ar, ac = state(R, links), state(C, links)
            d = diff(carrierless(ar), carrierless(sr), "after", "before")
            if d:
                time.sleep(1)
                ar = state(R)
                d = diff(carrierless(ar), carrierless(sr), "after", "before")
                if d and diff(ar, state(C)):
                    self.fail(ep, log, f"{describe(op)}: rbond refused it ({name(er)}) but its state changed", d)
            # (an ARP target list is one option to rbond; bonding clears the targets, then adds
            # them one by one until one is refused)
            targets = op["kind"] == "nl" and any(a in (8, 31) for a, _ in op["attrs"])
            if op["kind"] in ("nl", "nlslave") and (len(op["attrs"]) > 1 or targets) and diff(ac, sc):
                self.known["all-or-nothing"] += 1
                order = C_ORDER if op["kind"] == "nl" else SLAVE_C_ORDER
                for n in order:
                    one = [(a, p) for a, p in op["attrs"] if a == n]
                    if not one:
                        continue
                    sub = dict(op, attrs=one)
                    if run(sub, R)[0]:
                        if n in (8, 31):
                            # the targets bonding added before the one it refused
                            entries = [nla(k, v) for k, v in nla_parse(one[0][1])]
                            for k in range(len(entries) - 1, -1, -1):
                                part = dict(op, attrs=[(n, b"".join(entries[:k]))])
                                if not run(part, R)[0]:
                                    log.insert(len(log) - 1, dict(part, rbond_only=True))
                                    break
                        break
                    log.insert(len(log) - 1, dict(sub, rbond_only=True))
        return self.compare(ep, log, describe(op))

    def episode(self, ep, steps):
        rng = random.Random(f"{self.seed}:{ep}")
        log = []
        self.setup_links()
        try:
            mode = rng.choice([0, 1, 2, 4, 0, 1, 2, 4, 3, 5, 6])
            extra = [rand_attr(rng, BOND_ATTRS) for _ in range(rng.choice([0, 0, 1, 2, 3]))]
            extra = [(n, p) for n, p in extra if n != 1 and not arms_arp(n, p)]
            op = {"kind": "create", "attrs": [(1, bytes([mode]))] + list({n: (n, p) for n, p in extra}.values())}
            if known_kind(op):
                self.known_op(ep, log, op, known_kind(op), None)
                op = {"kind": "create", "attrs": [(1, bytes([mode]))]}
            er, mr = run(op, R)
            ec, mc = run(op, C)
            log.append(op)
            self.ops += 1
            if er != ec:
                self.fail(ep, log, f"{describe(op)}: rbond errno {er}, bonding errno {ec}",
                          [f"rbond: {er} {mr}", f"bonding: {ec} {mc}"])
            if er:
                if ifindex(R.bond) or ifindex(C.bond):
                    self.fail(ep, log, f"{describe(op)}: refused, but a bond exists", [])
                log.pop()
                op = {"kind": "create", "attrs": [(1, bytes([mode]))]}
                if run(op, R)[0] or run(op, C)[0]:
                    self.fail(ep, log, f"create mode {mode}: refused", [])
                log.append(op)
            if not self.files:
                self.files = sorted(os.listdir(f"/sys/class/net/{C.bond}/bonding"))
            for s in rng.sample(["S1", "S2", "S3"], rng.randint(0, 3)):
                op = {"kind": "enslave", "slave": s, "down": True}
                sr, sc = self.step(ep, log, op, *self.compare(ep, log, "setup"))
            if rng.random() < 0.6:
                self.step(ep, log, {"kind": "updown", "up": True}, *self.compare(ep, log, "setup"))
            if not self.slave_files:
                d = f"/sys/class/net/{C.slaves[0]}/bonding_slave"
                if os.path.isdir(d):
                    self.slave_files = sorted(os.listdir(d))
            sr, sc = self.compare(ep, log, "setup")
            for _ in range(steps if steps else rng.randint(10, 40)):
                sr, sc = self.step(ep, log, gen_op(rng, self.files, self.slave_files), sr, sc)
        except Difference:
            pass
        finally:
            self.teardown()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=150)
    ap.add_argument("--episode", type=int, default=None, help="run this episode only")
    ap.add_argument("--steps", type=int, default=0, help="operations per episode (default 10-40)")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int(time.time())
    # a seed gives the same operations with the same fuzz.py: its hash says which one
    with open(__file__, "rb") as f:
        version = hashlib.sha256(f.read()).hexdigest()[:12]
    print(f"# fuzz: seed {seed}" + (f", episode {a.episode}" if a.episode is not None else f", {a.seconds:.0f} s")
          + f" (fuzz.py {version})")
    sys.stdout.flush()
    fz = Fuzzer(seed)
    start = time.time()
    ep = a.episode if a.episode is not None else 0
    episodes = 0
    while True:
        fz.episode(ep, a.steps)
        episodes += 1
        if a.episode is not None or time.time() - start >= a.seconds:
            break
        ep += 1
    for k, n in fz.known.items():
        print(f"# known difference {k}: {n} operations refused by rbond alone ({KNOWN[k]})")
    ok = not fz.diffs and fz.ops >= episodes
    print(f"{'ok' if ok else 'not ok'} - fuzz seed {seed}: {episodes} episodes, {fz.ops} operations on both drivers, "
          f"{sum(fz.known.values())} known differences, {len(fz.diffs)} unlisted differences "
          f"({len(fz.signatures)} kinds) "
          f"({time.time() - start:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
