#!/bin/bash
# make bench, part scale: how rbond and bonding.ko fare with many slaves and many bonds.
# (a) transmit pps (pktgen_run: 64 bytes, 1 thread, COUNT frames) through a balance-xor layer3+4
#     bond of 2, 4, 8 and 16 veth slaves (SMOKE: 2 and 4), and straight on a bare veth;
# (b) the time to create NBONDS bonds (1000; SMOKE 10) with one `ip -batch` of `link add NAME type
#     bond|rbond` (no options: iproute2 has no option parser for the kind rbond), and to delete them;
# (c) the time to enslave NSLAVES veths (64; SMOKE 8), created beforehand, to one bond
#     (active-backup, miimon 100, up) with one `ip -batch` of `link set vN master B`;
# (d) the time to read /proc/net/bonding/B with those NSLAVES slaves (the mean of NREADS reads by
#     one python process, timed inside it).
# bonding, rbond (and bare) in turn each round, bonding first in odd rounds, rbond in even ones.
. /src/scripts/bench/lib.sh
if [ "$SMOKE" = 1 ]; then
  SIZES=${SIZES:-2 4}; NBONDS=${NBONDS:-10}; NSLAVES=${NSLAVES:-8}; NREADS=${NREADS:-20}
else
  SIZES=${SIZES:-2 4 8 16}; NBONDS=${NBONDS:-1000}; NSLAVES=${NSLAVES:-64}; NREADS=${NREADS:-200}
fi
# a full run of everything at ROUNDS 5 took 13 minutes under TCG (deleting 1000 bonds alone takes
# 20-40 s a driver): at most SCALE_ROUNDS (3) rounds of (a), (c), (d), BONDS_ROUNDS (1) of (b),
# and PPS_COUNT (100000) frames a figure of (a)
SROUNDS=$(( ROUNDS < ${SCALE_ROUNDS:-3} ? ROUNDS : ${SCALE_ROUNDS:-3} ))
BROUNDS=$(( ROUNDS < ${BONDS_ROUNDS:-1} ? ROUNDS : ${BONDS_ROUNDS:-1} ))
PPS_COUNT=${PPS_COUNT:-$(( COUNT < 100000 ? COUNT : 100000 ))}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

meta scale_pps "Scale: transmit through balance-xor (layer3+4)" pps higher "pktgen, 64-byte UDP frames with random source ports, 1 thread, $PPS_COUNT frames, through a balance-xor layer3+4 bond of N veth slaves (peers up); bare: the same frames out of one veth"
meta scale_bonds "Scale: $NBONDS bonds created, deleted" ms lower "one ip -batch of $NBONDS lines 'link add NAME type bond' (bonding) or 'type rbond' (rbond), no options, the bonds left down; then one of 'link del NAME'; the time of the ip process"
meta scale_enslave "Scale: $NSLAVES slaves enslaved" ms lower "one ip -batch of $NSLAVES lines 'link set vN master B' to an active-backup bond (miimon 100) that is up; the veths (peers up) made beforehand; the time of the ip process"
meta scale_proc "Scale: /proc/net/bonding with $NSLAVES slaves" us lower "the mean time of one read of the whole /proc/net/bonding/B (active-backup, $NSLAVES slaves up), $NREADS reads one after the other by one python process (open, read to the end, close), timed inside it"
for k in $SIZES; do want scale_pps "$k slaves" bonding rbond bare; done
want scale_bonds "create" bonding rbond
want scale_bonds "delete" bonding rbond
want scale_enslave "enslave" bonding rbond
want scale_proc "read" bonding rbond

# mkslaves BOND K [MASTER]: K veths BOND-sI whose peers BOND-pI are up (in this namespace: a
# namespace deleted is cleaned up later by a work, which would run during the next measurement);
# with MASTER, enslaved to BOND (a few ip -batch runs: ip's start is slow under TCG)
mkslaves() {
  local b=$1 k=$2 i
  for ((i = 1; i <= k; i++)); do
    echo "link add $b-s$i type veth peer name $b-p$i"
    [ -z "$3" ] || echo "link set $b-s$i master $b"
  done > "$TMP/add"
  for ((i = 1; i <= k; i++)); do echo "link set $b-p$i up"; done > "$TMP/up"
  ip -batch "$TMP/add"
  ip -batch "$TMP/up"
}
# delslaves BOND K: the veths go
delslaves() {
  local i
  for ((i = 1; i <= $2; i++)); do echo "link del $1-s$i"; done > "$TMP/del"
  ip -batch "$TMP/del"
}
# drivers ROUND: the two drivers, in turn, bonding first in odd rounds
drivers() { if [ $(($1 % 2)) = 1 ]; then echo bonding rbond; else echo rbond bonding; fi; }
kind() { if [ "$1" = rbond ]; then echo rbond; else echo bond; fi; }
wait_carrier() { local i; for ((i = 0; i < 100; i++)); do [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ] && return; sleep_s 0.05; done; echo "bench: scale: $1 has no carrier" >&2; }
ms_of() { local t0=$(now_us); "$@" >/dev/null; echo $(( ($(now_us) - t0) / 1000 )); }

