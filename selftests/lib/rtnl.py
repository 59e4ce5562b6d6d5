#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Minimal rtnetlink client for selftests: sends RTM_NEWLINK with exactly the attributes given
(including ones iproute2 will not send for kind rbond) and prints the kernel's errno and extack.

usage: rtnl.py newlink NAME KIND [OPTION ...]      create a link
       rtnl.py changelink NAME KIND [OPTION ...]   change an existing link's options
       rtnl.py setslave NAME KIND [NUMBER=TYPE:VALUE ...]
                                                   change a slave's IFLA_INFO_SLAVE_DATA (its
                                                   master of kind KIND)
       rtnl.py getlink NAME                        print IFLA_LINKINFO of a link, one attribute a
                                                   line: kind, data NAME=HEX, slave_kind,
                                                   slave NAME=HEX (nested: NAME.N=HEX)
       rtnl.py getlink NAME NAME...                the same for each, each line prefixed "NAME "
       rtnl.py serve IN-FIFO OUT-FIFO             the commands above, one a line from IN-FIFO (words
                                                   separated by \\x1f), each answered on OUT-FIFO by
                                                   its output and a line \\x1e<status>: one python
                                                   for many commands (lib/bond.sh: rtnl_serve)
OPTION is either NUMBER=TYPE:VALUE (an IFLA_INFO_DATA attribute by number; TYPE u8, u16, u32, str,
mac (aa:bb:cc:dd:ee:ff) or hex (any bytes, e.g. hex:0211223344)) or a bond option as iproute2 writes
it for `type bond`, e.g. `mode active-backup miimon 100 primary eth0`. Exit status: 0 if the kernel
accepted, else the errno.
"""
import contextlib
import errno
import io
import os
import socket
import struct
import sys

NETLINK_ROUTE = 0
NETLINK_EXT_ACK = 11
RTM_NEWLINK = 16
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
NLMSG_ERROR = 2
NLA_F_NESTED = 0x8000
IFLA_IFNAME, IFLA_LINKINFO = 3, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA = 4, 5
RTM_GETLINK = 18
BOND_ATTRS = ["UNSPEC", "MODE", "ACTIVE_SLAVE", "MIIMON", "UPDELAY", "DOWNDELAY", "USE_CARRIER",
              "ARP_INTERVAL", "ARP_IP_TARGET", "ARP_VALIDATE", "ARP_ALL_TARGETS", "PRIMARY",
              "PRIMARY_RESELECT", "FAIL_OVER_MAC", "XMIT_HASH_POLICY", "RESEND_IGMP", "NUM_PEER_NOTIF",
              "ALL_SLAVES_ACTIVE", "MIN_LINKS", "LP_INTERVAL", "PACKETS_PER_SLAVE", "AD_LACP_RATE",
              "AD_SELECT", "AD_INFO", "AD_ACTOR_SYS_PRIO", "AD_USER_PORT_KEY", "AD_ACTOR_SYSTEM",
              "TLB_DYNAMIC_LB", "PEER_NOTIF_DELAY", "AD_LACP_ACTIVE", "MISSED_MAX", "NS_IP6_TARGET",
              "COUPLED_CONTROL", "BROADCAST_NEIGH", "LACP_STRICT"]
SLAVE_ATTRS = ["UNSPEC", "STATE", "MII_STATUS", "LINK_FAILURE_COUNT", "PERM_HWADDR", "QUEUE_ID",
               "AD_AGGREGATOR_ID", "AD_ACTOR_OPER_PORT_STATE", "AD_PARTNER_OPER_PORT_STATE", "PRIO",
               "ACTOR_PORT_PRIO", "AD_CHURN_ACTOR_STATE", "AD_CHURN_PARTNER_STATE"]
# attributes nested in IFLA_BOND_AD_INFO / ARP_IP_TARGET / NS_IP6_TARGET
NESTED = {23, 8, 31}
NLMSGERR_ATTR_MSG = 1


def attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


def value(spec):
    typ, _, val = spec.partition(":")
    if typ == "u8":
        return struct.pack("B", int(val))
    if typ == "u16":
        return struct.pack("H", int(val))
    if typ == "u32":
        return struct.pack("I", int(val))
    if typ == "str":
        return val.encode() + b"\0"
    if typ == "mac":
        return bytes.fromhex(val.replace(":", ""))
    if typ == "hex":
        return bytes.fromhex(val)
    raise SystemExit(f"unknown attribute type {typ}")


# iproute2's names for bond options (ip/iplink_bond.c): attribute number, type, value names
MODES = ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"]
BOND_OPTS = {
    "mode": (1, "u8", MODES),
    "active_slave": (2, "ifindex", None),
    "miimon": (3, "u32", None),
    "updelay": (4, "u32", None),
    "downdelay": (5, "u32", None),
    "use_carrier": (6, "u8", None),
    "primary": (11, "ifindex", None),
    "primary_reselect": (12, "u8", ["always", "better", "failure"]),
    "fail_over_mac": (13, "u8", ["none", "active", "follow"]),
    "xmit_hash_policy": (14, "u8", ["layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac"]),
    "resend_igmp": (15, "u32", None),
    "num_grat_arp": (16, "u8", None),
    "num_unsol_na": (16, "u8", None),
    "all_slaves_active": (17, "u8", None),
    "min_links": (18, "u32", None),
    "lp_interval": (19, "u32", None),
    "packets_per_slave": (20, "u32", None),
    "tlb_dynamic_lb": (27, "u8", None),
    "lacp_rate": (21, "u8", ["slow", "fast"]),
    "ad_select": (22, "u8", ["stable", "bandwidth", "count", "actor_port_prio"]),
    "ad_actor_sys_prio": (24, "u16", None),
    "ad_user_port_key": (25, "u16", None),
    "ad_actor_system": (26, "mac", None),
    "lacp_active": (29, "u8", ["off", "on"]),
    "coupled_control": (32, "u8", ["off", "on"]),
    "lacp_strict": (34, "u8", ["off", "on"]),
    "arp_interval": (7, "u32", None),
    "arp_ip_target": (8, "ip4list", None),
    "arp_validate": (9, "u32", ["none", "active", "backup", "all", "filter", "filter_active", "filter_backup"]),
    "arp_all_targets": (10, "u32", ["any", "all"]),
    "arp_missed_max": (30, "u8", None),
    "ns_ip6_target": (31, "ip6list", None),
    "peer_notify_delay": (28, "u32", None),
    "broadcast_neighbor": (33, "u8", ["off", "on"]),
}


def ifindex(name):
    return int(open(f"/sys/class/net/{name}/ifindex").read())


def bond_options(words):
    out = []
    i = 0
    while i < len(words):
        w = words[i]
        if "=" in w and w.split("=", 1)[0].isdigit():
            k, _, spec = w.partition("=")
            out.append((int(k), value(spec)))
            i += 1
            continue
        if w not in BOND_OPTS or i + 1 >= len(words):
            raise SystemExit(f"unknown option or missing value: {w}")
        nr, typ, names = BOND_OPTS[w]
        v = words[i + 1]
        if typ == "ifindex":
            num = ifindex(v) if v else 0
            out.append((nr, struct.pack("I", num)))
        elif typ == "mac":
            out.append((nr, value(f"mac:{v}")))
        elif typ == "ip6list":
            ips = [socket.inet_pton(socket.AF_INET6, a) for a in v.split(",") if a]
            out.append((nr, b"".join(attr(k, a) for k, a in enumerate(ips))))
        elif typ == "ip4list":
            # as iproute2: a comma-separated list, nested under slot numbers ("" for none)
            ips = [socket.inet_aton(a) for a in v.split(",") if a]
            out.append((nr, b"".join(attr(k, a) for k, a in enumerate(ips))))
        else:
            num = names.index(v) if names and v in names else int(v)
            out.append((nr, value(f"{typ}:{num}")))
        i += 2
    return out


def attrs(buf):
    """(type, payload) of the attributes in buf"""
    off = 0
    while off + 4 <= len(buf):
        n, kind = struct.unpack_from("HH", buf, off)
        if n < 4:
            break
        yield kind & 0x3fff, buf[off + 4: off + n]
        off += (n + 3) & ~3


def link_attrs(name):
    """the attributes of the kernel's RTM_NEWLINK answer about link name, or its errno (an int)"""
    ifinfo = struct.pack("BxHiII", socket.AF_UNSPEC, 0, ifindex(name), 0, 0)
    msg = struct.pack("IHHII", 16 + len(ifinfo), RTM_GETLINK, NLM_F_REQUEST, 1, 0) + ifinfo
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.send(msg)
    reply = s.recv(65536)
    length, typ = struct.unpack_from("IH", reply)
    if typ == NLMSG_ERROR:
        return -struct.unpack_from("i", reply, 16)[0]
    return list(attrs(reply[16 + 16:length]))


