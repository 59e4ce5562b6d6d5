# shellcheck shell=bash
# Sourced by every part of `make bench` (scripts/bench/<part>.sh, run in the guest by
# scripts/bench.sh). A part measures and records; scripts/bench-report.py (on the host) makes the
# markdown tables and the chart from what it recorded. Nothing here passes or fails on a number.
#
# Records go to $BENCH_TSV (tab-separated, one line each):
#   #meta  TABLE TITLE UNIT higher|lower NOTE   a table: its title, unit, which way is better, a note
#   #want  TABLE ROW DRIVER                     a figure the part means to produce (declared before
#                                               measuring: one that never gets a value is reported
#                                               missing, and the smoke run of make check fails)
#   TABLE  ROW DRIVER VALUE                     one round's value (a number)
# DRIVER is bonding, rbond, bare (the bare slave) or vlan (a VLAN device on the bare slave, paths'
# transmit). Each figure is the median of its rounds, with their range; the ratios are
# rbond/bonding, rbond/bare and rbond/vlan.
# SMOKE=1 (make check): the fewest rounds and frames and the smallest scales, to keep the script
# working, not to measure. Full runs: ROUNDS 5, COUNT 100000 frames a pktgen run.
set -e
. /src/scripts/errtrap.sh   # a failed step says where
SMOKE=${SMOKE:-0}
if [ "$SMOKE" = 1 ]; then ROUNDS=${ROUNDS:-1}; COUNT=${COUNT:-2000}; else ROUNDS=${ROUNDS:-5}; COUNT=${COUNT:-100000}; fi
BENCH_DIR=${BENCH_DIR:-/out/bench}
BENCH_TSV=${BENCH_TSV:-$BENCH_DIR/results.tsv}
mkdir -p "$BENCH_DIR"
PG=/proc/net/pktgen
TAB=$'\t'

