#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make upstream`: the pinned kernel's own bonding selftests
# (tools/testing/selftests/drivers/net/bonding), unmodified, against bonding.ko or rbond in
# compatibility mode. scripts/upstream.sh copies them from the kernel source, laid out as in the
# kernel tree, to /out/kselftest, with the list of TEST_PROGS in /out/kselftest.tests.
#
# usage: run.sh bonding|rbond [--check-list] [--defer-retry] [--xfail-cap SECONDS] [SCRIPT[:TEST,...]...]
#   SCRIPT:TEST,...  runs only those of the script's tests (its ALL_TESTS words), as the kernel's
#   net/lib.sh lets a user choose them: TESTS="TEST ..." in the environment, the script unchanged.
#   make check runs bond_options.sh so, one test of it per entry, side by side in several guests.
#   --check-list: also with SCRIPTs named, check that selftests/upstream/expected covers each
#   TEST_PROGS script once: one line for the script, or lines SCRIPT:TEST,... that name each of its
#   ALL_TESTS once (done anyway when none is named; make check's guests run parts of the list, and
#   one of them checks it)
#   --defer-retry: a "retry" script that fails is not run again here: its line is
#   "not ok N - SCRIPT # DEFERRED reason" and make check runs it again when its other guests are
#   done, on a machine at rest
#   --xfail-cap SECONDS: an "xfail" script (a feature rbond lacks) is stopped after SECONDS, not
#   the settings file's timeout: its line stays "not ok N - SCRIPT # TODO reason", with "stopped
#   after SECONDS s" under it; one that ends sooner is judged as always (an XPASS is seen). make
#   check caps them so (its time goes to what rbond has; the kernel log is still checked for the
#   part that ran); make upstream runs them whole
#
# Each script runs as the kernel's kselftest runner runs it (from its own folder, through its
# shebang, under timeout(1) with the "timeout" of the folder's settings file; see TIMEOUT_SCALE),
# each in a fresh state: namespaces, links and the modules the scripts load are
# removed and the driver is unloaded and loaded again before every script. One TAP line per script
# on stdout and in /out/upstream.tap; the script's "TEST: ... [ OK ]" lines follow as diagnostics,
# its full output is in /out/upstream/<script>.log.
#
# Verdicts: exit 0 passes, 4 (ksft_skip) is a skip, anything else fails; the timeout is a failure,
# and so is a kernel log problem during the script (as scripts/vm.sh: WARNING, BUG...; the script's
# kernel log is in /out/upstream/<script>.dmesg, the whole log as it comes in kernel.log). A device
# that is never freed (unregister_netdevice: waiting...) stops the script after 30 s; after a
# script that leaves a process blocked in the kernel, the remaining scripts are not run.
# For rbond, selftests/upstream/expected says per script "pass" or "xfail <missing feature>":
#   xfail that fails    -> "not ok N - name # TODO <missing feature>" (an expected failure)
#   xfail that passes   -> "not ok N - name # XPASS ..."             (a failure: shrink the list)
#   pass that fails     -> "not ok N - name"                         (a failure)
#   pass that skips     -> "not ok N - name ... expected to pass"    (a failure)
#   xfail that skips    -> "ok N - name # SKIP ..."                  (a skip)
#   retry that fails once -> run again; the second run's result counts, the first is shown
#                            (with --defer-retry: "not ok N - name # DEFERRED reason", for make
#                            check to run it again later)
# For bonding.ko (the baseline) every script is expected to pass.
set -u
here=$(cd "$(dirname "$0")" && pwd)
driver=${1:-}; shift || true
case "$driver" in bonding|rbond) ;; *) echo "usage: $0 bonding|rbond [--check-list] [SCRIPT...]" >&2; exit 2;; esac
check_list=0 defer_retry=0 xfail_cap=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check-list) check_list=1;;
    --defer-retry) defer_retry=1;;
    --xfail-cap) shift; xfail_cap=${1:-}
      [[ "$xfail_cap" =~ ^[1-9][0-9]*$ ]] || { echo "--xfail-cap: a number of seconds, not '$xfail_cap'" >&2; exit 2; };;
    *) break;;
  esac
  shift
