#!/usr/bin/env python3
"""Helper of benchmarks/bo-product.sh (standard library only): study files, log reading, the table.

    bo_product.py study   --function F --seed S --trials T --strategy LABEL --kind command|builtin
                          --duration SPEC --python PY --out STUDY.yaml
    bo_product.py analyse --log LOG --meta JSON            prints one JSON line (a product run)
    bo_product.py table   --runs RUNS.jsonl --command CMD  prints the Markdown tables

Strategy labels: `bayes` (every default: kriging believer), `bayes-cl-min`, `bayes-cl-mean`,
`bayes-cl-max` (`batch: constant-liar` with that lie), `random`.
"""
import argparse
import json
import math
import pathlib
import statistics
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import results_log  # noqa: E402
from bo_functions import PROBLEMS  # noqa: E402

STRATEGIES = {
    "bayes": "{kind: bayes}",
    "bayes-cl-min": "{kind: bayes, batch: constant-liar, lie: min}",
    "bayes-cl-mean": "{kind: bayes, batch: constant-liar, lie: mean}",
    "bayes-cl-max": "{kind: bayes, batch: constant-liar, lie: max}",
    "random": "{kind: random}",
}


def log10_regret(best, function):
    if best is None:
        return None
    return math.log10(max(best - PROBLEMS[function][3], 1e-12))


def study(args):
    _, dimension, domain, _, _ = PROBLEMS[args.function]
    if args.strategy not in STRATEGIES:
        sys.exit(f"unknown strategy {args.strategy!r}; known: {', '.join(STRATEGIES)}")
    lines = [
        f"name: bo-product-{args.function}-{args.strategy}-seed{args.seed}",
        "objective: {metric: objective, direction: minimize}",
        f"budget: {{trials: {args.trials}}}",
        f"strategy: {STRATEGIES[args.strategy]}",
        f"seed: {args.seed}",
        "space:",
    ]
    lines += [f"  x{i}: {{type: float, low: {lo!r}, high: {hi!r}}}" for i, (lo, hi) in enumerate(domain)]
    lines.append("trial:")
    if args.kind == "command":
        command = [args.python, str(HERE / "bo_functions.py"), f"--function={args.function}",
                   f"--seed={args.seed}", f"--sleep={args.duration}"]
        command += [f"--x{i}={{x{i}}}" for i in range(dimension)]
        lines.append(f"  command: {json.dumps(command)}")
    elif args.kind == "builtin":
        kind, _, value = args.duration.partition(":")
        if kind not in ("fixed", "none"):
            sys.exit(f"builtin trials take a fixed duration, not {args.duration!r}")
        lines.append(f"  builtin: {args.function}")
        if kind == "fixed":
            lines.append(f"  sleep: {float(value)!r}")
    else:
        sys.exit(f"unknown trial kind {args.kind!r} (command or builtin)")
    # Generous: an exponential draw of mean M exceeds 20 M once in 500 million.
    mean = float(args.duration.partition(":")[2] or 0)
    lines.append(f"  timeout: {max(120, round(20 * mean))}")
    pathlib.Path(args.out).write_text("\n".join(lines) + "\n")


def analyse(args):
    record = json.loads(args.meta)
    record["side"] = "product"
    first_dispatch = last_result = None
    dispatches = fallbacks = completed = failed = 0
    busy = 0.0
    best = None
    software = finished = None
    spans = {}  # worker -> [first dispatch, last result, time in attempts]
    for event in results_log.events(args.log):
        kind = event.get("event")
        if kind == "study_started":
            software = event.get("software")
        elif kind == "trial_dispatched":
            dispatches += 1
            fallbacks += bool(event.get("fallback"))
            if first_dispatch is None:
                first_dispatch = event["time"]
            spans.setdefault(event.get("worker"), [event["time"], event["time"], 0.0])
        elif kind in ("trial_completed", "trial_failed", "trial_pruned"):
            busy += event.get("duration_s") or 0.0
            last_result = event["time"]
            if event.get("worker") in spans:
                spans[event["worker"]][1] = event["time"]
                spans[event["worker"]][2] += event.get("duration_s") or 0.0
            if kind == "trial_completed":
                completed += 1
                best = event["objective"] if best is None else min(best, event["objective"])
            elif kind == "trial_failed":
                failed += 1
        elif kind == "study_finished":
            finished = event.get("reason")
    span = (last_result - first_dispatch) if first_dispatch is not None and last_result is not None else None
    workers = record["workers"]
    record.update({
        "software": software,
        "finished": finished,
        "completed": completed,
        "failed_attempts": failed,
        "dispatches": dispatches,
        "fallbacks": fallbacks,
        "fallback_share": fallbacks / dispatches if dispatches else None,
        "busy_share": busy / (workers * span) if span else None,
        # benchmarks/utilisation.sh's figure: each worker from its first dispatch to its last
        # result, so without the tail when the budget is spent and workers run out of trials.
        "busy_share_per_worker": (sum(w[2] for w in spans.values()) / sum(w[1] - w[0] for w in spans.values())
                                  if spans and sum(w[1] - w[0] for w in spans.values()) > 0 else None),
        "span_s": span,
        "best": best,
        "log10_regret": log10_regret(best, record["function"]),
    })
    print(json.dumps(record))


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, percent=False):
    if value is None:
        return "–"
    return f"{100 * value:.1f}%" if percent else f"{value:.2f}"


