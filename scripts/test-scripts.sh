#!/usr/bin/env bash
# make check's tests of the scripts themselves (on the host, in seconds): every script that stops
# on an error says which script, file, line and command failed; keep_newest (the pruning of old
# guest images) with no, one and many folders; chunk (make check's parts); bench-report.py's ratios
# and marks. Records go to $OUT (see rec in common.sh).
. "$(dirname "$0")/common.sh"
set +e
cd "$RBOND_TOP"
: "${OUT:?OUT must name the records file}"
tmp=$(mktemp -d "$RBOND_CACHE/test-scripts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. every bash script sources the ERR trap (through common.sh or itself); guest-init.sh is the
#    guest's busybox /init, which has no errexit and no ERR trap
bad=""
for f in scripts/*.sh; do
  case "$f" in scripts/guest-init.sh|scripts/errtrap.sh) continue;; esac
  grep -qE '^\. "\$\(dirname "\$[0{]' "$f" && grep -qE '(common|errtrap)\.sh"' "$f" || bad+="$f "
  bash -n "$f" 2>> "$tmp/syntax" || bad+="$f(syntax) "
done
if [ -z "$bad" ]; then rec ok "scripts: every bash script under scripts/ parses and sources the ERR trap (common.sh or errtrap.sh)"
else echo "$bad" >> "$tmp/syntax"; rec fail "scripts: every bash script under scripts/ parses and sources the ERR trap: $bad" "$tmp/syntax"; fi

# 2. a failure in common.sh, as each script sees it: the cache folder cannot be made
: > "$tmp/file"
bad=""
for f in scripts/*.sh; do
  grep -q 'common\.sh"' "$f" || continue
  RBOND_CACHE=$tmp/file/cache "$f" > "$tmp/out" 2>&1 < /dev/null; rc=$?
  b=${f#scripts/}
  if [ $rc = 0 ] || ! grep -qF "[rbond] error: $b stopped at scripts/common.sh:" "$tmp/out" ||
     ! grep -qF '`mkdir -p "$RBOND_CACHE"` failed with status 1' "$tmp/out"; then
    bad+="$b "; { echo "== $b (exit $rc):"; cat "$tmp/out"; } >> "$tmp/log"
  fi
done
if [ -z "$bad" ]; then rec ok "scripts: a failure in common.sh stops each script with the script's name, the file, the line and the command"
else rec fail "scripts: a failure in common.sh stops each script with its location: $bad" "$tmp/log"; fi

# 3. a failure in the middle of a script, in a pipeline and in a function: build-kernel.sh with a
#    `make` that fails, and a script of three nested calls
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexit 2\n' > "$tmp/bin/make"; chmod +x "$tmp/bin/make"
RBOND_CACHE=$tmp/c1 PATH=$tmp/bin:$PATH scripts/build-kernel.sh > "$tmp/out" 2>&1; rc=$?
line=$(grep -n 'tinyconfig >/dev/null' scripts/build-kernel.sh | head -n1 | cut -d: -f1)
if [ $rc != 0 ] && grep -qE "^\[rbond\] error: build-kernel\.sh stopped at scripts/build-kernel\.sh:$line: \`make -s -C .* tinyconfig > /dev/null\` failed with status 2$" "$tmp/out"; then
  rec ok "scripts: a command failing in the middle of build-kernel.sh is reported with its line ($line) and status"
else rec fail "scripts: a command failing in the middle of build-kernel.sh is reported with its line ($line) and status (exit $rc)" "$tmp/out"; fi
cat > "$tmp/inner.sh" <<'S'
. "$RBOND_TOP/scripts/common.sh"
f() { false | true | cat /nonexistent; }
g() { f; }
g
S
RBOND_CACHE=$tmp/c2 RBOND_TOP=$RBOND_TOP bash "$tmp/inner.sh" > "$tmp/out" 2>&1; rc=$?
if [ $rc != 0 ] && grep -qF 'stopped at' "$tmp/out" && grep -qF 'inner.sh:2: `cat /nonexistent` failed with status 1 (statuses of the pipeline: 1 0 1)' "$tmp/out" &&
   grep -qF 'in f(), called from' "$tmp/out" && grep -qF 'in g(), called from' "$tmp/out"; then
  rec ok "scripts: a failing pipeline in a function is reported with each command's status and the calls it was in"
else rec fail "scripts: a failing pipeline in a function is reported with each command's status and the calls it was in (exit $rc)" "$tmp/out"; fi

# 4. keep_newest: nothing to prune (a fresh cache: this failed silently before), only the one to
#    keep, and many (the newest two and the one kept stay)
mkdir -p "$tmp/k"
ok=1
( keep_newest 2 "$tmp/k/release-new" "$tmp/k"/release-* ) > "$tmp/out" 2>&1 || ok=0
mkdir "$tmp/k/release-new"
( keep_newest 2 "$tmp/k/release-new" "$tmp/k"/release-* ) >> "$tmp/out" 2>&1 || ok=0
[ -d "$tmp/k/release-new" ] || ok=0
for i in 1 2 3 4 5; do mkdir "$tmp/k/release-$i"; touch -d "-$((10 - i)) min" "$tmp/k/release-$i"; done
mkdir "$tmp/k/debug-1"; touch -d '-1 day' "$tmp/k/debug-1" "$tmp/k/release-new"
( keep_newest 2 "$tmp/k/release-new" "$tmp/k"/release-* ) >> "$tmp/out" 2>&1 || ok=0
[ "$(cd "$tmp/k" && echo *)" = "debug-1 release-4 release-5 release-new" ] || { ok=0; echo "left: $(cd "$tmp/k" && echo *)" >> "$tmp/out"; }
if [ $ok = 1 ]; then rec ok "scripts: keep_newest prunes old guest images with none, one and many present"
else rec fail "scripts: keep_newest prunes old guest images with none, one and many present" "$tmp/out"; fi

# 5. chunk (make check's parts): every name in exactly one part, in the order given, each part's
# time the sum of its names', about TARGET each; a name missing from the durations counts 60 s
printf 'x/a 500\nx/b 300\nx/c 200\nx/d 100\nx/e 100\n' > "$tmp/dur"
got=$(chunk "$tmp/dur" 400 x/ a b c d e f | sort)
want=$(printf '%s\n' "500 a" "300 b" "260 c f" "200 d e" | sort)
one=$(chunk "$tmp/dur" 10000 x/ a b c)
if [ "$got" = "$want" ] && [ "$one" = "1000 a b c" ] && [ -z "$(chunk "$tmp/dur" 400 x/)" ]; then
  rec ok "scripts: chunk groups the test files into parts of about the target time, each file once"
else printf 'got:\n%s\nwant:\n%s\none part: %s\n' "$got" "$want" "$one" > "$tmp/chunk"
  rec fail "scripts: chunk groups the test files into parts of about the target time, each file once" "$tmp/chunk"; fi
# 6. bench-report.py: the ratio, its noise mark, and a missing figure. rbond behind bonding in
#    every round (-), ahead in every round on a lower-is-better table (+), overlapping rounds
#    (no mark), one round only (no mark: no spread known); the ratios to the bare veth and to the
#    VLAN device; --check names what was never measured
mkdir -p "$tmp/b"
printf '#meta\tt\tT\tpps\thigher\tn\n#meta\tm\tM\tms\tlower\tn\n' > "$tmp/b/results.tsv"
printf '#want\tt\tbehind\tbonding\n#want\tt\tgone\trbond\n' >> "$tmp/b/results.tsv"
printf '%s\t%s\t%s\t%s\n' t behind bonding 100 t behind bonding 110 t behind rbond 90 t behind rbond 95 \
  t behind bare 120 t behind vlan 100 t mixed bonding 100 t mixed bonding 110 t mixed rbond 105 t mixed rbond 90 t one bonding 100 t one rbond 50 \
  m ahead bonding 300 m ahead bonding 320 m ahead rbond 200 m ahead rbond 210 >> "$tmp/b/results.tsv"
/usr/bin/python3 scripts/bench-report.py "$tmp/b" --check > "$tmp/b/out" 2>&1; rc=$?
if [ $rc = 1 ] && grep -qF '| behind | 0.88 (-) |' "$tmp/b/bench.md" && grep -qF '| mixed | 0.93 |' "$tmp/b/bench.md" &&
   grep -qF '| one | 0.50 |' "$tmp/b/bench.md" && grep -qF '| ahead | 0.66 (+) |' "$tmp/b/bench.md" &&
   grep -q '| rbond/bonding | rbond/bare | rbond/vlan |' "$tmp/b/bench.md" && grep -q '^| behind | .* | 0.77 | 0.93 |$' "$tmp/b/bench.md" &&
   grep -q 'gone' "$tmp/b/out"; then
  rec ok "scripts: bench-report.py marks a ratio beyond the rounds' noise (+/-), not one whose rounds overlap, gives rbond/bare and rbond/vlan, and --check names a figure never measured"
else { echo "exit $rc"; cat "$tmp/b/out" "$tmp/b/bench.md"; } > "$tmp/b/log" 2>&1
  rec fail "scripts: bench-report.py marks a ratio beyond the rounds' noise (+/-), not one whose rounds overlap, gives rbond/bare and rbond/vlan, and --check names a figure never measured" "$tmp/b/log"; fi
exit 0
