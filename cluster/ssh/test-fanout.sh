#!/usr/bin/env bash
# Tests hpo-fanout.sh on this machine: two "hosts" (folders, reached through local-ssh.sh instead
# of ssh) run workers against a coordinator on 127.0.0.1 with CURVE keys, one key pair per host.
#
#   1. start 2 workers on alpha and 3 on beta (a count in the hosts file): all five join;
#      `start` again starts nothing; `status` lists five running workers.
#   2. stop: every worker gets SIGTERM, hands its trial back ("bye: SIGTERM") and exits.
#   3. start 1 worker per host again: the study finishes with exactly its budget, no trial twice,
#      the workers exit 0 by themselves and `status` says so.
#
# Exit status 0 passed, 1 failed. Cleans up (processes, temporary folder) also on failure.
# Environment: HPO_BIN (see cluster/lib/common.sh).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
FANOUT="$CLUSTER_LIB/../ssh/hpo-fanout.sh"
STARTED=$SECONDS

find_binaries
WORK="$(mktemp -d /tmp/hpo-fanout-test.XXXXXX)"
COORD_PID=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Workers first, through the script under test; then directly by pid file if that failed.
  HPO_STOP_TIMEOUT=5 "$FANOUT" stop "$WORK/hosts" >/dev/null 2>&1 || true
  for pidfile in "$WORK"/hosts.d/*/.hpo-fanout/*.pid; do
    [ -f "$pidfile" ] && kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
  done
  [ -n "$COORD_PID" ] && stop_pids 5 "$COORD_PID"
  if [ "$status" -ne 0 ]; then
    for f in "$WORK"/coordinator.out "$WORK"/hosts.d/*/.hpo-fanout/*.log; do
      [ -f "$f" ] && { echo "--- $f"; tail -n 5 "$f"; }
    done >&2
    echo "logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export HPO_SSH="$CLUSTER_LIB/../ssh/local-ssh.sh" HPO_LOCAL_HOSTS="$WORK/hosts.d"
export HPO_WORKER="$WORKER" HPO_CURVE_KEY=.hpo/worker.key HPO_SERVER_KEY=.hpo/coordinator.pub
export HPO_STOP_TIMEOUT=15

# Keys: one pair per host, installed in each host's home as on real hosts.
"$HPO" keygen --out "$WORK/keys" >/dev/null
"$HPO" keygen --out "$WORK/keys" --worker alpha --worker beta >/dev/null
for host in alpha beta; do
  mkdir -p "$WORK/hosts.d/$host/.hpo"
  cp "$WORK/keys/workers/$host.key" "$WORK/hosts.d/$host/.hpo/worker.key"
  cp "$WORK/keys/coordinator.pub" "$WORK/hosts.d/$host/.hpo/coordinator.pub"
done
printf '# test hosts\nalpha\n\nuser@beta 3   # three workers here\n' >"$WORK/hosts"

BUDGET=40
write_study "$WORK/study.yaml" fanout-test "$BUDGET" 1.0
LOG="$WORK/results.jsonl"
"$COORDINATOR" "$WORK/study.yaml" --bind tcp://127.0.0.1:0 --endpoint-file "$WORK/endpoint" --log "$LOG" \
  --curve-secret "$WORK/keys/coordinator.key" --authorized-keys "$WORK/keys/workers" \
  --heartbeat 0.3 --liveness 4 >"$WORK/coordinator.out" 2>&1 &
COORD_PID=$!
wait_file "$WORK/endpoint" 15 || die "the coordinator did not write its endpoint file"
HPO_CONNECT="$(cat "$WORK/endpoint")"
export HPO_CONNECT
say "coordinator on $HPO_CONNECT (CURVE); hosts alpha (2 workers) and beta (3)"

# 1. start
"$FANOUT" start "$WORK/hosts" 2 | tee "$WORK/start1.out"
for name in alpha-w1 alpha-w2 beta-w1 beta-w2 beta-w3; do
  python3 "$HPOLOG" wait "$LOG" --timeout 20 --event worker_joined --where "worker=$name" >/dev/null \
    || die "$name did not join"
done
say "ok: all five workers joined"
"$FANOUT" start "$WORK/hosts" 2 >"$WORK/start2.out"
[ "$(grep -c 'already running' "$WORK/start2.out")" -eq 5 ] || { cat "$WORK/start2.out"; die "a second start did not leave the five workers alone"; }
say "ok: a second start leaves them alone"
"$FANOUT" status "$WORK/hosts" | tee "$WORK/status1.out"
[ "$(grep -c ': running (pid' "$WORK/status1.out")" -eq 5 ] || die "status does not list five running workers"
for name in alpha-w1 alpha-w2 beta-w1 beta-w2 beta-w3; do
  python3 "$HPOLOG" wait "$LOG" --timeout 20 --event trial_dispatched --where "worker=$name" >/dev/null \
    || die "$name got no trial"
done

# 2. stop: SIGTERM, each hands back its trial
"$FANOUT" stop "$WORK/hosts" | tee "$WORK/stop.out"
[ "$(grep -c ': stopped (pid' "$WORK/stop.out")" -eq 5 ] || die "stop did not stop five workers"
for name in alpha-w1 alpha-w2 beta-w1 beta-w2 beta-w3; do
  python3 "$HPOLOG" wait "$LOG" --timeout 10 --event worker_left --where "worker=$name" --where "reason=bye: SIGTERM" \
    >/dev/null || die "$name did not say bye on SIGTERM"
done
handed_back=$(python3 - "$LOG" <<'EOF'
import json, sys
print(sum(len(e.get("abandoned") or []) for e in map(json.loads, open(sys.argv[1])) if e.get("event") == "worker_left"))
EOF
)
say "ok: stop sent SIGTERM; all five said bye, handing back $handed_back running trial(s)"
ls "$WORK"/hosts.d/*/.hpo-fanout/*.pid >/dev/null 2>&1 && die "stop left pid files behind"

# 3. start again, one worker per host (the count in the file still gives beta 3): finish the study
"$FANOUT" start "$WORK/hosts" 1 >/dev/null
wait_exit "$COORD_PID" 90 || die "the study did not finish within 90 s"
[ "$WAIT_RC" -eq 0 ] || die "the coordinator exited with status $WAIT_RC"
COORD_PID=""
python3 "$HPOLOG" check-study "$LOG" --budget "$BUDGET" --worker-prefix alpha- --worker-prefix beta-
# The workers exit 0 on the coordinator's shutdown: status shows them exited.
end=$((SECONDS + 15))
until [ "$("$FANOUT" status "$WORK/hosts" | grep -c ': exited: ')" -eq 4 ]; do
  [ "$SECONDS" -lt "$end" ] || { "$FANOUT" status "$WORK/hosts"; die "the workers did not exit after the study"; }
  sleep 0.2
done
"$FANOUT" status "$WORK/hosts"
grep -q "worker exits" "$WORK/hosts.d/alpha/.hpo-fanout/alpha-w1.log" || die "alpha-w1's log does not show its exit"
"$FANOUT" stop "$WORK/hosts" >/dev/null
say "ok: restarted workers finished the study; they exited by themselves"

echo "PASS: ssh fan-out (2 hosts, start/status/stop, CURVE) in $((SECONDS - STARTED)) s"
