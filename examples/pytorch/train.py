#!/usr/bin/env python3
"""A small CNN on the bundled digits with PyTorch: a swift-hpo command trial that checkpoints.

    examples/pytorch/.venv/bin/python examples/pytorch/train.py --lr=0.05 --epochs=20

The contract with the worker (docs/trials.md; checkpoints: issue 16):

* Parameters: the options below (a study passes `--lr={lr}` ...); any option not given is read
  from the JSON file named by HPO_PARAMS_FILE when the worker provides one, else its default.
* After every epoch one JSON line on stdout,
      {"step": 3, "train_loss": 0.41, "val_loss": 0.35, "val_accuracy": 0.9}
  and at the end a final result line without "step" (the study's objective is val_loss).
* Checkpoints: when HPO_CHECKPOINT_DIR is set, after every epoch the whole training state
  (weights, optimizer momentum, both random generators, the best values so far) is written there
  with torch.save, then the line {"checkpoint": EPOCH} is printed. The worker takes the folder
  away when it reads the line and gives the script a new empty one under the same name, so each
  checkpoint waits until the folder is empty (the last one taken), and the state is written anew
  each time, to a temporary name then renamed (never half a file).
* Resume: when HPO_RESUME_DIR and HPO_RESUME_STEP are set, the state is loaded from there and
  training continues after that epoch. A resumed run ends with exactly the numbers of an
  uninterrupted one with the same parameters and seed (one CPU thread, deterministic
  algorithms; check-resume.sh checks it).
* SIGTERM (preemption): the epoch under way is finished, checkpointed, and the script exits 0;
  the worker hands the trial back to be resumed elsewhere.
* Device: --device auto trains on the GPU the worker gives the trial (CUDA_VISIBLE_DEVICES), if
  there is one, else on the CPU. (Checked here on the CPU only: the test machines have no GPU.)

The data: data/digits.csv.gz (1,797 8x8 images, see data/README.md), split per class with
--split-seed, 20% to validation; pixels standardised with the training rows' mean and max(sd, 1),
as the built-in trainer does.
"""

import argparse
import gzip
import json
import math
import os
import random
import signal
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECKPOINT = "checkpoint.pt"

DEFAULTS = {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-4, "channels": 16, "dropout": 0.1,
            "batch_size": 64, "epochs": 20, "seed": 0, "split_seed": 0}


def options():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, help=f"SGD learning rate (default {DEFAULTS['lr']})")
    parser.add_argument("--momentum", type=float, help=f"SGD momentum (default {DEFAULTS['momentum']})")
    parser.add_argument("--weight-decay", type=float, help=f"L2 weight decay (default {DEFAULTS['weight_decay']})")
    parser.add_argument("--channels", type=int, help=f"channels of the first convolution; the second has twice as many (default {DEFAULTS['channels']})")
    parser.add_argument("--dropout", type=float, help=f"dropout before the dense layer (default {DEFAULTS['dropout']})")
    parser.add_argument("--batch-size", type=int, help=f"rows per mini-batch (default {DEFAULTS['batch_size']})")
    parser.add_argument("--epochs", type=int, help=f"passes over the training rows (default {DEFAULTS['epochs']})")
    parser.add_argument("--seed", type=int, help="seed of the initial weights, batch order and dropout (default 0)")
    parser.add_argument("--split-seed", type=int, help="seed of the train/validation split (default 0)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (1: one trial per slot, and bit-for-bit results)")
    parser.add_argument("--device", default="auto", help="auto (the GPU the worker gives the trial, if any, else the CPU), cpu or cuda")
    parser.add_argument("--data", default=os.path.join(ROOT, "data", "digits.csv.gz"))
    args = parser.parse_args()
    from_file = {}
    if os.environ.get("HPO_PARAMS_FILE"):
        with open(os.environ["HPO_PARAMS_FILE"]) as handle:
            from_file = json.load(handle).get("params", {})
    for name, default in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, type(default)(from_file.get(name, default)))
    if not (args.lr > 0 and 0 <= args.momentum < 1 and args.weight_decay >= 0 and args.channels >= 1
            and 0 <= args.dropout < 1 and args.batch_size >= 1 and args.epochs >= 1):
        parser.error(f"a parameter is out of range: {vars(args)}")
    return args


def load_digits(path, split_seed):
    """(train_x, train_y, val_x, val_y): a stratified 80/20 split, standardised."""
    with gzip.open(path, "rt") as handle:
        rows = [[int(v) for v in line.split(",")] for line in handle if line.strip()]
    by_class = {}
    for index, row in enumerate(rows):
        by_class.setdefault(row[64], []).append(index)
    shuffler = random.Random(split_seed)
    train, val = [], []
    for label in sorted(by_class):
        indices = by_class[label]
        shuffler.shuffle(indices)
        cut = round(len(indices) * 0.2)
        val += indices[:cut]
        train += indices[cut:]
    pixels = torch.tensor([row[:64] for row in rows], dtype=torch.float32)
    labels = torch.tensor([row[64] for row in rows], dtype=torch.long)
    mean = pixels[train].mean(dim=0)
    deviation = pixels[train].std(dim=0, unbiased=False).clamp(min=1.0)
    images = ((pixels - mean) / deviation).reshape(-1, 1, 8, 8)
    return images[train], labels[train], images[val], labels[val]


