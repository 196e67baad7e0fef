#!/usr/bin/env python3
"""Fails when a Swift source line is wider than .swift-format's lineLength (in characters).

swift-format cannot break a long string literal, so it lets such lines through; this check does
not. JSON fixtures (wire messages and log lines written out in tests, raw or escaped) are exempt:
split, they would no longer read as the bytes they stand for."""
import json, pathlib, sys

root = pathlib.Path(__file__).resolve().parent.parent
width = json.loads((root / ".swift-format").read_text())["lineLength"]
bad = []
for path in sorted(list((root / "Sources").rglob("*.swift")) + list((root / "Tests").rglob("*.swift"))):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fixture = '#"' in line or line.lstrip().startswith(('{"', '"{\\"'))
        if len(line) > width and not fixture:
            bad.append(f"{path.relative_to(root)}:{number}: {len(line)} characters (limit {width})")
print("\n".join(bad))
sys.exit(1 if bad else 0)
