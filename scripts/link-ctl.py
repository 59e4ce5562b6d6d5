#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Host side of the guest's link control (vm.sh with RBOND_VM_NICS): the guest asks for a NIC's link
# to go down or up by writing "NAME up|down" into /out/link-req (a new file, renamed into place);
# this loop sends QEMU's set_link over the QMP socket and answers in /out/link-ack with the request
# and "ok" or the error. vm.sh ends it when QEMU is gone. QEMU's events on the socket (a NIC's
# filter changed, ...) are read past while waiting for an answer.
# usage: link-ctl.py QMP-SOCKET RUN-DIR
import json, os, socket, sys, time

sock_path, run = sys.argv[1], sys.argv[2]
req, ack = os.path.join(run, "link-req"), os.path.join(run, "link-ack")


def connect():
    for _ in range(600):  # QEMU makes the socket when it starts: up to a minute
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock_path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    sys.exit(0)


def answer(f):
    """the next reply to a command (events in between are skipped); None when QEMU is gone"""
    while True:
        line = f.readline()
        if not line:
            return None
        m = json.loads(line)
        if "return" in m or "error" in m:
            return m


s = connect()
f = s.makefile("r")
if not f.readline():  # the greeting
    sys.exit(0)
s.sendall(b'{"execute": "qmp_capabilities"}\n')
if answer(f) is None:
    sys.exit(0)
parent = os.getppid()
while True:
    try:
        with open(req) as r:
            text = r.read().strip()
        os.unlink(req)
    except FileNotFoundError:
        # vm.sh ends this loop when QEMU is gone; if vm.sh itself is gone, end too
        if os.getppid() != parent:
            sys.exit(0)
        time.sleep(0.1)
        continue
    parts = text.split()
    if len(parts) != 2 or parts[1] not in ("up", "down"):
        result = "error: expected 'NAME up|down'"
    else:
        cmd = {"execute": "set_link", "arguments": {"name": parts[0], "up": parts[1] == "up"}}
        s.sendall((json.dumps(cmd) + "\n").encode())
        m = answer(f)
        if m is None:
            sys.exit(0)
        result = "ok" if "return" in m else "error: " + m["error"].get("desc", "?")
    with open(ack + ".tmp", "w") as a:
        a.write(f"{text} {result}\n")
    os.rename(ack + ".tmp", ack)
