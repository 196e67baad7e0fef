#!/usr/bin/env bash
# Checks the example's checkpoints on their own, without a worker: a run stopped part-way and then
# resumed from its checkpoint folder must end with exactly the numbers of an uninterrupted run with
# the same parameters and seed (every metric of every epoch after the resume, and the final line).
#
#   examples/pytorch/check-resume.sh [EPOCHS]          (default 8; needs setup.sh first)
#
# Two interruptions, as a worker sees them. A small driver stands in for the worker: it reads the
# script's output and, on each {"checkpoint": N} line, takes the folder away (renames it) and puts
# an empty one in its place, as the worker does (the script waits for that before its next
# checkpoint).
#   preempted  SIGTERM after epoch 2's line: the script finishes the epoch, checkpoints, exits 0;
#              resumed from the last checkpoint taken.
#   killed     SIGKILL right after the first checkpoint line: resumed from that checkpoint.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py=${PYTHON:-$here/.venv/bin/python}
[ -x "$py" ] || { echo "no $py: run examples/pytorch/setup.sh first" >&2; exit 2; }
epochs=${1:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--epochs="$epochs" --seed=3 --lr=0.05 --channels=8)

"$py" "$here/train.py" "${args[@]}" > "$work/full.out"

# interrupt CASE: runs the script with a checkpoint folder, interrupts it, and prints the folder of
# the last checkpoint taken and its step.
interrupt() {
  python3 - "$work" "$1" "$py" "$here/train.py" "${args[@]}" <<'PY'
import json, os, signal, subprocess, sys
work, case, command = sys.argv[1], sys.argv[2], sys.argv[3:]
folder = f"{work}/{case}"
os.mkdir(folder)
process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=open(f"{folder}.err", "w"), text=True,
                           env=dict(os.environ, HPO_CHECKPOINT_DIR=folder))
last, signalled = None, False
with open(f"{folder}.out", "w") as out:
    for line in process.stdout:
        out.write(line)
        message = json.loads(line)
        if "checkpoint" in message:  # take it, as the worker does
            last = (f"{folder}-{message['checkpoint']}", message["checkpoint"])
            os.rename(folder, last[0])
            os.mkdir(folder)
        if signalled:
            continue
        if case == "preempted" and message.get("step") == 2:
            process.send_signal(signal.SIGTERM)
            signalled = True
        elif case == "killed" and "checkpoint" in message:
            process.kill()
            break
process.wait()
print(*last)
PY
}

read -r dir step < <(interrupt preempted)
HPO_RESUME_DIR="$dir" HPO_RESUME_STEP="$step" "$py" "$here/train.py" "${args[@]}" \
  > "$work/preempted-resumed.out" 2> "$work/preempted-resumed.err"
read -r dir step < <(interrupt killed)
HPO_RESUME_DIR="$dir" HPO_RESUME_STEP="$step" "$py" "$here/train.py" "${args[@]}" \
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
