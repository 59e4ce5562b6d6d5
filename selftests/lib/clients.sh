# shellcheck shell=bash
# The clients users configure bonds with, unchanged, from Debian sid (scripts/build-clients.sh):
# their root comes read-only over 9p (scripts/vm.sh with RBOND_VM_CLIENTS=1; a test file asks for
# it with a line "# vm-clients: 1") and they run in a chroot of it at $C, which shares the guest's
# kernel, network namespace, /proc, /sys, /dev (and /src, /out); its /etc, /var and /root are
# copies in a tmpfs (the tests write the clients' configuration there), its /run and /tmp empty
# tmpfs, as at boot.
C=/clients

# clients_setup: mount and prepare the root (once per guest); fails when the guest has no share
clients_setup() {
  [ -e $C/.rbond-ready ] && return 0
  mkdir -p /clients-ro $C
  grep -qs ' /clients-ro ' /proc/mounts ||
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro clients /clients-ro || return 1
  grep -qs " $C " /proc/mounts || mount -t tmpfs -o mode=0755 tmpfs $C
  mkdir -p $C/usr $C/proc $C/sys $C/dev $C/run $C/tmp $C/src $C/out
  mount --bind /clients-ro/usr $C/usr
  tar -C $C -xf /clients-ro/rbond-rw.tar || return 1
  mount --rbind /proc $C/proc; mount --rbind /sys $C/sys; mount --rbind /dev $C/dev
  mount -t tmpfs -o mode=0755 tmpfs $C/run; mount -t tmpfs -o mode=1777 tmpfs $C/tmp
  mount --bind /src $C/src; mount --bind /out $C/out
  echo rbond-guest > $C/etc/hostname
  # a system's identity, made at its first boot (systemd-machine-id-setup): networkd derives the
  # MAC addresses of the devices it creates from it; fixed, so that runs compare
  echo 5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e > $C/etc/machine-id
  : > $C/.rbond-ready
}

# cl CMD...: CMD in the clients' root. systemd's programs see that their root is not PID 1's and
# ignore some requests ("Running in chroot, ignoring request": udevadm trigger, networkctl);
# SYSTEMD_IGNORE_CHROOT=1 (systemd's documented switch) has them act as on the system itself,
# which this root is for them: it has the kernel, the devices and the network namespace
cl() { SYSTEMD_IGNORE_CHROOT=1 chroot $C "$@"; }

# cl_daemon LOG CMD...: CMD in the clients' root in the background, its output in LOG, its PID in
# CL_PID (chroot execs CMD: the PID is the daemon's; a function or subshell put in the background
# instead would leave the daemon running when it is killed)
cl_daemon() {
  local log=$1; shift
  SYSTEMD_IGNORE_CHROOT=1 chroot $C "$@" > "$log" 2>&1 &
  CL_PID=$!
}
# cl_stop PID: stop a daemon cl_daemon started (SIGTERM, as systemd stops a unit) and wait for it
cl_stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; ! kill -0 "$1" 2>/dev/null; }

# client_version PKG: the Debian version of a client package in the root
client_version() { awk -v p="$1" '$1 == p { print $2 }' /clients-ro/rbond-client-versions; }

# clients_dbus: the system bus (dbus-daemon --system, as its unit starts it), once per guest
clients_dbus() {
  [ -S $C/run/dbus/system_bus_socket ] && return 0
  mkdir -p $C/run/dbus
  cl dbus-daemon --system --fork || return 1
  local i; for i in $(seq 50); do [ -S $C/run/dbus/system_bus_socket ] && return 0; sleep 0.1; done
  return 1
}

# clients_udev: systemd-udevd with the root's rules, the network devices there are announced
# (udevadm trigger, as systemd-udev-trigger.service does for all devices; the tests need the
# network ones, and the others cost a TCG guest ~10 s) and settled; /run prepared by
# systemd-tmpfiles --boot as at boot. Once per guest.
clients_udev() {
  [ -S $C/run/udev/control ] && return 0
  cl systemd-tmpfiles --create --boot > /tmp/clients-tmpfiles.log 2>&1
  cl /usr/lib/systemd/systemd-udevd --daemon > /tmp/clients-udevd.log 2>&1 || { cat /tmp/clients-udevd.log; return 1; }
  cl udevadm trigger --action=add --type=subsystems --subsystem-match=net &&
    cl udevadm trigger --action=add --type=devices --subsystem-match=net &&
    cl udevadm settle -t 60
}

