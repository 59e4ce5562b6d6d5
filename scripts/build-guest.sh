#!/usr/bin/env bash
# Build the guest's initramfs: busybox init, the host's GNU userland, iproute2 (and the glibc it
# needs) from Debian sid so that ip/tc match the 7.3 kernel, and the kernel's modules.
# Output: $GUEST_DIR/<key>/initramfs.cpio.gz (path printed on stdout).
. "$(dirname "$0")/common.sh"

key=$( { echo "$KOUT"; cat "$RBOND_TOP/scripts/build-guest.sh" "$RBOND_TOP/scripts/guest-init.sh"; } | sha256sum | cut -c1-12)
OUT=$GUEST_DIR/$KERNEL-$key
if [ -f "$OUT/initramfs.cpio.gz" ]; then touch "$OUT"; echo "$OUT/initramfs.cpio.gz"; exit 0; fi
[ -f "$KOUT/.rbond-built" ] || die "kernel $KOUT is not built (scripts/build-kernel.sh)"
lock_stage guest
if [ -f "$OUT/initramfs.cpio.gz" ]; then touch "$OUT"; echo "$OUT/initramfs.cpio.gz"; exit 0; fi

# 1. iproute2 >= the kernel's version and its libraries from sid, extracted (never installed); jq
#    too: jq 1.6 (bookworm's) compiles its builtins at every start, ~0.5 s of a TCG guest's CPU a
#    call (1.8: ~0.08 s), and the kernel's bonding selftests call it in their polling loops
SID=$GUEST_DIR/sid-root
if [ ! -x "$SID/usr/sbin/ip" ] || [ ! -x "$SID/usr/bin/jq" ]; then
  apt_private
  log "guest: fetching iproute2, jq and glibc from Debian $GUEST_SID_SUITE"
  rm -rf "$SID.tmp"; mkdir -p "$SID.tmp"
  apt_extract_suite "$GUEST_SID_SUITE" "$SID.tmp" iproute2 libc6 libbpf1 libelf1t64 libmnl0 libselinux1 \
    libtirpc3t64 libxtables12 libcap2 libdb5.3t64 libzstd1 zlib1g libpcre2-8-0 libgssapi-krb5-2 libkrb5-3 \
    libk5crypto3 libcom-err2 libkrb5support0 libkeyutils1 libgcc-s1 \
    jq libjq1 libonig5
  rm -rf "$SID"; mv "$SID.tmp" "$SID"
fi
ipver=$("$SID/usr/lib64/ld-linux-x86-64.so.2" --library-path "$SID/usr/lib/x86_64-linux-gnu" "$SID/usr/sbin/ip" -V |
        grep -oE 'iproute2-[0-9.]+' | cut -d- -f2)
printf '%s\n%s\n' "$IPROUTE2_MIN_VERSION" "$ipver" | sort -V -C ||
  die "iproute2 from $GUEST_SID_SUITE is $ipver, older than $IPROUTE2_MIN_VERSION: the guest userland must match the kernel"

# 1b. Debian's ifupdown with the ifenslave package's hooks, unchanged: how Debian users configure
#     bonds (/etc/network/interfaces with bond-* options), run against rbond in compatibility mode
IFUPDOWN=$GUEST_DIR/sid-ifupdown
if [ ! -x "$IFUPDOWN/usr/sbin/ifup" ]; then
  apt_private
  log "guest: fetching ifupdown, ifenslave and run-parts from Debian $GUEST_SID_SUITE"
  rm -rf "$IFUPDOWN.tmp"; mkdir -p "$IFUPDOWN.tmp"
  apt_extract_suite "$GUEST_SID_SUITE" "$IFUPDOWN.tmp" ifupdown ifenslave debianutils
  rm -rf "$IFUPDOWN"; mv "$IFUPDOWN.tmp" "$IFUPDOWN"
fi

# 2. the root file system
# per kernel variant, the two most recently used guest images besides this one (worktrees whose
# harness differs share the cache and should not rebuild each other's image on every run)
# (with no earlier image, this once stopped the script silently: keep_newest, tested by make check)
keep_newest 2 "$OUT" "$GUEST_DIR/$KERNEL"-*
log "guest: building the initramfs (iproute2 $ipver)"
R=$OUT/root
rm -rf "$OUT"; mkdir -p "$R"/usr/{bin,sbin,lib/x86_64-linux-gnu,lib64,share} "$R"/{proc,sys,dev,tmp,run,src,out,root,etc,var/lib,host-usr-lib}
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
ln -s ../run "$R/var/run"; ln -s ../../tmp "$R/var/tmp"
cp /bin/busybox "$R/usr/bin/busybox"
addbin() { # a host binary and the libraries ldd names, at the same paths
  local b=$1 d l
  [ -e "$b" ] || die "host binary $b is missing (scripts/host-deps.sh installs it)"
  d="$R/usr${b#/usr}"; mkdir -p "$(dirname "$d")"; cp -L "$b" "$d"
  for l in $(ldd "$b" 2>/dev/null | grep -oE '/[^ ]+'); do
    d="$R/usr${l#/usr}"; mkdir -p "$(dirname "$d")"; [ -e "$d" ] || cp -L "$l" "$d"
  done
}
BINS="/usr/sbin/ethtool /usr/bin/bash /usr/bin/ping /usr/bin/arping /usr/bin/bc /usr/bin/tcpdump
 /usr/sbin/mausezahn /usr/bin/socat /usr/bin/ndisc6 /usr/bin/kmod /usr/bin/getopt /usr/sbin/sysctl
 /usr/bin/grep /usr/bin/sed /usr/bin/mawk /usr/bin/find /usr/bin/xargs /usr/bin/ps /usr/bin/pgrep /usr/bin/pkill
 /usr/bin/killall /usr/bin/nsenter /usr/bin/unshare /usr/bin/flock /usr/bin/setsid /usr/bin/logger /usr/bin/rev
 /usr/bin/python3.11 /usr/bin/diff /usr/bin/cmp /usr/bin/timeout /usr/bin/dmesg /usr/bin/mount /usr/bin/umount /usr/bin/iperf3"
