#!/usr/bin/env bash
# Run a bash script as root inside the test guest and propagate its exit status.
# usage: vm.sh SCRIPT [ARGS...]
#   The checkout is at /src in the guest (read-only), rbond.ko is installed (`modprobe rbond`), the
#   C driver is `modprobe bonding`. The run's folder is /out (RBOND_RUN_DIR on the host, a new
#   folder under $RBOND_CACHE/runs by default).
# Fails (exit 1) when the kernel log shows a WARNING, BUG, Oops, KASAN, lockdep, RCU stall,
# hung task or kmemleak report, even if the script passed.
# RBOND_VM_NICS=N (an even number, default 0) gives the guest N virtio-net NICs (VLAN filtering in
# the device: ctrl_vlan), wired in pairs: NICs 2k and 2k+1 are the two ports of QEMU hub k, as if
# by a cable. Their MACs are 52:54:00:00:00:NN (NN = 10 + the NIC's number, hex), their QEMU names
# vnic0, vnic1... The guest sets a NIC's link down or up through QEMU (set_link: carrier loss as
# the NIC's driver sees it) by writing "vnicN down|up" to /out/link-req; the answer comes in
# /out/link-ack (selftests/lib/nics.sh).
# RBOND_VM_E1000E=N (even, default 0) gives it N more NICs of QEMU's e1000e model (an Intel 82574L:
# the e1000e driver, which reports speed and duplex), wired in pairs the same way through hubs of
# their own; MACs 52:54:00:00:01:NN (NN = 10 + the NIC's number among them), QEMU names enic0...
# RBOND_VM_CLIENTS=1 shares the clients' root (scripts/build-clients.sh: systemd-networkd,
# NetworkManager, ifupdown2, teamd, lldpd from Debian sid) read-only as 9p tag "clients"
# (selftests/lib/clients.sh mounts it and runs them in a chroot).
# RBOND_VM_PERF=1 shares the folder of perf built from the kernel's tools/perf
# (scripts/build-perf.sh, a static binary) read-only as 9p tag "perf" (scripts/bench/lib.sh's prof
# mounts it at /run/perf for `make bench PROFILE=1`).
. "$(dirname "$0")/common.sh"

script=${1:?usage: vm.sh SCRIPT [ARGS...]}; shift
[ -f "$script" ] || die "no such script: $script"
[ -f "$KOUT/.rbond-built" ] || die "kernel not built: run make first"
initrd=$("$RBOND_TOP/scripts/build-guest.sh")
clients_args=()
case "${RBOND_VM_CLIENTS:-0}" in
  0) ;;
  1) croot=$("$RBOND_TOP/scripts/build-clients.sh")
     clients_args=(-virtfs "local,path=$croot,mount_tag=clients,security_model=none,readonly=on,id=clients");;
  *) die "RBOND_VM_CLIENTS must be 0 or 1 (got '${RBOND_VM_CLIENTS}')";;
esac

case "${RBOND_VM_PERF:-0}" in
  0) ;;
  1) perfbin=$("$RBOND_TOP/scripts/build-perf.sh")
     clients_args+=(-virtfs "local,path=$(dirname "$perfbin"),mount_tag=perf,security_model=none,readonly=on,id=perf");;
  *) die "RBOND_VM_PERF must be 0 or 1 (got '${RBOND_VM_PERF}')";;
esac

