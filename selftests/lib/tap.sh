# SPDX-License-Identifier: GPL-2.0
# TAP helpers for rbond's guest selftests. A test prints "ok - ...", "not ok - ..." or
# "ok - ... # SKIP reason"; selftests/run.sh numbers the lines and counts them.

# check DESCRIPTION COMMAND...: one TAP line; the command's output is shown as diagnostics on failure
check() {
  local desc=$1; shift
  local out
  if out=$("$@" 2>&1); then
    echo "ok - $desc"
  else
    echo "not ok - $desc"
    printf '%s\n' "$out" | tail -n 15 | sed 's/^/#   /'
  fi
}

# check_fails DESCRIPTION COMMAND...: passes when the command fails
check_fails() {
  local desc=$1; shift
  local out
  if out=$("$@" 2>&1); then
    echo "not ok - $desc"
    printf '%s\n' "$out" | tail -n 15 | sed 's/^/#   /'
    echo "#   (the command succeeded; it should have failed)"
  else
    echo "ok - $desc"
  fi
}

skip() { echo "ok - $1 # SKIP $2"; }

# link_exists NAME [NETNS]
link_exists() {
  if [ -n "${2:-}" ]; then ip -n "$2" link show dev "$1" >/dev/null 2>&1; else ip link show dev "$1" >/dev/null 2>&1; fi
}
link_absent() { ! link_exists "$@"; }

# jfield NAME JQ-EXPR [NETNS]: a field of `ip -j -d link show`. .mtu, .address and .master (as
# jq -r prints them, "null" for none) are read from sysfs: ip and jq cost ~1.5 s of a TCG guest's
# CPU, and some tests read them dozens of times
jfield() {
  local v
  if [ -z "${3:-}" ] && [ -d "/sys/class/net/$1" ]; then
    case "$2" in
      .mtu|.address) read -r v < "/sys/class/net/$1/${2#.}" && { echo "$v"; return 0; };;
      .master) if [ -L "/sys/class/net/$1/master" ]; then v=$(readlink "/sys/class/net/$1/master"); echo "${v##*/}"
               else echo null; fi; return 0;;
    esac
  fi
  local ns=()
  [ -n "${3:-}" ] && ns=(-n "$3")
  ip "${ns[@]}" -j -d link show dev "$1" | jq -r ".[0]$2"
}

# equals EXPECTED ACTUAL: a check body that says what it saw
equals() { [ "$1" = "$2" ] || { echo "expected '$1', got '$2'"; return 1; }; }

module_loaded() { grep -q "^$1 " /proc/modules; }
module_unloaded() { ! module_loaded "$1"; }

# unload rbond if loaded (between tests)
rbond_unload() { if module_loaded rbond; then rmmod rbond; fi; }
