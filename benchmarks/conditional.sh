#!/usr/bin/env bash
# Search over conditional parameters (issue 18) through the real product path: for each seed and
# strategy, a study of the built-in `jenatton` (9 parameters with `when:`, 4 active at a time,
# minimum 0.1; docs/trials.md), run by `hpo-coordinator STUDY --log LOG --local-workers N` (real
# coordinator, N real hpo-worker processes, each trial sleeping S seconds). Then Optuna's TPE
# (constant liar; plain and multivariate+group) on the same tree, define-by-run, in a simulated
# asynchronous pool of the same N and budget (benchmarks/conditional.py peer), installed into the
# benchmark-only venv .build-peers-venv/ (optuna pinned as in benchmarks/bo-peers-requirements.txt).
# Prints a Markdown table: median simple regret (best - 0.1) after 10, 20, 40 and T trials, mean
# regret after T, how many seeds reach a regret of TARGET and the median number of trials to get
# there. Every run is one line of OUT/runs.jsonl; the table is OUT/table.md.
#
#   benchmarks/conditional.sh [--seeds SPEC] [--trials T] [--workers N] [--sleep S] [--target V] [--out DIR]
#
# Defaults: seeds 0-9, trials 60, workers 4, sleep 0.2, target 0.01. Environment: HPO_BIN_DIR (as in
# benchmarks/bo-product.sh), PEERS (default optuna-tpe-cl,optuna-tpe-mv-cl; empty: none).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh

seeds=0-9 trials=60 workers=4 sleep=0.2 target=0.01
out=results/conditional-$(date -u +%Y%m%d-%H%M%S)
while (($#)); do
    case $1 in
        --seeds) seeds=$2 ;;
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
peers=${PEERS-optuna-tpe-cl,optuna-tpe-mv-cl}
declare -a peer_list seed_list  # filled by split_list and expand_seeds (benchmarks/lib.sh)
split_list peer_list "$peers"
expand_seeds seed_list "$seeds"
command="benchmarks/conditional.sh --seeds $seeds --trials $trials --workers $workers --sleep $sleep --target $target"

hpo_binaries
if ((${#peer_list[@]})); then peer_venv optuna; fi

mkdir -p "$out"
runs="$out/runs.jsonl"
: > "$runs"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for seed in "${seed_list[@]}"; do
    for strategy in bayes random; do
        study="$scratch/$strategy-$seed.yaml"
        log="$scratch/$strategy-$seed.jsonl"
        python3 benchmarks/conditional.py study --strategy "$strategy" --seed "$seed" --trials "$trials" \
            --sleep "$sleep" --out "$study"
        start=$SECONDS
        rc=0
        timeout --kill-after=30 900 "$HPO_BIN_DIR/hpo-coordinator" "$study" --log "$log" --local-workers "$workers" \
            >"$scratch/stdout" 2>"$scratch/stderr" || rc=$?
        ((rc == 0)) || { echo "hpo-coordinator exited $rc on $strategy seed $seed:" >&2; tail -5 "$scratch/stderr" >&2; }
        meta=$(printf '{"strategy":"%s","seed":%d,"trials":%d,"workers":%d,"exit_code":%d,"wall_s":%d}' \
            "$strategy" "$seed" "$trials" "$workers" "$rc" $((SECONDS - start)))
        python3 benchmarks/conditional.py analyse --log "$log" --meta "$meta" >> "$runs"
        echo "$strategy seed $seed: best $(tail -1 "$runs" | python3 -c 'import json,sys; v=json.load(sys.stdin)["values"]; print(min(v) if v else "-")'), $((SECONDS - start)) s" >&2
    done
    for peer in "${peer_list[@]}"; do
        OPENBLAS_NUM_THREADS=1 "$PEER_VENV/bin/python" benchmarks/conditional.py peer --peer "$peer" --seed "$seed" \
            --trials "$trials" --workers "$workers" >> "$runs"
        echo "$peer seed $seed: best $(tail -1 "$runs" | python3 -c 'import json,sys; print(min(json.load(sys.stdin)["values"]))')" >&2
    done
done
python3 benchmarks/conditional.py table --runs "$runs" --command "$command" --target "$target" | tee "$out/table.md"