pps() { # (a) DRIVER K
  local d=$1 k=$2 b=sx
  # shellcheck disable=SC2046
  mkbond "$d" "$b" $(opts xor34)
  mkslaves "$b" "$k" master
  ip link set "$b" up
  # what follows a bond's coming up (its carrier, IPv6 addrconf's DAD and reports, the drivers'
  # works) settles before the measurement, which is of the steady transmit path (without this the
  # rounds of a driver measured right after its bond came up spread over 120-230 kpps)
  wait_carrier "$b"
  [ "$SMOKE" = 1 ] || sleep 1
  rec scale_pps "$k slaves" "$d" "$(pktgen_run "$b" 64 1 "$PPS_COUNT")"
  ip link del "$b"
  delslaves "$b" "$k"
}

bonds() { # (b) DRIVER
  local d=$1 i t
  for ((i = 0; i < NBONDS; i++)); do echo "link add sb$i type $(kind "$d")"; done > "$TMP/bonds"
  for ((i = 0; i < NBONDS; i++)); do echo "link del sb$i"; done > "$TMP/unbonds"
  t=$(ms_of ip -batch "$TMP/bonds")
  [ -e "/sys/class/net/sb$((NBONDS - 1))" ] || { echo "bench: scale: $d: the bonds were not made" >&2; return 1; }
  rec scale_bonds create "$d" "$t"
  t=$(ms_of ip -batch "$TMP/unbonds")
  rec scale_bonds delete "$d" "$t"
  echo "bench: scale $d: $NBONDS bonds" >&2
}

enslave() { # (c) and (d) DRIVER
  local d=$1 b=se i t p
  mkbond "$d" "$b" mode active-backup miimon 100
  ip link set "$b" up
  mkslaves "$b" "$NSLAVES"
  for ((i = 1; i <= NSLAVES; i++)); do echo "link set $b-s$i master $b"; done > "$TMP/enslave"
  t=$(ms_of ip -batch "$TMP/enslave")
  p=$(bond_proc "$b")
  [ "$(grep -c '^Slave Interface' "$p")" = "$NSLAVES" ] || { echo "bench: scale: $d: not all enslaved" >&2; return 1; }
  rec scale_enslave enslave "$d" "$t"
  # every slave's link seen up by the monitor before the reads
  for ((i = 0; i < 100; i++)); do [ "$(grep -c '^MII Status: up' "$p")" -gt "$NSLAVES" ] && break; sleep_s 0.05; done
  rec scale_proc read "$d" "$(PROF_NAME=scale_proc-$d prof python3 -c '
import os, sys, time
path, n = sys.argv[1], int(sys.argv[2])
def once():
    fd = os.open(path, os.O_RDONLY)
    while os.read(fd, 65536):
        pass
    os.close(fd)
once()
t = time.perf_counter()
for _ in range(n):
    once()
print("%.1f" % ((time.perf_counter() - t) * 1e6 / n))' "$p" "$NREADS")"
  ip link del "$b"
  delslaves "$b" "$NSLAVES"
}

t0=$(now_ms)
for ((round = 1; round <= SROUNDS; round++)); do
  bare_setup
  for k in $SIZES; do
    for d in $(drivers "$round"); do pps "$d" "$k"; done
    rec scale_pps "$k slaves" bare "$(pktgen_run bare 64 1 "$PPS_COUNT")"
  done
  bare_teardown
  echo "bench: scale: round $round of pps: $(( $(now_ms) - t0 )) ms so far" >&2
  for d in $(drivers "$round"); do enslave "$d"; done
  echo "bench: scale: round $round of enslave and /proc: $(( $(now_ms) - t0 )) ms so far" >&2
done
for ((round = 1; round <= BROUNDS; round++)); do
  for d in $(drivers "$round"); do bonds "$d"; done
  echo "bench: scale: round $round of bonds: $(( $(now_ms) - t0 )) ms so far" >&2
done
