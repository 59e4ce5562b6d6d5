#!/bin/bash
# make bench, part memory: the kernel memory a bond and a slave take, rbond beside bonding.ko.
# Readings (caches dropped, then a pause for RCU to free what it holds) around
#   bonds:  NBONDS bonds made with one `ip -batch` of `link add NAME type bond|rbond` (no options,
#           down);
#   slaves: NSLAVES veths (peers up beside them, made before the first reading) enslaved with one
#           `ip -batch` to an active-backup bond (miimon 100, up) made before the first reading.
# Two counts of each delta, divided by N: the bytes of live slab objects (/proc/slabinfo:
# active_objs x objsize, summed), and those + kmalloc above 8 KiB (which the page allocator serves:
# /proc/meminfo's Slab minus the caches' pages) + Percpu + VmallocUsed (kernel stacks of threads).
# Each cache is shrunk before a reading (/sys/kernel/slab/*/shrink): active_objs counts the free
# objects of the per-CPU slabs and per-CPU partial slabs as in use, which made a delta of 200
# objects in kmalloc-1k read anywhere from 144 to 204; flushed, the counts are exact (200 struct
# slave of bonding.ko, 200 in kmalloc-1k; 200 Slave of rbond in kmalloc-512).
# Whole slab pages (meminfo's Slab) were tried: how many new pages N objects take depends on the
# partial slabs earlier frees left. MemFree was tried: too noisy (per-CPU page lists).
# bonding and rbond in turn each round, bonding first in odd rounds, rbond in even ones.
. /src/scripts/bench/lib.sh
if [ "$SMOKE" = 1 ]; then NBONDS=${NBONDS:-10}; NSLAVES=${NSLAVES:-10}; else NBONDS=${NBONDS:-200}; NSLAVES=${NSLAVES:-200}; fi
# the deltas hardly vary (about 2 %) and a round takes about a minute: at most MEM_ROUNDS (3)
MROUNDS=$(( ROUNDS < ${MEM_ROUNDS:-3} ? ROUNDS : ${MEM_ROUNDS:-3} ))
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# the pause before each reading: 2 s (0.5 s let late frees, slower while other guests load the
# host, spread a slave's figure over +-800 bytes between rounds, 7469 to 9177; with 2 s, +-100)
SETTLE=${SETTLE:-$([ "$SMOKE" = 1 ] && echo 0.2 || echo 2)}

NOTE="the difference between readings before and after (each after echo 3 > drop_caches, $SETTLE s for RCU and a shrink of every slab cache, which puts the per-CPU slabs' free objects back on the lists slabinfo counts, repeated until two agree), divided by N. slab objects: the sum over /proc/slabinfo of active_objs x objsize (the objects' own sizes, not their slab pages); + large kmalloc + percpu + vmalloc: also kmalloc above 8 KiB (served by the page allocator: /proc/meminfo's Slab minus the caches' slab pages), Percpu and VmallocUsed (kernel stacks: bonding.ko's workqueue per bond has a rescuer thread). Not counted: page tables, the slab pages' unused room (it depends on what earlier frees left)"
meta mem_bond "Memory per bond ($NBONDS bonds)" bytes lower "$NBONDS bonds made with one ip -batch of 'link add NAME type bond|rbond' (no options, down). $NOTE"
meta mem_slave "Memory per slave ($NSLAVES slaves)" bytes lower "$NSLAVES veths (made beforehand, down, peers up) enslaved with one ip -batch to an active-backup bond (miimon 100, up); enslaving opens a veth, which is counted too (the same for both drivers). $NOTE"
ROWS=("slab objects" "objects + large kmalloc + percpu + vmalloc")
for r in "${ROWS[@]}"; do want mem_bond "$r" bonding rbond; want mem_slave "$r" bonding rbond; done