def getlink(name):
    got = link_attrs(name)
    if isinstance(got, int):
        print(f"errno={got}")
        return got
    for k, v in got:
        if k != IFLA_LINKINFO:
            continue
        for ik, iv in attrs(v):
            if ik in (IFLA_INFO_KIND, IFLA_INFO_SLAVE_KIND):
                print(("kind" if ik == IFLA_INFO_KIND else "slave_kind") + "=" + iv.rstrip(b"\0").decode())
            elif ik in (IFLA_INFO_DATA, IFLA_INFO_SLAVE_DATA):
                names, label = (BOND_ATTRS, "data") if ik == IFLA_INFO_DATA else (SLAVE_ATTRS, "slave")
                for a, p in attrs(iv):
                    n = names[a] if a < len(names) else str(a)
                    if ik == IFLA_INFO_DATA and a in NESTED:
                        for na, np in attrs(p):
                            print(f"{label} {n}.{na}={np.hex()}")
                    else:
                        print(f"{label} {n}={p.hex()}")
    return 0


def ack(s):
    """(errno, extack message) of the kernel's answer to a request sent on s with NLM_F_ACK"""
    reply = s.recv(65536)
    length, typ, flags, _, _ = struct.unpack_from("IHHII", reply)
    if typ != NLMSG_ERROR:
        raise SystemExit(f"unexpected reply type {typ}")
    err = -struct.unpack_from("i", reply, 16)[0]
    text = ""
    # extack TLVs follow the echoed request header (capped ack: only its 16-byte header)
    off = 16 + 4 + (16 if flags & 0x100 else struct.unpack_from("I", reply, 20)[0])
    for k, v in attrs(reply[off:length]):
        if k == NLMSGERR_ATTR_MSG:
            text = v.rstrip(b"\0").decode()
    return err, text