def table(args):
    runs = [json.loads(line) for line in open(args.runs) if line.strip()]
    product = [r for r in runs if r["side"] == "product"]
    peers = [r for r in runs if r["side"] == "peer"]
    strategies = list(dict.fromkeys(r["strategy"] for r in product))
    peer_names = list(dict.fromkeys(r["peer"] for r in peers))
    bayes = [s for s in strategies if s.startswith("bayes")]
    settings = list(dict.fromkeys((r["kind"], r["duration"]) for r in product))
    out = []
    for kind, duration in settings:
        rows = [r for r in product if r["kind"] == kind and r["duration"] == duration]
        functions = list(dict.fromkeys(r["function"] for r in rows))
        seeds = sorted({r["seed"] for r in rows})
        some = rows[0]
        out.append(f"### `{args.command}`: {kind} trials, duration {duration}, {some['workers']} workers, "
                   f"{some['trials']} trials, seeds {','.join(map(str, seeds))}")
        out.append("")
        out.append(f"Median log10 simple regret over the seeds (lower is better); peers simulated in an "
                   f"asynchronous pool of {some['workers']} with the same durations, measured in this run.")
        out.append("")
        head = (["function"] + [f"{s}" for s in strategies] + [f"{p}" for p in peer_names]
                + [f"fallback {s}" for s in strategies] + [f"busy {s}" for s in strategies]
                + [f"{s} ≤ best peer?" for s in bayes])
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        problems = []
        for function in functions:
            mine = {s: [r for r in rows if r["function"] == function and r["strategy"] == s] for s in strategies}
            for s, rs in mine.items():
                bad = [r for r in rs if r.get("exit_code") != 0 or r.get("completed", 0) < r["trials"]]
                if bad:
                    problems.append(f"{function} {s}: seeds {','.join(str(r['seed']) for r in bad)} exited "
                                    f"{','.join(str(r.get('exit_code')) for r in bad)} "
                                    f"(completed {','.join(str(r.get('completed')) for r in bad)} of {rs[0]['trials']})")
            regret = {s: median(r["log10_regret"] for r in rs if r.get("exit_code") == 0) for s, rs in mine.items()}
            theirs = {p: median(r["log10_regret"] for r in peers if r["function"] == function
                                and r["duration"] == duration and r["peer"] == p and r["seed"] in seeds)
                      for p in peer_names}
            known = {p: v for p, v in theirs.items() if v is not None}
            best_peer = min(known, key=known.get) if known else None
            cells = [PROBLEMS[function][4]]
            cells += [fmt(regret[s]) for s in strategies]
            cells += [fmt(theirs[p]) for p in peer_names]
            cells += [fmt(median(r["fallback_share"] for r in mine[s]), percent=True) for s in strategies]
            cells += [fmt(median(r["busy_share"] for r in mine[s]), percent=True) for s in strategies]
            for s in bayes:
                if regret[s] is None or best_peer is None:
                    cells.append("–")
                else:
                    verdict = "yes" if regret[s] <= known[best_peer] else "**no**"
                    cells.append(f"{verdict} ({fmt(regret[s])} vs {fmt(known[best_peer])} {best_peer})")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        out.append("Busy share per worker from its first dispatch to its last result (the tail, when the budget is "
                   "spent and workers run out of trials, left out; benchmarks/utilisation.sh's measure), median: "
                   + ", ".join(f"{s} {fmt(median(r.get('busy_share_per_worker') for r in rows if r['strategy'] == s), percent=True)}"
                               for s in strategies) + ".")
        out.append("")
        codes = sorted({r.get("exit_code") for r in rows}, key=str)
        out.append(f"Coordinator exit codes: {', '.join(map(str, codes))} over {len(rows)} runs"
                   + ("." if not problems else "; incomplete runs (left out of the regret medians): " + "; ".join(problems) + "."))
        out.append("")
        wall = sum(r.get("wall_s") or 0 for r in rows)
        peer_wall = {p: sum(r.get("wall_s") or 0 for r in peers if r["duration"] == duration and r["peer"] == p)
                     for p in peer_names}
        versions = {}
        for r in peers:
            versions.update(r.get("versions") or {})
        binaries = sorted({str(r.get("binary_mtime")) for r in rows})
        out.append(f"Product runs: {wall / 60:.1f} min in all (hpo-coordinator {', '.join(sorted({str(r.get('software')) for r in rows}))}, "
                   f"binary modified {', '.join(binaries)})"
                   + ("; peers: " + ", ".join(f"{p} {w / 60:.1f} min" for p, w in peer_wall.items()) if peer_wall else "; no peers")
                   + (f" ({', '.join(f'{k} {v}' for k, v in sorted(versions.items()))})" if versions else "") + ".")
        out.append("")
    print("\n".join(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    s = sub.add_parser("study")
    s.add_argument("--function", required=True, choices=sorted(PROBLEMS))
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--trials", type=int, required=True)
    s.add_argument("--strategy", required=True)
    s.add_argument("--kind", required=True)
    s.add_argument("--duration", required=True)
    s.add_argument("--python", default=sys.executable)
    s.add_argument("--out", required=True)
    a = sub.add_parser("analyse")
    a.add_argument("--log", required=True)
    a.add_argument("--meta", required=True)
    t = sub.add_parser("table")
    t.add_argument("--runs", required=True)
    t.add_argument("--command", required=True)
    args = parser.parse_args()
    {"study": study, "analyse": analyse, "table": table}[args.action](args)


if __name__ == "__main__":
    main()
