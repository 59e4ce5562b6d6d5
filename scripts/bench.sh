#!/bin/bash
# `make bench`, in the guest: runs the parts of the benchmark (scripts/bench/<part>.sh) in turn;
# each records its figures in $BENCH_DIR/results.tsv (scripts/bench/lib.sh says how), from which
# scripts/bench-report.py makes the tables and the chart on the host. A measurement, not a test:
# nothing here passes or fails on a number; a part that stops with an error makes this script fail
# (after the others ran), and a figure it never produced is reported missing.
# usage: bench.sh [VAR=VALUE...]: PARTS (default: all, in order), SMOKE=1 (make check's short
# run), ROUNDS, COUNT, PROFILE=1 (profiles of each figure), MODES and the parts' own variables.
set -e
. "$(dirname "$0")/errtrap.sh"   # a failed step says where
for a in "$@"; do
  case "$a" in [A-Z]*=*) export "${a?}";; *) echo "bench.sh: '$a' is not VAR=VALUE" >&2; exit 2;; esac
done
ALL_PARTS="paths failover lacp scale memory"
PARTS=${PARTS:-$ALL_PARTS}
export BENCH_DIR=${BENCH_DIR:-/out/bench}
mkdir -p "$BENCH_DIR"; : > "$BENCH_DIR/results.tsv"
for p in $PARTS; do [ -f "/src/scripts/bench/$p.sh" ] || { echo "bench.sh: no part '$p' (parts: $ALL_PARTS)" >&2; exit 2; }; done
modprobe pktgen
modprobe rbond max_bonds=0
modprobe bonding max_bonds=0
failed=""
for p in $PARTS; do
  t=$(date +%s)
  echo "# bench: part $p"
  bash "/src/scripts/bench/$p.sh" || failed="$failed $p"
  t=$(( $(date +%s) - t ))
  printf '#time\t%s\t%s\n' "$p" "$t" >> "$BENCH_DIR/results.tsv"
  echo "# bench: part $p: $t s"
done
rmmod rbond; rmmod bonding; rmmod pktgen
[ -z "$failed" ] || { echo "bench.sh: parts that stopped with an error:$failed" >&2; exit 1; }
