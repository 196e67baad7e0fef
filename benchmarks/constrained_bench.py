#!/usr/bin/env python3
"""Helper of benchmarks/constrained-product.sh: study files, log reading, Optuna's TPE, the table.

    constrained_bench.py study   --problem P --strategy bayes|random --seed S --trials T --sleep S --out STUDY.yaml
    constrained_bench.py analyse --log LOG --meta JSON       prints one JSON line (a product run)
    constrained_bench.py peer    --problem P --seed S --trials T --workers N     (in the peers' venv)
    constrained_bench.py summary --runs RUNS.jsonl      the last run in one line
    constrained_bench.py table   --runs RUNS.jsonl --command CMD

The problems are the constrained built-ins (Sources/HPOTrials/BuiltinFunction+Constrained.swift,
docs/trials.md): `gramacy` (Gramacy et al. 2016, 46 % of [0, 1]² feasible, best feasible 0.599788)
and `gardner` (after Gardner et al. 2014, 1.8 % of [0, 6]² feasible, best feasible 0.253236). Each
run is the sequence of its completed trials, in the order they completed, as (objective,
feasible); regret after k trials is the best feasible objective among the first k minus the best
feasible value (infinite while none is feasible). Standard library only, except `peer`.

The peer is Optuna's `TPESampler(seed=S, constant_liar=True, constraints_func=...)` (the
constraint values c1, c2, … as the trial's `constraints` user attribute, feasible when all ≤ 0;
every other setting at its default), in a simulated pool of N workers with equal trial durations:
the first N asks are made one after the other, each with the earlier ones RUNNING; then the
earliest-started trial is told, and its worker asks again with the N-1 others still RUNNING,
until T trials are asked and told.
"""
import argparse
import json
import math
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import results_log  # noqa: E402

PROBLEMS = {
    # name: (bounds of x0 and x1, number of constraints, best feasible value)
    "gramacy": ((0.0, 1.0), 2, 0.599788),
    "gardner": ((0.0, 6.0), 1, 0.253236),
}
STRATEGIES = {"bayes": "{kind: bayes}", "random": "{kind: random}"}


def evaluate(problem, x0, x1):
    """The objective and the constraint values, as the built-in computes them."""
    if problem == "gramacy":
        c1 = 1.5 - x0 - 2 * x1 - 0.5 * math.sin(2 * math.pi * (x0 * x0 - 2 * x1))
        c2 = x0 * x0 + x1 * x1 - 1.5
        return x0 + x1, [c1, c2]
    return math.sin(x0) + x1, [math.sin(x0) * math.sin(x1) + 0.95]


def study(args):
    (low, high), count, _ = PROBLEMS[args.problem]
    constraints = ", ".join(f"{{metric: c{i + 1}, max: 0}}" for i in range(count))
    text = (f"name: constrained-{args.problem}-{args.strategy}-seed{args.seed}\n"
            "objective: {metric: objective, direction: minimize}\n"
            f"constraints: [{constraints}]\n"
            f"budget: {{trials: {args.trials}}}\n"
            f"strategy: {STRATEGIES[args.strategy]}\n"
            f"seed: {args.seed}\n"
            "space:\n"
            f"  x0: {{type: float, low: {low}, high: {high}}}\n"
            f"  x1: {{type: float, low: {low}, high: {high}}}\n"
            f"trial: {{builtin: {args.problem}, sleep: {args.sleep}, timeout: 120}}\n")
    pathlib.Path(args.out).write_text(text)


def analyse(args):
    record = json.loads(args.meta)
    record["side"] = "product"
    values, feasible, dispatches, fallbacks = [], [], 0, 0
    for event in results_log.events(args.log):
        if event.get("event") == "trial_completed":
            values.append(event["objective"])
            feasible.append(bool(event.get("feasible")))
        elif event.get("event") == "trial_dispatched":
            dispatches += 1
            fallbacks += bool(event.get("fallback"))
    record.update({"values": values, "feasible": feasible, "dispatches": dispatches, "fallbacks": fallbacks})
    print(json.dumps(record))