# meta TABLE TITLE UNIT higher|lower NOTE
meta() {
  case "$4" in higher|lower) ;; *) echo "meta $1: '$4' is neither higher nor lower" >&2; return 1;; esac
  printf '#meta\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> "$BENCH_TSV"
}
# want TABLE ROW DRIVER...: the figures a part is about to measure
want() { local t=$1 r=$2 d; shift 2; for d in "$@"; do printf '#want\t%s\t%s\t%s\n' "$t" "$r" "$d" >> "$BENCH_TSV"; done; }
# rec TABLE ROW DRIVER VALUE: one round; a value that is not a number is logged and not recorded
# (a difference may be negative: memory freed meanwhile by others, in a small smoke run)
rec() {
  case "${4#-}" in
    ''|*[!0-9.]*|*.*.*|.) echo "bench: $1/$2/$3: no number measured (got '$4')" >&2; return 0;;
  esac
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$BENCH_TSV"
}
# now_ms: a monotonic clock in milliseconds; now_us in microseconds
now_ms() { local u; read -r u _ < /proc/uptime; echo "${u/./}0"; }
now_us() { date +%s%6N; }
# rotated ROUND WORD...: the words rotated left by ROUND - 1, so that round by round each driver
# is measured first, second and last in turn (what runs before a measurement leaves caches, slab
# and page lists behind: a fixed order would favour one place)
rotated() { local k=$(( ($1 - 1) % ($# - 1) )); shift; echo "${@:k+1}" "${@:1:k}"; }

# ---- profiles (make bench PROFILE=1) ----
# prof CMD...: runs CMD; with PROFILE=1 under the profiler, for the figure named by PROF_NAME
# (TABLE-ROW-DRIVER), its report in $BENCH_DIR/prof/. Without PROFILE=1, just CMD.
# The profiler is perf of the kernel's tools/perf (scripts/build-perf.sh, shared by scripts/vm.sh
# with RBOND_VM_PERF=1): `perf record -e cpu-clock -a -g` (software clock samples, the TCG guest
# has no PMU; system wide, as pktgen sends from kernel threads and frames are received in softirq;
# the test kernel has no high-resolution timers, so a busy CPU is sampled at each tick, 250 a second),
# then $BENCH_DIR/prof/NAME.txt: the top of `perf report --stdio --no-children` by symbol (the
# symbols of rbond.ko and bonding.ko too), for a name profiled again NAME.2.txt, NAME.3.txt...;
# a name-less call is prof-N. CMD's exit status is prof's. With PROFILE=1 and no perf, CMD runs
# unprofiled and the missing profile is said on stderr and in $BENCH_DIR/prof/NAME.txt.
prof() {
  [ "${PROFILE:-0}" = 1 ] || { "$@"; return; }
  local dir=$BENCH_DIR/prof name base i rc=0 data perf
  mkdir -p "$dir"
  name=${PROF_NAME:-}
  if [ -z "$name" ]; then i=$(( $(cat "$dir/.n" 2>/dev/null || echo 0) + 1 )); echo "$i" > "$dir/.n"; name=prof-$i; fi
  name=${name//[^A-Za-z0-9._+-]/_}
  base=$name; i=1
  while [ -e "$dir/$name.txt" ]; do i=$((i + 1)); name=$base.$i; done
  if ! perf=$(prof_perf); then
    echo "bench: PROFILE=1 but $perf: $name not profiled" | tee "$dir/$name.txt" >&2
    "$@"; return
  fi
  data=$(mktemp /tmp/prof.XXXXXX)
  "$perf" record -N -q -e cpu-clock -a -g -o "$data" -- "$@" 2> "$data.err" || rc=$?
  if [ -s "$data" ]; then
    { echo "# $name: perf record -e cpu-clock -a -g -- $*"
      "$perf" report -i "$data" --stdio --no-children --no-inline -g none -n --sort sym,dso --demangle-kernel \
        --percent-limit 0.3 2>> "$data.err" | grep -v -e '^$' -e '^#$' -e '^# To display' -e 'tips.txt' | head -n "${PROF_LINES:-45}"
    } > "$dir/$name.txt"
  else
    { echo "# $name: perf record recorded nothing (exit $rc):"; cat "$data.err"; } | tee "$dir/$name.txt" >&2
  fi
  [ "${PROF_KEEP:-0}" = 1 ] && cp "$data" "$dir/$name.data"
  rm -f "$data" "$data.err"
  return "$rc"
}
# ---- bonds of veth slaves ----
# opts MODE: a bond's options for a short mode name (iproute2's words, which rtnl.py takes too)
opts() {
  case "$1" in
    ab) echo "mode active-backup miimon 100" ;;
    xor2) echo "mode balance-xor xmit_hash_policy layer2 miimon 100" ;;
    xor34) echo "mode balance-xor xmit_hash_policy layer3+4 miimon 100" ;;
    rr) echo "mode balance-rr miimon 100" ;;
    bc) echo "mode broadcast miimon 100" ;;
    tlb) echo "mode balance-tlb miimon 100" ;;
    alb) echo "mode balance-alb miimon 100" ;;
    3ad) echo "mode 802.3ad miimon 100 lacp_rate fast xmit_hash_policy layer3+4" ;;
    *) echo "unknown mode '$1' (known: ab xor2 xor34 rr bc tlb alb 3ad)" >&2; return 1 ;;
  esac
}
MODE_NOTE="ab: active-backup, xor2/xor34: balance-xor with layer2/layer3+4, rr: balance-rr, bc: broadcast (two copies of each frame), tlb/alb: balance-tlb/balance-alb, 3ad: 802.3ad (layer3+4, lacp_rate fast) with a bonding.ko 802.3ad bond of the slaves' peers as partner"

