#!/usr/bin/env bash
# Bayesian optimisation through the real product path (issue 14), with its peers measured in the
# same run. For each test function, seed and strategy: a study file, `hpo-coordinator STUDY --log LOG
# --local-workers N` (real coordinator, N real hpo-worker processes), then the log is read for
# log10 simple regret (best completed objective - global minimum, floored at 1e-12), the fallback
# share (dispatches with "fallback": true / all dispatches) and the workers' busy share (sum of
# attempt durations / (N x span from the first dispatch to the last result)). Then the peers,
# Optuna TPE (constant_liar=True) and scikit-optimize GP-EI (cl_min), each in a simulated
# asynchronous pool of the same N, budget and trial durations (benchmarks/bo_peers.py), installed
# in a benchmark-only venv (.build-peers-venv/, benchmarks/bo-peers-requirements.txt). Prints a
# Markdown table per (trial kind, duration): median log10 regret per product strategy and per
# peer, median fallback and busy share per product strategy, and whether each bayes variant is at
# or below the best peer. Every run is one line of OUT/runs.jsonl; the table is OUT/table.md.
#
#   benchmarks/bo-product.sh [--functions LIST] [--seeds SPEC] [--trials T] [--workers N]
#       [--strategies LIST] [--kinds LIST] [--durations LIST] [--peers LIST] [--peer-jobs J] [--out DIR]
#
# Every option can also be given as an environment variable of the same name in capitals
# (FUNCTIONS=branin,hartmann6 SEEDS=0-2 ...); a flag wins. Defaults (issue 14's "done means"):
#   functions  branin,hartmann6,ackley,rosenbrock,levy,styblinski_tang  (2-, 6-, 5-, 4-, 6-, 8-d)
#   seeds      0-9          (a list of numbers and ranges: 0-2,7)
#   trials     80           workers 8 (local hpo-worker processes, 1 slot each)
#   strategies bayes,bayes-cl-min,random   (bayes = every default, kriging believer;
#              bayes-cl-min|mean|max = batch: constant-liar with that lie; random)
#   kinds      command      (command: python3 benchmarks/bo_functions.py as a command trial, "--x0={x0}";
#              builtin: trial: {builtin: NAME, sleep: S}, fixed durations only)
#   durations  exp:1        (fixed:S, or exp:M = exponential with mean M s drawn from a generator keyed
#              on the seed and the point, command trials only; the issue's set: fixed:0.2,fixed:1,exp:1)
#   peers      optuna-tpe-cl,skopt-gp-cl_min   (also skopt-gp-cl_mean, skopt-gp-cl_max; empty: none)
#   peer-jobs  2            (peer runs in parallel, after all product runs; one BLAS thread each)
#   out        results/bo-product-DATE/ (runs.jsonl, table.md; KEEP_LOGS=1 also keeps the results logs)
# Environment only: HPO_BIN_DIR (folder of hpo-coordinator and hpo-worker; default: swift build -c
# release and .build/release), COORDINATOR_ARGS (extra coordinator flags, e.g. "--model-patience 30"),
# RUN_TIMEOUT (s per product run, default 900), PEER_TIMEOUT (s per peer run, default 1800).
#
# Product runs go one at a time (they load both cores); the peers run after them.
# Quick run (2.4 minutes on the 2-core test machine at load 2-3: 12 product runs of 5-12 s, then
# the peers, 20 s with 2 jobs):
#   FUNCTIONS=branin,hartmann6 SEEDS=0-1 TRIALS=24 WORKERS=4 benchmarks/bo-product.sh
# The default full run, estimated from that and from single default-size runs (80 trials, 8
# workers: 12-17 s each; scikit-optimize alone on Styblinski-Tang-8: 37 s, as it refits its GP at
# every ask): about 45 min of product runs (180 of them) and 15-20 min of peers, so about an hour
# (each added duration adds as much again; each added trial kind another ~45 min of product runs).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh

