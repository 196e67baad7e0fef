#!/usr/bin/env bash
# A multi-host test on one machine, with network namespaces.
#
# Builds one namespace for the coordinator and HOSTS (default 3) for workers, each with its own
# address in a private subnet, joined by veth pairs to a bridge that lives in a namespace of its
# own (nothing is added to the machine's own network; all traffic stays inside the namespaces).
#
#   coordinator  10.213.0.1     (namespace hpo-PID-coord)
#   host N       10.213.0.(10+N) (namespace hpo-PID-hN), workers hostN-w1, hostN-w2
#   bridge br0                  (namespace hpo-PID-sw), one port per namespace
#
# Phase 1: the coordinator listens on 10.213.0.1 with CURVE (keys from `hpo keygen`, one key pair
#   per host); every host's workers join and a study runs to completion; a worker with a key that
#   is not authorised is refused (exit 2). Checks: every trial completed exactly once, every host
#   worked, every process exited 0.
# Phase 2: a second study with trials that take 1 s. As soon as the last host's workers hold a
#   trial, its link is cut (`ip link set hN down` on the bridge side of its veth: the host sees its
#   cable unplugged). Checks: its workers are declared lost and their trials are re-queued and
#   completed by other workers as later attempts; after the link is restored its workers
#   register again; the study completes with exactly its budget, no trial twice.
#
# Exit status: 0 passed, 1 failed, 77 skipped (not root, no `ip`, or namespaces not allowed;
# the reason is printed as "SKIP: ..."). Everything it made (processes, namespaces, bridge,
# temporary folder) is removed on exit, also on failure or Ctrl-C.
#
# Environment: HPO_BIN (folder with the binaries, see cluster/lib/common.sh),
#   HPO_NETNS_HOSTS (worker hosts, default 3, at least 2), HPO_NETNS_KEEP=1 keeps the temporary
#   folder (logs) for inspection.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

HOSTS=${HPO_NETNS_HOSTS:-3}
NET=10.213.0
PORT=5555
HEARTBEAT=0.3
LIVENESS=4
PREFIX="hpo-$$"
NS_SWITCH="$PREFIX-sw" NS_COORD="$PREFIX-coord"
CREATED_NS=()
PIDS=()
WORK=""
STARTED=$SECONDS

skip() { printf 'SKIP: %s\n' "$*"; exit "$EXIT_SKIP"; }