def newlink(name, kind, data, create=True, slave_data=None):
    ifinfo = struct.pack("BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
    info = attr(IFLA_INFO_KIND, kind.encode() + b"\0") if slave_data is None else b""
    if data:
        info += attr(IFLA_INFO_DATA | NLA_F_NESTED, b"".join(attr(k, v) for k, v in data))
    if slave_data is not None:
        info += attr(IFLA_INFO_SLAVE_KIND, kind.encode() + b"\0")
        info += attr(IFLA_INFO_SLAVE_DATA | NLA_F_NESTED, b"".join(attr(k, v) for k, v in slave_data))
    body = ifinfo + attr(IFLA_IFNAME, name.encode() + b"\0") + attr(IFLA_LINKINFO | NLA_F_NESTED, info)
    flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_CREATE | NLM_F_EXCL if create else 0)
    msg = struct.pack("IHHII", 16 + len(body), RTM_NEWLINK, flags, 1, 0) + body
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
    s.send(msg)
    err, text = ack(s)
    print(f"errno={err} ({errno.errorcode.get(err, 'OK') if err else 'OK'}) msg={text}")
    return err


def run(argv):
    """One command (the words after rtnl.py); returns the exit status."""
    if len(argv) == 2 and argv[0] == "getlink":
        return getlink(argv[1])
    if len(argv) > 2 and argv[0] == "getlink":
        # several links in one start (a python start costs ~1 s in the TCG guest): each line
        # prefixed with the link's name
        worst = 0
        for name in argv[1:]:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                worst = getlink(name) or worst
            sys.stdout.write("".join(f"{name} {line}\n" for line in out.getvalue().splitlines()))
        return worst
    if len(argv) < 3 or argv[0] not in ("newlink", "changelink", "setslave"):
        raise SystemExit(__doc__)
    if argv[0] == "setslave":
        return newlink(argv[1], argv[2], None, False, bond_options(argv[3:]))
    return newlink(argv[1], argv[2], bond_options(argv[3:]), argv[0] == "newlink")


def serve(path_in, path_out):
    """Commands from the FIFO path_in, one a line (words separated by \\x1f); for each, its output
    and then a line \\x1e<status> to the FIFO path_out. Ends when path_in's writers are gone."""
    with open(path_in, "r") as fin, open(path_out, "w") as fout:
        for line in fin:
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    rc = run(line.rstrip("\n").split("\x1f"))
            except SystemExit as e:
                rc = e.code if isinstance(e.code, int) else 1
                if not isinstance(e.code, int) and e.code is not None:
                    out.write(f"{e.code}\n")
            except Exception as e:  # a bad command must not end the server
                rc = 1
                out.write(f"rtnl.py: {type(e).__name__}: {e}\n")
            fout.write(out.getvalue() + f"\x1e{rc}\n")
            fout.flush()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(run(sys.argv[1:]))