# clients_stop: stop what clients_dbus and clients_udev started (SIGTERM, as systemd stops their
# units; udevd kept running on `udevadm control --exit` in the chroot), and fail if one is left. A test that started them calls it at its end: udevd
# left running would apply its .link files (MACAddressPolicy=persistent) to the bonds of the
# tests after it in the guest, racing their first enslave for the bond's MAC address
clients_stop() {
  local p
  pkill -x systemd-udevd; rm -f $C/run/udev/control
  if [ -s $C/run/dbus/pid ]; then
    p=$(< $C/run/dbus/pid); kill "$p" 2>/dev/null
    rm -f $C/run/dbus/pid $C/run/dbus/system_bus_socket
  fi
  wait_for 10 eval '! pgrep -x systemd-udevd > /dev/null && ! pgrep -x dbus-daemon > /dev/null' && return 0
  pgrep -a 'udev|dbus'; return 1
}

# use_driver rbond|bonding: the bonding driver that `type bond` makes: rbond in compatibility mode
# or bonding.ko, neither making a bond of its own at load (max_bonds=0), the other unloaded
use_driver() {
  local b
  for b in $(cat /sys/class/net/bonding_masters 2>/dev/null); do ip link del "$b" 2>/dev/null; done
  if [ "$1" = rbond ]; then
    modprobe -r bonding 2>/dev/null; module_loaded rbond || modprobe rbond compat=1 max_bonds=0
  else
    module_loaded rbond && rmmod rbond; module_loaded bonding || modprobe bonding max_bonds=0
  fi
}

# bond_state BOND: what the kernel ended up with, as text to compare between the drivers: the
# bond's netlink attributes (ip -d -j link show: flags, MTU, address, operstate, linkinfo), each
# slave's (its bond attributes, flags, master), every file of the bond's sysfs folder and of the
# slaves' bonding_slave folders, and /proc/net/bonding/BOND (rbond's added "Aggregation:" lines
# left out); interface indexes are left out (they differ between runs). Tests give the slaves
# fixed MAC addresses so that addresses compare too.
bond_state() {
  local b=$1 s f v
  ip -d -j link show | jq -S --arg b "$b" '(.[] | select(.ifname == $b) | {flags, mtu, address, operstate,
      group, master, linkinfo, num_tx_queues, num_rx_queues, gso_max_size, gso_max_segs}),
    (.[] | select(.master == $b) | {(.ifname): {flags, mtu, address, operstate, master,
      slave: .linkinfo.info_slave_data}})'
  # (read, not cat: a program per file costs a TCG guest ~50 ms, and a bond has ~40 files)
  for f in /sys/class/net/$b/bonding/*; do v=; read -r v < "$f" 2>/dev/null; echo "${f##*/}: $v"; done
  for s in $(< /sys/class/net/$b/bonding/slaves); do
    for f in /sys/class/net/$s/bonding_slave/*; do v=; read -r v < "$f" 2>/dev/null; echo "$s/${f##*/}: $v"; done
  done
  sed '/^Aggregation: /d' /proc/net/bonding/$b
}

# agg_ids: bond_state's text (stdin) of an 802.3ad bond with its aggregator IDs renamed AGG1,
# AGG2... in the order they first appear (the active one first: the bond's netlink ad_info comes
# first). Which port's aggregator becomes the active one depends on which port's LACPDU came
# first: bonding.ko itself makes 1 the active one in a run and 2 in the next, and so does rbond
# (lib/lacp.sh's norm_lacp_proc does the same for /proc alone)
agg_ids() {
  awk 'function m(id) { if (!(id in map)) map[id] = "AGG" (++n); return map[id] }
    match($0, /("aggregator": |"ad_aggregator_id": |ad_aggregator: |ad_aggregator_id: |Aggregator ID: )[0-9]+/) {
      pre = substr($0, 1, RSTART - 1); mt = substr($0, RSTART, RLENGTH); post = substr($0, RSTART + RLENGTH)
      id = mt; sub(/.* /, "", id); sub(/[0-9]+$/, "", mt)
      $0 = pre mt m(id) post
    }
    { print }'
}
