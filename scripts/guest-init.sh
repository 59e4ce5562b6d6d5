#!/bin/busybox sh
# /init of the rbond test guest (scripts/build-guest.sh puts it into the initramfs).
# Shares: "src" = the checkout (read-only), "out" = this run's folder, "hostusrlib" = host /usr/lib.
/bin/busybox --install -s          # applets where no real (GNU) binary exists
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs tmpfs /tmp; mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
mount -t configfs configfs /sys/kernel/config 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostusrlib /host-usr-lib
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro src /src
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none out /out
: > /out/booted   # the host's boot watchdog (scripts/vm.sh) sees the guest is up
ip link set lo up
hostname rbond-guest
# `dmesg -C` (the tests clear the log to read their own lines) keeps what it clears for the
# host's check of the kernel log: a report printed before a clear still fails the run
cat > /usr/sbin/dmesg <<'W'
#!/bin/sh
for a in "$@"; do
  case $a in -C|-c|--clear|--read-clear) /usr/bin/dmesg >> /run/rbond-cleared-dmesg 2>/dev/null;; esac
done
exec /usr/bin/dmesg "$@"
W
chmod +x /usr/sbin/dmesg
# rbond.ko as an installed module: `modprobe rbond` works like `modprobe bonding`
kver=$(uname -r)
if [ -f /src/rbond.ko ]; then
  # kmod's depmod, not the busybox applet (which writes no modules.dep.bin)
  mkdir -p "/lib/modules/$kver/extra" && cp /src/rbond.ko "/lib/modules/$kver/extra/" && /usr/sbin/depmod -a
fi
cd /out
if [ -f /out/script ]; then
  bash /out/script; echo $? > /out/rc
else
  echo "guest: no /out/script"; echo 127 > /out/rc
fi
cd /
# leak scan (debug kernel), then the kernel log for the host to check
if [ -e /sys/kernel/debug/kmemleak ]; then
  echo scan > /sys/kernel/debug/kmemleak; sleep 1; echo scan > /sys/kernel/debug/kmemleak
  cat /sys/kernel/debug/kmemleak > /out/kmemleak
fi
{ cat /run/rbond-cleared-dmesg 2>/dev/null; /usr/bin/dmesg; } > /out/dmesg
sync; umount /out
# no ACPI in this kernel: poweroff only halts; with qemu -no-reboot a reboot ends qemu
reboot -f
