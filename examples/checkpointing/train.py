#!/usr/bin/env python3
"""A training loop that checkpoints and resumes, in plain Python (no libraries).

It fits y = 3x - 2 + noise by gradient descent, one step at a time, and follows the checkpoint
contract of docs/trials.md:

- every --checkpoint-every steps (and when it gets SIGTERM) it waits until the folder
  $HPO_CHECKPOINT_DIR is empty (the worker has taken the last checkpoint), writes its state
  there and then prints {"checkpoint": STEP};
- when $HPO_RESUME_DIR is set it starts from the state found there, at step $HPO_RESUME_STEP.

The result does not depend on where it was interrupted: a resumed run ends with exactly the
numbers of an uninterrupted one (the state is saved with full precision and the data are the
same at every step). The end-to-end tests run it; it is also a template for real trainers.
"""
import argparse
import json
import os
import signal
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--steps", type=int, default=30)
parser.add_argument("--step-seconds", type=float, default=0.0)
parser.add_argument("--checkpoint-every", type=int, default=1)
parser.add_argument("--ballast-bytes", type=int, default=0, help="extra bytes in each checkpoint (to test big ones)")
args = parser.parse_args()

# The data: fixed, the same on every run.
xs = [i / 10.0 for i in range(-20, 21)]
ys = [3.0 * x - 2.0 + 0.1 * ((i * 7919) % 13 - 6) / 6.0 for i, x in enumerate(xs)]

terminated = False


def on_sigterm(signum, frame):
    global terminated
    terminated = True


signal.signal(signal.SIGTERM, on_sigterm)


def loss(w, b):
    return sum((w * x + b - y) ** 2 for x, y in zip(xs, ys)) / len(xs)


def taken(folder, seconds=60.0):
    """Waits until the worker has taken the last checkpoint: it empties the folder (moves the
    files away) when it reads the checkpoint line. Writing before that would mix this
    checkpoint's files into the last one's."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if not os.listdir(folder):
                return True
        except FileNotFoundError:
            pass  # the worker is swapping in the empty folder
        time.sleep(0.005)
    return False


def save(step, w, b):
    """Writes the state into the checkpoint folder, then says so on stdout."""
    folder = os.environ.get("HPO_CHECKPOINT_DIR")
    if not folder or not taken(folder):
        return
    # Write to a temporary name and rename: the folder never holds half a file.
    path = os.path.join(folder, "state.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"step": step, "w": w, "b": b}, f)
    os.replace(path + ".tmp", path)
    if args.ballast_bytes:
        with open(os.path.join(folder, "ballast.bin"), "wb") as f:
            block = bytes((step + i) % 256 for i in range(256))
            f.write(block * (args.ballast_bytes // 256) + block[: args.ballast_bytes % 256])
    print(json.dumps({"checkpoint": step}), flush=True)


step, w, b = 0, 0.0, 0.0
first_step = 1
resume = os.environ.get("HPO_RESUME_DIR")
if resume:
    with open(os.path.join(resume, "state.json")) as f:
        state = json.load(f)
    step, w, b = state["step"], state["w"], state["b"]
    assert step == int(os.environ["HPO_RESUME_STEP"]), "HPO_RESUME_STEP names another step"
    first_step = step + 1
    print(f"resuming at step {step}", file=sys.stderr, flush=True)

while step < args.steps:
    step += 1
    n = len(xs)
    grad_w = sum(2 * (w * x + b - y) * x for x, y in zip(xs, ys)) / n
    grad_b = sum(2 * (w * x + b - y) for x, y in zip(xs, ys)) / n
    w -= args.lr * grad_w
    b -= args.lr * grad_b
    time.sleep(args.step_seconds)
    print(json.dumps({"step": step, "loss": loss(w, b)}), flush=True)
    if terminated:
        # Preempted: a last checkpoint, then leave; the worker hands the trial back.
        save(step, w, b)
        sys.exit(0)
    if step % args.checkpoint_every == 0 and step < args.steps:
        save(step, w, b)

print(json.dumps({"val_loss": loss(w, b), "first_step": first_step}), flush=True)
