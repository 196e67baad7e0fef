#!/usr/bin/env python3
"""Helper of benchmarks/conditional.sh: study files, log reading, Optuna's TPE, the table.

    conditional.py study   --strategy bayes|random --seed S --trials T --sleep S --out STUDY.yaml
    conditional.py analyse --log LOG --meta JSON       prints one JSON line (a product run)
    conditional.py peer    --peer NAME --seed S --trials T --workers N     (in the peers' venv)
    conditional.py table   --runs RUNS.jsonl --command CMD --target V

The problem is the built-in `jenatton` (Sources/HPOTrials/NamedFunction.swift, docs/trials.md):
Jenatton et al. (ICML 2017) as Ax defines it, 9 parameters of which 4 are active at a time,
minimum 0.1. Standard library only, except `peer`, which needs optuna.

Peers (Optuna, define-by-run, so the same tree of conditions as the study file's `when:`):
- `optuna-tpe-cl`: `TPESampler(seed=S, constant_liar=True)`, every other setting at its default;
- `optuna-tpe-mv-cl`: the same with `multivariate=True, group=True`, the setting Optuna's
  documentation recommends for conditional spaces.
Each runs in a simulated pool of N workers with equal trial durations: the first N asks are made
one after the other, each with the earlier ones RUNNING; then the earliest-started trial is told,
and its worker asks again with the N-1 others still RUNNING, until T trials are asked and told.
"""
import argparse
import json
import math
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import results_log  # noqa: E402

MINIMUM = 0.1
SPACE = """space:
  x1: {type: int, low: 0, high: 1}
  x2: {type: int, low: 0, high: 1, when: {x1: 0}}
  x3: {type: int, low: 0, high: 1, when: {x1: 1}}
  x4: {type: float, low: 0, high: 1, when: {x2: 0}}
  x5: {type: float, low: 0, high: 1, when: {x2: 1}}
  x6: {type: float, low: 0, high: 1, when: {x3: 0}}
  x7: {type: float, low: 0, high: 1, when: {x3: 1}}
  r8: {type: float, low: 0, high: 1, when: {x1: 0}}
  r9: {type: float, low: 0, high: 1, when: {x1: 1}}
"""
STRATEGIES = {"bayes": "{kind: bayes}", "random": "{kind: random}"}


def jenatton(p):
    if p["x1"] == 0:
        return (p["x4"] ** 2 + 0.1 if p["x2"] == 0 else p["x5"] ** 2 + 0.2) + p["r8"]
    return (p["x6"] ** 2 + 0.3 if p["x3"] == 0 else p["x7"] ** 2 + 0.4) + p["r9"]


def study(args):
    text = (f"name: conditional-jenatton-{args.strategy}-seed{args.seed}\n"
            "objective: {metric: objective, direction: minimize}\n"
            f"budget: {{trials: {args.trials}}}\n"
            f"strategy: {STRATEGIES[args.strategy]}\n"
            f"seed: {args.seed}\n" + SPACE +
            f"trial: {{builtin: jenatton, sleep: {args.sleep}, timeout: 120}}\n")
    pathlib.Path(args.out).write_text(text)


def analyse(args):
    record = json.loads(args.meta)
    record["side"] = "product"
    values, dispatches, fallbacks = [], 0, 0
    for event in results_log.events(args.log):
        if event.get("event") == "trial_completed":
            values.append(event["objective"])
        elif event.get("event") == "trial_dispatched":
            dispatches += 1
            fallbacks += bool(event.get("fallback"))
    record.update({"values": values, "dispatches": dispatches, "fallbacks": fallbacks})
    print(json.dumps(record))