done
KSFT=${KSFT:-/out/kselftest}
dir=$KSFT/drivers/net/bonding
out=${RESULTS:-/out/upstream.tap}
logs=${LOGS:-/out/upstream}
expected=$here/expected
[ -d "$dir" ] || { echo "no kernel selftests at $dir (scripts/upstream.sh copies them)" >&2; exit 2; }

# The per-script timeout is the settings file's (1200 s) times TIMEOUT_SCALE: x1 on the release
# kernel, where the scripts mostly wait on wall-clock timers and the slowest (bond_options.sh)
# takes ~540 s under QEMU/TCG against bonding.ko; x4 on the debug kernel (the one with kmemleak),
# several times slower. A fraction is written as a/b.
TIMEOUT_SCALE=${TIMEOUT_SCALE:-1}
[ -e /sys/kernel/debug/kmemleak ] && TIMEOUT_SCALE=4
base_timeout=45    # kselftest's default when settings has none
if [ -r "$dir/settings" ]; then
  t=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' "$dir/settings")
  [ -n "$t" ] && base_timeout=$t
fi
case "$TIMEOUT_SCALE" in
  */*) tmo=$(( base_timeout * ${TIMEOUT_SCALE%/*} / ${TIMEOUT_SCALE#*/} ));;
  *) tmo=$(( base_timeout * TIMEOUT_SCALE ));;
esac

