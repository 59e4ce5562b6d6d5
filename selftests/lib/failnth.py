#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Walk the kernel's fault injection (/proc/thread-self/fail-nth) through one rtnetlink operation
on a rbond bond: for N = 1, 2, ... the Nth allocation (slab or page: failslab, fail_page_alloc) of
the operation fails, until the operation runs through without reaching its Nth, so that each of
its allocations has failed once. Around each try the scenario's setup, a check that the state is
whole (a refused operation changed nothing, a successful one is complete, no slave is half in the
bond) and the clean-up, which must not hang (a device whose reference the bond kept makes its
deletion wait forever: the process is stopped after --timeout and the walk fails). Everything is
done here with netlink and sysfs, no program is started per try (a command costs ~0.1 s in the TCG
guest, a walk has a few hundred tries).

usage: failnth.py [--max N] [--timeout S] SCENARIO
  SCENARIO  create     a bond created (active-backup, miimon 100)
            enslave    a veth enslaved to an up bond whose MTU is 9000
            release    one of two slaves released
            release-active  the active slave of an active-backup bond released: the other
                       becomes active
            changelink five options at once (miimon updelay downdelay primary_reselect primary)
            mode       balance-rr to 802.3ad
            mode-alb   balance-rr to balance-alb (its tables allocated by the change); after
                       it, a veth enslaved to the bond must be its active slave
            enslave-alb  a second veth enslaved to an up balance-alb bond: in, its own MAC
            release-alb-active  the current slave of a balance-alb bond released: the other
                       becomes current and takes the bond's MAC
            dellink    a bond with two slaves (MTU 9000) deleted