def peer(args):
    import heapq
    import time
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    options = {"seed": args.seed, "constant_liar": True}
    if args.peer == "optuna-tpe-mv-cl":
        options.update(multivariate=True, group=True)
    elif args.peer != "optuna-tpe-cl":
        sys.exit(f"unknown peer {args.peer!r} (optuna-tpe-cl, optuna-tpe-mv-cl)")
    import warnings
    warnings.filterwarnings("ignore")  # multivariate/group are "experimental"
    study_ = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(**options))

    def ask():
        trial = study_.ask()
        p = {"x1": trial.suggest_int("x1", 0, 1)}
        if p["x1"] == 0:
            p["x2"] = trial.suggest_int("x2", 0, 1)
            p["x4" if p["x2"] == 0 else "x5"] = trial.suggest_float("x4" if p["x2"] == 0 else "x5", 0, 1)
            p["r8"] = trial.suggest_float("r8", 0, 1)
        else:
            p["x3"] = trial.suggest_int("x3", 0, 1)
            p["x6" if p["x3"] == 0 else "x7"] = trial.suggest_float("x6" if p["x3"] == 0 else "x7", 0, 1)
            p["r9"] = trial.suggest_float("r9", 0, 1)
        return trial, jenatton(p)

    started = time.perf_counter()
    running, values, asked = [], [], 0
    for _ in range(min(args.workers, args.trials)):
        trial, value = ask()
        heapq.heappush(running, (asked, trial, value))
        asked += 1
    while running:  # bounded: each pass tells one of at most `trials` trials
        _, trial, value = heapq.heappop(running)
        study_.tell(trial, value)
        values.append(value)
        if asked < args.trials:
            trial, value = ask()
            heapq.heappush(running, (asked, trial, value))
            asked += 1
    print(json.dumps({"side": "peer", "strategy": args.peer, "seed": args.seed, "trials": args.trials,
                      "workers": args.workers, "values": values, "wall_s": time.perf_counter() - started,
                      "versions": {"optuna": optuna.__version__}}))


def table(args):
    runs = [json.loads(line) for line in pathlib.Path(args.runs).read_text().splitlines() if line.strip()]
    by = {}
    for run in runs:
        by.setdefault(run["strategy"], {})[run["seed"]] = run["values"]
    seeds = sorted({seed for results in by.values() for seed in results})
    trials = max(len(v) for results in by.values() for v in results.values())
    checkpoints = sorted({c for c in (10, 20, 40, trials) if c <= trials})
    print(f"Jenatton (9 conditional parameters, minimum 0.1), {len(seeds)} seeds, `{args.command}`\n")
    header = "| strategy | " + " | ".join(f"median regret after {c}" for c in checkpoints)
    header += f" | mean regret after {trials} | seeds reaching {args.target} | median trials to {args.target} |"
    print(header)
    print("|---" * (len(checkpoints) + 4) + "|")
    for strategy in sorted(by):
        results = by[strategy]
        cells = []
        for c in checkpoints:
            regrets = [min(v[:c]) - MINIMUM for v in results.values() if len(v) >= min(c, len(v)) and v]
            cells.append(f"{statistics.median(regrets):.4f}")
        finals = [min(v) - MINIMUM for v in results.values() if v]
        reach = []
        for v in results.values():
            hit = next((i + 1 for i, y in enumerate(v) if y - MINIMUM <= args.target), None)
            reach.append(hit if hit is not None else math.inf)
        reached = sum(1 for r in reach if r != math.inf)
        median_reach = statistics.median(reach)
        print(f"| {strategy} | " + " | ".join(cells) + f" | {statistics.mean(finals):.4f} | "
              f"{reached}/{len(reach)} | {'–' if median_reach == math.inf else int(median_reach)} |")
    versions = {k: v for run in runs for k, v in (run.get("versions") or {}).items()}
    if versions:
        print(f"\nPeers: {', '.join(f'{k} {v}' for k, v in sorted(versions.items()))}.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("study")
    p.add_argument("--strategy", choices=sorted(STRATEGIES), required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--trials", type=int, required=True)
    p.add_argument("--sleep", type=float, required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("analyse")
    p.add_argument("--log", required=True)
    p.add_argument("--meta", required=True)
    p = sub.add_parser("peer")
    p.add_argument("--peer", required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--trials", type=int, required=True)
    p.add_argument("--workers", type=int, required=True)
    p = sub.add_parser("table")
    p.add_argument("--runs", required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--target", type=float, required=True)
    args = parser.parse_args()
    {"study": study, "analyse": analyse, "peer": peer, "table": table}[args.mode](args)


if __name__ == "__main__":
    main()