if [ $# -gt 0 ]; then tests=("$@")
else mapfile -t tests < "$KSFT.tests"; check_list=1; fi

mkdir -p "$logs"
: > "$out"
tap() { echo "$*" | tee -a "$out"; }
# the guest's CPU time, all CPUs, in USER_HZ ticks (as in ../run.sh)
guest_cpu() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
diag() { sed 's/^/#   /' | tee -a "$out"; }

# expectation NAME: "pass", or "xfail <reason>"
expectation() {
  [ "$driver" = bonding ] && { echo pass; return; }
  awk -v t="$1" '!/^[[:space:]]*(#|$)/ && $1 == t { $1 = ""; sub(/^ +/, ""); print; found = 1; exit }
                 END { if (!found) print "missing" }' "$expected"
}

loaded() { grep -q "^$1 " /proc/modules; }
# the words of a script's ALL_TESTS="..." (one line or several)
all_tests() {
  awk '/^ALL_TESTS="/ { on = 1; sub(/^ALL_TESTS="/, "") }
       on { end = sub(/".*$/, ""); for (i = 1; i <= NF; i++) print $i; if (end) exit }' "$1"
}
sys_panic=$(cat /proc/sys/kernel/panic)
sys_printk=$(cat /proc/sys/kernel/printk)

# a state where no script has run: no namespaces, no links but lo, none of the modules the
# scripts load, no bond driver; kernel.panic and kernel.printk as at boot
reset_state() {
  local l m
  ip -all netns delete 2>/dev/null
  # netconsole holds its device: unload it before the devices go away
  for m in netconsole netdevsim; do loaded "$m" && { rmmod "$m" || echo "cannot unload $m"; }; done
  for l in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
    [ "$l" = lo ] || ip link del dev "$l" 2>/dev/null
  done
  for m in bonding rbond; do loaded "$m" && { rmmod "$m" || echo "cannot unload $m"; }; done
  echo "$sys_panic" > /proc/sys/kernel/panic
  echo "$sys_printk" > /proc/sys/kernel/printk
}

# load the driver under test; prints why it is not usable, if it is not
load_driver() {
  if [ "$driver" = bonding ]; then
    modprobe bonding 2>&1 || { echo "modprobe bonding failed"; return 1; }
  else
    # netcons_over_bonding.sh runs `modprobe bonding`: bonding.ko must not load behind rbond's back
    modprobe rbond compat=1 2>&1 || { echo "modprobe rbond compat=1 failed"; return 1; }
    [ -e /sys/class/net/bonding_masters ] && [ -d /proc/net/bonding ] ||
      { echo "rbond loaded without compatibility mode (no /sys/class/net/bonding_masters or /proc/net/bonding): the kind \"bond\" is not rbond's"; return 1; }
  fi
}

if [ "$driver" = rbond ]; then
  mkdir -p /etc/modprobe.d
  echo 'install bonding /bin/false' > /etc/modprobe.d/rbond-upstream.conf
fi

# the kernel log as it comes, on the host's disk: it survives a panic of the guest
cat /dev/kmsg > "$logs/kernel.log" 2>/dev/null &
kmsg_pid=$!

tap "TAP version 13"
tap "# kernel selftests drivers/net/bonding against $driver, $tmo s per script (settings: $base_timeout s)"
n=0 t_all=$(date +%s)
if [ "$driver" = rbond ] && [ $check_list = 1 ]; then
  # every TEST_PROGS script is covered once by expected: one line for the script, or lines
  # SCRIPT:TEST,... that name each of its ALL_TESTS once; expected names no other script or test
  n=$((n + 1))
  bad=$( { mapfile -t all < "$KSFT.tests"
           entries=$(awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$expected")
           for t in "${all[@]}"; do
             whole=$(grep -cxF "$t" <<< "$entries")
             subs=$(awk -F: -v t="$t" '$1 == t && NF > 1 { print $2 }' <<< "$entries" | tr ',' '\n' | sort)
             if [ -z "$subs" ]; then
               [ "$whole" = 1 ] || echo "$t: not listed once in selftests/upstream/expected"
             elif [ "$whole" != 0 ]; then
               echo "$t: listed both whole and by its tests in selftests/upstream/expected"
             else
               want=$(all_tests "$dir/$t" | sort)
               [ -n "$want" ] || echo "$t: listed by its tests, but it has no ALL_TESTS"
               [ "$subs" = "$want" ] || echo "$t: its tests in expected ($(echo $subs)) are not its ALL_TESTS, each once ($(echo $want))"
             fi
           done
           while read -r e; do
             printf '%s\n' "${all[@]}" | grep -qxF "${e%%:*}" || echo "$e: listed in selftests/upstream/expected, not in TEST_PROGS"
           done <<< "$entries"; } )
  if [ -z "$bad" ]; then tap "ok $n - expected: each TEST_PROGS script covered once"
  else tap "not ok $n - expected: each TEST_PROGS script covered once"; printf '%s\n' "$bad" | diag; fi
fi

# what fails a guest run (as scripts/vm.sh), found in the kernel log of a script
bad_klog='WARNING:|BUG:|Oops|KASAN|UBSAN|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|rcu.*(detected stalls|self-detected stall)|INFO: task .* blocked for more than|suspected memory leak|unreferenced object'
# the kernel log since the start of script $1 (each script's start is marked in it)
klog_since() { dmesg | awk -v m="rbond-upstream: start $1" 'index($0, m) { on = 1; next } on'; }
running() { [ -e "/proc/$1" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# user processes in uninterruptible sleep (D) now and still there 10 s later, with their stacks
# and those of the kernel threads blocked then (one of them may hold what the process waits for)
blocked() {
  local p pids i
  pids=$(ps -eo pid=,stat=,args= | awk '$2 ~ /^D/ && $3 !~ /^\[/ { print $1 }')
  for i in 1 2 3 4 5; do
    [ -n "$pids" ] || return 0
    sleep 2
    pids=$(for p in $pids; do running "$p" && echo "$p"; done)
  done
  [ -n "$pids" ] || return 0
  for p in $pids; do
    echo "process $p ($(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)) is blocked in the kernel:"
    sed 's/^/  /' "/proc/$p/stack" 2>/dev/null | head -n 12
  done
  for p in $(ps -eo pid=,stat=,args= | awk '$2 ~ /^D/ && $3 ~ /^\[/ { print $1 }'); do
    echo "kernel thread $p ($(cat "/proc/$p/comm" 2>/dev/null)) is blocked too:"
    sed 's/^/  /' "/proc/$p/stack" 2>/dev/null | head -n 12
  done
}
addpost() { post="${post:+$post$'\n'}$*"; }

stuck=""   # set when the kernel cannot be trusted to run another script
for t in "${tests[@]}"; do
  n=$((n + 1))
  # an entry SCRIPT:TEST,... runs those tests of the script (TESTS="TEST ..."), its logs are
  # SCRIPT-without-.sh.TEST+... .log/.dmesg
  script=${t%%:*} subset=""
  [ "$script" != "$t" ] && subset=${t#*:}
  name=${script%.sh}${subset:+.${subset//,/+}}
  log=$logs/$name.log
  exp=$(expectation "$t")
  # "retry REASON": expected to pass, but timing-bound in this guest (REASON): a failure is run
  # once more, and the second run decides; the first failure is shown under the result
  retried=""
  for attempt in 1 2; do
  why="" post="" wd=""
  if [ -n "$stuck" ]; then
    why="$stuck"
  else
    pre=$(reset_state 2>&1)
    if [ -n "$pre" ]; then why="the state before the script is not clean: $pre"
    else why=$(load_driver 2>&1) && why=""; fi
  fi
  start=$(date +%s) cpu0=$(guest_cpu) capped=""
  if [ -n "$why" ]; then
    rc=none
    printf 'not run: %s\n' "$why" > "$log"
  elif [ ! -x "$dir/$script" ]; then
    rc=none why="$script is missing or not executable"
    echo "$why" > "$log"
  elif [ -n "$subset" ] && bad=$(for w in ${subset//,/ }; do all_tests "$dir/$script" | grep -qxF "$w" || echo "$w"; done) &&
       [ -n "$bad" ]; then
    rc=none why="$script has no test $(echo $bad) in its ALL_TESTS"
    echo "$why" > "$log"
  else
    # the time limit: the settings file's, or the cap of an expected failure (--xfail-cap)
    ttmo=$tmo
    if [ -n "$xfail_cap" ] && [ "${exp%% *}" = xfail ] && [ "$xfail_cap" -lt "$tmo" ]; then
      ttmo=$xfail_cap capped=1
    fi
    echo "rbond-upstream: start $t" > /dev/kmsg
    # as kselftest's runner: from the script's folder, by its shebang, under timeout(1), which
    # puts it in a process group of its own; what the script left running is killed after it
    if [ -n "$subset" ]; then
      ( cd "$dir" && TESTS="${subset//,/ }" exec timeout -k 10 "$ttmo" "./$script" ) > "$log" 2>&1 < /dev/null &
    else
      ( cd "$dir" && exec timeout -k 10 "$ttmo" "./$script" ) > "$log" 2>&1 < /dev/null &
    fi
    pid=$!
    # Instead of waiting for the timeout, the script is stopped when the kernel is stuck: a
    # device whose references are never dropped blocks its unregistration for good (the kernel
    # says so every 10 s; three such messages), or a process has been blocked in the kernel (D)
    # for 120 s (sampled every 2 s), as the kernel's hung-task detector (not in this kernel) would
    # report it
    declare -A dcount=()
    while running "$pid"; do
      sleep 2
      if [ "$(klog_since "$t" | grep -c 'unregister_netdevice: waiting for')" -ge 3 ]; then
        wd="a device is never freed: $(klog_since "$t" | grep -m1 -o 'unregister_netdevice: waiting for.*')"
      fi
      for p in $(ps -eo pid=,stat=,args= | awk '$2 ~ /^D/ && $3 !~ /^\[/ { print $1 }'); do
        dcount[$p]=$(( ${dcount[$p]:-0} + 1 ))
        [ "${dcount[$p]}" -ge 60 ] && [ -z "$wd" ] &&
          wd="process $p ($(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)) has been blocked in the kernel for 120 s"
      done
      if [ -n "$wd" ]; then
        kill -TERM "$pid" 2>/dev/null; sleep 5; kill -KILL -- "-$pid" 2>/dev/null
        break
      fi
    done
    wait "$pid" 2>/dev/null; rc=$?   # (not bash's "Killed" job report)
    kill -KILL -- "-$pid" 2>/dev/null
    post=$wd
    klog_since "$t" > "$logs/$name.dmesg"
    k=$(grep -E "$bad_klog" "$logs/$name.dmesg" | head -n 5)
    [ -n "$k" ] && addpost "the kernel log reports a problem (${logs#/out/}/$name.dmesg):"$'\n'"$k"
    [ "$driver" = rbond ] && loaded bonding && addpost "bonding.ko was loaded during the script"
    # a device that is never freed, or a process still blocked in the kernel after the script:
    # the clean-up or the next script would hang or trip over what is left; the remaining
    # scripts are not run
    b=$(blocked)
    [ -n "$b" ] && addpost "$b"
    if [ -n "$wd" ] || [ -n "$b" ]; then
      stuck="the kernel is stuck since $t: ${wd:-a process is blocked in it}"
    elif ! p=$(timeout 120 bash -c "$(declare -f reset_state loaded); sys_panic='$sys_panic' sys_printk='$sys_printk'; reset_state" 2>&1); then
      addpost "the clean-up after the script did not finish in 120 s: $p"
      stuck="the kernel is stuck since $t (the clean-up after it did not finish)"
    elif [ -n "$p" ]; then
      addpost "after the script: $p"
    fi
  fi
  secs=$(( $(date +%s) - start )) cpus=$(( ($(guest_cpu) - cpu0) / 100 ))
  case "$rc" in
    0) res=pass;;
    4) res=skip;;
    124|137) res=fail
      if [ -n "$wd" ]; then :
      elif [ -n "$capped" ]; then why="stopped after $ttmo s (make check's cap for an expected failure; make upstream runs it whole)"
      else why="timed out after $tmo s"; fi;;
    *) res=fail;;
  esac
  [ -n "$post" ] && res=fail why="${why:+$why$'\n'}$post"
  if [ "$attempt" = 1 ] && [ "${exp%% *}" = retry ] && [ "$res" != pass ] && [ -z "$stuck" ] && [ "$rc" != none ]; then
    retried="first run: exit $rc after $secs s${why:+; $why}"$'\n'"$(tail -n 5 "$log")"
    cp "$log" "$logs/$name.first.log"
    [ $defer_retry = 1 ] && { res=deferred; break; }
    continue
  fi
  break
  done
  case "$exp" in
    retry\ *) [ "$res" = deferred ] && line="not ok $n - $t # DEFERRED ${exp#retry }";;&
    pass|retry\ *)
      case "$res" in
        pass) line="ok $n - $t";;
        skip) line="not ok $n - $t (skipped with exit 4; expected to pass)";;
        fail) line="not ok $n - $t";;
        deferred) ;;
      esac;;
    xfail\ *)
      reason=${exp#xfail }
      case "$res" in
        pass) line="not ok $n - $t # XPASS: remove it from the expected failures (xfail $reason)";;
        skip) line="ok $n - $t # SKIP exit 4 (expected to fail: $reason)";;
        fail) line="not ok $n - $t # TODO $reason"
          [ -n "$capped" ] && [ "$rc" = 124 ] && line+=" (stopped after $ttmo s, make check's cap)";;
      esac;;
    *)
      line="not ok $n - $t (no valid entry in selftests/upstream/expected)";;
  esac
  tap "$line"
  {
    # the TEST lines, with the message lines (tab-indented) that log_test prints under them
    awk '/^TEST: / { p = 1; print; next } p && /^\t/ { print; next } { p = 0 }' "$log"
    if [ "$res" = deferred ]; then printf 'to be run again on a machine at rest (%s); %s\n' "${exp#retry }" "$retried"
    elif [ -n "$retried" ]; then printf 'run twice (%s); %s\n' "${exp#retry }" "$retried"; fi
    if [ "$rc" = none ]; then
      echo "not run: $why"
    else
      echo "exit $rc after $secs s; log: ${log#/out/}"
      [ -n "$why" ] && printf '%s\n' "$why"
      # an unexpected result: the end of the output too
      case "$line" in "not ok"*"# TODO"*|"not ok"*"# DEFERRED"*) ;; "not ok"*) echo "last lines of the output:"; tail -n 15 "$log";; esac
    fi
  } | diag
  # the time it took, for make check's split (selftests/durations)
  [ "$rc" != none ] && tap "# time: upstream/$t $secs (guest CPU $cpus s)"
done
tap "1..$n"
tap "# total $(( $(date +%s) - t_all )) s"
[ -n "$stuck" ] || reset_state >/dev/null 2>&1
rm -f /etc/modprobe.d/rbond-upstream.conf
kill "$kmsg_pid" 2>/dev/null
exit 0
