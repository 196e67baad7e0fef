"""Reading a results log (docs/results-log.md) for the benchmark analysers."""

import json
import pathlib


def events(path):
    """The log's events in order; none for a missing log; a torn (incomplete) line is skipped."""
    try:
        lines = pathlib.Path(path).read_text().splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            continue