# reading: prints "SLABOBJ KERNEL", in bytes: the live slab objects; those + large kmalloc (meminfo's
# Slab - the caches' slab pages) + Percpu + VmallocUsed.
# Read until two readings in a row agree within 32 KiB on both (5 at most): a namespace deleted
# before (this part's, or an earlier part's) is cleaned up by a work, and RCU frees late.
reading() {
  local i a b=""
  for ((i = 0; i < 5; i++)); do
    sync
    echo 3 > /proc/sys/vm/drop_caches
    sleep_s "$SETTLE"
    # the per-CPU slabs' free objects, which active_objs counts as in use, back to the node lists
    for f in /sys/kernel/slab/*/shrink; do echo 1 > "$f"; done 2>/dev/null
    a=$b
    b=$(awk 'FILENAME == "/proc/slabinfo" { if (FNR > 2) { o += $2 * $4; p += $15 * $6 * 4096 }; next }
             /^Slab:/ { s += $2 * 1024 - p } /^Percpu:|^VmallocUsed:/ { s += $2 * 1024 }
             END { printf "%d %d\n", o, o + s }' /proc/slabinfo /proc/meminfo)
    [ -n "$a" ] || continue
    # shellcheck disable=SC2086
    set -- $a $b
    [ $(( $3 - $1 )) -lt 32768 ] && [ $(( $1 - $3 )) -lt 32768 ] && [ $(( $4 - $2 )) -lt 32768 ] && [ $(( $2 - $4 )) -lt 32768 ] && break
  done
  echo "$b"
}
# record TABLE DRIVER N A0 A1 B0 B1: the three counts' deltas (B - A) / N
record() {
  local t=$1 d=$2 n=$3
  rec "$t" "${ROWS[0]}" "$d" "$(( ($6 - $4) / n ))"
  rec "$t" "${ROWS[1]}" "$d" "$(( ($7 - $5) / n ))"
}
kind() { if [ "$1" = rbond ]; then echo rbond; else echo bond; fi; }

bonds() { # DRIVER
  local d=$1 i r0 r1
  for ((i = 0; i < NBONDS; i++)); do echo "link add mb$i type $(kind "$d")"; done > "$TMP/add"
  for ((i = 0; i < NBONDS; i++)); do echo "link del mb$i"; done > "$TMP/del"
  r0=$(reading)
  ip -batch "$TMP/add"
  r1=$(reading)
  # shellcheck disable=SC2086
  record mem_bond "$d" "$NBONDS" $r0 $r1
  echo "bench: memory $d: $NBONDS bonds: $r0 -> $r1" >&2
  ip -batch "$TMP/del"
}

slaves() { # DRIVER
  local d=$1 b=ms i r0 r1
  mkbond "$d" "$b" mode active-backup miimon 100
  ip link set "$b" up
  # the veths' peers stay in this namespace: a namespace deleted is cleaned up later, by a work,
  # which a later reading would see
  for ((i = 1; i <= NSLAVES; i++)); do echo "link add $b-s$i type veth peer name $b-p$i"; done > "$TMP/veth"
  for ((i = 1; i <= NSLAVES; i++)); do echo "link set $b-p$i up"; done > "$TMP/up"
  for ((i = 1; i <= NSLAVES; i++)); do echo "link set $b-s$i master $b"; done > "$TMP/enslave"
  for ((i = 1; i <= NSLAVES; i++)); do echo "link del $b-s$i"; done > "$TMP/del"
  ip -batch "$TMP/veth"
  ip -batch "$TMP/up"
  r0=$(reading)
  ip -batch "$TMP/enslave"
  r1=$(reading)
  # shellcheck disable=SC2086
  record mem_slave "$d" "$NSLAVES" $r0 $r1
  echo "bench: memory $d: $NSLAVES slaves: $r0 -> $r1" >&2
  ip link del "$b"
  ip -batch "$TMP/del"
}

for ((round = 1; round <= MROUNDS; round++)); do
  # bonding first in odd rounds, rbond in even ones
  if [ $((round % 2)) = 1 ]; then ds="bonding rbond"; else ds="rbond bonding"; fi
  for d in $ds; do bonds "$d"; done
  for d in $ds; do slaves "$d"; done
done