run=$(new_run_dir)
rm -f "$run"/{rc,dmesg,kmemleak,script}
abs=$(readlink -f "$script")
if [ "${abs#"$RBOND_TOP"/}" != "$abs" ]; then
  # a script of the checkout runs in place (/src), so that it finds its neighbours
  { printf 'exec bash /src/%q' "${abs#"$RBOND_TOP"/}"; [ $# -gt 0 ] && printf ' %q' "$@"; printf '\n'; } > "$run/script"
else
  { [ $# -gt 0 ] && { printf 'set --'; printf ' %q' "$@"; printf '\n'; }; cat "$script"; } > "$run/script"
fi
nic_count() { # VARIABLE VALUE: a number of NICs, even, up to 98
  case "$2" in [0-9]|[1-9][0-9]) [ $(($2 % 2)) = 0 ] || die "$1 must be even (NICs come in pairs)";;
    *) die "$1 must be a number of NICs from 0 to 98 (got '$2')";; esac
}
nics=${RBOND_VM_NICS:-0} enics=${RBOND_VM_E1000E:-0}
nic_count RBOND_VM_NICS "$nics"; nic_count RBOND_VM_E1000E "$enics"
nic_args=()
for ((i = 0; i < nics; i++)); do
  nic_args+=(-netdev "hubport,id=hp$i,hubid=$((i / 2))"
             -device "virtio-net-pci,netdev=hp$i,id=vnic$i,romfile=,mac=52:54:00:00:00:$(printf %02x $((0x10 + i)))")
done
for ((i = 0; i < enics; i++)); do
  nic_args+=(-netdev "hubport,id=ehp$i,hubid=$((100 + i / 2))"
             -device "e1000e,netdev=ehp$i,id=enic$i,romfile=,mac=52:54:00:00:01:$(printf %02x $((0x10 + i)))")
done
ctl_pid=""
if [ $((nics + enics)) -gt 0 ]; then
  rm -f "$run"/link-req "$run"/link-ack "$run"/qmp.sock
  nic_args+=(-qmp "unix:$run/qmp.sock,server=on,wait=off")
  python3 "$RBOND_TOP/scripts/link-ctl.py" "$run/qmp.sock" "$run" & ctl_pid=$!
fi
mem=1G; tmo=3600   # a guest of make check runs ~20 min, longer when the cores are shared
# the debug kernel (lockdep, kmemleak, SLUB debugging) runs the suite several times slower
# no5lvl: with QEMU's -cpu max the kernel uses 5-level paging, and the KASAN kernel then reports a
# wild-memory-access in an interrupt taken during identify_cpu() at 0.005 s of every boot (seen
# 2026-11-29 once the test kernel had ACPI); with 4-level paging it boots clean
[ "$KERNEL" = debug ] && { mem=3G; tmo=10800; GUEST_APPEND="no5lvl ${GUEST_APPEND:-}"; }
# no_timer_check: the kernel's boot-time check that the timer interrupt arrives through the
# IO-APIC counts ticks over a short busy wait; with the host's cores shared by several TCG guests it
# can miss them ("MP-BIOS bug: 8254 timer not connected to IO-APIC"), and the fallback it then
# takes can hang the boot. The routing is QEMU's and works; the check is what virtual machines are
# told to skip.
# The boot watchdog: a guest that has not mounted /out (its init writes /out/booted) within
# RBOND_BOOT_TIMEOUT seconds (default 300, 900 for the debug kernel; a boot takes ~10 s, a minute
# with the cores shared) is
# killed and booted once more. Two guests of a make check hung at boot side by side (nothing on the
# console after the BIOS) while a build shared the cores, and would have waited for their hour.
# stdbuf -oL: the console reaches the log line by line (tr alone holds 4 KB), so a part in
# progress shows where it is
boot_tmo=300; [ "$KERNEL" = debug ] && boot_tmo=900; boot_tmo=${RBOND_BOOT_TIMEOUT:-$boot_tmo}
case "$boot_tmo" in [1-9]|[1-9][0-9]*) ;; *) die "RBOND_BOOT_TIMEOUT must be a number of seconds (got '$boot_tmo')";; esac
qemu_once() { # ATTEMPT
  local tag="rbond-guest-$$-$1" wd
  rm -f "$run/booted"
  ( for ((i = 0; i < boot_tmo; i++)); do sleep 1; [ -f "$run/booted" ] && exit 0; done
    echo "vm: the guest did not boot within ${boot_tmo} s (attempt $1): killed" >&2
    pkill -f -- "$tag" ) & wd=$!
  timeout --foreground "${QEMU_TIMEOUT:-$tmo}" qemu-system-x86_64 -name "$tag" -accel tcg,thread=multi -cpu max -m "$mem" -smp 2 \
    -nographic -no-reboot -kernel "$KOUT/arch/x86/boot/bzImage" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 no_timer_check ${GUEST_APPEND:-}" \
    -virtfs "local,path=$RBOND_TOP,mount_tag=src,security_model=none,readonly=on,id=src" \
    -virtfs "local,path=$run,mount_tag=out,security_model=none,id=out" \
    -virtfs local,path=/usr/lib,mount_tag=hostusrlib,security_model=none,readonly=on,id=hostusrlib \
    "${clients_args[@]}" -nic none "${nic_args[@]}" < /dev/null | stdbuf -oL tr -d '\r'
  qrc=${PIPESTATUS[0]}
  kill "$wd" 2>/dev/null; wait "$wd" 2>/dev/null
}
set +e
qemu_once 1
if [ ! -f "$run/booted" ]; then
  qemu_once 2
fi
[ -z "$ctl_pid" ] || { kill "$ctl_pid" 2>/dev/null; wait "$ctl_pid" 2>/dev/null; rm -f "$run/qmp.sock"; }
set -e
if [ ! -f "$run/rc" ]; then
  echo "vm: the guest did not finish the script (qemu exit $qrc; a timeout is 124, a panic ends the guest early)" >&2
  exit 125
fi
rc=$(cat "$run/rc")
# the kernel log must be clean
pat='WARNING:|BUG:|Oops|KASAN|UBSAN|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|rcu.*(detected stalls|self-detected stall)|INFO: task .* blocked for more than|suspected memory leak|unreferenced object'
bad=$(cat "$run/dmesg" "$run/kmemleak" 2>/dev/null | grep -E "$pat" || true)
if [ -n "$bad" ]; then
  echo "vm: the kernel log reports a problem (full log: $run/dmesg):" >&2
  printf '%s\n' "$bad" | head -n 20 | sed 's/^/vm:   /' >&2
  [ "$rc" = 0 ] && rc=1
fi
exit "$rc"
