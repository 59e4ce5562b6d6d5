#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench's script, in its short form (SMOKE=1: one round, few frames, the smallest scales):
# every part runs to its end and every figure a part declared was measured, for rbond, bonding.ko
# and the bare veth, and the report makes its tables (the chart is drawn on the host, as make
# bench draws it: scripts/check.sh checks it from /out/bench-smoke). Asserts that the figures
# exist, never what they are (a timing is no test: `make bench` measures).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
D=/out/bench-smoke; rm -rf "$D"
start=$(date +%s)
check "make bench's script runs every part to its end (SMOKE=1)" bash /src/scripts/bench.sh SMOKE=1 BENCH_DIR=$D
parts=$(sed -n 's/^ALL_PARTS="\(.*\)"$/\1/p' /src/scripts/bench.sh)
for p in $parts; do
  check "part $p ran (its time is recorded)" grep -q "^#time	$p	" $D/results.tsv
done
check "every figure declared was measured (bench-report.py --check)" bash -c "python3 /src/scripts/bench-report.py $D --check > /dev/null"
check "the report has a table per measurement and the ratios" \
  bash -c "[ \$(grep -c '^## ' $D/bench.md) -gt \$(grep -c '^#meta	' $D/results.tsv) ] && grep -q 'rbond/bonding' $D/bench.md"
check "the modules are unloaded after it" bash -c '! grep -qE "^(rbond|bonding|pktgen) " /proc/modules'
echo "# 43-bench-smoke: $(( $(date +%s) - start )) s"
