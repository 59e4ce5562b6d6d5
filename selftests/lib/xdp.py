#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""XDP for selftests without clang or libbpf: loads one-instruction-sequence XDP programs with
bpf(2), attaches them with rtnetlink (IFLA_XDP) and reads a device's XDP state.

usage: xdp.py COMMAND [; COMMAND ...]    (several commands in one python start)
  attach DEV PROG [drv|skb]   load PROG and attach it to DEV (default: drv, native mode); prints
                              `errno=N (NAME) msg=EXTACK`. PROG: pass, drop, tx, aborted, or
                              redirect:IFNAME (bpf_redirect() to that device)
  detach DEV [drv|skb]        remove DEV's program of that mode; prints as attach
  query DEV                   `attached=MODE prog=ID` (IFLA_XDP: MODE none, drv, skb, hw, multi)
  features DEV                `xdp-features=0xHEX` (the netdev genetlink family's dev-get)
  send DEV COUNT [SPEC]       send COUNT Ethernet frames out of DEV through a packet socket;
                              SPEC: udp (default: IPv4/UDP from 02:00:00:00:00:01 to the
                              broadcast MAC, source port varying from 10000) or udp-fixed (one
                              flow). Prints `sent=N`.
Exit status: that of the last command (0, or the errno for attach/detach).
"""
import ctypes
import errno
import os
import socket
import struct
import sys

from rtnl import ack, attr, attrs, link_attrs  # selftests/lib/rtnl.py (this file's directory is on sys.path)

NETLINK_ROUTE, NETLINK_GENERIC = 0, 16
NETLINK_EXT_ACK = 11
RTM_SETLINK = 19
NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
NLMSG_ERROR = 2
NLA_F_NESTED = 0x8000
IFLA_XDP = 43
IFLA_XDP_FD, IFLA_XDP_ATTACHED, IFLA_XDP_FLAGS, IFLA_XDP_PROG_ID = 1, 2, 3, 4
XDP_FLAGS = {"skb": 1 << 1, "drv": 1 << 2}
ATTACHED = ["none", "drv", "skb", "hw", "multi"]

SYS_BPF = 321  # x86_64
BPF_PROG_LOAD = 5
BPF_PROG_TYPE_XDP = 6
ACTIONS = {"aborted": 0, "drop": 1, "pass": 2, "tx": 3}
BPF_FUNC_redirect = 23


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def program(spec):
    """the instructions of PROG"""
    mov64_imm, call, exit_ = 0xb7, 0x85, 0x95
    if spec in ACTIONS:
        return insn(mov64_imm, 0, imm=ACTIONS[spec]) + insn(exit_)
    if spec.startswith("redirect:"):
        target = socket.if_nametoindex(spec.split(":", 1)[1])
        return (insn(mov64_imm, 1, imm=target) + insn(mov64_imm, 2, imm=0) +
                insn(call, imm=BPF_FUNC_redirect) + insn(exit_))
    raise SystemExit(f"xdp.py: unknown program {spec!r}: pass, drop, tx, aborted or redirect:IFNAME")


def load(spec):
    """a file descriptor of the loaded program"""
    code = program(spec)
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(4096)
    attr = struct.pack("=IIQQIIQII16sII", BPF_PROG_TYPE_XDP, len(code) // 8, ctypes.addressof(insns),
                       ctypes.addressof(lic), 1, len(log), ctypes.addressof(log), 0, 0,
                       b"rbond_" + spec.split(":")[0].encode(), 0, 0)
    attr += b"\0" * (144 - len(attr))
    buf = ctypes.create_string_buffer(attr, len(attr))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(ctypes.c_long(SYS_BPF), ctypes.c_int(BPF_PROG_LOAD), buf, ctypes.c_uint(len(attr)))
    if fd < 0:
        e = ctypes.get_errno()
        raise SystemExit(f"xdp.py: BPF_PROG_LOAD of {spec}: {os.strerror(e)}\n{log.value.decode(errors='replace')}")
    return fd


def setxdp(dev, fd, mode):
    ifinfo = struct.pack("BxHiII", socket.AF_UNSPEC, 0, socket.if_nametoindex(dev), 0, 0)
    xdp = attr(IFLA_XDP_FD, struct.pack("i", fd)) + attr(IFLA_XDP_FLAGS, struct.pack("I", XDP_FLAGS[mode]))
    body = ifinfo + attr(IFLA_XDP | NLA_F_NESTED, xdp)
    msg = struct.pack("IHHII", 16 + len(body), RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
    s.send(msg)
    err, text = ack(s)
    print(f"errno={err} ({errno.errorcode.get(err, 'OK') if err else 'OK'}) msg={text}")
    return err


def query(dev):
    got = link_attrs(dev)
    if isinstance(got, int):
        raise SystemExit(f"xdp.py: RTM_GETLINK {dev}: errno {got}")
    mode, prog = 0, 0
    for k, v in got:
        if k == IFLA_XDP:
            for xk, xv in attrs(v):
                if xk == IFLA_XDP_ATTACHED:
                    mode = xv[0]
                elif xk == IFLA_XDP_PROG_ID:
                    prog = struct.unpack("I", xv[:4])[0]
    print(f"attached={ATTACHED[mode] if mode < len(ATTACHED) else mode} prog={prog}")
    return 0


def genl(s, family, cmd, body):
    s.send(struct.pack("IHHII", 20 + len(body), family, NLM_F_REQUEST, 1, 0) + struct.pack("BBH", cmd, 1, 0) + body)
    reply = s.recv(65536)
    length, typ = struct.unpack_from("IH", reply)
    if typ == NLMSG_ERROR:
        raise SystemExit(f"xdp.py: generic netlink error {-struct.unpack_from('i', reply, 16)[0]}")
    return dict(attrs(reply[20:length]))


def features(dev):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    # the netdev family's number (CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME / _ID)
    fam = struct.unpack("H", genl(s, 0x10, 3, attr(2, b"netdev\0"))[1][:2])[0]
    # NETDEV_CMD_DEV_GET with NETDEV_A_DEV_IFINDEX; NETDEV_A_DEV_XDP_FEATURES is attribute 3
    a = genl(s, fam, 1, attr(1, struct.pack("I", socket.if_nametoindex(dev))))
    print(f"xdp-features=0x{struct.unpack('Q', a.get(3, bytes(8))[:8])[0]:x}")
    return 0


def send(dev, count, spec="udp"):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    # one source MAC whatever the device's, so that the layer2 hashes of two tests agree
    eth = b"\xff" * 6 + bytes.fromhex("020000000001") + b"\x08\x00"
    n = 0
    for i in range(count):
        sport = 10000 if spec == "udp-fixed" else 10000 + i
        udp = struct.pack("!HHHH", sport, 9, 8 + 18, 0) + b"rbond-xdp-selftest"
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                         socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.2"))
        n += s.send(eth + ip + udp) > 0
    print(f"sent={n}")
    return 0


def run(words):
    if not words:
        raise SystemExit(__doc__)
    cmd, args = words[0], words[1:]
    if cmd == "attach" and len(args) in (2, 3):
        fd = load(args[1])
        try:
            return setxdp(args[0], fd, args[2] if len(args) == 3 else "drv")
        finally:
            os.close(fd)
    if cmd == "detach" and len(args) in (1, 2):
        return setxdp(args[0], -1, args[1] if len(args) == 2 else "drv")
    if cmd == "query" and len(args) == 1:
        return query(args[0])
    if cmd == "features" and len(args) == 1:
        return features(args[0])
    if cmd == "send" and len(args) in (2, 3):
        return send(args[0], int(args[1]), *args[2:])
    raise SystemExit(__doc__)


def main(argv):
    rc, cmd = 0, []
    for w in argv + [";"]:
        if w == ";":
            if cmd:
                rc = run(cmd)
            cmd = []
        else:
            cmd.append(w)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
