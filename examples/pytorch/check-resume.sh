#!/usr/bin/env bash
# Checks the example's checkpoints on their own, without a worker: a run stopped part-way and then
# resumed from its checkpoint folder must end with exactly the numbers of an uninterrupted run with
# the same parameters and seed (every metric of every epoch after the resume, and the final line).
#
#   examples/pytorch/check-resume.sh [EPOCHS]          (default 8; needs setup.sh first)
#
# Two interruptions, as a worker sees them:
#   preempted  SIGTERM after epoch 2's line: the script finishes the epoch, checkpoints, exits 0;
#              resumed at the step of its last {"checkpoint": N} line.
#   killed     SIGKILL right after the first checkpoint line: the folder holds whichever complete
#              checkpoint was written last (writes are atomic); resumed at that checkpoint's epoch.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py=${PYTHON:-$here/.venv/bin/python}
[ -x "$py" ] || { echo "no $py: run examples/pytorch/setup.sh first" >&2; exit 2; }
epochs=${1:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--epochs="$epochs" --seed=3 --lr=0.05 --channels=8)

"$py" "$here/train.py" "${args[@]}" > "$work/full.out"

# wait_for FILE PATTERN PID: until FILE has a line matching PATTERN (or the process has ended).
wait_for() {
  until grep -q "$2" "$1" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null || return 0
    sleep 0.02
  done
}

# Preempted.
HPO_CHECKPOINT_DIR="$work/preempted" "$py" "$here/train.py" "${args[@]}" > "$work/preempted.out" 2> "$work/preempted.err" &
pid=$!
wait_for "$work/preempted.out" '"step": 2,' "$pid"
kill -TERM "$pid" 2>/dev/null || true
wait "$pid"
step=$(grep -o '"checkpoint": [0-9]*' "$work/preempted.out" | tail -1 | grep -o '[0-9]*$')
HPO_RESUME_DIR="$work/preempted" HPO_RESUME_STEP="$step" "$py" "$here/train.py" "${args[@]}" \
  > "$work/preempted-resumed.out" 2> "$work/preempted-resumed.err"

# Killed.
HPO_CHECKPOINT_DIR="$work/killed" "$py" "$here/train.py" "${args[@]}" > "$work/killed.out" 2> "$work/killed.err" &
pid=$!
wait_for "$work/killed.out" '"checkpoint"' "$pid"
kill -KILL "$pid" 2>/dev/null || true
{ wait "$pid"; } 2>/dev/null || true
step=$("$py" -c 'import sys, torch; print(torch.load(sys.argv[1], weights_only=False)["epoch"])' "$work/killed/checkpoint.pt")
HPO_RESUME_DIR="$work/killed" HPO_RESUME_STEP="$step" "$py" "$here/train.py" "${args[@]}" \
  > "$work/killed-resumed.out" 2> "$work/killed-resumed.err"

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]

def lines(name):
    reports, final = {}, None
    for line in open(f"{work}/{name}.out"):
        obj = json.loads(line)
        if "step" in obj:
            obj.pop("seconds")
            reports[obj["step"]] = obj
        elif "checkpoint" not in obj:
            final = obj
    return reports, final

full_reports, full_final = lines("full")
failed = False
for case in ("preempted", "killed"):
    reports, final = lines(f"{case}-resumed")
    first = final["first_epoch"]
    same_reports = all(reports[s] == full_reports[s] for s in reports) and set(reports) == {s for s in full_reports if s >= first}
    same_final = {k: v for k, v in final.items() if k != "first_epoch"} == {k: v for k, v in full_final.items() if k != "first_epoch"}
    verdict = "identical" if same_reports and same_final else "DIFFERENT"
    failed |= verdict != "identical"
    print(f"{case:10} resumed at epoch {first} of {full_final['epochs']}: final val_loss {final['val_loss']!r}, "
          f"val_accuracy {final['val_accuracy']!r}: {verdict} to the uninterrupted run's (epochs {first}-{full_final['epochs']} and the final line)")
print(f"uninterrupted: {json.dumps(full_final)}")
sys.exit(1 if failed else 0)
PY
