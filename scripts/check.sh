#!/usr/bin/env bash
# `make check`: host tests, module build (warnings are errors, clippy), then the guest parts side
# by side: the guest runner's own tests, the first-run test of the cached stages, rbond's selftests
# and the kernel's own bonding selftests against rbond (compat mode), each split over guests that
# run at the same time (RBOND_JOBS at once, default 4). Each part's results are collected and
# printed in a fixed order, numbered as one TAP stream, with the time each part took; the last
# line is "N passed, N failed, N skipped, N expected failures".
. "$(dirname "$0")/common.sh"
set +e
cd "$RBOND_TOP"
# this run's logs: a folder of its own (make check in two worktrees at once must not mix them);
# the last five are kept
mkdir -p "$RBOND_CACHE/checks"
keep_newest 4 "" "$RBOND_CACHE/checks/$KERNEL".*
LOG=$(mktemp -d "$RBOND_CACHE/checks/$KERNEL.XXXXXX")
PARTS=$LOG/parts; mkdir -p "$PARTS"
JOBS=${RBOND_JOBS:-4}
case "$JOBS" in [1-9]|[1-9][0-9]) ;; *) die "RBOND_JOBS must be a number of guests from 1 to 99 (got '$JOBS')";; esac
t_start=$(date +%s)
pass=0 fail=0 skipped=0 xfail=0 n=0
echo "TAP version 13"
echo "# logs: $LOG"

# Results are records (rec in common.sh), numbered only when printed (emit)
# print records as numbered TAP and count them
emit() {
  local line d
  while IFS= read -r line; do
    case "$line" in
      "not ok - "*" # TODO "*) n=$((n + 1)) xfail=$((xfail + 1)); echo "not ok $n - ${line#not ok - }";;
      "not ok - "*) n=$((n + 1)) fail=$((fail + 1)); echo "not ok $n - ${line#not ok - }";;
      "ok - "*" # SKIP"*) n=$((n + 1)) skipped=$((skipped + 1)); echo "ok $n - ${line#ok - }";;
      "ok - "*) n=$((n + 1)) pass=$((pass + 1)); echo "ok $n - ${line#ok - }";;
      "@deferred "*) d=$PARTS/deferred.${line#@deferred }.rec
        [ -f "$d" ] || echo "not ok - upstream: ${line#@deferred }: deferred, and not run again" > "$d"
        emit "$d";;
      *) echo "$line";;
    esac
  done < "$1"
}
# the CPU seconds (user + system) of the shell's finished child processes (the guests' QEMU),
# through a file: `times` in a pipe or $(...) runs in a new process, which has no children
cpu_seconds() {
  times > "$1.times"
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }; printf "%d\n", t }' "$1.times"
}
summary() {
  echo "1..$n"
  echo "# time: $(( $(date +%s) - t_start )) s in all"
  echo "$pass passed, $fail failed, $skipped skipped, $xfail expected failures"
}
host_done() { emit "$OUT"; : > "$OUT"; }

# ---------------------------------------------------------------------------------------------
# Host side, in order: each step needs the one before it
OUT=$PARTS/host.rec; : > "$OUT"

# 1. bootstrap (not a test, but nothing runs without it)
t=$(date +%s)
if ! scripts/host-deps.sh > "$LOG/bootstrap.log" 2>&1 || ! scripts/fetch-toolchain.sh >> "$LOG/bootstrap.log" 2>&1 ||
   ! scripts/build-kernel.sh >> "$LOG/bootstrap.log" 2>&1; then
  rec fail "bootstrap: toolchain and kernel" "$LOG/bootstrap.log"
  host_done; summary; exit 1
fi
echo "# bootstrap: $(( $(date +%s) - t )) s"

# 2. host: cargo test on the logic tier, one TAP line per test; the scripts' own helpers
echo "# host: cargo test (rust/logic), scripts"
t=$(date +%s)
CARGO_TARGET_DIR=$RBOND_CACHE/cargo-logic cargo test --offline --manifest-path rust/logic/Cargo.toml \
  > "$LOG/cargo.log" 2>&1
crc=$?
ncargo=0
while read -r name verdict; do
  ncargo=$((ncargo + 1))
  case "$verdict" in ok) rec ok "logic: $name";; ignored) rec skip "logic: $name" ignored;; *) rec fail "logic: $name";; esac
