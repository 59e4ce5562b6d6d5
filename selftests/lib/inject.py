#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send ICMP echo requests as raw Ethernet frames out of one interface:
inject.py IFNAME DST_MAC SRC_IP DST_IP [COUNT]"""
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


ifname, dst_mac, src_ip, dst_ip = sys.argv[1:5]
count = int(sys.argv[5]) if len(sys.argv) > 5 else 3
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
src_mac = s.getsockname()[4]
for seq in range(count):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq) + b"rbond-inject"
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(bytes.fromhex(dst_mac.replace(":", "")) + src_mac + b"\x08\x00" + ip + icmp)
    time.sleep(0.05)
