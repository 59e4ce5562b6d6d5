# Sourced by every bash script under scripts/ (through common.sh, or directly by those that do not
# use common.sh: bindgen.sh, and demo.sh and bench.sh in the guest).
# shellcheck shell=bash
# No failure is silent: a command that stops a script (errexit) prints the script, the file and
# line, the command and its status (and the statuses of a pipeline), and the functions it was in.
# set -E hands the trap to functions, subshells and command substitutions; a script or part of one
# that runs with set +e (and tests statuses itself) gets no message.
set -E
_rbond_err() {
  local rc=$1 ps=$2 cmd=$3 i
  [[ $- == *e* ]] || return 0
  local pst=""; [ "${ps// /}" = "$rc" ] || pst=" (statuses of the pipeline: $ps)"
  printf '[rbond] error: %s stopped at %s:%s: `%s` failed with status %s%s\n' "${0##*/}" \
    "${BASH_SOURCE[1]#"${RBOND_TOP:-/src}"/}" "${BASH_LINENO[0]}" "$cmd" "$rc" "$pst" >&2
  for ((i = 1; i < ${#FUNCNAME[@]} - 1; i++)); do
    printf '[rbond]   in %s(), called from %s:%s\n' "${FUNCNAME[i]}" "${BASH_SOURCE[i+1]#"${RBOND_TOP:-/src}"/}" "${BASH_LINENO[i]}" >&2
  done
}
trap '_rbond_err $? "${PIPESTATUS[*]}" "$BASH_COMMAND"' ERR