done < <(sed -nE 's/^test (.+) \.\.\. (ok|FAILED|ignored)$/\1 \2/p' "$LOG/cargo.log")
[ $crc = 0 ] && [ $ncargo -gt 0 ] || rec fail "logic: cargo test ran (exit $crc, $ncargo tests)" "$LOG/cargo.log"
OUT=$OUT scripts/test-scripts.sh > "$LOG/scripts.log" 2>&1 ||
  rec fail "scripts: the scripts' own tests ran to the end" "$LOG/scripts.log"
host_done
echo "# host tests: $(( $(date +%s) - t )) s"

# 3. module build: clippy, then the real build; warnings are errors (Kbuild)
echo "# module build"
t=$(date +%s)
if scripts/build.sh CLIPPY=1 > "$LOG/clippy.log" 2>&1; then rec ok "build: clippy on rbond.ko, warnings as errors"
else rec fail "build: clippy on rbond.ko, warnings as errors" "$LOG/clippy.log"; fi
if scripts/build.sh > "$LOG/build.log" 2>&1 && [ -f rbond.ko ]; then
  rec ok "build: rbond.ko, warnings as errors"; built=1
else
  rec fail "build: rbond.ko, warnings as errors" "$LOG/build.log"; built=0
fi
# unsafe only in rust/sys, each unsafe block with a SAFETY comment before it
if grep -rnE '\bunsafe\b' rust --include='*.rs' | grep -v '^rust/sys/' | grep -vE '^[^:]+:[0-9]+:\s*//' > "$LOG/unsafe.log"; then
  rec fail "source: unsafe appears only in rust/sys" "$LOG/unsafe.log"
else rec ok "source: unsafe appears only in rust/sys"; fi
if python3 scripts/check-safety.py rust/sys > "$LOG/safety.log" 2>&1; then rec ok "source: every unsafe block in rust/sys has a SAFETY comment"
else rec fail "source: every unsafe block in rust/sys has a SAFETY comment" "$LOG/safety.log"; fi
host_done
echo "# module build: $(( $(date +%s) - t )) s"
if [ $built = 0 ]; then
  OUT=$PARTS/host.rec; rec fail "guest: not run, the module did not build"; host_done
  summary; exit 1
fi

# ---------------------------------------------------------------------------------------------
# Guest side: parts that run side by side, each in guests of its own

# the guest runner itself: exit status propagates, a kernel WARNING fails the run
part_runner() {
  printf 'echo hello from the guest\nexit 7\n' > "$LOG/exit7.sh"
  scripts/vm.sh "$LOG/exit7.sh" > "$LOG/exit7.log" 2>&1; rc=$?
  if [ $rc = 7 ] && grep -q 'hello from the guest' "$LOG/exit7.log"; then rec ok "runner: the script's output is shown and its exit status (7) propagates"
  else echo "# exit status was $rc" >> "$LOG/exit7.log"; rec fail "runner: the script's output is shown and its exit status (7) propagates" "$LOG/exit7.log"; fi
  cat > "$LOG/warn.sh" <<'G'
modprobe lkdtm || exit 10
echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT
exit 0
G
  scripts/vm.sh "$LOG/warn.sh" > "$LOG/warn.log" 2>&1; rc=$?
  if [ $rc != 0 ] && grep -q 'vm: the kernel log reports a problem' "$LOG/warn.log" && grep -q 'vm:   .*WARNING:' "$LOG/warn.log"; then
    rec ok "runner: a kernel WARNING fails a run whose script passed (exit $rc)"
  else echo "# exit status was $rc" >> "$LOG/warn.log"; rec fail "runner: a kernel WARNING fails a run whose script passed" "$LOG/warn.log"; fi
  # ... also when the script cleared the kernel log after it (the selftests run dmesg -C)
  cat > "$LOG/warnclear.sh" <<'G'
modprobe lkdtm || exit 10
echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT
dmesg -C
exit 0
G
  scripts/vm.sh "$LOG/warnclear.sh" > "$LOG/warnclear.log" 2>&1; rc=$?
  if [ $rc != 0 ] && grep -q 'vm:   .*WARNING:' "$LOG/warnclear.log"; then
    rec ok "runner: ... also when the script ran dmesg -C after it (exit $rc)"
  else echo "# exit status was $rc" >> "$LOG/warnclear.log"; rec fail "runner: ... also when the script ran dmesg -C after it" "$LOG/warnclear.log"; fi
  if [ "$KERNEL" = debug ]; then
    # the debug kernel has KASAN (built with LLVM): an out-of-bounds access is reported and fails the run
    cat > "$LOG/kasan.sh" <<'G'
modprobe lkdtm || exit 10
echo SLAB_LINEAR_OVERFLOW > /sys/kernel/debug/provoke-crash/DIRECT
exit 0
G
    scripts/vm.sh "$LOG/kasan.sh" > "$LOG/kasan.log" 2>&1; rc=$?
    if [ $rc != 0 ] && grep -q 'vm:   .*BUG: KASAN: slab-out-of-bounds' "$LOG/kasan.log"; then
      rec ok "runner: a KASAN report (lkdtm SLAB_LINEAR_OVERFLOW) fails a run whose script passed (exit $rc)"
    else echo "# exit status was $rc" >> "$LOG/kasan.log"; rec fail "runner: a KASAN report fails a run whose script passed" "$LOG/kasan.log"; fi
  fi
}

