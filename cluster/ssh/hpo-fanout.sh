#!/usr/bin/env bash
# Starts, stops and lists hpo-worker processes on many hosts over SSH.
#
#   hpo-fanout.sh start  HOSTS_FILE N   start N workers on each host (nohup; pid files and logs)
#   hpo-fanout.sh stop   HOSTS_FILE     SIGTERM every worker started here: each hands its trial
#                                       back to the coordinator, which re-queues it at once
#   hpo-fanout.sh status HOSTS_FILE     list the workers on each host: running or exited, last log line
#
# HOSTS_FILE: one host per line as ssh takes it (host, user@host, an ~/.ssh/config alias),
# optionally followed by a number of workers for that host (overrides N); `#` starts a comment.
# Workers are named LABEL-wI (LABEL: the host without user@), so the results log says which host
# ran what; stop and status act on LABEL's workers only. `start` is idempotent: a worker whose pid file names a live process is left alone.
#
# Settings (environment):
#   HPO_CONNECT      the coordinator's address, e.g. tcp://coord-host:5555 (required for start)
#   HPO_CURVE_KEY    this host's worker key file, on the host (e.g. .hpo/worker.key)   } CURVE, needed
#   HPO_SERVER_KEY   the coordinator's public key file, on the host (.hpo/coordinator.pub) } beyond loopback
#   HPO_WORKER       the hpo-worker program on the hosts (default: hpo-worker on their PATH)
#   HPO_WORKER_ARGS  more flags for every worker, e.g. "--slots 2 --scratch /scratch"
#   HPO_RUN_DIR      folder for pid files and logs on the hosts (default: .hpo-fanout in the home)
#   HPO_SSH          the remote-shell command, called as `$HPO_SSH HOST 'sh -s'` like ssh,
#                    with the script to run on standard input
#                    (default: ssh -o BatchMode=yes -o ConnectTimeout=10). cluster/ssh/local-ssh.sh
#                    runs "hosts" as folders on this machine, for tests.
#   HPO_STOP_TIMEOUT seconds `stop` waits for workers to exit before SIGKILL (default 30)
#
# Hosts are contacted in parallel; the exit status is non-zero if any host failed.
set -euo pipefail

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1 hosts_file=$2 count=${3:-}
case "$action" in
  start) [[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "start needs N, the number of workers per host" >&2; exit 2; }
         [ -n "${HPO_CONNECT:-}" ] || { echo "set HPO_CONNECT to the coordinator's address (tcp://HOST:PORT)" >&2; exit 2; } ;;
  stop|status) ;;
  *) usage ;;
esac
[ -r "$hosts_file" ] || { echo "$hosts_file: cannot read the hosts file" >&2; exit 2; }

read -r -a SSH <<<"${HPO_SSH:-ssh -o BatchMode=yes -o ConnectTimeout=10}"
RUN_DIR=${HPO_RUN_DIR:-.hpo-fanout}
STOP_TIMEOUT=${HPO_STOP_TIMEOUT:-30}

# quote WORD: WORD as one single-quoted word for the remote POSIX shell.
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# The script each host runs (POSIX sh). Its own arguments arrive as shell assignments.
remote_start='
mkdir -p "$dir" || exit 1
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
set --
[ -z "$curve_key" ] || set -- "--curve-key=$curve_key" "--server-key=$server_key"
started=""
i=1
while [ "$i" -le "$count" ]; do
  name="$label-w$i"
  pidfile="$dir/$name.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "$name: already running (pid $(cat "$pidfile"))"
  else
    # All three standard streams redirected: ssh returns at once instead of waiting for them.
    nohup "$worker" --connect "$connect" --name "$name" "$@" $extra >"$dir/$name.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    started="$started $name"
  fi
  i=$((i + 1))
