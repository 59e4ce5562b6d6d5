#!/usr/bin/env bash
# Everything `make` needs: host packages, toolchain, kernel (each cached and skipped when done),
# then rbond.ko. Extra arguments go to kbuild (e.g. CLIPPY=1).
. "$(dirname "$0")/common.sh"

t0=$(date +%s)
fresh=0; [ -f "$KOUT/.rbond-built" ] || fresh=1
[ $fresh = 1 ] && log "first build for KERNEL=$KERNEL: fetching the toolchain and building the kernel into $RBOND_CACHE (15-20 min)"
"$RBOND_TOP/scripts/host-deps.sh"
"$RBOND_TOP/scripts/fetch-toolchain.sh"
"$RBOND_TOP/scripts/build-kernel.sh"
[ $fresh = 1 ] && log "toolchain and kernel ready after $(( $(date +%s) - t0 ))s"
# the module's objects live in the checkout: built for another kernel, they must go first
if [ "$(cat "$RBOND_TOP/.rbond-kernel" 2>/dev/null)" != "$KOUT" ]; then
  make -s -C "$KOUT" M="$RBOND_TOP" "${KMAKE[@]}" clean
  echo "$KOUT" > "$RBOND_TOP/.rbond-kernel"
fi
# rustc and the C compiler stop at a warning (Kbuild: -Dwarnings, -Werror); objtool and modpost
# only print theirs, so a warning from them fails the build here, and the module is removed so
# that the next `make` does not take it as built
rc=0; out=$(make -s -C "$KOUT" M="$RBOND_TOP" "${KMAKE[@]}" "$@" modules 2>&1) || rc=$?
[ -z "$out" ] || printf '%s\n' "$out"
[ $rc = 0 ] || exit $rc
if grep -q 'warning:' <<<"$out"; then
  rm -f "$RBOND_TOP/rbond.ko" "$RBOND_TOP/rbond.o"
  die "the build printed a warning (above): warnings are errors"
fi
