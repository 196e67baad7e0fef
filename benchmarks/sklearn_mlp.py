#!/usr/bin/env python3
"""scikit-learn's MLPClassifier on exactly the rows and scaling of the built-in trainer's split.

Reads data/digits.csv.gz and the split written by `hpo bench-trainer --export-split FILE`,
standardises each pixel with the training rows' mean and max(sd, 1) (as the trainer does), trains
a 2x128 relu network with SGD (momentum 0.9, no Nesterov, no L2, constant learning rate, batch
64) one epoch per partial_fit call, times each call, and prints one JSON object.

    python3 benchmarks/sklearn_mlp.py --split split.json [--epochs 20] [--learning-rate 0.05]
"""
import argparse
import gzip
import json
import pathlib
import statistics
import time

import numpy as np
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", required=True, help="JSON from hpo bench-trainer --export-split")
    parser.add_argument("--data", default=str(ROOT / "data" / "digits.csv.gz"))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (the trainer uses 1)")
    args = parser.parse_args()

    with gzip.open(args.data, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    pixels, labels = table[:, :64], table[:, 64].astype(int)
    split = json.loads(pathlib.Path(args.split).read_text())
    train, validation = np.array(split["train"]), np.array(split["validation"])
    mean = pixels[train].mean(axis=0)
    deviation = np.maximum(pixels[train].std(axis=0), 1.0)
    x_train, x_val = (pixels[train] - mean) / deviation, (pixels[validation] - mean) / deviation
    y_train, y_val = labels[train], labels[validation]

    model = MLPClassifier(
        hidden_layer_sizes=(128, 128), activation="relu", solver="sgd", batch_size=64,
        learning_rate="constant", learning_rate_init=args.learning_rate, momentum=0.9,
        nesterovs_momentum=False, alpha=0.0, shuffle=True, random_state=args.seed)
    classes = np.arange(10)
    seconds = []
    with threadpool_limits(limits=args.threads):
        for _ in range(args.epochs):
            start = time.perf_counter()
            model.partial_fit(x_train, y_train, classes=classes)
            seconds.append(time.perf_counter() - start)
        accuracy = model.score(x_val, y_val)
        loss = log_loss(y_val, model.predict_proba(x_val), labels=classes)

    import sklearn
    from threadpoolctl import threadpool_info
    kernels = sorted({f"{i['internal_api']} {i.get('version')} {i.get('architecture')}" for i in threadpool_info()
                      if i.get("user_api") == "blas"})
    print(json.dumps({
        "implementation": f"scikit-learn {sklearn.__version__} (numpy {np.__version__})",
        "epochs": args.epochs, "learning_rate": args.learning_rate, "seed": args.seed,
        "median_seconds_per_epoch": statistics.median(seconds), "seconds_per_epoch": seconds,
        "val_accuracy": accuracy, "val_loss": loss, "blas_threads": args.threads,
        "blas_kernel": ", ".join(kernels) or "unknown",
    }, sort_keys=True))


if __name__ == "__main__":
    main()
