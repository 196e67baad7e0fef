#!/usr/bin/env bash
# The README's main study (examples/digits-mlp.yaml: the built-in MLP trainer on the bundled
# digits) with `strategy: {kind: bayes}` and with `strategy: {kind: random}`, same budget and
# local workers, over several seeds (issue 14: the main job should show that bayes reaches a lower
# validation loss than random search). Each run uses a copy of the study file with the strategy
# and the seed substituted, whatever strategy the example names. Prints the best val_loss of each
# run, the median per strategy and on how many seeds bayes won; raw runs in OUT/runs.jsonl.
#
#   benchmarks/digits-bayes-vs-random.sh [--seeds SPEC] [--workers N] [--trials T] [--study FILE] [--out DIR]
#
# Also as environment variables (SEEDS=0-2 WORKERS=2 TRIALS=8 ...); a flag wins. Defaults: seeds
# 0-4 (numbers and ranges: 0-2,7), 2 local workers, the study's own budget (24 trials), the study
# examples/digits-mlp.yaml, out results/digits-bayes-vs-random-DATE/. HPO_BIN_DIR: folder of
# hpo-coordinator and hpo-worker (default: swift build -c release, .build/release); RUN_TIMEOUT:
# seconds per run (default 1800); KEEP_LOGS=1 keeps the results logs in OUT/logs/.
# The default run takes about 5 minutes on 2 cores (10 studies of 15-40 s each); a quick one:
#   SEEDS=0-1 TRIALS=6 benchmarks/digits-bayes-vs-random.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh

seeds=${SEEDS:-0-4}
workers=${WORKERS:-2}
trials=${TRIALS:-}
study=${STUDY:-examples/digits-mlp.yaml}
out=${OUT:-results/digits-bayes-vs-random-$(date -u +%Y%m%d-%H%M%S)}
while (($#)); do
    case $1 in
        --seeds) seeds=$2 ;;
        --workers) workers=$2 ;;
        --trials) trials=$2 ;;
        --study) study=$2 ;;
        --out) out=$2 ;;
        -h|--help) print_usage "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift 2
done
run_timeout=${RUN_TIMEOUT:-1800}
[[ -z $trials || $trials =~ ^[1-9][0-9]*$ ]] || { echo "--trials: a positive integer" >&2; exit 2; }

declare -a seed_list  # filled by expand_seeds (benchmarks/lib.sh)
expand_seeds seed_list "$seeds"
command="benchmarks/digits-bayes-vs-random.sh --seeds $seeds --workers $workers${trials:+ --trials $trials} --study $study"

hpo_binaries

mkdir -p "$out"
runs="$out/runs.jsonl"
: > "$runs"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[[ ${KEEP_LOGS:-0} == 1 ]] && mkdir -p "$out/logs"

