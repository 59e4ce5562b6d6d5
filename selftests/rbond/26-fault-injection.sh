#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Allocation failures, every one of them: the kernel's fault injection (/proc/thread-self/fail-nth,
# failslab and fail_page_alloc) fails the 1st, 2nd, ... allocation of one rtnetlink operation on a
# rbond bond until the operation runs through (selftests/lib/failnth.py): creating a bond, a
# changelink of several options, a mode change, an enslave, a release, deleting a bond with its
# slaves. After each try the state must be whole: a refused operation changed nothing, a
# successful one is complete (a mode change to balance-alb allocates its tables), no slave is left half in the bond, and deleting the devices returns
# (a reference the bond kept makes it wait forever). The debug kernel adds kmemleak (any leak
# fails the run) and KASAN.
# debug-limit: 5400
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
FAILNTH="python3 $(dirname "$0")/../lib/failnth.py"
if [ ! -e /proc/self/fail-nth ] || [ ! -d /sys/kernel/debug/failslab ] || [ ! -d /sys/kernel/debug/fail_page_alloc ]; then
  skip "fault injection walks" "the kernel has no fault injection (CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_DEBUG_FS)"
  exit 0
fi
rbond_unload
modprobe rbond max_bonds=0
# fail-nth alone decides what fails: no random failures, also GFP_KERNEL (sleeping) allocations and
# single pages, quietly (each failure would print a stack)
for f in failslab fail_page_alloc; do
  d=/sys/kernel/debug/$f
  echo 0 > $d/probability; echo 0 > $d/verbose
  echo N > $d/ignore-gfp-wait
done
echo 0 > /sys/kernel/debug/fail_page_alloc/min-order
echo N > /sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem

# the most tries a walk makes: the debug kernel (kmemleak, debug objects, KASAN) allocates much
# more in each operation (a bond creation takes more than 1000 allocations there)
MAX=1000
[ -e /sys/kernel/debug/kmemleak ] && MAX=6000

# walk SCENARIO DESCRIPTION: the walk as one TAP line, with what went wrong on failure
walk() {
  local out rc last
  out=$($FAILNTH --max $MAX "$1" 2>&1); rc=$?
  last=${out##*$'\n'}
  if [ $rc = 0 ] && [[ "$last" =~ ^walked\ [0-9]+:\ ([0-9]+)\ injected.*\ 0\ bad$ ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
    echo "ok - $2 (${last#walked })"
  else
    echo "not ok - $2 (exit $rc)"
    printf '%s\n' "$out" | grep -v ": whole$" | tail -n 15 | sed 's/^/#   /'
  fi
}
walk create "a bond created (active-backup, miimon) with its Nth allocation failing: whole or not there"
walk enslave "an enslave with its Nth allocation failing: the slave in the bond whole (MTU 9000), or out with its MAC and MTU"
walk release "a release with its Nth allocation failing: the slave out whole (MAC, MTU back) or still in; the other in"
walk release-active "the active slave of an active-backup bond released with its Nth allocation failing: out whole and the other active, or still in and active"
walk enslave-alb "a second slave enslaved to a balance-alb bond with its Nth allocation failing: in with its own MAC, or out whole"
walk release-alb-active "the current slave of a balance-alb bond released with its Nth allocation failing: out whole and the other current with the bond's MAC, or still in and current"
walk changelink "a changelink of five options with its Nth allocation failing: all of them or none"
walk mode "a mode change (balance-rr to 802.3ad) with its Nth allocation failing: one mode or the other, whole"
walk mode-alb "a mode change to balance-alb (its tables allocated by the change) with its Nth allocation failing: balance-rr, or balance-alb that takes a slave"
walk dellink "a bond with two slaves deleted with its Nth allocation failing: gone and its slaves out whole, or all there"

rmmod rbond
