#!/usr/bin/env bash
# Install the host packages the build and the guest userland need (Debian's packages, by apt).
. "$(dirname "$0")/common.sh"

PKGS=(
  # kernel build (the debug variant is built with LLVM 19: KASAN with Rust needs a clang kernel)
  flex bison bc libelf-dev libssl-dev cpio dwarves rsync kmod zstd xz-utils python3-pip
  clang-19 lld-19 llvm-19
  # guest
  qemu-system-x86 busybox-static
  # guest userland copied into the initramfs (iproute2 itself comes from sid, see build-guest.sh)
  bash coreutils grep sed mawk findutils procps psmisc util-linux ethtool jq iputils-ping iputils-arping
  tcpdump netsniff-ng socat ndisc6 python3 python3-scapy diffutils iproute2 iperf3
  # make bench's chart (scripts/bench-report.py, with the system's python3)
  python3-matplotlib
  # the clients' root (scripts/build-clients.sh: networkd, NetworkManager, ifupdown2, teamd, lldpd)
  mmdebstrap
  # perf from the kernel's tools/perf, linked statically (scripts/build-perf.sh: libelf.a, libz.a)
  libelf-dev zlib1g-dev
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "host: installing ${missing[*]}"
  if [ ! -f "$RBOND_CACHE/.apt-host-updated" ] || [ -n "$(find "$RBOND_CACHE/.apt-host-updated" -mmin +1440)" ]; then
    apt-get -q update >/dev/null
    touch "$RBOND_CACHE/.apt-host-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
