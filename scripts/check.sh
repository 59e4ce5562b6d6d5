#!/usr/bin/env bash
# `make check`: host tests, module build (warnings are errors, clippy), the guest runner's own
# tests, the guest selftests, and the kernel's own bonding selftests against rbond (compat mode).
# Prints TAP and ends with "N passed, N failed, N skipped, N expected failures".
. "$(dirname "$0")/common.sh"
set +e
cd "$RBOND_TOP"
pass=0 fail=0 skipped=0 xfail=0 n=0
LOG=$RBOND_CACHE/check-$KERNEL; mkdir -p "$LOG"
echo "TAP version 13"
tap() { # tap ok|fail|skip|xfail DESCRIPTION [DIAG-FILE | SKIP/TODO REASON]
  n=$((n + 1))
  case "$1" in
    ok) pass=$((pass + 1)); echo "ok $n - $2";;
    skip) skipped=$((skipped + 1)); echo "ok $n - $2 # SKIP ${3:-}";;
    xfail) xfail=$((xfail + 1)); echo "not ok $n - $2 # TODO ${3:-}";;
    *) fail=$((fail + 1)); echo "not ok $n - $2"; [ -n "${3:-}" ] && [ -f "$3" ] && tail -n 25 "$3" | sed 's/^/#   /';;
  esac
}
summary() { echo "1..$n"; echo "$pass passed, $fail failed, $skipped skipped, $xfail expected failures"; }

# 1. bootstrap (not a test, but nothing runs without it)
if ! scripts/host-deps.sh > "$LOG/bootstrap.log" 2>&1 || ! scripts/fetch-toolchain.sh >> "$LOG/bootstrap.log" 2>&1 ||
   ! scripts/build-kernel.sh >> "$LOG/bootstrap.log" 2>&1; then
  tap fail "bootstrap: toolchain and kernel" "$LOG/bootstrap.log"
  summary; exit 1
fi

# 2. host: cargo test on the logic tier, one TAP line per test
echo "# host: cargo test (rust/logic)"
CARGO_TARGET_DIR=$RBOND_CACHE/cargo-logic cargo test --offline --manifest-path rust/logic/Cargo.toml \
  > "$LOG/cargo.log" 2>&1
crc=$?
ncargo=0
while read -r name verdict; do
  ncargo=$((ncargo + 1))
  case "$verdict" in ok) tap ok "logic: $name";; ignored) tap skip "logic: $name" ignored;; *) tap fail "logic: $name";; esac
done < <(sed -nE 's/^test (.+) \.\.\. (ok|FAILED|ignored)$/\1 \2/p' "$LOG/cargo.log")
[ $crc = 0 ] && [ $ncargo -gt 0 ] || tap fail "logic: cargo test ran (exit $crc, $ncargo tests)" "$LOG/cargo.log"

# 3. module build: clippy, then the real build; warnings are errors (Kbuild)
echo "# module build"
if scripts/build.sh CLIPPY=1 > "$LOG/clippy.log" 2>&1; then tap ok "build: clippy on rbond.ko, warnings as errors"
else tap fail "build: clippy on rbond.ko, warnings as errors" "$LOG/clippy.log"; fi
if scripts/build.sh > "$LOG/build.log" 2>&1 && [ -f rbond.ko ]; then
  tap ok "build: rbond.ko, warnings as errors"; built=1
else
  tap fail "build: rbond.ko, warnings as errors" "$LOG/build.log"; built=0
fi
# unsafe only in rust/sys, each unsafe block with a SAFETY comment before it
if grep -rnE '\bunsafe\b' rust --include='*.rs' | grep -v '^rust/sys/' | grep -vE '^[^:]+:[0-9]+:\s*//' > "$LOG/unsafe.log"; then
  tap fail "source: unsafe appears only in rust/sys" "$LOG/unsafe.log"
else tap ok "source: unsafe appears only in rust/sys"; fi
if python3 scripts/check-safety.py rust/sys > "$LOG/safety.log" 2>&1; then tap ok "source: every unsafe block in rust/sys has a SAFETY comment"
else tap fail "source: every unsafe block in rust/sys has a SAFETY comment" "$LOG/safety.log"; fi

if [ $built = 0 ]; then
  tap fail "guest: not run, the module did not build"
  summary; exit 1
fi

# 4. the guest runner itself: exit status propagates, a kernel WARNING fails the run
echo "# guest runner"
printf 'echo hello from the guest\nexit 7\n' > "$LOG/exit7.sh"
scripts/vm.sh "$LOG/exit7.sh" > "$LOG/exit7.log" 2>&1; rc=$?
if [ $rc = 7 ] && grep -q 'hello from the guest' "$LOG/exit7.log"; then tap ok "runner: the script's output is shown and its exit status (7) propagates"
else echo "# exit status was $rc" >> "$LOG/exit7.log"; tap fail "runner: the script's output is shown and its exit status (7) propagates" "$LOG/exit7.log"; fi
cat > "$LOG/warn.sh" <<'G'
modprobe lkdtm || exit 10
echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT
exit 0
G
scripts/vm.sh "$LOG/warn.sh" > "$LOG/warn.log" 2>&1; rc=$?
if [ $rc != 0 ] && grep -q 'vm: the kernel log reports a problem' "$LOG/warn.log" && grep -q 'vm:   .*WARNING:' "$LOG/warn.log"; then
  tap ok "runner: a kernel WARNING fails a run whose script passed (exit $rc)"