One line per try that went wrong or failed the operation, then
"walked N: I injected (E refused, S succeeded, L answers lost), B bad" (an answer is lost when the
kernel cannot allocate the ack: the socket says ENOBUFS, and either state must then be whole); exit status 0 when no try was bad and the
walk reached its end (a try with nothing injected) within --max tries (default 1000).
"""
import errno
import os
import signal
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtnl  # noqa: E402

RTM_NEWLINK, RTM_DELLINK = 16, 17
IFLA_MTU, IFLA_MASTER = 4, 10
VETH_INFO_PEER = 1
IFF_UP = 1
BOND, A, B = "rfi", "rfa", "rfb"
SYS = "/sys/class/net"


class Bad(Exception):
    pass


def nlreq(sock, typ, flags, body, seq=[0]):
    """one request: its errno (0: done), or None when the answer itself was lost (the socket
    reports ENOBUFS when the kernel could not allocate the ack, after the request was done or not)"""
    seq[0] += 1
    msg = struct.pack("IHHII", 16 + len(body), typ, rtnl.NLM_F_REQUEST | rtnl.NLM_F_ACK | flags, seq[0], 0) + body
    try:
        sock.send(msg)
    except OSError as e:
        return e.errno
    try:
        return -struct.unpack_from("i", sock.recv(65536), 16)[0]
    except OSError as e:
        if e.errno == errno.ENOBUFS:
            return None
        return e.errno


def ifinfo(index=0, flags=0, change=0):
    return struct.pack("BxHiII", socket.AF_UNSPEC, 0, index, flags, change)


def ifidx(name):
    return rtnl.ifindex(name)


def exists(name):
    return os.path.exists(f"{SYS}/{name}")


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


class Net:
    """the requests the scenarios need, each checked (a failure outside the walked operation is a
    broken setup, not a finding)"""

    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, rtnl.NETLINK_ROUTE)

    def must(self, what, typ, flags, body):
        err = nlreq(self.s, typ, flags, body)
        if err is None or err:
            raise Bad(f"setup: {what}: {os.strerror(err or errno.ENOBUFS)}")

    def bond(self, name, words=()):
        self.must(f"create {name}", RTM_NEWLINK, rtnl.NLM_F_CREATE | rtnl.NLM_F_EXCL, newlink_body(name, "rbond", list(words)))

    def veth(self, name):
        peer = ifinfo() + rtnl.attr(rtnl.IFLA_IFNAME, ("p" + name).encode() + b"\0")
        info = rtnl.attr(rtnl.IFLA_INFO_KIND, b"veth\0")
        info += rtnl.attr(rtnl.IFLA_INFO_DATA | rtnl.NLA_F_NESTED, rtnl.attr(VETH_INFO_PEER, peer))
        body = ifinfo() + rtnl.attr(rtnl.IFLA_IFNAME, name.encode() + b"\0") + rtnl.attr(rtnl.IFLA_LINKINFO | rtnl.NLA_F_NESTED, info)
        self.must(f"create veth {name}", RTM_NEWLINK, rtnl.NLM_F_CREATE | rtnl.NLM_F_EXCL, body)
        self.up("p" + name)

    def up(self, name):
        self.must(f"{name} up", RTM_NEWLINK, 0, ifinfo(ifidx(name), IFF_UP, IFF_UP))

    def mtu(self, name, mtu):
        self.must(f"{name} mtu {mtu}", RTM_NEWLINK, 0, ifinfo(ifidx(name)) + rtnl.attr(IFLA_MTU, struct.pack("I", mtu)))

    def enslave(self, slave, master):
        self.must(f"{slave} master {master}", RTM_NEWLINK, 0, master_body(slave, master))

    def delete(self, name):
        if exists(name):
            self.must(f"delete {name}", RTM_DELLINK, 0, ifinfo(ifidx(name)))


def newlink_body(name, kind, words):
    data = rtnl.bond_options(words)
    info = rtnl.attr(rtnl.IFLA_INFO_KIND, kind.encode() + b"\0")
    if data:
        info += rtnl.attr(rtnl.IFLA_INFO_DATA | rtnl.NLA_F_NESTED, b"".join(rtnl.attr(k, v) for k, v in data))
    return ifinfo() + rtnl.attr(rtnl.IFLA_IFNAME, name.encode() + b"\0") + rtnl.attr(rtnl.IFLA_LINKINFO | rtnl.NLA_F_NESTED, info)


def master_body(slave, master):
    return ifinfo(ifidx(slave)) + rtnl.attr(IFLA_MASTER, struct.pack("I", ifidx(master) if master else 0))


# --- what a whole state is -------------------------------------------------------------------
def master_of(dev):
    p = f"{SYS}/{dev}/master"
    return os.path.basename(os.readlink(p)) if os.path.islink(p) else ""


def listed(dev):
    try:
        return f"Slave Interface: {dev}" in read(f"/proc/net/rbond/{BOND}").splitlines()
    except FileNotFoundError:
        return False


def whole_in(dev, mtu=None):
    if master_of(dev) != BOND or not listed(dev):
        raise Bad(f"{dev}: master '{master_of(dev)}', listed {listed(dev)} (expected in {BOND})")
    if mtu is not None and read(f"{SYS}/{dev}/mtu") != str(mtu):
        raise Bad(f"{dev}: in {BOND} with MTU {read(f'{SYS}/{dev}/mtu')}, not {mtu}")


def whole_out(dev, own_mac):
    state = (master_of(dev), listed(dev), read(f"{SYS}/{dev}/address"), read(f"{SYS}/{dev}/mtu"))
    if state != ("", False, own_mac, "1500"):
        raise Bad(f"{dev}: master '{state[0]}', listed {state[1]}, MAC {state[2]} (own {own_mac}), MTU {state[3]} (expected out, whole)")


def mode():
    m = read(f"{SYS}/{BOND}/bonding/mode")
    return m.split()[0] if m else f"'{m}'"


# --- the scenarios: setup(net) -> context; op(context) -> (type, flags, body); check(err, context)
def s_create():
    def setup(net):
        return {}

    def op(c):
        return RTM_NEWLINK, rtnl.NLM_F_CREATE | rtnl.NLM_F_EXCL, newlink_body(BOND, "rbond", ["mode", "active-backup", "miimon", "100"])

    def check(err, c):
        if err == 0:
            if not exists(BOND):
                raise Bad("created, but not there")
            got = (mode(), read(f"{SYS}/{BOND}/bonding/miimon"))
            if got != ("active-backup", "100"):
                raise Bad(f"created, but mode and miimon are {got}, not active-backup and 100")
            # (its /proc file may be missing: bonding.ko too creates the bond without it when
            # that allocation fails, and says "Cannot create /proc/net/bonding/...")
        elif exists(BOND) or os.path.exists(f"/proc/net/rbond/{BOND}"):
            raise Bad(f"refused ({os.strerror(err)}), but the bond or its /proc file is there")
    return setup, op, check


def s_enslave():
    def setup(net):
        net.bond(BOND)
        net.mtu(BOND, 9000)
        net.veth(A)
        net.up(BOND)
        return {"mac": read(f"{SYS}/{A}/address")}

    def op(c):
        return RTM_NEWLINK, 0, master_body(A, BOND)

    def check(err, c):
        if err == 0:
            whole_in(A, 9000)
        else:
            whole_out(A, c["mac"])
    return setup, op, check


def bond_of_two(net, words=()):
    """the bond (options words) with slaves A and B, up; their own MACs"""
    net.bond(BOND, words)
    net.veth(A)
    net.veth(B)
    macs = {A: read(f"{SYS}/{A}/address"), B: read(f"{SYS}/{B}/address")}
    net.enslave(A, BOND)
    net.enslave(B, BOND)
    net.up(BOND)
    return macs


def s_release():
    def setup(net):
        return {"mac": bond_of_two(net)[B]}

    def op(c):
        return RTM_NEWLINK, 0, master_body(B, None)

    def check(err, c):
        if err == 0:
            whole_out(B, c["mac"])
        else:
            whole_in(B)
        whole_in(A)
    return setup, op, check


def s_enslave_alb():
    def setup(net):
        net.bond(BOND, ["mode", "balance-alb", "miimon", "100"])
        net.veth(B)
        net.enslave(B, BOND)
        net.up(BOND)
        net.veth(A)
        return {"mac": read(f"{SYS}/{A}/address")}

    def op(c):
        return RTM_NEWLINK, 0, master_body(A, BOND)

    def check(err, c):
        if err == 0:
            whole_in(A)
            # balance-alb: every slave keeps a MAC of its own
            if read(f"{SYS}/{A}/address") != c["mac"]:
                raise Bad(f"{A} enslaved in balance-alb with MAC {read(f'{SYS}/{A}/address')}, not its own {c['mac']}")
        else:
            whole_out(A, c["mac"])
        whole_in(B)
    return setup, op, check


def s_release_alb_active():
    def setup(net):
        macs = bond_of_two(net, ["mode", "balance-alb", "miimon", "100"])
        if read(f"{SYS}/{BOND}/bonding/active_slave") != A:
            raise Bad(f"setup: the current slave is '{read(f'{SYS}/{BOND}/bonding/active_slave')}', not {A}")
        return {"mac": macs[A]}

    def op(c):
        return RTM_NEWLINK, 0, master_body(A, None)

    def check(err, c):
        active = read(f"{SYS}/{BOND}/bonding/active_slave")
        bond_mac = read(f"{SYS}/{BOND}/address")
        if err == 0:
            whole_out(A, c["mac"])
            if active != B or read(f"{SYS}/{B}/address") != bond_mac:
                raise Bad(f"{A} released, but the current slave is '{active}' with MAC {read(f'{SYS}/{B}/address')} (bond {bond_mac})")
        else:
            whole_in(A)
            if active != A or read(f"{SYS}/{A}/address") != bond_mac:
                raise Bad(f"release refused, but the current slave is '{active}' with MAC {read(f'{SYS}/{A}/address')} (bond {bond_mac})")
        whole_in(B)
    return setup, op, check


def s_release_active():
    def setup(net):
        mac = bond_of_two(net, ["mode", "active-backup", "miimon", "100"])[A]
        if read(f"{SYS}/{BOND}/bonding/active_slave") != A:
            raise Bad(f"setup: the active slave is '{read(f'{SYS}/{BOND}/bonding/active_slave')}', not {A}")
        return {"mac": mac}

    def op(c):
        return RTM_NEWLINK, 0, master_body(A, None)

    def check(err, c):
        active = read(f"{SYS}/{BOND}/bonding/active_slave")
        if err == 0:
            whole_out(A, c["mac"])
            # the other slave takes over at once: choosing it must not depend on an allocation
            if active != B:
                raise Bad(f"{A} released, but the active slave is '{active}', not {B}")
        else:
            whole_in(A)
            if active != A:
                raise Bad(f"release refused, but the active slave is '{active}', not {A}")
        whole_in(B)
    return setup, op, check


OPTS = ["miimon", "updelay", "downdelay", "primary_reselect", "primary"]


def options():
    return [read(f"{SYS}/{BOND}/bonding/{o}") for o in OPTS]


def s_changelink():
    def setup(net):
        net.bond(BOND, ["mode", "active-backup", "miimon", "100"])
        net.veth(A)
        net.veth(B)
        net.enslave(A, BOND)
        net.enslave(B, BOND)
        net.up(BOND)
        return {"before": options()}

    def op(c):
        words = ["miimon", "200", "updelay", "400", "downdelay", "600", "primary_reselect", "better", "primary", B]
        return RTM_NEWLINK, 0, newlink_body(BOND, "rbond", words)

    def check(err, c):
        now = options()
        if err == 0 and now != ["200", "400", "600", "better 1", B]:
            raise Bad(f"accepted, but the options are {now}")
        if err != 0 and now != c["before"]:
            raise Bad(f"refused ({os.strerror(err)}), but the options changed: {c['before']} -> {now}")
    return setup, op, check


def s_mode():
    def setup(net):
        net.bond(BOND)
        return {}

    def op(c):
        return RTM_NEWLINK, 0, newlink_body(BOND, "rbond", ["mode", "802.3ad"])

    def check(err, c):
        m = mode()
        if (err == 0) != (m == "802.3ad") or m not in ("802.3ad", "balance-rr"):
            raise Bad(f"errno {err}, mode {m}")
        if m == "802.3ad" and not read(f"{SYS}/{BOND}/bonding/ad_select"):
            raise Bad("802.3ad without its ad_select")
    return setup, op, check


def s_mode_alb():
    # balance-tlb/alb's tables (~32 KiB) are allocated by the mode change itself, before the mode
    # is taken: an allocation failing there refuses the change and leaves balance-rr
    def setup(net):
        net.bond(BOND)
        return {}

    def op(c):
        return RTM_NEWLINK, 0, newlink_body(BOND, "rbond", ["mode", "balance-alb"])

    def check(err, c):
        m = mode()
        if (err == 0) != (m == "balance-alb") or m not in ("balance-alb", "balance-rr"):
            raise Bad(f"errno {err}, mode {m}")
        if m == "balance-alb":
            # the mode works: a slave enslaved, the bond up, the slave in with a MAC of its own
            net = Net()
            net.veth(A)
            own = read(f"{SYS}/{A}/address")
            net.enslave(A, BOND)
            net.up(BOND)
            whole_in(A)
            if read(f"{SYS}/{BOND}/bonding/active_slave") != A:
                raise Bad(f"balance-alb after the change: active slave '{read(f'{SYS}/{BOND}/bonding/active_slave')}', not {A} ({own})")
    return setup, op, check


def s_dellink():
    def setup(net):
        net.bond(BOND)
        net.mtu(BOND, 9000)
        net.veth(A)
        net.veth(B)
        macs = {d: read(f"{SYS}/{d}/address") for d in (A, B)}
        net.enslave(A, BOND)
        net.enslave(B, BOND)
        net.up(BOND)
        return macs

    def op(c):
        return RTM_DELLINK, 0, ifinfo(ifidx(BOND))

    def check(err, c):
        if err == 0:
            if exists(BOND):
                raise Bad("deleted, but the bond is there")
            whole_out(A, c[A])
            whole_out(B, c[B])
        else:
            whole_in(A, 9000)
            whole_in(B, 9000)
    return setup, op, check


SCENARIOS = {"create": s_create, "enslave": s_enslave, "release": s_release, "release-active": s_release_active,
             "changelink": s_changelink, "mode": s_mode, "mode-alb": s_mode_alb, "dellink": s_dellink,
             "enslave-alb": s_enslave_alb, "release-alb-active": s_release_alb_active}


def on_alarm(signum, frame):
    raise TimeoutError


def main():
    argv = sys.argv[1:]
    maxn, timeout = 1000, 20
    while argv and argv[0].startswith("--"):
        if argv[0] == "--max":
            maxn = int(argv[1])
        elif argv[0] == "--timeout":
            timeout = int(argv[1])
        else:
            raise SystemExit(__doc__)
        argv = argv[2:]
    if len(argv) != 1 or argv[0] not in SCENARIOS:
        raise SystemExit(__doc__)
    setup, op, check = SCENARIOS[argv[0]]()
    signal.signal(signal.SIGALRM, on_alarm)
    net = Net()
    injected = refused = succeeded = lost = bad = 0
    ended = False
    n = 0
    for n in range(1, maxn + 1):
        signal.alarm(timeout)
        try:
            for d in (BOND, A, B):
                net.delete(d)
            c = setup(net)
            typ, flags, body = op(c)
            # the operation's socket and the fail-nth file are open before the fault is armed:
            # only the operation's own allocations count (sendmsg's skb first, then rtnetlink's
            # and the driver's); reading the file back allocates nothing
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, rtnl.NETLINK_ROUTE)
            fd = os.open("/proc/thread-self/fail-nth", os.O_RDWR)
            os.write(fd, str(n).encode())
            err = nlreq(s, typ, flags, body)
            left = int(os.pread(fd, 32, 0).strip() or b"0")
            os.write(fd, b"0")
            os.close(fd)
            s.close()
            inj = left == 0
            injected += inj
            if err is None:
                lost += 1
                what = f"n={n} injected, the answer lost (ENOBUFS)"
            else:
                refused += err != 0
                succeeded += err == 0
                what = f"n={n} {'injected' if inj else 'not injected'}, errno {err} ({errno.errorcode.get(err, 'OK') if err else 'OK'})"
            try:
                if err is None:
                    # done or not: either state must be whole
                    try:
                        check(0, c)
                    except Bad:
                        check(errno.ENOBUFS, c)
                else:
                    check(err, c)
                if err != 0:
                    print(f"{what}: whole", flush=True)
            except (Bad, OSError, ValueError, IndexError) as e:
                bad += 1
                print(f"{what}: BAD: {e}", flush=True)
            for d in (BOND, A, B):
                net.delete(d)
            signal.alarm(0)
        except TimeoutError:
            print(f"n={n}: BAD: not done in {timeout} s (a deletion waits for a reference the bond kept?)", flush=True)
            bad += 1
            break
        except Bad as e:
            signal.alarm(0)
            print(f"n={n}: BAD: {e}", flush=True)
            bad += 1
            break
        if not inj:
            ended = True
            break
    print(f"walked {n}: {injected} injected ({refused} refused, {succeeded} succeeded, {lost} answers lost), {bad} bad"
          + ("" if ended else f" (the walk did not reach its end in {maxn} tries)"))
    return 0 if bad == 0 and ended else 1


if __name__ == "__main__":
    sys.exit(main())