# the cached stages' first-run paths, each with an empty cache folder (scripts/first-run-test.sh)
part_first_run() {
  OUT=$OUT scripts/first-run-test.sh > "$LOG/first-run.log" 2>&1 ||
    rec fail "first run: the test ran to the end" "$LOG/first-run.log"
}

# rbond's selftests (selftests/rbond/*.sh) named in $@, in one guest; a file that needs the
# guest's NICs says so in a line "# vm-nics: N" (virtio-net) or "# vm-e1000e: N" (the guest gets the
# most any of them asks for); one that runs the clients (selftests/lib/clients.sh) in "# vm-clients: 1"
part_selftests() {
  local run line d nics enics clients
  run=$(mktemp -d "$LOG/guest.XXXXXX")
  nics=$( (cd selftests && sed -n 's/^# vm-nics: \([0-9]*\)$/\1/p' "$@") | sort -n | tail -n 1)
  enics=$( (cd selftests && sed -n 's/^# vm-e1000e: \([0-9]*\)$/\1/p' "$@") | sort -n | tail -n 1)
  clients=$( (cd selftests && sed -n 's/^# vm-clients: \([01]\)$/\1/p' "$@") | sort -n | tail -n 1)
  RBOND_VM_NICS=${nics:-0} RBOND_VM_E1000E=${enics:-0} RBOND_VM_CLIENTS=${clients:-0} RBOND_RUN_DIR=$run \
    scripts/vm.sh selftests/run.sh "$@" > "$run.log" 2>&1; rc=$?
  if [ -f "$run/results.tap" ]; then
    while IFS= read -r line; do
      case "$line" in
        "not ok "*) rec fail "${line#not ok * - }";;
        "ok "*"# SKIP"*) d=${line#ok * - }; rec skip "${d%% # SKIP*}" "${d#*# SKIP }";;
        "ok "*) rec ok "${line#ok * - }";;
        "#   "*) echo "$line" >> "$OUT";;
      esac
    done < "$run/results.tap"
    grep -E '^# time: ' "$run/results.tap" >> "$OUT"   # each file's time, for the split
  else
    rec fail "guest: selftests ($*) produced no results" "$run.log"
  fi
  # make bench's smoke run (43-bench-smoke.sh) leaves its figures in the run folder: the chart is
  # drawn on the host, as make bench draws it
  case " $* " in *" rbond/43-bench-smoke.sh "*)
    if /usr/bin/python3 scripts/bench-report.py "$run/bench-smoke" --chart --check > "$run/bench-report.log" 2>&1 &&
       [ "$(head -c 4 "$run/bench-smoke/chart.png" | tail -c 3)" = PNG ]; then
      rec ok "bench smoke: the host makes the tables and the chart (PNG) from the guest's figures"
    else rec fail "bench smoke: the host makes the tables and the chart (PNG) from the guest's figures" "$run/bench-report.log"; fi;;
  esac
  if [ $rc = 0 ]; then rec ok "guest: the selftest run of ${1#rbond/}..${*: -1} finished with a clean kernel log"
  else rec fail "guest: the selftest run of ${1#rbond/}..${*: -1} finished with a clean kernel log (exit $rc)" "$run.log"; fi
}

