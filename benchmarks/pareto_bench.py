#!/usr/bin/env python3
"""Helper of benchmarks/pareto-product.sh: study files, log reading, the Optuna peers, the table.

    pareto_bench.py study   --problem P --seed S --trials T --strategy bayes|random --sleep S --out STUDY.yaml
    pareto_bench.py analyse --log LOG --status STATUS.json --meta JSON      one JSON line (a product run)
    pareto_bench.py peer    --peer nsga2|motpe --problem P --seed S --trials T --workers N   (in the venv)
    pareto_bench.py table   --runs RUNS.jsonl --command CMD                 the Markdown table

Problems (both objectives minimised; the same formulas as Sources/HPOTrials/BuiltinFunction+Pareto.swift):
zdt1 and zdt2 on [0, 1]^6, dtlz2 on [0, 1]^3 with two objectives. The hypervolume of the front of
all completed trials is measured against the reference point (11, 11) for ZDT and (1.1, 1.1) for
DTLZ2 (the points BoTorch's test problems use), by the exact 2-d sweep below; `analyse` checks it
against the product's own figure (`hpo status --json`, pareto.hypervolume).

Peers, in a simulated asynchronous pool of N workers with equal trial durations (the first N asks
one after the other, each with the earlier ones pending; then each finished trial is told and its
worker asks again, until T trials): Optuna's `NSGAIISampler(seed=S)` and its multi-objective
`TPESampler(seed=S, constant_liar=True)`, other settings at their defaults.
"""
import argparse
import json
import math
import statistics
import sys

PROBLEMS = {"zdt1": (6, (11.0, 11.0)), "zdt2": (6, (11.0, 11.0)), "dtlz2": (3, (1.1, 1.1))}


def evaluate(problem, x):
    if problem in ("zdt1", "zdt2"):
        g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
        ratio = x[0] / g
        return x[0], g * (1 - (math.sqrt(ratio) if problem == "zdt1" else ratio * ratio))
    g = sum((v - 0.5) ** 2 for v in x[1:])
    angle = x[0] * math.pi / 2
    return (1 + g) * math.cos(angle), (1 + g) * math.sin(angle)


def hypervolume(points, reference):
    """Exact 2-d hypervolume of the points (minimised) up to the reference."""
    inside = sorted(p for p in points if p[0] < reference[0] and p[1] < reference[1])
    volume, lowest = 0.0, reference[1]
    for f1, f2 in inside:
        if f2 < lowest:
            volume += (reference[0] - f1) * (lowest - f2)
            lowest = f2
    return volume


def study(args):
    dimension, reference = PROBLEMS[args.problem]
    lines = [
        f"name: pareto-{args.problem}-{args.strategy}-seed{args.seed}",
        "objective:",
        f"  - {{metric: f1, direction: minimize, reference: {reference[0]}}}",
        f"  - {{metric: f2, direction: minimize, reference: {reference[1]}}}",
        f"budget: {{trials: {args.trials}}}",
        f"strategy: {args.strategy}",
        f"seed: {args.seed}",
        "space:",
    ]
    lines += [f"  x{i}: {{type: float, low: 0, high: 1}}" for i in range(dimension)]
    lines += ["trial:", f"  builtin: {args.problem}", f"  sleep: {args.sleep}"]
    with open(args.out, "w") as out:
        out.write("\n".join(lines) + "\n")


def analyse(args):
    record = json.loads(args.meta)
    record["side"] = "product"
    points = []
    with open(args.log) as log:
        for line in log:
            event = json.loads(line)
            if event.get("event") == "trial_completed":
                points.append((event["metrics"]["f1"], event["metrics"]["f2"]))
    record["completed"] = len(points)
    record["hypervolume"] = hypervolume(points, PROBLEMS[record["problem"]][1])
    with open(args.status) as status:
        product = json.load(status)["pareto"]["hypervolume"]
    record["product_hypervolume"] = product
    record["agrees"] = abs(product - record["hypervolume"]) <= 1e-9 * max(1.0, abs(product))
    print(json.dumps(record))


