#!/usr/bin/env python3
"""The command-line flags a swift-hpo binary accepts, read from its --help.

  hpoflags.py BINARY [SUBCOMMAND...] -- ARG...
      Checks every --flag among ARG... (also --flag=value) against BINARY [SUBCOMMAND] --help.
      Prints the unknown ones and exits 1; exits 0 when all are known.

As a module: flags_of([binary, subcommand...]) -> set of "--flag" strings;
unknown_flags(args, flags) -> list of the args' flags that are not in flags.
"""

import re
import subprocess
import sys

# An option line of swift-argument-parser's help: two spaces, an optional short flag, the long flag.
# (Wrapped description lines are indented further, so a flag named in a description is not taken.)
OPTION_LINE = re.compile(r"^  (?:-\w, )?(--[a-z0-9][a-z0-9-]*)( <[^>]+>)?", re.MULTILINE)


def flags_of(command):
    """The long flags that `command --help` lists in its OPTIONS section."""
    return set(options_of(command))


def options_of(command):
    """{flag: takes a value} for the long flags that `command --help` lists in its OPTIONS section."""
    try:
        completed = subprocess.run(list(command) + ["--help"], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise SystemExit(f"{command[0]}: not found (build the binaries or pass their folder)")
    text = completed.stdout + completed.stderr
    if completed.returncode != 0 or "OPTIONS:" not in text:
        raise SystemExit(f"{' '.join(command)} --help failed (status {completed.returncode}):\n{text}")
    options = {flag: bool(value) for flag, value in OPTION_LINE.findall(text.split("OPTIONS:", 1)[1])}
    options.pop("--help", None)  # listed as -h, --help; accepted, but no deployment should need it
    if not options:
        raise SystemExit(f"{' '.join(command)} --help lists no flags")
    return options


def parse_args(args, options):
    """Splits args into ({flag: value or True}, [positional]) by the binary's options; unknown
    flags are kept (with the next word as value if it does not start with --)."""
    flags, positional, index = {}, [], 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("--"):
            name, _, inline = arg.partition("=")
            takes_value = options.get(name, index + 1 < len(args) and not args[index + 1].startswith("--"))
            if inline:
                flags[name] = inline
            elif takes_value and index + 1 < len(args):
                flags[name] = args[index + 1]
                index += 1
            else:
                flags[name] = True
        else:
            positional.append(arg)
        index += 1
    return flags, positional


def unknown_flags(args, flags):
    unknown = []
    for arg in args:
        if arg.startswith("--"):
            name = arg.split("=", 1)[0]
            if name not in flags:
                unknown.append(name)
    return unknown


def main(argv):
    if "--" not in argv or argv.index("--") == 0:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    command, args = argv[:split], argv[split + 1:]
    unknown = unknown_flags(args, flags_of(command))
    if unknown:
        print(f"unknown flag(s) for {' '.join(command)}: {', '.join(unknown)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