functions=${FUNCTIONS:-branin,hartmann6,ackley,rosenbrock,levy,styblinski_tang}
seeds=${SEEDS:-0-9}
trials=${TRIALS:-80}
workers=${WORKERS:-8}
strategies=${STRATEGIES:-bayes,bayes-cl-min,random}
kinds=${KINDS:-command}
durations=${DURATIONS:-exp:1}
peers=${PEERS-optuna-tpe-cl,skopt-gp-cl_min}
peer_jobs=${PEER_JOBS:-2}
out=${OUT:-results/bo-product-$(date -u +%Y%m%d-%H%M%S)}
while (($#)); do
    case $1 in
        --functions) functions=$2 ;;
        --seeds) seeds=$2 ;;
        --trials) trials=$2 ;;
        --workers) workers=$2 ;;
        --strategies) strategies=$2 ;;
        --kinds) kinds=$2 ;;
        --durations) durations=$2 ;;
        --peers) peers=$2 ;;
        --peer-jobs) peer_jobs=$2 ;;
        --out) out=$2 ;;
        -h|--help) print_usage "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift 2
done
run_timeout=${RUN_TIMEOUT:-900}
peer_timeout=${PEER_TIMEOUT:-1800}
coordinator_args=${COORDINATOR_ARGS:-}

# Filled by expand_seeds and split_list (benchmarks/lib.sh).
declare -a seed_list function_list strategy_list kind_list duration_list peer_list
expand_seeds seed_list "$seeds"
split_list function_list "$functions"
split_list strategy_list "$strategies"
split_list kind_list "$kinds"
split_list duration_list "$durations"
split_list peer_list "$peers"

# The exact command, every setting spelled out, for the table's title.
command="benchmarks/bo-product.sh --functions $functions --seeds $seeds --trials $trials --workers $workers \
--strategies $strategies --kinds $kinds --durations $durations --peers '$peers'"
[[ -n $coordinator_args ]] && command="COORDINATOR_ARGS='$coordinator_args' $command"

hpo_binaries
# Command trials run this interpreter directly (not a pyenv shim: ~100 ms less per trial).
python=$(python3 -c 'import sys; print(sys.executable)')

