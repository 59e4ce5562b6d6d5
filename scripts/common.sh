# Sourced by every script: pinned versions, cache layout, logging.
# shellcheck shell=bash
set -euo pipefail

# shellcheck source=errtrap.sh
. "$(dirname "${BASH_SOURCE[0]}")/errtrap.sh"

RBOND_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
. "$RBOND_TOP/scripts/versions.env"

: "${RBOND_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/rbond}"
: "${KERNEL:=release}"
case "$KERNEL" in release|debug) ;; *) echo "KERNEL must be 'release' or 'debug' (got '$KERNEL')" >&2; exit 2;; esac
export RBOND_CACHE KERNEL
mkdir -p "$RBOND_CACHE"

LINUX_UPSTREAM_VERSION=${LINUX_SOURCE_VERSION%%-*}            # 7.3.4
LINUX_SERIES=${LINUX_SOURCE_PKG#linux-source-}                # 7.3
RUSTC_VERSION=$(rustc --version | awk '{print $2}')           # 1.95.0

APT_DIR=$RBOND_CACHE/apt
DEB_DIR=$RBOND_CACHE/debs
SRC_DIR=$RBOND_CACHE/src
TOOLS_DIR=$RBOND_CACHE/tools
KSRC=$SRC_DIR/linux-$LINUX_SOURCE_VERSION
RUST_LIB_SRC=$SRC_DIR/rust-src-$RUSTC_VERSION/usr/src/rustc-$RUSTC_VERSION/library
BINDGEN_ROOT=$TOOLS_DIR/bindgen-$BINDGEN_VERSION
LIBCLANG_PATH=$TOOLS_DIR/libclang-$LIBCLANG_VERSION
export RUST_LIB_SRC LIBCLANG_PATH
export PATH=$BINDGEN_ROOT/bin:$PATH

# The compiler of the kernel and of rbond.ko against it: GCC for release; LLVM for debug, because
# KASAN with CONFIG_RUST needs a clang-built kernel (init/Kconfig: RUST depends on !KASAN ||
# CC_IS_CLANG). Every make of the kernel tree gets "${KMAKE[@]}".
KMAKE=()
[ "$KERNEL" = debug ] && KMAKE=("LLVM=-$DEBUG_LLVM_VERSION")
kernel_cc_version() {
  if [ "$KERNEL" = debug ]; then "clang-$DEBUG_LLVM_VERSION" --version 2>/dev/null | head -n1 || echo "no clang-$DEBUG_LLVM_VERSION"
  else gcc -dumpfullversion; fi
}

# The kernel build folder is keyed by everything that changes its output: versions and config.
kernel_key() {
  local frags="$RBOND_TOP/kernel/rbond.config"
  [ "$KERNEL" = debug ] && frags="$frags $RBOND_TOP/kernel/debug.config"
  # shellcheck disable=SC2086
  { echo "$LINUX_SOURCE_VERSION $RUSTC_VERSION $BINDGEN_VERSION $LIBCLANG_VERSION $(kernel_cc_version)"
    cat $frags; } | sha256sum | cut -c1-12
}
KOUT=$RBOND_CACHE/kernel/$KERNEL-$(kernel_key)
GUEST_DIR=$RBOND_CACHE/guest
export KSRC KOUT

_t0=$(date +%s)
log() { printf '[rbond %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[rbond] error: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - _t0 ))s"; }

# The folder of a guest run (the guest's /out): RBOND_RUN_DIR, or a new one under runs/ (the last
# 20 are kept, and any started in the last 3 hours: a long run may still be using its folder).
# Printed on stdout.
new_run_dir() {
  local run=${RBOND_RUN_DIR:-}
  if [ -z "$run" ]; then
    mkdir -p "$RBOND_CACHE/runs"
    { ls -1dt "$RBOND_CACHE"/runs/run.* 2>/dev/null || true; } | tail -n +20 |
      while read -r d; do [ -z "$(find "$d" -maxdepth 0 -mmin +180)" ] || rm -rf "$d"; done
    run=$(mktemp -d "$RBOND_CACHE/runs/run.XXXXXX")
  fi
  mkdir -p "$run"; echo "$run"
}

# lock_stage NAME: hold the cache's lock NAME until the script ends, so that two makes (worktrees,
# make check's guests) never build the same cached stage at once; the second waits, then finds
# the stage done
lock_stage() {
  local fd
  mkdir -p "$RBOND_CACHE/locks"
  exec {fd}> "$RBOND_CACHE/locks/$1"
  if ! flock -n "$fd"; then
    log "waiting for another build of '$1' in $RBOND_CACHE to finish"
    flock "$fd"
  fi
}

# Test results as records (make check numbers and prints them), one per line:
#   ok - DESC | not ok - DESC | ok - DESC # SKIP REASON | not ok - DESC # TODO REASON | #   DIAG
# rec VERDICT DESC [DIAG-FILE | REASON] appends one to $OUT (a part's file), with the last 25
# lines of DIAG-FILE under a failure
rec() {
  case "$1" in
    ok) echo "ok - $2";;
    skip) echo "ok - $2 # SKIP ${3:-}";;
    xfail) echo "not ok - $2 # TODO ${3:-}";;
    *) echo "not ok - $2"; [ -n "${3:-}" ] && [ -f "$3" ] && tail -n 25 "$3" | sed 's/^/#   /';;
  esac >> "$OUT"
  return 0
}
# keep_newest N EXCEPT PATH...: remove all PATHs (folders, e.g. old guest images) but EXCEPT and the
# N most recently modified of the others. None, one or many PATHs are all fine.
keep_newest() {
  local keep=$1 except=$2 d n=0; shift 2
  while IFS= read -r d; do
    [ -n "$d" ] && [ "$d" != "$except" ] || continue
    n=$((n + 1))
    if [ "$n" -gt "$keep" ]; then rm -rf -- "$d"; fi
  done < <([ $# -eq 0 ] || ls -1dt -- "$@" 2>/dev/null || true)
}

# Private apt configuration: the machine's own Debian mirror, with the suites we fetch from.
apt_private() {
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  local uri
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || die "cannot find the Debian mirror in /etc/apt/sources.list*"
  local list="$APT_DIR/sources.list"
  # trixie, trixie-backports and sid, one line each
  local content=""
  for s in trixie trixie-backports "$GUEST_SID_SUITE"; do
    content+="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $s main"$'\n'
  done
  if [ ! -f "$list" ] || [ "$(cat "$list")" != "${content%$'\n'}" ]; then
    printf '%s' "$content" > "$list"
    rm -f "$APT_DIR/.updated"
  fi
  APT_OPTS=(-o "Dir::Etc::sourcelist=$list" -o Dir::Etc::sourceparts=/nonexistent
            -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache"
            -o "Dir::State::status=/var/lib/dpkg/status" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
  # refresh the index at most once a day
  if [ ! -f "$APT_DIR/.updated" ] || [ -n "$(find "$APT_DIR/.updated" -mmin +1440)" ]; then
    log "apt: updating the private index (trixie, trixie-backports, $GUEST_SID_SUITE)"
    apt-get "${APT_OPTS[@]}" -q update >/dev/null
    touch "$APT_DIR/.updated"
  fi
}

# Download one .deb (name=version) into $DEB_DIR unless it is there.
apt_fetch() {
  local spec=$1 name=${1%%=*} ver=${1#*=}
  local f; f=$(ls "$DEB_DIR/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$f" ]; then
    mkdir -p "$DEB_DIR"
    (cd "$DEB_DIR" && apt-get "${APT_OPTS[@]}" -q download "$spec" >/dev/null) ||
      die "cannot download $spec; available: $(apt-cache "${APT_OPTS[@]}" madison "$name" | awk -F'|' '{gsub(/ /,"",$2); printf "%s ", $2}')"
    f=$(ls "$DEB_DIR/${name}_${ver//:/%3a}_"*.deb | head -n1)
  fi
  echo "$f"
}

# apt_extract_suite SUITE DEST PKG...: the candidate versions of PKGs in SUITE (one look-up for all),
# those not downloaded yet fetched in one apt-get call (one call per package took ~2 min on a new
# machine), each extracted into DEST
apt_extract_suite() {
  local suite=$1 dest=$2 p v spec missing=() specs=()
  shift 2
  declare -A ver=()
  while IFS=' ' read -r p v; do [ -n "${ver[$p]:-}" ] || ver[$p]=$v; done < <(
    apt-cache "${APT_OPTS[@]}" madison "$@" | awk -F'|' -v s="$suite" '
      { gsub(/ /, "", $1); gsub(/ /, "", $2); if (index($3, " " s "/")) print $1, $2 }')
  for p in "$@"; do
    [ -n "${ver[$p]:-}" ] || die "package $p not found in $suite"
    spec="$p=${ver[$p]}"; specs+=("$spec")
    ls "$DEB_DIR/${p}_${ver[$p]//:/%3a}_"*.deb > /dev/null 2>&1 || missing+=("$spec")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    mkdir -p "$DEB_DIR"
    (cd "$DEB_DIR" && apt-get "${APT_OPTS[@]}" -q download "${missing[@]}" > /dev/null) ||
      die "cannot download from $suite: ${missing[*]}"
  fi
  for spec in "${specs[@]}"; do dpkg-deb -x "$(apt_fetch "$spec")" "$dest"; done
}

# duration FILE NAME [DEFAULT]: NAME's seconds in FILE (lines "NAME SECONDS"), DEFAULT (60) if absent
duration() { awk -v t="$2" -v d="${3:-60}" '$1 == t { print $2; found = 1; exit } END { if (!found) print d }' "$1"; }
# chunk FILE TARGET PREFIX NAME...: the names grouped into parts of about TARGET seconds (each
# name's time is PREFIX+NAME's in FILE): as many parts as TARGET fits into the total (at least one,
# at most one per name), the names dealt longest first to the part with the least time so far.
# One line per part: "SECONDS NAME..." (its names in the order given)
chunk() {
  local file=$1 target=$2 prefix=$3; shift 3
  local f i=0
  for f in "$@"; do echo "$((i++)) $(duration "$file" "$prefix$f") $f"; done |
    sort -k2,2nr -k1,1n | awk -v target="$target" '
      { idx[NR] = $1; dur[NR] = $2; name[$1] = $3; total += $2; if ($1 + 1 > n) n = $1 + 1 }
      END { if (NR == 0) exit
            nb = int((total + target - 1) / target); if (nb < 1) nb = 1; if (nb > NR) nb = NR
            for (k = 1; k <= NR; k++) { b = 1; for (i = 2; i <= nb; i++) if (load[i] < load[b]) b = i
                                        load[b] += dur[k]; part[idx[k]] = b }
            for (b = 1; b <= nb; b++) { l = ""
              for (i = 0; i < n; i++) if (part[i] == b) l = l " " name[i]
              if (l != "") print load[b] l } }'
}
