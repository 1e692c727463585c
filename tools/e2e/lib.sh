# shellcheck shell=bash
# Shared by the e2e scripts. Sourced, not run.

# gate DESCRIPTION TIMEOUT_SECONDS INTERVAL_SECONDS COMMAND...
# Runs COMMAND until it succeeds or the deadline passes: a wait on a real condition with a
# bound, never a fixed pause. The interval only spaces the checks; each check is itself
# bounded by what remains of the deadline.
gate() {
  local what=$1 limit=$2 interval=$3
  shift 3
  local deadline=$((SECONDS + limit))
  until timeout "$((deadline - SECONDS > 0 ? deadline - SECONDS : 1))" "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "::error title=e2e gate::${what}: not reached within ${limit}s (last check: $*)"
      return 1
    fi
    sleep "$interval"
  done
  echo "ok: ${what}"
}