cleanup() {
  local status=$? ns pid
  trap - EXIT INT TERM
  if [ ${#PIDS[@]} -gt 0 ]; then stop_pids 5 "${PIDS[@]}"; fi
  for ns in "${CREATED_NS[@]}"; do
    # Anything still running inside our namespaces was started by this script (trial children).
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ -n "$WORK" ]; then
    if [ "${HPO_NETNS_KEEP:-0}" = 1 ] || { [ "$status" -ne 0 ] && [ "$status" -ne "$EXIT_SKIP" ]; }; then
      if [ "$status" -ne 0 ]; then
        for f in "$WORK"/*.out; do [ -f "$f" ] && { echo "--- $(basename "$f") (last lines)"; tail -n 8 "$f"; }; done >&2
      fi
      echo "logs kept in $WORK" >&2
    else
      rm -rf "$WORK"
    fi
  fi
  [ ${#CREATED_NS[@]} -gt 0 ] && say "cleaned up: ${#CREATED_NS[@]} namespaces, ${#PIDS[@]} processes"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

add_ns() { ip netns add "$1"; CREATED_NS+=("$1"); ip -n "$1" link set lo up; }

# ---------------------------------------------------------------- can this machine do it?
[ "$(id -u)" -eq 0 ] || skip "network namespaces need root (run as root, or in CI as root)"
command -v ip >/dev/null || skip "the ip command (iproute2) is not installed"
[ "$HOSTS" -ge 2 ] 2>/dev/null || die "HPO_NETNS_HOSTS must be at least 2"
probe="$PREFIX-probe"
if ! ip netns add "$probe" 2>/dev/null; then skip "ip netns add is not allowed here"; fi
CREATED_NS+=("$probe")
if ! ip -n "$probe" link add name br0 type bridge 2>/dev/null \
   || ! ip -n "$probe" link add name probe0 type veth peer name probe1 2>/dev/null; then
  skip "bridges or veth pairs cannot be made in a namespace here"
fi
ip netns del "$probe"
CREATED_NS=()
find_binaries
command -v python3 >/dev/null || die "python3 is needed to check the results log"
WORK="$(mktemp -d /tmp/hpo-netns.XXXXXX)"

# ---------------------------------------------------------------- the network
say "building namespaces $PREFIX-*: coordinator $NET.1, $HOSTS hosts, bridge in $NS_SWITCH"
add_ns "$NS_SWITCH"
ip -n "$NS_SWITCH" link add name br0 type bridge
ip -n "$NS_SWITCH" link set br0 up
attach() { # NAMESPACE PORT_NAME ADDRESS
  ip -n "$NS_SWITCH" link add name "$2" type veth peer name eth0 netns "$1"
  ip -n "$NS_SWITCH" link set "$2" master br0 up
  ip -n "$1" addr add "$3/24" dev eth0
  ip -n "$1" link set eth0 up
}
add_ns "$NS_COORD"
attach "$NS_COORD" coord "$NET.1"
for h in $(seq 1 "$HOSTS"); do
  add_ns "$PREFIX-h$h"
  attach "$PREFIX-h$h" "h$h" "$NET.$((10 + h))"
done

# ---------------------------------------------------------------- keys: one pair per host
hosts_args=()
for h in $(seq 1 "$HOSTS"); do hosts_args+=(--worker "host$h"); done
"$HPO" keygen --out "$WORK/keys" >/dev/null
"$HPO" keygen --out "$WORK/keys" "${hosts_args[@]}" >/dev/null
"$HPO" keygen --out "$WORK/rogue" >/dev/null # a key pair the coordinator does not know
ENDPOINT="tcp://$NET.1:$PORT"

start_coordinator() { # STUDY LOG OUT
  ip netns exec "$NS_COORD" "$COORDINATOR" "$1" --bind "$ENDPOINT" --log "$2" \
    --curve-secret "$WORK/keys/coordinator.key" --authorized-keys "$WORK/keys/workers" \
    --heartbeat "$HEARTBEAT" --liveness "$LIVENESS" --log-level info >"$3" 2>&1 &
  COORD_PID=$!
  PIDS+=("$COORD_PID")
}

start_workers() { # PHASE: two workers per host; fills PHASE_WORKERS (pids) and WORKER_NAMES
  PHASE_WORKERS=() WORKER_NAMES=()
  local h w name
  for h in $(seq 1 "$HOSTS"); do
    for w in 1 2; do
      name="host$h-w$w"
      ip netns exec "$PREFIX-h$h" "$WORKER" --connect "$ENDPOINT" --name "$name" --slots 1 \
        --curve-key "$WORK/keys/workers/host$h.key" --server-key "$WORK/keys/coordinator.pub" \
        --welcome-timeout 30 >"$WORK/$1-$name.out" 2>&1 &
      PIDS+=($!)
      PHASE_WORKERS+=($!)
      WORKER_NAMES+=("$name")
    done
  done
}

finish_phase() { # PHASE SECONDS: the coordinator and every worker exit 0 within the deadline
  local i
  wait_exit "$COORD_PID" "$2" || die "$1: the coordinator did not finish within $2 s"
  [ "$WAIT_RC" -eq 0 ] || die "$1: the coordinator exited with status $WAIT_RC"
  for i in "${!PHASE_WORKERS[@]}"; do
    wait_exit "${PHASE_WORKERS[$i]}" 15 || die "$1: worker ${WORKER_NAMES[$i]} did not exit within 15 s of the study's end"
    [ "$WAIT_RC" -eq 0 ] || die "$1: worker ${WORKER_NAMES[$i]} exited with status $WAIT_RC"
  done
}

HOST_PREFIXES=()
for h in $(seq 1 "$HOSTS"); do HOST_PREFIXES+=(--worker-prefix "host$h-"); done

# ---------------------------------------------------------------- phase 1: a study across hosts
phase_start=$SECONDS
BUDGET1=30
write_study "$WORK/phase1.yaml" netns-phase1 "$BUDGET1" 0.05
LOG1="$WORK/phase1.jsonl"
say "phase 1: coordinator on $ENDPOINT (CURVE), 2 workers on each of $HOSTS hosts, $BUDGET1 trials"
start_coordinator "$WORK/phase1.yaml" "$LOG1" "$WORK/phase1-coordinator.out"
start_workers phase1
# A worker on host 1 whose key is not on the allow-list: refused, exits 2 at its welcome deadline.
ip netns exec "$PREFIX-h1" "$WORKER" --connect "$ENDPOINT" --name host1-rogue \
  --curve-key "$WORK/rogue/workers/worker.key" --server-key "$WORK/keys/coordinator.pub" \
  --welcome-timeout 3 >"$WORK/phase1-host1-rogue.out" 2>&1 &
ROGUE_PID=$!
PIDS+=("$ROGUE_PID")
finish_phase "phase 1" 60
python3 "$HPOLOG" check-study "$LOG1" --budget "$BUDGET1" "${HOST_PREFIXES[@]}"
joined=$(python3 "$HPOLOG" count "$LOG1" --event worker_joined)
[ "$joined" -eq $((2 * HOSTS)) ] || die "phase 1: $joined worker_joined lines, expected $((2 * HOSTS))"
grep -q "(CURVE)" "$WORK/phase1-coordinator.out" || die "phase 1: the coordinator did not listen with CURVE"
wait_exit "$ROGUE_PID" 15 || die "phase 1: the unauthorised worker did not give up"
[ "$WAIT_RC" -eq 2 ] || die "phase 1: the unauthorised worker exited with $WAIT_RC, expected 2"
grep -q "key not authorised" "$WORK/phase1-coordinator.out" \
  || die "phase 1: the coordinator did not log the refused key"
python3 "$HPOLOG" count "$LOG1" --event worker_joined --where worker=host1-rogue | grep -qx 0 \
  || die "phase 1: the unauthorised worker was registered"
say "phase 1 passed in $((SECONDS - phase_start)) s: $BUDGET1 trials over CURVE from $HOSTS hosts; unauthorised key refused (exit 2)"

# ---------------------------------------------------------------- phase 2: cut a host's link mid-trial
phase_start=$SECONDS
BUDGET2=48
CUT=$HOSTS
CUT_WORKERS="host$CUT-w1,host$CUT-w2"
write_study "$WORK/phase2.yaml" netns-phase2 "$BUDGET2" 1.0
LOG2="$WORK/phase2.jsonl"
say "phase 2: $BUDGET2 trials of 1 s; host $CUT's link will be cut while its workers hold trials"
start_coordinator "$WORK/phase2.yaml" "$LOG2" "$WORK/phase2-coordinator.out"
start_workers phase2
for w in host$CUT-w1 host$CUT-w2; do
  python3 "$HPOLOG" wait "$LOG2" --timeout 30 --event trial_dispatched --where "worker=$w" >/dev/null \
    || die "phase 2: no trial was dispatched to $w"
done
ip -n "$NS_SWITCH" link set "h$CUT" down
cut_at=$SECONDS
say "phase 2: cut host $CUT ($NET.$((10 + CUT))): ip link set h$CUT down"
for w in host$CUT-w1 host$CUT-w2; do
  python3 "$HPOLOG" wait "$LOG2" --timeout 20 --event worker_left --where "worker=$w" --where-prefix reason=lost \
    >/dev/null || die "phase 2: $w was not declared lost"
done
say "phase 2: both workers of host $CUT declared lost after $((SECONDS - cut_at)) s"
# Keep the link down until every abandoned trial has been completed elsewhere.
for trial in $(python3 - "$LOG2" "$CUT_WORKERS" <<'EOF'
import json, sys
workers = set(sys.argv[2].split(","))
for line in open(sys.argv[1]):
    event = json.loads(line)
    if event.get("event") == "worker_left" and event.get("worker") in workers:
        print(" ".join(str(t) for t in event.get("abandoned") or []))
EOF
); do
  python3 "$HPOLOG" wait "$LOG2" --timeout 20 --event trial_completed --where "trial=$trial" >/dev/null \
    || die "phase 2: abandoned trial $trial was not completed elsewhere"
done
python3 "$HPOLOG" check-requeue "$LOG2" --workers "$CUT_WORKERS"
ip -n "$NS_SWITCH" link set "h$CUT" up
restored_at=$SECONDS
say "phase 2: link of host $CUT restored after $((restored_at - cut_at)) s"
for w in host$CUT-w1 host$CUT-w2; do
  left=$(python3 "$HPOLOG" wait "$LOG2" --timeout 1 --event worker_left --where "worker=$w" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["_line"])')
  python3 "$HPOLOG" wait "$LOG2" --timeout 30 --event worker_joined --where "worker=$w" --after-line "$left" \
    >/dev/null || die "phase 2: $w did not register again within 30 s of the link coming back"
done
say "phase 2: both workers of host $CUT registered again $((SECONDS - restored_at)) s after the link came back"
finish_phase "phase 2" 90
python3 "$HPOLOG" check-rejoin "$LOG2" --workers "$CUT_WORKERS"
python3 "$HPOLOG" check-study "$LOG2" --budget "$BUDGET2" "${HOST_PREFIXES[@]}"
dropped=$(python3 "$HPOLOG" count "$LOG2" --event result_dropped)
say "phase 2 passed in $((SECONDS - phase_start)) s ($dropped stale result(s) of the lost attempts dropped)"
"$HPO" status "$LOG2" --top 0 | sed 's/^/    /'

echo "PASS: multi-host test ($HOSTS hosts, CURVE, link cut and restored) in $((SECONDS - STARTED)) s"
