#!/usr/bin/env bash
# The cluster checks, in one command (CI runs this):
#
#   Tests/ClusterChecks/run.sh                  # k8s, schemas, systemd, ssh fan-out, netns, slurm (~90 s)
#   Tests/ClusterChecks/run.sh --without-slurm  # all but the local Slurm test (~50 s in all)
#   Tests/ClusterChecks/run.sh --only netns     # one check (k8s, k8s-schemas, systemd, ssh, netns, slurm)
#
#   k8s      cluster/k8s/check-manifests.py      manifests (cluster/k8s and the GPU overlay cluster/k8s-gpu)
#                                                agree with each other and the binaries' flags
#   k8s-schemas cluster/k8s/validate-schemas.sh  the same manifests against the Kubernetes API schemas
#                                                (kubernetes-validate from PyPI in .build-k8s-venv/: the
#                                                first run installs it, ~12 s; later runs are offline, ~2 s)
#   systemd  cluster/systemd/check-units.sh      systemd-analyze verify: status 0 and no output
#   ssh      cluster/ssh/test-fanout.sh          hpo-fanout.sh start/status/stop on 2 local "hosts"
#   netns    cluster/netns/multi-host-test.sh    4 network namespaces, CURVE, a link cut and restored
#                                                (skipped when namespaces are not allowed, e.g. not root)
#   slurm    cluster/slurm/local-slurm-test.sh   a private slurmctld + slurmd, sbatch, resume, worker array,
#                                                a worker job preempted mid-trial (~50 s; installs Slurm
#                                                first if missing, ~25 s; skipped when not root)
#
# The binaries: --bin DIR or HPO_BIN; otherwise `swift build $HPO_SWIFT_BUILD_FLAGS` (by default
# debug in .build, as CI builds it) and its output folder. Prints one line per check (a skipped
# one with its reason) and a final summary "N passed, M failed, K skipped"; exits 1 if any check
# failed. HPO_CLUSTER_WITH_SLURM=0 is --without-slurm (reported as skipped, never as passed).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT" || exit 1

with_slurm=${HPO_CLUSTER_WITH_SLURM:-1}
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --with-slurm) with_slurm=1 ;; # the default; kept for old command lines
    --without-slurm) with_slurm=0 ;;
    --bin) shift; export HPO_BIN="${1:?--bin needs a folder}" ;;
    --only) shift; only+=("${1:?--only needs a check name}") ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#only[@]} -gt 0 ] && [[ " ${only[*]} " == *" slurm "* ]] && with_slurm=1

if [ -z "${HPO_BIN:-}" ]; then
  # HPO_SWIFT_BUILD_FLAGS: e.g. "-c release --scratch-path .build-other" (default: none)
  read -r -a build_flags <<<"${HPO_SWIFT_BUILD_FLAGS:-}"
  echo "== building: swift build ${build_flags[*]}"
  swift build "${build_flags[@]}" >/dev/null || { echo "swift build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
  HPO_BIN="$(swift build "${build_flags[@]}" --show-bin-path)"
  export HPO_BIN
fi
echo "== binaries: $HPO_BIN"

# PyYAML for the Kubernetes check.
if ! python3 -c 'import yaml' 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null 2>&1; }
  fi
  python3 -c 'import yaml' 2>/dev/null || pip install --quiet pyyaml 2>/dev/null || true
fi

passed=0 failed=0 skipped=0
results=()

# check NAME TIMEOUT COMMAND...: runs one check; 0 passed, 77 skipped, anything else failed.
check() {
  local name=$1 limit=$2 start status
  shift 2
  if [ ${#only[@]} -gt 0 ] && [[ " ${only[*]} " != *" $name "* ]]; then return; fi
  echo
  echo "== $name: $*"
  start=$SECONDS
  # Its stdout also goes to a file, through a FIFO and tee, for the reason of a skip.
  local out fifo tee_pid _
  out=$(mktemp) fifo=$(mktemp -u)
  mkfifo "$fifo"
  tee "$out" <"$fifo" &
  tee_pid=$!
  timeout --kill-after=10 "$limit" "$@" >"$fifo"
  status=$?
  # Let tee write the last lines (bounded: a stray process of the check may hold the FIFO open).
  for _ in $(seq 30); do kill -0 "$tee_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$tee_pid" 2>/dev/null; wait "$tee_pid" 2>/dev/null
  rm -f "$fifo"
  local took=$((SECONDS - start)) reason
  # A skipped check says why on a line "SKIP: reason"; the summary repeats it.
  reason=$(sed -n 's/^SKIP: //p' "$out" | tail -n 1)
  rm -f "$out"
  case "$status" in
    0) passed=$((passed + 1)); results+=("passed   $name (${took} s)") ;;
    77) skipped=$((skipped + 1)); results+=("skipped  $name (${took} s): ${reason:-no reason given}") ;;
    124|137) failed=$((failed + 1)); results+=("FAILED   $name: timed out after $limit s") ;;
    *) failed=$((failed + 1)); results+=("FAILED   $name (status $status, ${took} s)") ;;
  esac
}

check k8s 120 python3 cluster/k8s/check-manifests.py
check k8s-schemas 300 cluster/k8s/validate-schemas.sh
check systemd 300 cluster/systemd/check-units.sh
check ssh 180 cluster/ssh/test-fanout.sh
check netns 240 cluster/netns/multi-host-test.sh
if [ "$with_slurm" = 1 ]; then
  check slurm 600 cluster/slurm/local-slurm-test.sh
elif [ ${#only[@]} -eq 0 ]; then
  echo
  echo "== slurm: SKIP: left out on request (--without-slurm or HPO_CLUSTER_WITH_SLURM=0)"
  skipped=$((skipped + 1)); results+=("skipped  slurm: left out on request (--without-slurm or HPO_CLUSTER_WITH_SLURM=0)")
fi

echo
echo "== cluster checks"
for line in "${results[@]}"; do echo "  $line"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