done
[ -n "$started" ] || exit 0
sleep 1
status=0
for name in $started; do
  pid=$(cat "$dir/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name: started (pid $pid, log $dir/$name.log)"
  else
    echo "$name: exited at once: $(tail -n 3 "$dir/$name.log" | tr "\n" " ")"
    rm -f "$dir/$name.pid"
    status=1
  fi
done
exit $status
'

# A pid file is trusted only if its process is still an hpo-worker with that name (pids are reused).
remote_common='
is_ours() { kill -0 "$1" 2>/dev/null && ps -o args= -p "$1" 2>/dev/null | grep -Eq -- "--name $2( |\$)"; }
'

remote_stop='
[ -d "$dir" ] || { echo "no workers started here"; exit 0; }
pids=""
for pidfile in "$dir/$label"-w*.pid; do
  [ -f "$pidfile" ] || continue
  name=$(basename "$pidfile" .pid); pid=$(cat "$pidfile")
  if is_ours "$pid" "$name"; then
    kill -TERM "$pid" && pids="$pids $pid:$name"
  else
    echo "$name: not running"; rm -f "$pidfile"
  fi
done
waited=0
while :; do
  left=""
  for entry in $pids; do
    pid=${entry%%:*}; name=${entry#*:}
    if is_ours "$pid" "$name"; then left="$left $entry"; else echo "$name: stopped (pid $pid)"; rm -f "$dir/$name.pid"; fi
  done
  pids=$left
  [ -z "$pids" ] && break
  if [ "$waited" -ge $((timeout * 10)) ]; then
    for entry in $pids; do
      pid=${entry%%:*}; name=${entry#*:}
      kill -KILL "$pid" 2>/dev/null; echo "$name: did not stop within ${timeout} s: killed (pid $pid)"; rm -f "$dir/$name.pid"
    done
    exit 1
  fi
  sleep 0.1; waited=$((waited + 1))
done
'

remote_status='
[ -d "$dir" ] || { echo "no workers started here"; exit 0; }
for pidfile in "$dir/$label"-w*.pid; do
  [ -f "$pidfile" ] || { echo "no workers started here"; break; }
  name=$(basename "$pidfile" .pid); pid=$(cat "$pidfile")
  if is_ours "$pid" "$name"; then state="running (pid $pid)"; else state="exited"; fi
  echo "$name: $state: $(tail -n 1 "$dir/$name.log" 2>/dev/null)"
done
'

if [ -n "${HPO_CURVE_KEY:-}" ] || [ -n "${HPO_SERVER_KEY:-}" ]; then
  [ -n "${HPO_CURVE_KEY:-}" ] && [ -n "${HPO_SERVER_KEY:-}" ] \
    || { echo "set both HPO_CURVE_KEY and HPO_SERVER_KEY (or neither, on loopback)" >&2; exit 2; }
fi

# run_host HOST_ENTRY WORKERS OUTFILE: runs the action's script on one host.
run_host() {
  local host=$1 n=$2 label script
  label=${host##*@}
  label=$(printf '%s' "$label" | tr -c 'A-Za-z0-9._-' '_')
  script="dir=$(quote "$RUN_DIR") label=$(quote "$label") count=$n timeout=$STOP_TIMEOUT"
  script+=" connect=$(quote "${HPO_CONNECT:-}") worker=$(quote "${HPO_WORKER:-hpo-worker}")"
  script+=" curve_key=$(quote "${HPO_CURVE_KEY:-}") server_key=$(quote "${HPO_SERVER_KEY:-}")"
  script+=" extra=$(quote "${HPO_WORKER_ARGS:-}")"
  case "$action" in
    start) script+="$remote_start" ;;
    stop) script+="$remote_common$remote_stop" ;;
    status) script+="$remote_common$remote_status" ;;
  esac
  # `extra` holds several words: the remote script expands it unquoted, on purpose.
  # The script goes to `sh -s` on standard input, so the host's login shell may be any shell.
  timeout $((STOP_TIMEOUT + 60)) "${SSH[@]}" "$host" "sh -s" <<<"$script"
}

hosts=() counts=()
while read -r host n _ || [ -n "${host:-}" ]; do
  case "$host" in ''|'#'*) continue ;; esac
  [ -z "$n" ] || [[ "$n" =~ ^[0-9]+$ ]] || { echo "$hosts_file: '$host $n': the count must be a number" >&2; exit 2; }
  hosts+=("$host") counts+=("${n:-$count}")
done <"$hosts_file"
[ ${#hosts[@]} -gt 0 ] || { echo "$hosts_file: no hosts" >&2; exit 2; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
pids=()
for i in "${!hosts[@]}"; do
  run_host "${hosts[$i]}" "${counts[$i]:-0}" >"$out/$i" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!hosts[@]}"; do
  status=0
  wait "${pids[$i]}" || status=$?
  sed "s|^|${hosts[$i]}: |" "$out/$i"
  if [ "$status" -ne 0 ]; then
    echo "${hosts[$i]}: FAILED ($action, status $status)"
    failed=$((failed + 1))
  fi
done
[ "$failed" -eq 0 ] || { echo "$failed of ${#hosts[@]} hosts failed" >&2; exit 1; }
