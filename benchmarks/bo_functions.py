#!/usr/bin/env python3
"""The six public test functions of benchmarks/bo-product.sh, as a command trial and as a library.

As a command trial (standard library only, so it starts fast):

    python3 benchmarks/bo_functions.py --function=branin --seed=3 --sleep=exp:1 --x0=-2.5 --x1=7.25

evaluates the function at (x0, x1, ...), first sleeping for the trial's duration, and prints
{"objective": value}. Arguments are single `--name=value` words so that negative values are never
mistaken for options (the study file's command uses "--x0={x0}").

--sleep is a duration distribution: `fixed:S` (S seconds), `exp:M` (exponential with mean M
seconds, drawn from a generator seeded by the function, the seed and the parameters, so the same
trial always sleeps the same time and benchmarks/bo_peers.py can draw the same durations for its
simulated pool), or `none`.

The definitions are those of the built-in functions (Sources/HPOTrials/BuiltinFunction.swift,
docs/trials.md "Built-in functions"); the global minima are the constants `hpo bench` uses, so
regrets compare with its figures (the rounding puts a floor under the regret: about 2e-6 on
Hartmann-6, 4e-7 on Branin, 3e-5 on Styblinski-Tang-8).
"""
import hashlib
import json
import math
import random
import sys
import time


def branin(x):
    a, b, c = 1.0, 5.1 / (4 * math.pi * math.pi), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    u = x[1] - b * x[0] * x[0] + c * x[0] - r
    return a * u * u + s * (1 - t) * math.cos(x[0]) + s


_H_ALPHA = [1.0, 1.2, 3.0, 3.2]
_H_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
_H_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = sum(_H_A[i][j] * (x[j] - _H_P[i][j]) ** 2 for j in range(6))
        total -= _H_ALPHA[i] * math.exp(-inner)
    return total


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    squares = sum(v * v for v in x)
    cosines = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(squares / d)) - math.exp(cosines / d) + 20 + math.e


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    total = math.sin(math.pi * w[0]) ** 2
    for i in range(len(w) - 1):
        total += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return total + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def styblinski_tang(x):
    return 0.5 * sum(v ** 4 - 16 * v * v + 5 * v for v in x)


# name -> (function, dimension, domain (low, high) per coordinate, global minimum, label)
PROBLEMS = {
    "branin": (branin, 2, [(-5.0, 10.0), (0.0, 15.0)], 0.397887, "Branin"),
    "hartmann6": (hartmann6, 6, [(0.0, 1.0)] * 6, -3.32237, "Hartmann-6"),
    "ackley": (ackley, 5, [(-32.768, 32.768)] * 5, 0.0, "Ackley-5"),
    "rosenbrock": (rosenbrock, 4, [(-5.0, 10.0)] * 4, 0.0, "Rosenbrock-4"),
    "levy": (levy, 6, [(-10.0, 10.0)] * 6, 0.0, "Levy-6"),
    "styblinski_tang": (styblinski_tang, 8, [(-5.0, 5.0)] * 8, -39.16617 * 8, "Styblinski-Tang-8"),
}


def evaluate(name, x):
    return PROBLEMS[name][0](x)


def duration(spec, function, seed, x):
    """Seconds a trial at x takes under the distribution `spec` (fixed:S, exp:M or none)."""
    kind, _, value = spec.partition(":")
    if kind == "none":
        return 0.0
    if kind == "fixed":
        return float(value)
    if kind == "exp":
        key = f"{function}|{seed}|" + ",".join(repr(float(v)) for v in x)
        rng = random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))
        return rng.expovariate(1.0 / float(value))
    raise ValueError(f"unknown duration distribution {spec!r} (fixed:S, exp:M or none)")


def main(argv):
    options = {}
    for arg in argv:
        if not arg.startswith("--") or "=" not in arg:
            sys.exit(f"bo_functions.py: expected --name=value arguments, got {arg!r}")
        name, _, value = arg[2:].partition("=")
        options[name] = value
    function = options.pop("function")
    seed = int(options.pop("seed", "0"))
    sleep = options.pop("sleep", "none")
    _, dimension, _, _, _ = PROBLEMS[function]
    x = [float(options.pop(f"x{i}")) for i in range(dimension)]
    if options:
        sys.exit(f"bo_functions.py: unknown arguments {sorted(options)}")
    seconds = duration(sleep, function, seed, x)
    if seconds > 0:
        time.sleep(seconds)
    print(json.dumps({"objective": evaluate(function, x), "sleep_s": seconds}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
