#!/usr/bin/env python3
"""The peers of benchmarks/bo-product.sh, in a simulated asynchronous pool (run in its venv).

    bo_peers.py --peer NAME --function F --seed S --trials T --workers N --duration SPEC

prints one JSON line: the best value found and log10 simple regret. Peers:

- `optuna-tpe-cl`: Optuna's `TPESampler(seed=S, constant_liar=True)` (other settings at their
  defaults); each freed worker calls `study.ask()` while the other trials are still RUNNING, which
  is what constant_liar is for.
- `skopt-gp-cl_min` (`_mean`, `_max`): scikit-optimize's `Optimizer(base_estimator="GP",
  acq_func="EI")` (other settings at their defaults, random_state from the seed). For each
  freed worker: a fresh optimizer of the same settings is told the real results plus the pending
  points with the lie (min, mean or max of the real results, 0 before there is one), then asked
  for one point. That is what skopt's own `ask(n_points, strategy="cl_min")` does (a copy told the
  results, then each chosen point told the lie), with the running trials as the earlier points
  of the batch; all lies are told at once, which gives the same model in one fit since the lie is
  the same constant each time.

The pool: N workers; the first N asks are made one after the other, each with the earlier ones
pending; then the earliest-finishing trial is told, and its worker asks for the next point with
the N-1 others still pending, until T trials have been asked and all have finished. Trial
durations come from the same distribution as the product run (bo_functions.duration: `fixed:S`,
or `exp:M` drawn from a generator keyed on the function, the seed and the point). Ties finish in
the order they started.
"""
import argparse
import heapq
import json
import os
import pathlib
import sys
import time
import warnings

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bo_functions import PROBLEMS, duration, evaluate  # noqa: E402


class OptunaTPE:
    def __init__(self, domain, seed):
        import optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.optuna = optuna
        self.study = optuna.create_study(
            direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed, constant_liar=True))
        self.distributions = {f"x{i}": optuna.distributions.FloatDistribution(lo, hi)
                              for i, (lo, hi) in enumerate(domain)}

    def ask(self):
        trial = self.study.ask(self.distributions)
        return [trial.params[f"x{i}"] for i in range(len(self.distributions))], trial

    def tell(self, handle, x, y):
        self.study.tell(handle, y)

    @staticmethod
    def versions():
        import optuna
        return {"optuna": optuna.__version__}


class SkoptGP:
    def __init__(self, domain, seed, lie):
        import numpy as np
        from skopt import Optimizer
        self.np, self.Optimizer = np, Optimizer
        self.domain = [(float(lo), float(hi)) for lo, hi in domain]
        self.rng = np.random.RandomState(seed)
        self.lie = {"min": np.min, "mean": np.mean, "max": np.max}[lie]
        self.xs, self.ys = [], []
        self.pending = {}
        self.next_id = 0

    def ask(self):
        np = self.np
        optimizer = self.Optimizer(self.domain, base_estimator="GP", acq_func="EI",
                                   random_state=self.rng.randint(0, np.iinfo(np.int32).max))
        lie = float(self.lie(self.ys)) if self.ys else 0.0
        pending = list(self.pending.values())
        if self.xs or pending:
            optimizer.tell(self.xs + pending, self.ys + [lie] * len(pending))
        x = [float(v) for v in optimizer.ask()]
        handle, self.next_id = self.next_id, self.next_id + 1
        self.pending[handle] = x
        return x, handle

    def tell(self, handle, x, y):
        del self.pending[handle]
        self.xs.append(x)
        self.ys.append(y)

    @staticmethod
    def versions():
        import numpy
        import scipy
        import sklearn
        import skopt
        return {"scikit-optimize": skopt.__version__, "scikit-learn": sklearn.__version__,
                "numpy": numpy.__version__, "scipy": scipy.__version__}


def make_peer(name, domain, seed):
    if name == "optuna-tpe-cl":
        return OptunaTPE(domain, seed)
    if name.startswith("skopt-gp-cl_"):
        return SkoptGP(domain, seed, name.removeprefix("skopt-gp-cl_"))
    raise SystemExit(f"unknown peer {name!r} (optuna-tpe-cl, skopt-gp-cl_min, skopt-gp-cl_mean, skopt-gp-cl_max)")


def run(peer_name, function, seed, trials, workers, spec):
    _, _, domain, minimum, _ = PROBLEMS[function]
    peer = make_peer(peer_name, domain, seed)
    pending = []  # heap of (finish time, start order, handle, x, y)
    clock = 0.0
    asked = 0
    best = None
    ask_seconds = 0.0

    def launch():
        nonlocal asked, ask_seconds
        started = time.perf_counter()
        x, handle = peer.ask()
        ask_seconds += time.perf_counter() - started
        heapq.heappush(pending, (clock + duration(spec, function, seed, x), asked, handle, x, evaluate(function, x)))
        asked += 1

    for _ in range(min(workers, trials)):
        launch()
    while pending:  # bounded: each pass finishes one of at most `trials` trials
        clock, _, handle, x, y = heapq.heappop(pending)
        peer.tell(handle, x, y)
        best = y if best is None else min(best, y)
        if asked < trials:
            launch()
    import math
    return {
        "side": "peer", "peer": peer_name, "function": function, "seed": seed, "trials": trials,
        "workers": workers, "duration": spec, "best": best,
        "log10_regret": math.log10(max(best - minimum, 1e-12)),
        "simulated_span_s": clock, "ask_s": ask_seconds, "versions": peer.versions(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", required=True)
    parser.add_argument("--function", required=True, choices=sorted(PROBLEMS))
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--trials", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--duration", required=True)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # skopt: "evaluated at point ... before", sklearn convergence
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    started = time.perf_counter()
    record = run(args.peer, args.function, args.seed, args.trials, args.workers, args.duration)
    record["wall_s"] = time.perf_counter() - started
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