# mkbond DRIVER NAME OPTS...: a bond of DRIVER (rbond over netlink, bonding with ip)
mkbond() {
  local d=$1 n=$2; shift 2
  if [ "$d" = rbond ]; then python3 /src/selftests/lib/rtnl.py newlink "$n" rbond "$@" >/dev/null
  else ip link add "$n" type bond "$@"; fi
}
# setup DRIVER NAME MODE [SLAVES]: the bond NAME of SLAVES (default 2) veth slaves NAME-sI whose
# peers pI are up in namespace bench-NAME (for 3ad, enslaved there to a bonding.ko 802.3ad bond
# "partner"); waits until the bond can send (3ad: every port distributing)
setup() {
  local d=$1 n=$2 m=$3 k=${4:-2} i o
  o=$(opts "$m")
  ip netns add "bench-$n"
  # shellcheck disable=SC2086
  mkbond "$d" "$n" $o
  [ "$m" = 3ad ] && ip -n "bench-$n" link add partner type bond mode 802.3ad miimon 100 lacp_rate fast
  for ((i = 1; i <= k; i++)); do
    ip link add "$n-s$i" type veth peer name "p$i" netns "bench-$n"
    ip link set "$n-s$i" master "$n"
    if [ "$m" = 3ad ]; then ip -n "bench-$n" link set "p$i" master partner; fi
    ip -n "bench-$n" link set "p$i" up
  done
  [ "$m" = 3ad ] && ip -n "bench-$n" link set partner up
  ip link set "$n" up
  [ "$m" = 3ad ] && wait_distributing "$n" "$k"
  return 0
}
# wait_distributing BOND K: until K ports of BOND are collecting and distributing (their actor
# port state in the /proc file; 60 s at most)
wait_distributing() {
  local end f; f=$(bond_proc "$1"); end=$(( $(now_ms) + 60000 ))
  until [ "$(awk '/details actor lacp pdu:/ { a = 1 } a && /port state: / { if (int($3 / 16) % 4 == 3) n++; a = 0 }
                  END { print n + 0 }' "$f")" -ge "$2" ]; do
    [ "$(now_ms)" -lt "$end" ] || { echo "bench: $1: $2 ports not distributing after 60 s" >&2; return 1; }
    sleep 0.1
  done
}
teardown() { ip link del "$1"; ip netns del "bench-$1"; }
# bare: the bare slave, a veth "bare" whose peer p1 is up in namespace bench-bare
bare_setup() {
  ip netns add bench-bare
  ip link add bare type veth peer name p1 netns bench-bare
  ip -n bench-bare link set p1 up
  ip link set bare up
}
bare_teardown() { ip link del bare; ip netns del bench-bare; }

# ---- pktgen ----
# pktgen_run DEV [SIZE [THREADS [COUNT]]]: pktgen sends COUNT (default $COUNT) SIZE-byte (64)
# UDP frames with random source ports out of DEV, from THREADS (1) kernel threads at once (one per
# CPU, each COUNT/THREADS frames); prints the rate in packets per second: with threads, all their
# frames over the longest time one of them took (they start together)
pktgen_run() {
  local dev=$1 size=${2:-64} th=${3:-1} n=${4:-$COUNT} i d c us max=0
  for ((i = 0; i < th; i++)); do
    echo rem_device_all > "$PG/kpktgend_$i"
    d=$dev; [ "$th" -gt 1 ] && d=$dev@$i
    echo "add_device $d" > "$PG/kpktgend_$i"
    for c in "count $((n / th))" "pkt_size $size" "delay 0" "dst 10.99.0.2" "dst_mac 02:00:00:00:00:02" \
             "udp_src_min 1024" "udp_src_max 9999" "flag UDPSRC_RND"; do echo "$c" > "$PG/$d"; done
  done
  prof sh -c "echo start > $PG/pgctrl"
  if [ "$th" = 1 ]; then sed -n 's/.*[^0-9]\([0-9][0-9]*\)pps.*/\1/p' "$PG/$dev" | head -n1
  else
    for ((i = 0; i < th; i++)); do
      us=$(sed -n 's/^Result: OK: \([0-9][0-9]*\)(.*/\1/p' "$PG/$dev@$i")
      [ -n "$us" ] || { echo "bench: pktgen thread $i on $dev has no result" >&2; return 0; }
      [ "$us" -gt "$max" ] && max=$us
    done
    [ "$max" -gt 0 ] && echo $(( n / th * th * 1000000 / max ))
  fi
  for ((i = 0; i < th; i++)); do echo rem_device_all > "$PG/kpktgend_$i"; done
}
# pktgen_rx NETNS PEER DEV [SIZE]: pktgen in NETNS sends COUNT frames out of PEER, the veth peer of
# DEV (a bond's slave, or the bare veth), to DEV's MAC; prints the rate they went in at (pps). The
# receive path runs on the sender's CPU (veth hands each frame to the backlog, processed when
# pktgen enables bottom halves again), so the rate is the cost of sending and receiving a frame.
pktgen_rx() {
  local mac size=${4:-64}; mac=$(cat "/sys/class/net/$3/address")
  PROF_NS=$1 ip netns exec "$1" bash -c '
    . /src/scripts/bench/lib.sh
    echo rem_device_all > $PG/kpktgend_0
    echo "add_device $1" > $PG/kpktgend_0
    for c in "count $2" "pkt_size $4" "delay 0" "dst 10.99.0.1" "dst_mac $3" "udp_src_min 1024" \
             "udp_src_max 9999" "flag UDPSRC_RND"; do echo "$c" > $PG/$1; done
    prof sh -c "echo start > $PG/pgctrl"
    sed -n "s/.*[^0-9]\([0-9][0-9]*\)pps.*/\1/p" $PG/$1 | head -n1
    echo rem_device_all > $PG/kpktgend_0' _ "$2" "$COUNT" "$mac" "$size"
}

# ---- flows at a set rate (failover.sh, lacp.sh) ----
# pg_flow_start DEV COUNT RATE: pktgen starts sending COUNT 64-byte frames (random UDP source
# ports) out of DEV, RATE a second, in the background (its pid in PG_PID). Keep 1 s / RATE at
# 100 us or more: pktgen sleeps between frames then, a shorter delay busy-waits (a CPU taken).
pg_flow_start() {
  local c
  echo rem_device_all > "$PG/kpktgend_0"
  echo "add_device $1" > "$PG/kpktgend_0"
  for c in "count $2" "pkt_size 64" "delay $((1000000000 / $3))" "dst 10.99.0.2" \
           "dst_mac 02:00:00:00:00:02" "udp_src_min 1024" "udp_src_max 9999" "flag UDPSRC_RND"; do
    echo "$c" > "$PG/$1"
  done
  echo start > "$PG/pgctrl" &
  PG_PID=$!
}
# pg_sofar DEV: the frames pktgen has sent so far out of DEV (builtins only: cheap to poll)
pg_sofar() {
  local l
  l=$(pg_line "$1" pkts-sofar:); l=${l#pkts-sofar: }; l=${l%% *}; echo "${l:-0}"
}
# pg_line DEV WORD: the first line of pktgen's file for DEV that starts with WORD (builtins only)
pg_line() {
  local l
  while read -r l; do case $l in "$2"*) echo "$l"; return 0;; esac; done < "$PG/$1"
}
# pg_flow_end DEV: waits for the flow; sets PG_US, PG_SENT and PG_REFUSED: its time, the frames
# DEV took and those it refused (NET_XMIT_DROP/CN: pktgen counts them as errors and sends another
# in their place, so the frames it tried are PG_SENT + PG_REFUSED)
pg_flow_end() {
  local l i
  wait "$PG_PID" || true
  # the write of start can come back early (a signal to the writer): the device's result says
  for ((i = 0; i < 1000; i++)); do
    l=$(pg_line "$1" Result:); case $l in *Starting*|'') sleep_s 0.02;; *) break;; esac
  done
  read -r PG_US PG_SENT PG_REFUSED < <(awk '/^Result: OK:/ { u = $3; sub(/\(.*/, "", u); s = $5 }
                                            /errors:/ { e = $NF } END { print u, s, e }' "$PG/$1")
  echo rem_device_all > "$PG/kpktgend_0"
}
# tx_frames DEV...: the sum of the devices' tx_packets (a veth counts a frame when its peer took it:
# the peer's rx_packets)
tx_frames() {
  local d v s=0
  for d in "$@"; do read -r v < "/sys/class/net/$d/statistics/tx_packets"; s=$((s + v)); done
  echo "$s"
}
# sleep_s SECONDS: sleep without starting a program
sleep_s() { read -rt "$1" <> <(:) || true; }
# bond_proc BOND: the path of BOND's /proc file (rbond's is /proc/net/rbond/BOND unless loaded in
# compatibility mode)
bond_proc() { if [ -e "/proc/net/rbond/$1" ]; then echo "/proc/net/rbond/$1"; else echo "/proc/net/bonding/$1"; fi; }
# ---- profiles: helpers of prof ----
# prof_perf: the path of the guest's perf (the 9p share "perf", mounted at /run/perf once), or a
# reason on stdout and status 1
prof_perf() {
  local m=/run/perf
  if [ ! -x "$m/perf" ]; then
    # the share's tag among the guest's 9p devices (a mount of a missing tag logs a kernel error)
    cat /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null | tr '\0' '\n' | grep -qx perf ||
      { echo "no perf (no 9p share 'perf': run the guest with RBOND_VM_PERF=1)"; return 1; }
    mkdir -p "$m"
    mount -t 9p -o trans=virtio,version=9p2000.L,ro perf "$m" || { echo "no perf (the share 'perf' did not mount)"; return 1; }
  fi
  [ -x "$m/perf" ] || { echo "no perf in the share 'perf'"; return 1; }
  echo "$m/perf"
}
