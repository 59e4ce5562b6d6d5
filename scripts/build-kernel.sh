#!/usr/bin/env bash
# Configure and build the test kernel (KERNEL=release|debug) into $KOUT, once per key.
# usage: build-kernel.sh [--configure-only]   (make check's first-run test configures a fresh tree)
. "$(dirname "$0")/common.sh"
configure_only=0
case "${1:-}" in --configure-only) configure_only=1;; "") ;; *) die "usage: build-kernel.sh [--configure-only]";; esac

if [ -f "$KOUT/.rbond-built" ]; then exit 0; fi
lock_stage "kernel-$KERNEL"
if [ -f "$KOUT/.rbond-built" ]; then exit 0; fi
# builds of this variant for other versions or configurations are stale: the cache keeps one
for old in "$RBOND_CACHE/kernel/$KERNEL"-*; do
  [ -d "$old" ] && [ "$old" != "$KOUT" ] && { log "kernel: removing stale build $old"; rm -rf "$old"; }
done
log "kernel: configuring $LINUX_UPSTREAM_VERSION ($KERNEL) in $KOUT"
mkdir -p "$KOUT"
frags=("$RBOND_TOP/kernel/rbond.config")
[ "$KERNEL" = debug ] && frags+=("$RBOND_TOP/kernel/debug.config")
make -s -C "$KSRC" O="$KOUT" "${KMAKE[@]}" tinyconfig >/dev/null
(cd "$KSRC" && scripts/kconfig/merge_config.sh -m -O "$KOUT" "$KOUT/.config" \
   kernel/configs/kvm_guest.config "${frags[@]}" >/dev/null)
make -s -C "$KSRC" O="$KOUT" "${KMAKE[@]}" olddefconfig >/dev/null
# every line of the fragments must have survived olddefconfig (a silently dropped option is a bug)
bad=0
for f in "${frags[@]}"; do
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue;; esac
    opt=${line%%=*} val=${line#*=}
    if [ "$val" = n ]; then
      grep -q "^$opt=" "$KOUT/.config" && { echo "  $opt: wanted n, got $(grep "^$opt=" "$KOUT/.config")" >&2; bad=1; }
    else
      grep -qx "$opt=$val" "$KOUT/.config" || { echo "  $opt: wanted $val, got '$(grep "^$opt=" "$KOUT/.config" || echo unset)'" >&2; bad=1; }
    fi
  done < "$f"
done
[ $bad = 0 ] || die "kernel config: the options above did not survive olddefconfig"
grep -q '^CONFIG_RUST=y' "$KOUT/.config" || die "CONFIG_RUST is off: is the Rust toolchain available? (make -C $KSRC O=$KOUT ${KMAKE[*]} rustavailable)"
[ $configure_only = 1 ] && { log "kernel: configured in $KOUT (--configure-only)"; exit 0; }
log "kernel: building (9 to 14 min with 2 cores for release, longer for debug)"
t=$(date +%s)
if ! make -C "$KSRC" O="$KOUT" "${KMAKE[@]}" -j"$(nproc)" all > "$KOUT/build.log" 2>&1; then
  tail -n 40 "$KOUT/build.log" >&2
  die "kernel build failed; full log: $KOUT/build.log"
fi
touch "$KOUT/.rbond-built"
log "kernel: built in $(( $(date +%s) - t ))s"