else echo "# exit status was $rc" >> "$LOG/warn.log"; tap fail "runner: a kernel WARNING fails a run whose script passed" "$LOG/warn.log"; fi
# ... also when the script cleared the kernel log after it (the selftests run dmesg -C)
cat > "$LOG/warnclear.sh" <<'G'
modprobe lkdtm || exit 10
echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT
dmesg -C
exit 0
G
scripts/vm.sh "$LOG/warnclear.sh" > "$LOG/warnclear.log" 2>&1; rc=$?
if [ $rc != 0 ] && grep -q 'vm:   .*WARNING:' "$LOG/warnclear.log"; then
  tap ok "runner: ... also when the script ran dmesg -C after it (exit $rc)"
else echo "# exit status was $rc" >> "$LOG/warnclear.log"; tap fail "runner: ... also when the script ran dmesg -C after it" "$LOG/warnclear.log"; fi

if [ "$KERNEL" = debug ]; then
  # the debug kernel has KASAN (built with LLVM): an out-of-bounds access is reported and fails the run
  cat > "$LOG/kasan.sh" <<'G'
modprobe lkdtm || exit 10
echo SLAB_LINEAR_OVERFLOW > /sys/kernel/debug/provoke-crash/DIRECT
exit 0
G
  scripts/vm.sh "$LOG/kasan.sh" > "$LOG/kasan.log" 2>&1; rc=$?
  if [ $rc != 0 ] && grep -q 'vm:   .*BUG: KASAN: slab-out-of-bounds' "$LOG/kasan.log"; then
    tap ok "runner: a KASAN report (lkdtm SLAB_LINEAR_OVERFLOW) fails a run whose script passed (exit $rc)"
  else echo "# exit status was $rc" >> "$LOG/kasan.log"; tap fail "runner: a KASAN report fails a run whose script passed" "$LOG/kasan.log"; fi
fi

# 5. rbond's selftests in the guest
echo "# guest selftests"
run=$(mktemp -d "$LOG/guest.XXXXXX")
RBOND_RUN_DIR=$run scripts/vm.sh selftests/run.sh "$@" > "$LOG/guest.log" 2>&1; rc=$?
if [ -f "$run/results.tap" ]; then
  while IFS= read -r line; do
    case "$line" in
      "not ok "*) tap fail "${line#not ok * - }";;
      "ok "*"# SKIP"*) d=${line#ok * - }; tap skip "${d%% # SKIP*}" "${d#*# SKIP }";;
      "ok "*) tap ok "${line#ok * - }";;
      "#   "*) echo "$line";;
    esac
  done < "$run/results.tap"
else
  tap fail "guest: selftests produced no results" "$LOG/guest.log"
fi
if [ $rc = 0 ]; then tap ok "guest: the selftest run finished with a clean kernel log"
else tap fail "guest: the selftest run finished with a clean kernel log (exit $rc)" "$LOG/guest.log"; fi

# 6. the kernel's own bonding selftests, unmodified, against rbond in compatibility mode;
#    selftests/upstream/expected lists the expected failures ("# TODO"), an unexpected pass fails
echo "# upstream selftests: tools/testing/selftests/drivers/net/bonding against rbond compat=1"
run=$(mktemp -d "$LOG/upstream.XXXXXX")
RBOND_RUN_DIR=$run scripts/upstream.sh rbond > "$LOG/upstream.log" 2>&1; rc=$?
if [ -f "$run/upstream.tap" ]; then
  show=0   # the diagnostics of unexpected results only
  while IFS= read -r line; do
    case "$line" in
      "not ok "*" # TODO "*) d=${line#not ok * - }; tap xfail "upstream: ${d%% # TODO *}" "${d#* # TODO }"; show=0;;
      "not ok "*) tap fail "upstream: ${line#not ok * - }"; show=1;;
      "ok "*"# SKIP"*) d=${line#ok * - }; tap skip "upstream: ${d%% # SKIP*}" "${d#*# SKIP }"; show=0;;
      "ok "*) tap ok "upstream: ${line#ok * - }"; show=0;;
      "#   "*) [ $show = 1 ] && echo "$line";;
    esac
  done < "$run/upstream.tap"
else
  tap fail "upstream: the selftests produced no results" "$LOG/upstream.log"
fi
# upstream.sh: 0 as expected, 1 unexpected results, 2 the guest run failed
if [ -f "$run/upstream.tap" ] && { [ $rc = 0 ] || [ $rc = 1 ]; }; then tap ok "upstream: the run finished with a clean kernel log"
else tap fail "upstream: the run finished with a clean kernel log (exit $rc)" "$LOG/upstream.log"; fi

summary
[ $fail = 0 ]
