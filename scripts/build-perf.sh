#!/usr/bin/env bash
# Build perf from the pinned kernel's own tools/perf ($KSRC/tools/perf), for `make bench PROFILE=1`:
# the host's Debian perf is of another kernel, and the guest's userland is minimal (no libraries
# beyond glibc's and iproute2's), so this perf is linked statically and has only what
# `perf record -e cpu-clock -a -g` and `perf report --stdio` need, with the symbols of the kernel
# (/proc/kallsyms) and of its modules (libelf reads the .ko files). No scripting, TUI, BPF,
# traceevent, DWARF, demangling of C++, PMU event tables or Rust test workloads: the guest (QEMU TCG) has no hardware
# PMU, the profiles sample the software cpu-clock.
# Output: $RBOND_CACHE/perf/<key>/perf (path printed on stdout); scripts/vm.sh shares its folder
# with the guest when RBOND_VM_PERF=1 (9p tag "perf", mounted at /run/perf by scripts/bench/lib.sh).
. "$(dirname "$0")/common.sh"

[ -d "$KSRC/tools/perf" ] || die "perf: the kernel source $KSRC is missing (make builds it first)"
# the features turned off, and the static link: the fewest that still record and report
PERF_MAKE=(NO_LIBPYTHON=1 NO_LIBPERL=1 NO_LIBTRACEEVENT=1 NO_JEVENTS=1 NO_SLANG=1 NO_GTK2=1
  NO_LIBBPF=1 BUILD_BPF_SKEL=0 NO_LIBDW=1 NO_LIBUNWIND=1 NO_LIBNUMA=1 NO_LIBAUDIT=1 NO_LIBCRYPTO=1
  NO_LIBCAP=1 NO_BABELTRACE=1 NO_CAPSTONE=1 NO_LIBLLVM=1 NO_LIBPFM4=1 NO_LIBDEBUGINFOD=1 NO_LZMA=1
  NO_LIBZSTD=1 NO_AIO=1 NO_JVMTI=1 NO_SDT=1 NO_DEMANGLE=1 NO_SHELLCHECK=1 NO_LIBBIONIC=1
  NO_PERF_READ_VDSO32=1 NO_PERF_READ_VDSOX32=1 NO_RUST=1 LDFLAGS=-static WERROR=0)
key=$( { echo "$LINUX_SOURCE_VERSION $(gcc -dumpfullversion) ${PERF_MAKE[*]}"; cat "$RBOND_TOP/scripts/build-perf.sh"; } |
       sha256sum | cut -c1-12)
OUT=$RBOND_CACHE/perf/$LINUX_UPSTREAM_VERSION-$key
if [ -x "$OUT/bin/perf" ]; then touch "$OUT"; echo "$OUT/bin/perf"; exit 0; fi
lock_stage perf
if [ -x "$OUT/bin/perf" ]; then touch "$OUT"; echo "$OUT/bin/perf"; exit 0; fi
for l in libelf.a libz.a libc.a; do
  [ -n "$(gcc -print-file-name="$l" | grep /)" ] && [ -f "$(gcc -print-file-name="$l")" ] ||
    die "perf: $l is missing for the static link (scripts/host-deps.sh installs libelf-dev, zlib1g-dev)"
done
keep_newest 1 "$OUT" "$RBOND_CACHE"/perf/*
rm -rf "$OUT"; mkdir -p "$OUT/build" "$OUT/bin"
log "perf: building $KSRC/tools/perf (static, record/report only; log: $OUT/build.log)"
t0=$(date +%s)
# tools/perf writes nothing into the source tree with O= (the source is shared, read as is)
if ! make -C "$KSRC/tools/perf" O="$OUT/build" -j"$(nproc)" "${PERF_MAKE[@]}" perf > "$OUT/build.log" 2>&1; then
  tail -n 30 "$OUT/build.log" >&2
  die "perf: the build failed (log: $OUT/build.log)"
fi
cp "$OUT/build/perf" "$OUT/bin/perf"
# the guest has no dynamic loader path for it: a dynamically linked perf would not start there
if readelf -l "$OUT/bin/perf" | grep -q 'Requesting program interpreter'; then
  rm -f "$OUT/bin/perf"; die "perf: the binary is linked dynamically (LDFLAGS=-static ignored?)"
fi
"$OUT/bin/perf" version > /dev/null 2>&1 || { rm -f "$OUT/bin/perf"; die "perf: the built binary does not run"; }
rm -rf "$OUT/build"
log "perf: built in $(( $(date +%s) - t0 )) s: $("$OUT/bin/perf" version)"
echo "$OUT/bin/perf"
