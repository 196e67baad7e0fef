# Shared helpers for the cluster tests (sourced, not run). Bash.
# shellcheck shell=bash disable=SC2034  # the variables set here are used by the scripts that source it
#
#   HPO_BIN   folder holding hpo-coordinator, hpo-worker and hpo. Default: the first of
#             .build/release, .build/debug (of this repository) that has all three, then PATH.

CLUSTER_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CLUSTER_LIB/../.." && pwd)"
HPOLOG="$CLUSTER_LIB/hpolog.py"

# Exit status of a test that could not run on this machine (automake's convention).
EXIT_SKIP=77

say() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# find_binaries: sets COORDINATOR, WORKER, HPO (absolute paths) or dies.
find_binaries() {
  local candidates=() dir
  if [ -n "${HPO_BIN:-}" ]; then
    candidates=("$HPO_BIN")
  else
    candidates=("$REPO_ROOT/.build/release" "$REPO_ROOT/.build/debug")
  fi
  for dir in "${candidates[@]}"; do
    if [ -x "$dir/hpo-coordinator" ] && [ -x "$dir/hpo-worker" ] && [ -x "$dir/hpo" ]; then
      dir="$(cd "$dir" && pwd)"
      COORDINATOR="$dir/hpo-coordinator" WORKER="$dir/hpo-worker" HPO="$dir/hpo"
      return 0
    fi
  done
  if [ -z "${HPO_BIN:-}" ] && command -v hpo-coordinator >/dev/null && command -v hpo-worker >/dev/null \
     && command -v hpo >/dev/null; then
    COORDINATOR="$(command -v hpo-coordinator)" WORKER="$(command -v hpo-worker)" HPO="$(command -v hpo)"
    return 0
  fi
  if [ -n "${HPO_BIN:-}" ]; then die "HPO_BIN=$HPO_BIN does not hold hpo-coordinator, hpo-worker and hpo"; fi
  die "hpo-coordinator, hpo-worker and hpo not found in ${candidates[*]} or PATH: build first (swift build -c release) or set HPO_BIN"
}

# wait_exit PID SECONDS: wait (bounded) for a child to end; sets WAIT_RC to its exit status.
# Returns 1 if it is still running at the deadline.
wait_exit() {
  local pid=$1 limit=$2 end
  end=$((SECONDS + limit))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$end" ]; then return 1; fi
    # A zombie child still answers kill -0; `wait -n` is not bounded, so poll its state.
    if [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = "Z" ]; then break; fi
    sleep 0.1
  done
  WAIT_RC=0
  wait "$pid" 2>/dev/null || WAIT_RC=$?
  return 0
}

# stop_pids SECONDS PID...: SIGTERM each, wait up to SECONDS in all, then SIGKILL what is left.
stop_pids() {
  local limit=$1 pid end alive
  shift
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  end=$((SECONDS + limit))
  while :; do
    alive=()
    for pid in "$@"; do
      if kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != "Z" ]; then
        alive+=("$pid")
      fi
    done
    [ ${#alive[@]} -eq 0 ] && break
    if [ "$SECONDS" -ge "$end" ]; then
      for pid in "${alive[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
      break
    fi
    sleep 0.1
  done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# wait_file FILE SECONDS: wait (bounded) until FILE exists and is not empty.
wait_file() {
  local file=$1 limit=$2 end
  end=$((SECONDS + limit))
  until [ -s "$file" ]; do
    if [ "$SECONDS" -ge "$end" ]; then return 1; fi
    sleep 0.1
  done
}

# A small study of the built-in Branin function: write_study FILE NAME TRIALS SLEEP_SECONDS
write_study() {
  cat >"$1" <<EOF
name: $2
objective: {metric: objective, direction: minimize}
budget: {trials: $3}
strategy: random
seed: 11
space:
  x0: {type: float, low: -5, high: 10}
  x1: {type: float, low: 0, high: 15}
trial:
  builtin: branin
  sleep: $4
EOF
}
