#!/usr/bin/env bash
# `make bench`: boots a guest that runs scripts/bench.sh (the parts in scripts/bench/), then makes
# the report on the host (scripts/bench-report.py): bench.md (the tables) and chart.png in the run
# folder, $RBOND_CACHE/bench/<date>-<commit> (printed at the end; the ten newest are kept).
# Variables passed to the guest: PARTS, ROUNDS, COUNT, MODES, PROFILE=1 (perf profiles of each
# figure, in prof/ of the run folder), SMOKE=1, and the parts' own (TX_CONFIGS, XDP_MODES,
# TCP_MODES, TCP_SECONDS, and those each part's header names).
. "$(dirname "$0")/common.sh"

commit=$(git -C "$RBOND_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$RBOND_TOP" diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
stamp=$(date -u +%Y-%m-%dT%H%M)
mkdir -p "$RBOND_CACHE/bench"
{ ls -1dt "$RBOND_CACHE"/bench/*/ 2>/dev/null || true; } | tail -n +10 | xargs -r rm -rf
export RBOND_RUN_DIR=$RBOND_CACHE/bench/$stamp-$commit
rm -rf "$RBOND_RUN_DIR"; mkdir -p "$RBOND_RUN_DIR"
args=()
for v in PARTS ROUNDS COUNT MODES PROFILE SMOKE TX_CONFIGS XDP_MODES TCP_MODES TCP_SECONDS \
         RATE FLOW DROP_AT SCALE_ROUNDS BONDS_ROUNDS PPS_COUNT NBONDS NSLAVES NREADS SIZES MEM_ROUNDS SETTLE; do
  [ -n "${!v:-}" ] && args+=("$v=${!v}")
done
[ "${PROFILE:-0}" = 1 ] && export RBOND_VM_PERF=1
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
machine="$(nproc) host cores ($cpu), QEMU TCG guest of 2 vCPUs, kernel $(cat "$KOUT/include/config/kernel.release" 2>/dev/null || echo '?')"
rc=0
"$RBOND_TOP/scripts/vm.sh" "$RBOND_TOP/scripts/bench.sh" "${args[@]}" || rc=$?
[ -s "$RBOND_RUN_DIR/bench/results.tsv" ] || die "make bench: the guest recorded nothing (exit $rc); its output is above, the run folder $RBOND_RUN_DIR"
/usr/bin/python3 "$RBOND_TOP/scripts/bench-report.py" "$RBOND_RUN_DIR/bench" --chart \
  --title "make bench, $(date -u +%Y-%m-%d), commit $commit, $machine" || rc=1
log "make bench: $RBOND_RUN_DIR/bench/bench.md and chart.png"
exit $rc
