#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The old ifenslave's ioctls: ifenslave.py enslave|release|change-active|set-hwaddr BOND SLAVE.
Exit status 0 or the errno."""
import fcntl
import socket
import struct
import sys

CMDS = {"enslave": 0x8990, "release": 0x8991, "set-hwaddr": 0x8992, "change-active": 0x8995}
if len(sys.argv) != 4 or sys.argv[1] not in CMDS:
    raise SystemExit(__doc__)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ifr = struct.pack("16s16s", sys.argv[2].encode(), sys.argv[3].encode()).ljust(40, b"\0")
try:
    fcntl.ioctl(s, CMDS[sys.argv[1]], ifr)
except OSError as e:
    print(f"{sys.argv[1]}: {e.strerror}")
    sys.exit(e.errno)
