#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make check`: runs selftests/rbond/*.sh (or the ones named) and writes numbered
# TAP to stdout and to /out/results.tap.
cd "$(dirname "$0")" || exit 1
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(rbond/*.sh)
out=${RESULTS:-/out/results.tap}
# a test file gets five times its time in make check (selftests/durations, measured with 4 guests
# sharing two cores), at least 10 minutes, 25 when it has no entry there, and all that three times
# over on the debug kernel (kmemleak is only there), or there what the file's "# debug-limit: S"
# line says (26-fault-injection allocates thousands of times more under kmemleak and KASAN and
# takes ~40 min there): a limit for a hung file, not for a slow one
# (a file that takes ~2 min alone took 10 with six guests running; 14-ad-options). A hung file
# costs make check its limit: 21-overflow hung for 25 minutes in a CI run (fixed: lib/bond.sh)
# the CPU time the guest spent, all CPUs, in USER_HZ ticks (/proc/stat: user nice system irq
# softirq steal): where make check's CPU goes, file by file
guest_cpu() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
limit() {
  local t
  t=$(awk -v f="$1" '$1 == f { print $2 * 5; exit }' durations 2>/dev/null)
  [ -n "$t" ] || t=1500
  [ "$t" -ge 600 ] || t=600
  if [ -e /sys/kernel/debug/kmemleak ]; then
    local d
    d=$(sed -n 's/^# debug-limit: \([0-9][0-9]*\)$/\1/p' "$1" 2>/dev/null | head -n1)
    t=${d:-$((t * 3))}
  fi
  echo "$t"
}
: > "$out"
echo "TAP version 13" | tee -a "$out"
n=0
for t in "${tests[@]}"; do
  echo "# ${t}" | tee -a "$out"
  start=$(date +%s) cpu0=$(guest_cpu)
  while IFS= read -r line; do
    if [ "${line#\#@exit }" != "$line" ]; then
      rc=${line#\#@exit }
      # a test file ends with its last command's status; a timeout or a signal is a failure
      [ "$rc" -lt 124 ] && continue
      line="not ok - exited with status $rc (timeout or signal)"
    fi
    case "$line" in
      "ok - "*|"not ok - "*)
        n=$((n + 1))
        line=$(sed -E "s/^(not ok|ok) - /\1 $n - $(basename "$t" .sh): /" <<< "$line")
        ;;
    esac
    echo "$line" | tee -a "$out"
  done < <(timeout "$(limit "$t")" bash "$t" 2>&1; echo "#@exit $?")
  # the file's time (make check deals the files to its guests by time: selftests/durations)
  echo "# time: $t $(( $(date +%s) - start )) (guest CPU $(( ($(guest_cpu) - cpu0) / 100 )) s)" | tee -a "$out"
done
echo "1..$n" | tee -a "$out"