# the kernel's own bonding selftests named in $@ (SCRIPT or SCRIPT:TEST,...), unmodified, against
# rbond in compatibility mode, in one guest; selftests/upstream/expected lists the expected failures
# ("# TODO"), an unexpected pass fails. The first part also checks that expected covers every
# script once (--check-list). A "retry" script that fails is deferred (--defer-retry): its record
# is a placeholder, "@deferred ID", filled in when the script has run again after the other parts
# (run_deferred).
part_upstream() {
  local run line d show=0 id key
  run=$(mktemp -d "$LOG/upstream.XXXXXX")
  RBOND_RUN_DIR=$run scripts/upstream.sh rbond "$@" > "$run.log" 2>&1; rc=$?
  if [ -f "$run/upstream.tap" ]; then
    while IFS= read -r line; do
      case "$line" in
        "not ok "*" # TODO "*) d=${line#not ok * - }; rec xfail "upstream: ${d%% # TODO *}" "${d#* # TODO }"; show=0;;
        "not ok "*" # DEFERRED "*) d=${line#not ok * - }; id=${d%% # DEFERRED *}; key=${id//[^A-Za-z0-9_.-]/_}
          echo "@deferred $key" >> "$OUT"; echo "$id" >> "$PARTS/deferred.list"
          : > "$PARTS/deferred.$key.first"; show=2;;
        "not ok "*) rec fail "upstream: ${line#not ok * - }"; show=1;;
        "ok "*"# SKIP"*) d=${line#ok * - }; rec skip "upstream: ${d%% # SKIP*}" "${d#*# SKIP }"; show=0;;
        "ok "*) rec ok "upstream: ${line#ok * - }"; show=0;;
        "# time: "*) echo "$line" >> "$OUT";;  # each script's time, for the split (selftests/durations)
        "#   "*) [ $show = 1 ] && echo "$line" >> "$OUT"; [ $show = 2 ] && echo "$line" >> "$PARTS/deferred.$key.first";;
      esac
    done < "$run/upstream.tap"
  else
    rec fail "upstream: the selftests ($*) produced no results" "$run.log"
  fi
  # upstream.sh: 0 as expected, 1 unexpected results, 2 the guest run failed
  local what=("$@"); while [ "${what[0]#--}" != "${what[0]}" ]; do what=("${what[@]:1}"); done
  what=${what[0]}..${what[*]: -1}
  if [ -f "$run/upstream.tap" ] && { [ $rc = 0 ] || [ $rc = 1 ]; }; then rec ok "upstream: the run of $what finished with a clean kernel log"
  else rec fail "upstream: the run of $what finished with a clean kernel log (exit $rc)" "$run.log"; fi
}