for b in $BINS $(dpkg -L coreutils | grep -E '^/(usr/)?s?bin/[^/]+$' | sed 's|^/bin/|/usr/bin/|'); do addbin "$b"; done
cp -L /usr/lib/x86_64-linux-gnu/libffi.so.8 "$R/usr/lib/x86_64-linux-gnu/"     # python's _ctypes (scapy)
printf '#!/bin/sh\n# the selftests only call "udevadm settle"\nexit 0\n' > "$R/usr/bin/udevadm"; chmod +x "$R/usr/bin/udevadm"
ln -sf mawk "$R/usr/bin/awk"; ln -sf python3.11 "$R/usr/bin/python3"
# /bin/sh is bash, as on the distributions the kernel's selftests run on (bond-break-lacpdu-tx.sh,
# a #!/bin/sh script, sources net/forwarding/lib.sh, which is bash); ping6 is iputils' ping
ln -sf bash "$R/usr/bin/sh"; ln -sf ping "$R/usr/bin/ping6"
for t in insmod rmmod modprobe lsmod modinfo depmod; do ln -sf ../bin/kmod "$R/usr/sbin/$t"; done
# python's standard library and scapy come from the host over a read-only 9p share; of the
# host's dist-packages every entry but the .pth files, which python would run at each start (one
# imports certifi and with it pathlib, re, tempfile: ~1 s of a TCG guest's CPU for each python)
ln -s /host-usr-lib/python3.11 "$R/usr/lib/python3.11"
mkdir -p "$R/usr/lib/python3/dist-packages"
for e in /usr/lib/python3/dist-packages/*; do
  case "$e" in *.pth) ;; *) ln -s "/host-usr-lib/python3/dist-packages/${e##*/}" "$R/usr/lib/python3/dist-packages/";; esac
done
# sid's iproute2 and jq, their libraries and sid's glibc (newer glibc runs the host's binaries too)
for b in ip tc bridge ss jq; do cp "$SID/usr/sbin/$b" "$R/usr/sbin/$b" 2>/dev/null || cp "$SID/usr/bin/$b" "$R/usr/bin/$b"; done
# sleep is busybox's (static): the selftests' polling loops start one every 0.1-0.2 s, and a
# dynamically linked program costs ~40 ms of a TCG guest's CPU to start (busybox: ~10 ms)
ln -sf busybox "$R/usr/bin/sleep"
cp -a "$SID/usr/lib/x86_64-linux-gnu/." "$R/usr/lib/x86_64-linux-gnu/"
# OpenSSL is the host's, with its provider modules: the host's python cryptography (which scapy
# loads) loads the legacy provider, and fails without it ("Unknown OpenSSL error"); nothing from
# sid needs OpenSSL (sid-root caches made before may hold sid's: it is replaced)
for l in libssl.so.3 libcrypto.so.3; do cp -L "/usr/lib/x86_64-linux-gnu/$l" "$R/usr/lib/x86_64-linux-gnu/$l"; done
cp -rL /usr/lib/x86_64-linux-gnu/ossl-modules "$R/usr/lib/x86_64-linux-gnu/"
cp -L "$SID/usr/lib64/ld-linux-x86-64.so.2" "$R/usr/lib64/ld-linux-x86-64.so.2"
[ -d "$SID/usr/share/iproute2" ] && cp -a "$SID/usr/share/iproute2" "$R/usr/share/"
[ -d "$SID/etc/iproute2" ] && cp -a "$SID/etc/iproute2" "$R/etc/"
cp /etc/protocols /etc/services "$R/etc/"
# ifupdown (ifup, ifdown, ifquery), run-parts, and ifenslave's if-pre-up/if-up/if-post-down hooks
cp -a "$IFUPDOWN/usr/sbin/ifup" "$IFUPDOWN/usr/sbin/ifdown" "$IFUPDOWN/usr/sbin/ifquery" "$R/usr/sbin/"
cp -a "$IFUPDOWN/usr/bin/run-parts" "$R/usr/bin/"; cp -a "$IFUPDOWN/usr/lib/ifupdown" "$R/usr/lib/"
mkdir -p "$R"/etc/network/{if-pre-up.d,if-up.d,if-down.d,if-post-down.d,interfaces.d}
for d in if-pre-up.d if-up.d if-post-down.d; do cp -a "$IFUPDOWN/etc/network/$d/ifenslave" "$R/etc/network/$d/"; done
printf 'root:x:0:0:root:/root:/bin/bash\ntcpdump:x:104:109::/nonexistent:/usr/sbin/nologin\n' > "$R/etc/passwd"
printf 'root:x:0:\ntcpdump:x:109:\n' > "$R/etc/group"
echo 'hosts: files' > "$R/etc/nsswitch.conf"; echo '127.0.0.1 localhost' > "$R/etc/hosts"
# the kernel's modules, so that `modprobe bonding` works
make -s -C "$KSRC" O="$KOUT" "${KMAKE[@]}" modules_install INSTALL_MOD_PATH="$R" INSTALL_MOD_STRIP=1 >/dev/null
install -m 0755 "$RBOND_TOP/scripts/guest-init.sh" "$R/init"
( cd "$R" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1 > "$OUT/initramfs.cpio.gz.tmp" )
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
rm -rf "$R"
echo "$OUT/initramfs.cpio.gz"