if ((${#peer_list[@]})); then peer_venv; fi

mkdir -p "$out"
runs="$out/runs.jsonl"
: > "$runs"
scratch=$(mktemp -d)
trap 'jobs -pr | xargs -r kill 2>/dev/null; rm -rf "$scratch"' EXIT
[[ ${KEEP_LOGS:-0} == 1 ]] && mkdir -p "$out/logs"

# Product runs, one at a time. The strategies alternate within each seed, so that load from other
# processes falls on all of them alike.
settings=()
for kind in "${kind_list[@]}"; do
    for duration in "${duration_list[@]}"; do
        if [[ $kind == builtin && $duration != fixed:* ]]; then
            echo "skipping builtin trials with duration $duration: built-ins sleep a fixed time" >&2
            continue
        fi
        settings+=("$kind $duration")
    done
done
total=$((${#settings[@]} * ${#function_list[@]} * ${#seed_list[@]} * ${#strategy_list[@]}))
index=0
started=$SECONDS
for setting in "${settings[@]}"; do
    read -r kind duration <<< "$setting"
    for function in "${function_list[@]}"; do
        for seed in "${seed_list[@]}"; do
            for strategy in "${strategy_list[@]}"; do
                index=$((index + 1))
                name="$kind-${duration/:/}-$function-$strategy-$seed"
                study="$scratch/$name.yaml"
                log="$scratch/$name.jsonl"
                python3 benchmarks/bo_product.py study --function "$function" --seed "$seed" --trials "$trials" \
                    --strategy "$strategy" --kind "$kind" --duration "$duration" --python "$python" --out "$study"
                # At most 3 attempts, a new one only when the binaries were replaced or removed during a
                # failed run (someone rebuilding them); the log of a failed attempt is discarded.
                for _ in 1 2 3; do
                    hpo_binaries
                    binary_before=$(stat -c %Y "$HPO_BIN_DIR/hpo-coordinator" "$HPO_BIN_DIR/hpo-worker" 2>/dev/null || true)
                    rm -f "$log"
                    run_start=$(date +%s.%N)
                    rc=0
                    # shellcheck disable=SC2086
                    timeout --kill-after=30 "$run_timeout" "$HPO_BIN_DIR/hpo-coordinator" "$study" --log "$log" \
                        --local-workers "$workers" $coordinator_args >"$scratch/stdout" 2>"$scratch/stderr" || rc=$?
                    wall=$(python3 -c "print(round($(date +%s.%N) - $run_start, 3))")
                    binary_after=$(stat -c %Y "$HPO_BIN_DIR/hpo-coordinator" "$HPO_BIN_DIR/hpo-worker" 2>/dev/null || true)
                    ((rc == 0)) || [[ $binary_before != "$binary_after" ]] || break
                    ((rc == 0)) && break
                    echo "the binaries changed during a failed run of $name (exit $rc); running it again" >&2
                    sleep 10
                done
                if ((rc != 0)); then
                    echo "hpo-coordinator exited $rc on $name; its stderr ends:" >&2
                    tail -5 "$scratch/stderr" >&2
                fi
                binary_mtime=$(date -u -r "$HPO_BIN_DIR/hpo-coordinator" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)
                meta=$(printf '{"kind":"%s","duration":"%s","function":"%s","seed":%d,"strategy":"%s","trials":%d,"workers":%d,"exit_code":%d,"wall_s":%s,"coordinator_args":"%s","binary_mtime":"%s"}' \
                    "$kind" "$duration" "$function" "$seed" "$strategy" "$trials" "$workers" "$rc" "$wall" "$coordinator_args" "$binary_mtime")
                python3 benchmarks/bo_product.py analyse --log "$log" --meta "$meta" | tee -a "$runs" |
                    python3 -c "
import json, sys
r = json.loads(sys.stdin.read())
f = lambda v, p=False: '–' if v is None else (f'{100 * v:.1f}%' if p else f'{v:.2f}')
print(f\"[$index/$total] $kind $duration $function seed $seed $strategy: log10 regret {f(r['log10_regret'])}, \"
      f\"fallback {r['fallbacks']}/{r['dispatches']}, busy {f(r['busy_share'], True)} \"
      f\"({f(r['busy_share_per_worker'], True)} per worker, tail excluded), exit {r['exit_code']}, \"
      f\"{r['wall_s']:.1f} s ({$SECONDS - $started} s so far)\", file=sys.stderr)"
                [[ ${KEEP_LOGS:-0} == 1 ]] && cp "$log" "$out/logs/"
                rm -f "$log" "$study"
            done
        done
    done
done

# Peers: one run per (duration, function, seed, peer), whatever the trial kind; J at a time.
if ((${#peer_list[@]})); then
    mkdir -p "$scratch/peers"
    mapfile -t peer_durations < <(for setting in "${settings[@]}"; do echo "${setting#* }"; done | awk '!seen[$0]++')
    tasks=()
    for duration in "${peer_durations[@]}"; do
        for function in "${function_list[@]}"; do
            for seed in "${seed_list[@]}"; do
                for peer in "${peer_list[@]}"; do tasks+=("$peer $function $seed $duration"); done
            done
        done
    done
    index=0
    for task in "${tasks[@]}"; do
        index=$((index + 1))
        while (($(jobs -pr | wc -l) >= peer_jobs)); do wait -n || true; done
        (
            read -r peer function seed duration <<< "$task"
            file=$(printf '%s/peers/%05d' "$scratch" "$index")
            if OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 timeout --kill-after=10 "$peer_timeout" \
                "$PEER_VENV/bin/python" benchmarks/bo_peers.py --peer "$peer" --function "$function" --seed "$seed" \
                --trials "$trials" --workers "$workers" --duration "$duration" >"$file.json" 2>"$file.err"; then
                python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print(f\"[peer $index/${#tasks[@]}] $peer $duration $function seed $seed: log10 regret {r['log10_regret']:.2f}, {r['wall_s']:.1f} s\", file=sys.stderr)" "$file.json"
            else
                echo "[peer $index/${#tasks[@]}] $peer $duration $function seed $seed FAILED:" >&2
                tail -5 "$file.err" >&2
                rm -f "$file.json"
            fi
        ) &
    done
    wait
    cat "$scratch"/peers/*.json >> "$runs" 2>/dev/null || true
fi

echo >&2
echo "raw runs (JSON lines): $runs" >&2
python3 benchmarks/bo_product.py table --runs "$runs" --command "$command" | tee "$out/table.md"
echo "table: $out/table.md" >&2
