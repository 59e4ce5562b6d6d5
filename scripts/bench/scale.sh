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
# bonding, rbond (and bare) in turn each round.
. /src/scripts/bench/lib.sh
if [ "$SMOKE" = 1 ]; then
  SIZES=${SIZES:-2 4}; NBONDS=${NBONDS:-10}; NSLAVES=${NSLAVES:-8}; NREADS=${NREADS:-20}
else
  SIZES=${SIZES:-2 4 8 16}; NBONDS=${NBONDS:-1000}; NSLAVES=${NSLAVES:-64}; NREADS=${NREADS:-200}
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

meta scale_pps "Scale: transmit through balance-xor (layer3+4)" pps higher "pktgen, 64-byte UDP frames with random source ports, 1 thread, $COUNT frames, through a balance-xor layer3+4 bond of N veth slaves (peers up in a namespace); bare: the same frames out of one veth"
meta scale_bonds "Scale: $NBONDS bonds created, deleted" ms lower "one ip -batch of $NBONDS lines 'link add NAME type bond' (bonding) or 'type rbond' (rbond), no options, the bonds left down; then one of 'link del NAME'; the time of the ip process"
meta scale_enslave "Scale: $NSLAVES slaves enslaved" ms lower "one ip -batch of $NSLAVES lines 'link set vN master B' to an active-backup bond (miimon 100) that is up; the veths (peers up in a namespace) made beforehand; the time of the ip process"
meta scale_proc "Scale: /proc/net/bonding with $NSLAVES slaves" us lower "the mean time of one read of the whole /proc/net/bonding/B (active-backup, $NSLAVES slaves up), $NREADS reads one after the other by one python process (open, read to the end, close), timed inside it"
for k in $SIZES; do want scale_pps "$k slaves" bonding rbond bare; done
want scale_bonds "create" bonding rbond
want scale_bonds "delete" bonding rbond
want scale_enslave "enslave" bonding rbond
want scale_proc "read" bonding rbond

# mkslaves BOND K [MASTER]: K veths BOND-sI whose peers pI are up in namespace bench-BOND; with
# MASTER, enslaved to BOND (a few ip -batch runs: ip's start is slow under TCG)
mkslaves() {
  local b=$1 k=$2 i
  ip netns add "bench-$b"
  for ((i = 1; i <= k; i++)); do
    echo "link add $b-s$i type veth peer name p$i netns bench-$b"
    [ -z "$3" ] || echo "link set $b-s$i master $b"
  done > "$TMP/add"
  for ((i = 1; i <= k; i++)); do echo "link set p$i up"; done > "$TMP/up"
  ip -batch "$TMP/add"
  ip -n "bench-$b" -batch "$TMP/up"
}
# delslaves BOND K: the veths and the namespace go
delslaves() {
  local i
  for ((i = 1; i <= $2; i++)); do echo "link del $1-s$i"; done > "$TMP/del"
  ip -batch "$TMP/del"
  ip netns del "bench-$1"
}
kind() { if [ "$1" = rbond ]; then echo rbond; else echo bond; fi; }
ms_of() { local t0=$(now_us); "$@" >/dev/null; echo $(( ($(now_us) - t0) / 1000 )); }

pps() { # (a) DRIVER K
  local d=$1 k=$2 b=sx
  # shellcheck disable=SC2046
  mkbond "$d" "$b" $(opts xor34)
  mkslaves "$b" "$k" master
  ip link set "$b" up
  rec scale_pps "$k slaves" "$d" "$(pktgen_run "$b")"
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
  rec scale_proc read "$d" "$(python3 -c '
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

for ((round = 1; round <= ROUNDS; round++)); do
  bare_setup
  for k in $SIZES; do
    pps bonding "$k"
    pps rbond "$k"
    rec scale_pps "$k slaves" bare "$(pktgen_run bare)"
  done
  bare_teardown
  for d in bonding rbond; do bonds "$d"; done
  for d in bonding rbond; do enslave "$d"; done
done
