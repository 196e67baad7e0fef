#!/usr/bin/env bash
# Several objectives through the real product path (issue 18), with Optuna's NSGA-II and its
# multi-objective TPE measured in the same run. For each problem (zdt1 and zdt2 with 6 inputs,
# dtlz2 with 3), seed and strategy (bayes: ParEGO, docs/bayes.md; random): a study file,
# `hpo-coordinator STUDY --log LOG --local-workers N` (real coordinator, N real hpo-worker
# processes, built-in trials that sleep S seconds), then `hpo status --json LOG`, and the
# hypervolume of the front of all completed trials, computed from the log by
# benchmarks/pareto_bench.py and checked against the product's own. Then the peers, each in a
# simulated asynchronous pool of N workers (benchmarks/pareto_bench.py peer), in a benchmark-only
# venv (.build-peers-venv/, optuna pinned in benchmarks/bo-peers-requirements.txt). Prints a
# Markdown table: median hypervolume per problem and strategy, and whether bayes beats both peers.
#
#   benchmarks/pareto-product.sh [--problems LIST] [--seeds SPEC] [--trials T] [--workers N]
#       [--sleep S] [--out DIR]
#
# Defaults (issue 18's "done means"): problems zdt1,zdt2,dtlz2, seeds 0-9, trials 100, workers 8,
# sleep 0.5 s (flags or PROBLEMS=, SEEDS=, TRIALS=, WORKERS=, SLEEP=, OUT= in the environment).
# HPO_BIN_DIR: folder of hpo-coordinator, hpo-worker and hpo (default: a release build).
# About 10 s per product run on the 2-core test machine (60 runs for the defaults), 1-5 s per peer.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh

problems=${PROBLEMS:-zdt1,zdt2,dtlz2}
seeds=${SEEDS:-0-9}
trials=${TRIALS:-100}
workers=${WORKERS:-8}
sleep_s=${SLEEP:-0.5}
out=${OUT:-results/pareto-product-$(date -u +%Y%m%d-%H%M%S)}
while (($#)); do
    case $1 in
        --problems) problems=$2 ;;
        --seeds) seeds=$2 ;;
        --trials) trials=$2 ;;
        --workers) workers=$2 ;;
        --sleep) sleep_s=$2 ;;
        --out) out=$2 ;;
        -h|--help) print_usage "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift 2
done
declare -a problem_list seed_list  # filled by split_list and expand_seeds (benchmarks/lib.sh)
split_list problem_list "$problems"
expand_seeds seed_list "$seeds"
command="benchmarks/pareto-product.sh --problems $problems --seeds $seeds --trials $trials --workers $workers \
--sleep $sleep_s"

hpo_binaries hpo
peer_venv optuna

mkdir -p "$out"
runs="$out/runs.jsonl"
: > "$runs"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for problem in "${problem_list[@]}"; do
    for seed in "${seed_list[@]}"; do
        for strategy in bayes random; do
            name="$problem-$strategy-$seed"
            python3 benchmarks/pareto_bench.py study --problem "$problem" --seed "$seed" --trials "$trials" \
                --strategy "$strategy" --sleep "$sleep_s" --out "$scratch/$name.yaml"
            start=$(date +%s.%N)
            rc=0
            timeout --kill-after=30 900 "$HPO_BIN_DIR/hpo-coordinator" "$scratch/$name.yaml" \
                --log "$scratch/$name.jsonl" --local-workers "$workers" >"$scratch/stdout" 2>"$scratch/stderr" || rc=$?
            wall=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
            "$HPO_BIN_DIR/hpo" status --json "$scratch/$name.jsonl" > "$scratch/$name.status.json"
            meta=$(printf '{"problem":"%s","seed":%d,"strategy":"%s","trials":%d,"workers":%d,"exit_code":%d,"wall_s":%s}' \
                "$problem" "$seed" "$strategy" "$trials" "$workers" "$rc" "$wall")
            python3 benchmarks/pareto_bench.py analyse --log "$scratch/$name.jsonl" \
                --status "$scratch/$name.status.json" --meta "$meta" | tee -a "$runs" >&2
        done
        for peer in nsga2 motpe; do
            "$PEER_VENV/bin/python" benchmarks/pareto_bench.py peer --peer "$peer" --problem "$problem" --seed "$seed" \
                --trials "$trials" --workers "$workers" | tee -a "$runs" >&2
        done
    done
done
python3 benchmarks/pareto_bench.py table --runs "$runs" --command "$command" | tee "$out/table.md"
echo "table: $out/table.md" >&2