def peer(args):
    import optuna
    import heapq
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dimension, reference = PROBLEMS[args.problem]
    if args.peer == "nsga2":
        sampler = optuna.samplers.NSGAIISampler(seed=args.seed)
    elif args.peer == "motpe":
        sampler = optuna.samplers.TPESampler(seed=args.seed, constant_liar=True)
    else:
        sys.exit(f"unknown peer {args.peer!r} (nsga2, motpe)")
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    distributions = {f"x{i}": optuna.distributions.FloatDistribution(0, 1) for i in range(dimension)}
    pending, points, asked, clock = [], [], 0, 0.0

    def launch():
        nonlocal asked
        trial = study.ask(distributions)
        x = [trial.params[f"x{i}"] for i in range(dimension)]
        heapq.heappush(pending, (clock + 1.0, asked, trial, evaluate(args.problem, x)))
        asked += 1

    for _ in range(min(args.workers, args.trials)):
        launch()
    while pending:  # bounded: each pass finishes one of at most `trials` trials
        clock, _, trial, values = heapq.heappop(pending)
        study.tell(trial, list(values))
        points.append(values)
        if asked < args.trials:
            launch()
    print(json.dumps({
        "side": "peer", "strategy": f"optuna-{args.peer}", "problem": args.problem, "seed": args.seed,
        "trials": args.trials, "workers": args.workers, "completed": len(points),
        "hypervolume": hypervolume(points, reference), "optuna": optuna.__version__,
    }))


def table(args):
    runs = [json.loads(line) for line in open(args.runs) if line.strip()]
    strategies = ["bayes", "random", "optuna-nsga2", "optuna-motpe"]
    print(f"Hypervolume of the front of all completed trials (median over seeds, and [min, max]); `{args.command}`\n")
    print("| problem | reference | " + " | ".join(strategies) + " | bayes beats both Optuna peers |")
    print("|---|---|" + "---|" * (len(strategies) + 1))
    for problem in PROBLEMS:
        cells, medians = [], {}
        for strategy in strategies:
            values = [r["hypervolume"] for r in runs if r["problem"] == problem and r["strategy"] == strategy]
            if not values:
                cells.append("–")
                continue
            medians[strategy] = statistics.median(values)
            cells.append(f"{medians[strategy]:.4f} [{min(values):.4f}, {max(values):.4f}] (n={len(values)})")
        peers = [medians[s] for s in ("optuna-nsga2", "optuna-motpe") if s in medians]
        beats = "–" if "bayes" not in medians or not peers else ("yes" if medians["bayes"] > max(peers) else "no")
        seeds = sorted({r["seed"] for r in runs if r["problem"] == problem and r["strategy"] == "bayes"})
        wins = "–"
        if seeds and peers:
            by_seed = {}
            for r in runs:
                if r["problem"] == problem:
                    by_seed.setdefault(r["seed"], {})[r["strategy"]] = r["hypervolume"]
            won = sum(1 for s in seeds if all(
                by_seed[s].get("bayes", -1) > by_seed[s].get(p, math.inf) for p in ("optuna-nsga2", "optuna-motpe")))
            wins = f"{beats} ({won} of {len(seeds)} seeds)"
        print(f"| {problem} | {PROBLEMS[problem][1]} | " + " | ".join(cells) + f" | {wins} |")
    product = [r for r in runs if r["side"] == "product"]
    disagree = [r for r in product if not r.get("agrees")]
    print(f"\nProduct runs: {len(product)}, exit codes {sorted({r['exit_code'] for r in product})}, "
          f"completed trials per run {min(r['completed'] for r in product)}-{max(r['completed'] for r in product)}, "
          f"hypervolume of `hpo status --json` equal to this script's in {len(product) - len(disagree)} of {len(product)}.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("study")
    s.add_argument("--problem", required=True, choices=sorted(PROBLEMS))
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--trials", type=int, required=True)
    s.add_argument("--strategy", required=True, choices=["bayes", "random"])
    s.add_argument("--sleep", type=float, required=True)
    s.add_argument("--out", required=True)
    a = sub.add_parser("analyse")
    a.add_argument("--log", required=True)
    a.add_argument("--status", required=True)
    a.add_argument("--meta", required=True)
    p = sub.add_parser("peer")
    p.add_argument("--peer", required=True)
    p.add_argument("--problem", required=True, choices=sorted(PROBLEMS))
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--trials", type=int, required=True)
    p.add_argument("--workers", type=int, required=True)
    t = sub.add_parser("table")
    t.add_argument("--runs", required=True)
    t.add_argument("--command", required=True)
    args = parser.parse_args()
    {"study": study, "analyse": analyse, "peer": peer, "table": table}[args.mode](args)


if __name__ == "__main__":
    main()