total=$((2 * ${#seed_list[@]}))
index=0
for seed in "${seed_list[@]}"; do
    # The two strategies alternate within each seed, so that load from other processes falls on both.
    for strategy in bayes random; do
        index=$((index + 1))
        copy="$scratch/digits-$strategy-$seed.yaml"
        log="$scratch/digits-$strategy-$seed.jsonl"
        # A copy of the study with its top-level strategy, seed (and budget) replaced or added.
        python3 - "$study" "$copy" "$strategy" "$seed" "$trials" <<'PY'
import re, sys
source, target, strategy, seed, trials = sys.argv[1:]
text = open(source).read()
def put(text, key, value):
    line = f"{key}: {value}"
    pattern = re.compile(rf"^{key}:.*$", re.M)
    if pattern.search(text):
        return pattern.sub(lambda _: line, text, count=1)
    return text.rstrip("\n") + "\n" + line + "\n"
text = put(text, "strategy", f"{{kind: {strategy}}}")
text = put(text, "seed", seed)
if trials:
    text = put(text, "budget", f"{{trials: {trials}}}")
open(target, "w").write(text)
PY
        hpo_binaries
        start=$SECONDS
        rc=0
        timeout --kill-after=30 "$run_timeout" "$HPO_BIN_DIR/hpo-coordinator" "$copy" --log "$log" \
            --local-workers "$workers" >"$scratch/stdout" 2>"$scratch/stderr" || rc=$?
        if ((rc != 0)); then
            echo "hpo-coordinator exited $rc on $strategy seed $seed; its stderr ends:" >&2
            tail -5 "$scratch/stderr" >&2
        fi
        python3 - "$log" "$strategy" "$seed" "$workers" "$rc" "$((SECONDS - start))" "$index" "$total" <<'PY' | tee -a "$runs"
import json, sys
log, strategy, seed, workers, rc, wall, index, total = sys.argv[1:]
best = best_params = None
completed = failed = 0
budget = None
try:
    lines = open(log).read().splitlines()
except FileNotFoundError:
    lines = []
for line in lines:
    try:
        e = json.loads(line)
    except json.JSONDecodeError:
        continue
    if e["event"] == "study_started":
        budget = e["config"]["budget"].get("trials")
    elif e["event"] == "trial_completed":
        completed += 1
        if best is None or e["objective"] < best:
            best, best_params = e["objective"], e["params"]
    elif e["event"] == "trial_failed" and not e.get("will_retry"):
        failed += 1
record = {"strategy": strategy, "seed": int(seed), "workers": int(workers), "trials": budget,
          "exit_code": int(rc), "completed": completed, "failed": failed, "best_val_loss": best,
          "best_params": best_params, "wall_s": int(wall)}
print(json.dumps(record))
shown = "–" if best is None else f"{best:.4f}"
print(f"[{index}/{total}] {strategy} seed {seed}: best val_loss {shown} ({completed} completed, {failed} failed, "
      f"exit {rc}, {wall} s)", file=sys.stderr)
PY
        [[ ${KEEP_LOGS:-0} == 1 ]] && cp "$log" "$out/logs/"
        rm -f "$log"
    done
done

echo >&2
echo "raw runs (JSON lines): $runs" >&2
python3 - "$runs" "$command" <<'PY' | tee "$out/table.md"
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
by = {(r["strategy"], r["seed"]): r for r in runs}
seeds = sorted({r["seed"] for r in runs})
first = runs[0]
print(f"### `{sys.argv[2]}`: best val_loss per run, {first['trials']} trials, {first['workers']} local workers")
print()
print("| seed | bayes | random | lower |")
print("|---|---|---|---|")
fmt = lambda v: "–" if v is None else f"{v:.4f}"
won = compared = 0
for seed in seeds:
    b, r = (by.get((s, seed), {}).get("best_val_loss") for s in ("bayes", "random"))
    ok = all(by.get((s, seed), {}).get("exit_code") == 0 for s in ("bayes", "random"))
    lower = "–"
    if b is not None and r is not None and ok:
        compared += 1
        won += b < r
        lower = "bayes" if b < r else ("random" if r < b else "tie")
    print(f"| {seed} | {fmt(b)} | {fmt(r)} | {lower} |")
med = {s: [by[(s, seed)]["best_val_loss"] for seed in seeds if (s, seed) in by
           and by[(s, seed)]["best_val_loss"] is not None and by[(s, seed)]["exit_code"] == 0]
       for s in ("bayes", "random")}
print(f"| median | {fmt(statistics.median(med['bayes']) if med['bayes'] else None)} | "
      f"{fmt(statistics.median(med['random']) if med['random'] else None)} | |")
print()
bad = [r for r in runs if r["exit_code"] != 0]
print(f"bayes won {won} of {compared} seeds."
      + (f" Coordinator exit codes not 0: " + ", ".join(f"{r['strategy']} seed {r['seed']}: {r['exit_code']}" for r in bad) if bad else
         " Every coordinator exited 0.")
      + f" {sum(r['wall_s'] for r in runs) / 60:.1f} min in all.")
PY
echo "table: $out/table.md" >&2
