#!/usr/bin/env python3
"""A toy training script for swift-hpo command trials. Copy it and replace the training loop.

It shows the whole contract between a command trial and the worker (docs/trials.md):

* Parameters arrive on the command line, substituted by the worker from the study file:
      command: ["python3", "examples/train.py", "--lr={lr}", "--momentum={momentum}"]
  They are also in the environment (HPO_PARAM_LR, HPO_PARAM_MOMENTUM) and in a JSON file named
  by HPO_PARAMS_FILE: {"attempt": 1, "params": {"lr": 0.01, "momentum": 0.9}, "trial": 3}.
  This script falls back to that file for any option not given on the command line.
* Progress goes to stdout, one JSON object per line: {"step": 3, "loss": 0.41} is an intermediate
  report, and a line without "step", {"val_loss": 0.12}, is the final result.
* Anything else (logs, warnings) may go to stderr or stdout; lines that are not JSON are ignored,
  and the end of stderr is kept when the trial fails.

The "model" is gradient descent with momentum on a badly conditioned quadratic with noisy
gradients: cheap, dependency-free and deterministic for given parameters (the noise is seeded).
"""

import argparse
import json
import math
import os
import random
import sys


def parameters():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--momentum", type=float, help="momentum, in [0, 1)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0, help="seed of the gradient noise")
    args = parser.parse_args()

    # Fallback: the parameters file the worker writes for every attempt.
    params_file = os.environ.get("HPO_PARAMS_FILE")
    if params_file and (args.lr is None or args.momentum is None):
        with open(params_file) as f:
            params = json.load(f)["params"]
        if args.lr is None:
            args.lr = float(params["lr"])
        if args.momentum is None:
            args.momentum = float(params["momentum"])
    if args.lr is None or args.momentum is None:
        parser.error("--lr and --momentum are required (or run under hpo-worker)")
    return args


def main():
    args = parameters()
    rng = random.Random(args.seed)
    dimension = 10
    # Curvatures from 0.05 to 4: a step size that suits the flat directions overshoots the steep
    # ones (with lr near 1 training diverges, which shows how a failed trial looks).
    curvature = [0.05 * (80 ** (i / (dimension - 1))) for i in range(dimension)]
    optimum = [rng.uniform(-1, 1) for _ in range(dimension)]
    weights = [0.0] * dimension
    velocity = [0.0] * dimension

    def loss(w):
        return 0.5 * sum(h * (x - o) * (x - o) for h, x, o in zip(curvature, w, optimum))

    steps_per_epoch = 25
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for _ in range(steps_per_epoch):
            for i in range(dimension):
                gradient = curvature[i] * (weights[i] - optimum[i]) + rng.gauss(0.0, 0.1)
                velocity[i] = args.momentum * velocity[i] - args.lr * gradient
                weights[i] += velocity[i]
            total += loss(weights)
        train_loss = total / steps_per_epoch
        if not math.isfinite(train_loss):
            print(f"diverged at epoch {epoch} (lr={args.lr}, momentum={args.momentum})", file=sys.stderr)
            # json.dumps writes NaN for float("nan"); the worker records the trial as failed
            # ("objective metric 'val_loss' is NaN") and the search goes on.
            print(json.dumps({"val_loss": float("nan")}))
            return 0
        print(json.dumps({"step": epoch, "loss": round(train_loss, 6)}))

    # The final result: the noise-free loss at the last weights.
    print(json.dumps({"val_loss": loss(weights), "epochs": args.epochs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
