#!/usr/bin/env bash
# Outcome constraints through the real product path: for each problem (the constrained built-ins
# `gramacy` and `gardner`, docs/trials.md), seed and strategy (bayes: EI × probability of
# feasibility, docs/bayes.md; random): a study file, `hpo-coordinator STUDY --log LOG
# --local-workers N` (real coordinator, N real hpo-worker processes, built-in trials that sleep S
# seconds). Then Optuna's TPE with `constraints_func` (constant liar) in a simulated asynchronous
# pool of the same N and budget (benchmarks/constrained_bench.py peer), installed into the
# benchmark-only venv .build-peers-venv/ (optuna pinned in benchmarks/bo-peers-requirements.txt).
# Prints a Markdown table per problem: median regret of the best feasible value after 10, 20, 40
# and T trials, how many seeds found a feasible point by trial 10 and 20. Every run is one line of
# OUT/runs.jsonl; the table is OUT/table.md.
#
#   benchmarks/constrained-product.sh [--problems LIST] [--seeds SPEC] [--trials T] [--workers N]
#       [--sleep S] [--out DIR]
#
# Defaults: problems gramacy,gardner, seeds 0-9, trials 60, workers 8, sleep 0.5. Environment:
# HPO_BIN_DIR (as in benchmarks/bo-product.sh); BASELINE_BIN_DIR: a folder of another build's
# hpo-coordinator and hpo-worker (say, before a change), run as strategy `bayes-baseline` in the
# same loop; PEERS (default optuna-tpe-cl; empty: none).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh

problems=gramacy,gardner seeds=0-9 trials=60 workers=8 sleep=0.5
out=results/constrained-$(date -u +%Y%m%d-%H%M%S)
while (($#)); do
    case $1 in
        --problems) problems=$2 ;;
        --seeds) seeds=$2 ;;
        --trials) trials=$2 ;;
        --workers) workers=$2 ;;
        --sleep) sleep=$2 ;;
        --out) out=$2 ;;
        -h|--help) print_usage "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift 2
done
peers=${PEERS-optuna-tpe-cl}
declare -a problem_list seed_list  # filled by split_list and expand_seeds (benchmarks/lib.sh)
split_list problem_list "$problems"
expand_seeds seed_list "$seeds"
command="benchmarks/constrained-product.sh --problems $problems --seeds $seeds --trials $trials --workers $workers \
--sleep $sleep"

hpo_binaries
strategies=(bayes random)
declare -A bin_dir=([bayes]=$HPO_BIN_DIR [random]=$HPO_BIN_DIR)
if [[ -n ${BASELINE_BIN_DIR:-} ]]; then
    strategies+=(bayes-baseline)
    bin_dir[bayes-baseline]=$BASELINE_BIN_DIR
fi
if [[ -n $peers ]]; then peer_venv optuna; fi

mkdir -p "$out"
runs="$out/runs.jsonl"
: > "$runs"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for problem in "${problem_list[@]}"; do
    for seed in "${seed_list[@]}"; do
        for strategy in "${strategies[@]}"; do
            name="$problem-$strategy-$seed"
            python3 benchmarks/constrained_bench.py study --problem "$problem" --strategy "${strategy%-baseline}" \
                --seed "$seed" --trials "$trials" --sleep "$sleep" --out "$scratch/$name.yaml"
            start=$SECONDS
            rc=0
            timeout --kill-after=30 900 "${bin_dir[$strategy]}/hpo-coordinator" "$scratch/$name.yaml" \
                --log "$scratch/$name.jsonl" --local-workers "$workers" >"$scratch/stdout" 2>"$scratch/stderr" || rc=$?
            ((rc == 0)) || { echo "hpo-coordinator exited $rc on $name:" >&2; tail -5 "$scratch/stderr" >&2; }
            meta=$(printf '{"problem":"%s","strategy":"%s","seed":%d,"trials":%d,"workers":%d,"exit_code":%d,"wall_s":%d}' \
                "$problem" "$strategy" "$seed" "$trials" "$workers" "$rc" $((SECONDS - start)))
            python3 benchmarks/constrained_bench.py analyse --log "$scratch/$name.jsonl" --meta "$meta" >> "$runs"
            echo "$name: $(python3 benchmarks/constrained_bench.py summary --runs "$runs"), $((SECONDS - start)) s" >&2
        done
        if [[ -n $peers ]]; then
            OPENBLAS_NUM_THREADS=1 "$PEER_VENV/bin/python" benchmarks/constrained_bench.py peer --problem "$problem" \
                --seed "$seed" --trials "$trials" --workers "$workers" >> "$runs"
        fi
    done
done
python3 benchmarks/constrained_bench.py table --runs "$runs" --command "$command" | tee "$out/table.md"
echo "table: $out/table.md" >&2
