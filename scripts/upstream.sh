#!/usr/bin/env bash
# `make upstream`: the pinned kernel's own bonding selftests (tools/testing/selftests/drivers/net/
# bonding), unmodified, in one guest, against rbond in compatibility mode or against bonding.ko.
# usage: upstream.sh [rbond|bonding] [SCRIPT...]     (default rbond, every TEST_PROGS script)
# Copies the scripts with what they need (TEST_PROGS, TEST_FILES, TEST_INCLUDES, settings and every
# file those source) from the kernel source, laid out as in the kernel tree, into the run's folder
# (the guest's /out/kselftest), runs selftests/upstream/run.sh in the guest and prints its TAP.
# Exit status: 0 every result as expected, 1 an unexpected result (a "not ok" line that is not
# "# TODO"), 2 the guest run failed (a kernel WARNING/BUG..., a timeout, no results).
. "$(dirname "$0")/common.sh"

driver=${1:-rbond}; [ $# -gt 0 ] && shift
case "$driver" in rbond|bonding) ;; *) die "usage: upstream.sh [rbond|bonding] [SCRIPT...]";; esac

ksft=$KSRC/tools/testing/selftests
rel=drivers/net/bonding
[ -f "$ksft/$rel/Makefile" ] || die "no $rel in the kernel source $KSRC (scripts/fetch-toolchain.sh fetches it)"

# the words of a Makefile variable (VAR := a \ b \ ... # comment)
mkvar() {
  awk -v var="$2" '
    !on && $0 ~ "^" var "[ \t]*[:+?]?=" { on = 1; sub(/^[^=]*=/, "") }
    on { cont = sub(/\\[ \t]*$/, "")
         for (i = 1; i <= NF; i++) { if ($i ~ /^#/) break; print $i }
         if (!cont) on = 0 }' "$1"
}

run=$(new_run_dir)
dst=$run/kselftest
rm -rf "$dst"; mkdir -p "$dst"
# copy REL (relative to tools/testing/selftests), then what it sources: the scripts source their
# neighbours by paths relative to their own folder ("$lib_dir"/../../../net/lib.sh, or a bare name)
copy() {
  local f=$1 p t
  [ -e "$dst/$f" ] && return 0
  [ -f "$ksft/$f" ] || die "$ksft/$f is missing"
  mkdir -p "$dst/$(dirname "$f")"; cp -p "$ksft/$f" "$dst/$f"
  case "$f" in *.sh) ;; *) return 0;; esac
  for p in $(sed -nE -e 's/^[[:space:]]*(source|\.)[[:space:]]+"?\$\{?[A-Za-z_]+\}?"?\/?([^"[:space:];]+).*$/\2/p' \
                     -e 's/^[[:space:]]*(source|\.)[[:space:]]+([A-Za-z0-9_.][A-Za-z0-9_./-]*)[[:space:]]*$/\2/p' "$ksft/$f"); do
    t=$(realpath -m --relative-to="$ksft" "$ksft/$(dirname "$f")/$p")
    # optional files (forwarding.config, net.config) are sourced only when present
    [ -f "$ksft/$t" ] && copy "$t"
  done
  return 0
}
progs=$(mkvar "$ksft/$rel/Makefile" TEST_PROGS)
[ -n "$progs" ] || die "no TEST_PROGS in $ksft/$rel/Makefile"
for f in $progs $(mkvar "$ksft/$rel/Makefile" TEST_FILES) $(mkvar "$ksft/$rel/Makefile" TEST_INCLUDES) settings config; do
  copy "$(realpath -m --relative-to="$ksft" "$ksft/$rel/$f")"
done
printf '%s\n' $progs > "$dst.tests"
log "upstream: $(find "$dst" -type f | wc -l) files of tools/testing/selftests copied to $dst"

# the guest's own limit: the suite takes ~18 min against bonding.ko, a script that hangs is stopped
# after its timeout (20 min; x4 on the debug kernel)
tmo=3600; [ "$KERNEL" = debug ] && tmo=14400
set +e
QEMU_TIMEOUT=${QEMU_TIMEOUT:-$tmo} RBOND_RUN_DIR=$run "$RBOND_TOP/scripts/vm.sh" \
  "$RBOND_TOP/selftests/upstream/run.sh" "$driver" "$@"
rc=$?
set -e
[ -f "$run/upstream.tap" ] || { echo "upstream: no results (guest exit $rc; run folder $run)" >&2; exit 2; }
[ $rc = 0 ] || { echo "upstream: the guest run failed (exit $rc; run folder $run)" >&2; exit 2; }
if grep -E '^not ok ' "$run/upstream.tap" | grep -vqE '^not ok [0-9]+ - [^#]* # TODO '; then
  echo "upstream: unexpected results (logs in $run/upstream/)" >&2; exit 1
fi
exit 0