# the deferred scripts, each run again in a guest of its own once the other parts are done (the
# scripts are timing-bound: "retry" in selftests/upstream/expected); the first run's lines are
# shown with the result
run_deferred() {
  local id key
  [ -s "$PARTS/deferred.list" ] || return 0
  while IFS= read -r id; do
    key=${id//[^A-Za-z0-9_.-]/_}
    echo "# deferred: $id, run again with no other guest running"
    OUT=$PARTS/deferred.$key.rec; : > "$OUT"
    t=$(date +%s)
    part_upstream "$id"
    sed 's/^#   /#   (the deferred first run, in a loaded guest) /' "$PARTS/deferred.$key.first" >> "$OUT"
    echo "# deferred $id: $(( $(date +%s) - t )) s"
  done < "$PARTS/deferred.list"
}

# The parts: selftests/durations has each test file's time (seconds); the files are grouped into
# parts of about RBOND_PART_SECONDS (default 900: the durations are wall times in a loaded guest) each, dealt longest first to the part with the
# least time so far, and the parts start longest first, RBOND_JOBS at a time, each as soon as a
# slot is free: short parts keep every slot busy to the end.
DURATIONS=selftests/durations
PART_SECONDS=${RBOND_PART_SECONDS:-900}
case "$PART_SECONDS" in [1-9]*) ;; *) die "RBOND_PART_SECONDS must be a number of seconds (got '$PART_SECONDS')";; esac
# An expected failure of the kernel's selftests (a feature rbond lacks) runs for at most
# RBOND_XFAIL_CAP seconds (default 180) in make check (selftests/upstream/run.sh --xfail-cap):
# still a "# TODO" line, and its kernel log still checked, but the time goes to what rbond has;
# make upstream runs them whole. The durations of such entries count at most the cap.
XFAIL_CAP=${RBOND_XFAIL_CAP:-180}
case "$XFAIL_CAP" in [1-9]*) ;; *) die "RBOND_XFAIL_CAP must be a number of seconds (got '$XFAIL_CAP')";; esac
parts=() # name, its command, its expected time
add_part() { parts+=("$1"); eval "cmd_$1=\$2 est_$1=\$3"; }
mapfile -t st < <(chunk "$DURATIONS" "$PART_SECONDS" "" $(cd selftests && ls rbond/*.sh))
mapfile -t up < <(chunk "$DURATIONS" "$PART_SECONDS" upstream/ $(awk '!/^[[:space:]]*(#|$)/ { print $1 }' selftests/upstream/expected))
add_part runner part_runner "$(duration "$DURATIONS" part/runner 40)"
add_part first_run part_first_run "$(duration "$DURATIONS" part/first_run 600)"
for i in "${!st[@]}"; do add_part "selftests$((i + 1))" "part_selftests ${st[i]#* }" "${st[i]%% *}"; done
for i in "${!up[@]}"; do
  if [ "$i" = 0 ]; then add_part "upstream$((i + 1))" "part_upstream --check-list --defer-retry --xfail-cap $XFAIL_CAP ${up[i]#* }" "${up[i]%% *}"
  else add_part "upstream$((i + 1))" "part_upstream --defer-retry --xfail-cap $XFAIL_CAP ${up[i]#* }" "${up[i]%% *}"; fi
done
# the order the parts are printed in
order=("${parts[@]}")
# the order they start in: the longest first
mapfile -t parts < <(for p in "${parts[@]}"; do e="est_$p"; echo "${!e} $p"; done | sort -k1,1nr -s | awk '{ print $2 }')

# RBOND_PARTS="runner first_run ...": only these guest parts (for work on the harness; a run that
# leaves parts out says so and fails)
if [ -n "${RBOND_PARTS:-}" ]; then
  for p in "${parts[@]}"; do
    case " $RBOND_PARTS " in *" $p "*) ;; *) OUT=$PARTS/$p.rec; : > "$OUT"; rec fail "part $p: left out (RBOND_PARTS)"; echo 0 > "$PARTS/$p.time";; esac
  done
  sel=(); for p in "${parts[@]}"; do case " $RBOND_PARTS " in *" $p "*) sel+=("$p");; esac; done; parts=("${sel[@]}")
fi
echo "# guest parts, $JOBS at a time: ${parts[*]}"
for p in "${parts[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  c="cmd_$p"
  echo "# part $p: started: ${!c}"
  (
    OUT=$PARTS/$p.rec; : > "$OUT"; t=$(date +%s)
    eval "${!c}"
    echo $(( $(date +%s) - t )) > "$PARTS/$p.time"
    cpu_seconds "$PARTS/$p" > "$PARTS/$p.cpu"
    echo "# part $p: finished in $(cat "$PARTS/$p.time") s ($(cat "$PARTS/$p.cpu") s of CPU)"
  ) &
done
wait
run_deferred

for p in "${order[@]}"; do
  c="cmd_$p"
  echo "# part $p: ${!c}"
  if [ -f "$PARTS/$p.time" ]; then emit "$PARTS/$p.rec"
  else OUT=$PARTS/$p.rec; rec fail "part $p ran to the end"; emit "$PARTS/$p.rec"; fi
done
echo "# time per part (s: wall, CPU of its processes; expected from selftests/durations), $JOBS at a time:"
for p in "${order[@]}"; do e="est_$p"; echo "#   $p: $(cat "$PARTS/$p.time" 2>/dev/null || echo '?') $(cat "$PARTS/$p.cpu" 2>/dev/null || echo '?') (${!e})"; done
summary
[ $fail = 0 ]