def peer(args):
    import heapq
    import time
    import warnings
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore")  # constraints_func is "experimental"
    (low, high), _, _ = PROBLEMS[args.problem]
    sampler = optuna.samplers.TPESampler(
        seed=args.seed, constant_liar=True, constraints_func=lambda t: t.user_attrs["constraints"])
    study_ = optuna.create_study(direction="minimize", sampler=sampler)

    def ask():
        trial = study_.ask()
        x0 = trial.suggest_float("x0", low, high)
        x1 = trial.suggest_float("x1", low, high)
        value, constraints = evaluate(args.problem, x0, x1)
        trial.set_user_attr("constraints", constraints)
        return trial, value, all(c <= 0 for c in constraints)

    started = time.perf_counter()
    running, values, feasible, asked = [], [], [], 0
    for _ in range(min(args.workers, args.trials)):
        heapq.heappush(running, (asked, *ask()))
        asked += 1
    while running:  # bounded: each pass tells one of at most `trials` trials
        _, trial, value, ok = heapq.heappop(running)
        study_.tell(trial, value)
        values.append(value)
        feasible.append(ok)
        if asked < args.trials:
            heapq.heappush(running, (asked, *ask()))
            asked += 1
    print(json.dumps({"side": "peer", "problem": args.problem, "strategy": "optuna-tpe-cl", "seed": args.seed,
                      "trials": args.trials, "workers": args.workers, "values": values, "feasible": feasible,
                      "wall_s": time.perf_counter() - started, "versions": {"optuna": optuna.__version__}}))


def regret(run, k, minimum):
    best = min((v for v, ok in zip(run["values"][:k], run["feasible"][:k]) if ok), default=math.inf)
    return best - minimum


def first_feasible(run):
    return next((i + 1 for i, ok in enumerate(run["feasible"]) if ok), math.inf)


def summary(args):
    run = json.loads(pathlib.Path(args.runs).read_text().splitlines()[-1])
    feasible = [v for v, ok in zip(run["values"], run["feasible"]) if ok]
    print(f"{len(run['values'])} trials, {len(feasible)} feasible, best {min(feasible) if feasible else '-'}, "
          f"{run.get('fallbacks', 0)} fallback dispatches")


def cell(value):
    return "∞" if value == math.inf else f"{value:.4f}"


def table(args):
    runs = [json.loads(line) for line in pathlib.Path(args.runs).read_text().splitlines() if line.strip()]
    print(f"`{args.command}`\n")
    for problem in sorted({run["problem"] for run in runs}, reverse=True):
        minimum = PROBLEMS[problem][2]
        mine = [run for run in runs if run["problem"] == problem]
        trials = max(len(run["values"]) for run in mine)
        checkpoints = sorted({c for c in (10, 20, 40, trials) if c <= trials})
        seeds = sorted({run["seed"] for run in mine})
        print(f"{problem} (best feasible {minimum}), {len(seeds)} seeds, median regret of the best feasible "
              "value (∞: none feasible yet)\n")
        print("| strategy | " + " | ".join(f"after {c}" for c in checkpoints)
              + " | seeds feasible by 10 | by 20 | median trials to the first feasible |")
        print("|---" * (len(checkpoints) + 4) + "|")
        for strategy in sorted({run["strategy"] for run in mine}):
            group = [run for run in mine if run["strategy"] == strategy]
            cells = [cell(statistics.median(regret(run, c, minimum) for run in group)) for c in checkpoints]
            firsts = [first_feasible(run) for run in group]
            by10 = sum(f <= 10 for f in firsts)
            by20 = sum(f <= 20 for f in firsts)
            median_first = statistics.median(firsts)
            print(f"| {strategy} | " + " | ".join(cells) + f" | {by10}/{len(group)} | {by20}/{len(group)} | "
                  f"{'–' if median_first == math.inf else median_first} |")
        print()
    versions = {k: v for run in runs for k, v in (run.get("versions") or {}).items()}
    if versions:
        print(f"Peers: {', '.join(f'{k} {v}' for k, v in sorted(versions.items()))}.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("study")
    p.add_argument("--problem", choices=sorted(PROBLEMS), required=True)
    p.add_argument("--strategy", choices=sorted(STRATEGIES), required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--trials", type=int, required=True)
    p.add_argument("--sleep", type=float, required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("analyse")
    p.add_argument("--log", required=True)
    p.add_argument("--meta", required=True)
    p = sub.add_parser("peer")
    p.add_argument("--problem", choices=sorted(PROBLEMS), required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--trials", type=int, required=True)
    p.add_argument("--workers", type=int, required=True)
    p = sub.add_parser("summary")
    p.add_argument("--runs", required=True)
    p = sub.add_parser("table")
    p.add_argument("--runs", required=True)
    p.add_argument("--command", required=True)
    args = parser.parse_args()
    {"study": study, "analyse": analyse, "peer": peer, "summary": summary, "table": table}[args.mode](args)


if __name__ == "__main__":
    main()
