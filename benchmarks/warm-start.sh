#!/usr/bin/env bash
# Does `warm_start:` shorten a study? (issue 18.) For each seed: an earlier Bayesian study of the
# built-in hartmann6 (seed 1000 + S, EARLIER trials), then the same study twice with seed S and
# TRIALS trials: cold, and with `warm_start: [the earlier log]`. Each run is the real product path
# (`hpo-coordinator STUDY --log LOG --local-workers N`, trials sleeping S seconds). Prints, per
# seed and as medians, the number of this study's trials (in completion order) until the best
# value is within TARGET of Hartmann-6's minimum (-3.32237), or "–" if never, and the best value.
#
#   benchmarks/warm-start.sh [--seeds SPEC] [--earlier E] [--trials T] [--workers N] [--sleep S] [--target V]
#
# Defaults: seeds 0-5, earlier 20, trials 40, workers 4, sleep 0.2, target 0.1. HPO_BIN_DIR as in
# benchmarks/bo-product.sh. The table goes to stdout and to OUT/table.md (--out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
seeds=0-5 earlier=20 trials=40 workers=4 sleep=0.2 target=0.1
out=results/warm-start-$(date -u +%Y%m%d-%H%M%S)
while (($#)); do
    case $1 in
        --seeds) seeds=$2 ;;
        --earlier) earlier=$2 ;;
        --trials) trials=$2 ;;
        --workers) workers=$2 ;;
        --sleep) sleep=$2 ;;
        --target) target=$2 ;;
        --out) out=$2 ;;
        -h|--help) print_usage "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift 2
done
declare -a seed_list  # filled by expand_seeds (benchmarks/lib.sh)
expand_seeds seed_list "$seeds"
command="benchmarks/warm-start.sh --seeds $seeds --earlier $earlier --trials $trials --workers $workers --sleep $sleep --target $target"
hpo_binaries
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

study() {  # name seed trials [warm-start log]
    {
        echo "name: $1"
        echo "objective: {metric: objective, direction: minimize}"
        echo "budget: {trials: $3}"
        echo "strategy: {kind: bayes}"
        echo "seed: $2"
        echo "space:"
        for i in 0 1 2 3 4 5; do echo "  x$i: {type: float, low: 0, high: 1}"; done
        echo "trial: {builtin: hartmann6, sleep: $sleep, timeout: 120}"
        [[ -z ${4:-} ]] || echo "warm_start: [$4]"
    } > "$scratch/$1.yaml"
    timeout --kill-after=30 900 "$HPO_BIN_DIR/hpo-coordinator" "$scratch/$1.yaml" --log "$scratch/$1.jsonl" \
        --local-workers "$workers" > /dev/null 2> "$scratch/$1.err" || { echo "$1 failed:" >&2; tail -5 "$scratch/$1.err" >&2; }
}

for seed in "${seed_list[@]}"; do
    study "earlier-$seed" $((1000 + seed)) "$earlier"
    study "cold-$seed" "$seed" "$trials"
    study "warm-$seed" "$seed" "$trials" "$scratch/earlier-$seed.jsonl"
    echo "seed $seed done" >&2
done

python3 - "$scratch" "$target" "$command" "${seed_list[@]}" <<'PY' | tee "$out/table.md"
import json, statistics, sys
folder, target, command, seeds = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
MINIMUM = -3.32237
def values(name):
    out, fallbacks = [], 0
    for line in open(f"{folder}/{name}.jsonl"):
        e = json.loads(line)
        if e["event"] == "trial_completed":
            out.append(e["objective"])
        fallbacks += e["event"] == "trial_dispatched" and bool(e.get("fallback"))
    return out, fallbacks
def reach(v):
    return next((i + 1 for i, y in enumerate(v) if y - MINIMUM <= target), None)
print(f"Hartmann-6, trials until within {target} of the minimum, `{command}`\n")
print("| seed | earlier study's best | cold: trials to target | cold: best | warm: trials to target | warm: best | fallback dispatches cold / warm |")
print("|---|---|---|---|---|---|---|")
rows = {"cold": [], "warm": []}
for seed in seeds:
    earlier, _ = values(f"earlier-{seed}")
    cold, fc = values(f"cold-{seed}")
    warm, fw = values(f"warm-{seed}")
    rows["cold"].append(reach(cold)); rows["warm"].append(reach(warm))
    f = lambda r: "–" if r is None else str(r)
    print(f"| {seed} | {min(earlier):.4f} | {f(reach(cold))} | {min(cold):.4f} | {f(reach(warm))} | {min(warm):.4f} | {fc} / {fw} |")
inf = float("inf")
for kind, r in rows.items():
    reached = [x for x in r if x is not None]
    med = statistics.median([x if x is not None else inf for x in r])
    print(f"\n{kind}: {len(reached)}/{len(r)} seeds reach the target; median trials to it: {'–' if med == inf else med}")
PY