class DigitsCNN(nn.Module):
    """conv 3x3 (c) - relu - conv 3x3 (2c) - relu - max-pool 2 - dropout - dense 64 - relu - dense 10."""

    def __init__(self, channels, dropout):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, 2 * channels, 3, padding=1)
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(2 * channels * 4 * 4, 64)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
        return self.out(F.relu(self.dense(self.dropout(torch.flatten(x, 1)))))


def emit(obj):
    print(json.dumps(obj), flush=True)


class Checkpoints:
    """Writes the state into HPO_CHECKPOINT_DIR (when set) and announces it."""

    def __init__(self):
        self.folder = os.environ.get("HPO_CHECKPOINT_DIR")

    def taken(self, seconds=60.0):
        """Waits until the worker has taken the last checkpoint (docs/trials.md, "The contract"):
        it empties the folder when it reads the checkpoint line, and files written before that
        would be taken with the last checkpoint."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if not os.listdir(self.folder):
                    return True
            except FileNotFoundError:
                pass  # the worker is swapping in the empty folder
            time.sleep(0.005)
        return False

    def save(self, epoch, state):
        if not self.folder or not self.taken():
            return
        path = os.path.join(self.folder, CHECKPOINT)
        torch.save(state, path + ".tmp")
        os.replace(path + ".tmp", path)
        emit({"checkpoint": epoch})


def main():
    args = options()
    torch.set_num_threads(args.threads)
    # Deterministic kernels; cuBLAS needs a fixed workspace for that (set before CUDA starts).
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True)
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if cuda else "cpu")
    terminated = []
    signal.signal(signal.SIGTERM, lambda signum, frame: terminated.append(signum))

    train_x, train_y, val_x, val_y = (t.to(device) for t in load_digits(args.data, args.split_seed))
    torch.manual_seed(args.seed)  # initial weights, then dropout (on the GPU: its own generator, seeded too)
    model = DigitsCNN(args.channels, args.dropout).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    order = torch.Generator().manual_seed(args.seed + 1)  # batch order, a stream of its own
    best = {"val_loss": math.inf, "val_accuracy": 0.0}
    first = 1

    resume_dir, resume_step = os.environ.get("HPO_RESUME_DIR"), os.environ.get("HPO_RESUME_STEP")
    if resume_dir and resume_step:
        state = torch.load(os.path.join(resume_dir, CHECKPOINT), map_location=device, weights_only=False)
        if state["epoch"] != int(resume_step):
            sys.exit(f"HPO_RESUME_STEP is {resume_step} but the checkpoint holds epoch {state['epoch']}")
        if state["args"] != {k: getattr(args, k) for k in DEFAULTS}:
            sys.exit(f"the checkpoint was made with other parameters: {state['args']}")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        order.set_state(state["order_rng"].cpu())
        torch.set_rng_state(state["torch_rng"].cpu())
        if cuda and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(state["cuda_rng"].cpu())
        best = state["best"]
        first = state["epoch"] + 1
        print(f"resuming after epoch {state['epoch']} from {resume_dir}", file=sys.stderr, flush=True)

    checkpoints = Checkpoints()
    metrics = {}
    for epoch in range(first, args.epochs + 1):
        started = time.perf_counter()
        model.train()
        permutation = torch.randperm(len(train_y), generator=order)
        total = 0.0
        for start in range(0, len(train_y), args.batch_size):
            batch = permutation[start:start + args.batch_size].to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(train_x[batch]), train_y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        model.eval()
        with torch.no_grad():
            logits = model(val_x)
            val_loss = F.cross_entropy(logits, val_y).item()
            val_accuracy = (logits.argmax(dim=1) == val_y).float().mean().item()
        metrics = {"train_loss": total / len(train_y), "val_loss": val_loss, "val_accuracy": val_accuracy}
        if not all(math.isfinite(v) for v in metrics.values()):
            emit({"step": epoch, **metrics})
            sys.exit(f"diverged at epoch {epoch}: {metrics}")
        best = {"val_loss": min(best["val_loss"], val_loss), "val_accuracy": max(best["val_accuracy"], val_accuracy)}
        emit({"step": epoch, **metrics, "seconds": round(time.perf_counter() - started, 4)})
        checkpoints.save(epoch, {
            "epoch": epoch, "args": {k: getattr(args, k) for k in DEFAULTS}, "model": model.state_dict(),
            "optimizer": optimizer.state_dict(), "order_rng": order.get_state(), "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state() if cuda else None,
            "best": best, "metrics": metrics,
        })
        if terminated and epoch < args.epochs:
            print(f"SIGTERM: checkpointed epoch {epoch}, leaving", file=sys.stderr, flush=True)
            return 0
    if not metrics:  # resumed from the last epoch's checkpoint: nothing left to train
        metrics = state["metrics"]
    emit({**metrics, "best_val_loss": best["val_loss"], "best_val_accuracy": best["val_accuracy"],
          "epochs": args.epochs, "first_epoch": first})
    return 0


if __name__ == "__main__":
    sys.exit(main())
