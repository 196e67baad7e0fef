#!/usr/bin/env python3
"""Read a swift-hpo results log (docs/results-log.md) for the cluster tests.

Python 3 standard library only. Every wait has a deadline; every check prints what it found and
exits 1 with a reason when it does not hold.

  hpolog.py wait LOG --timeout S [--event E] [--where K=V]... [--where-prefix K=V]... [--after-line N]
      Wait until an event matching all conditions is in the log; print it as JSON (with "_line",
      its 0-based line number). Exit 1 on timeout.
  hpolog.py count LOG [--event E] [--where K=V]... [--where-prefix K=V]...
      Print how many events match.
  hpolog.py check-study LOG --budget N [--worker-prefix P]...
      The study finished with exactly N completed trials, no trial completed twice, none failed;
      with --worker-prefix, workers named P* completed at least one trial (every host worked).
  hpolog.py check-requeue LOG --workers A,B,...
      Each named worker was declared lost ("lost: ...") while it held at least one trial, and each
      trial it abandoned was completed exactly once, by another worker, as a later attempt.
  hpolog.py check-rejoin LOG --workers A,B,...
      Each named worker joined again (worker_joined) after it was declared lost.
  hpolog.py check-preemption LOG --trial N --worker W --expect-objective X
      Trial N was preempted on worker W (trial_preempted, with a checkpoint at step > 0), resumed
      on another worker from that step (trial_resumed), and completed there exactly once with the
      objective X (an uninterrupted run's), no trial_failed line.
"""

import argparse
import json
import sys
import time


def read_events(path):
    """All complete lines of the log as (line number, event). A torn last line is skipped."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    if lines and lines[-1] != "":
        lines = lines[:-1]  # torn (unterminated) last line: still being written
    events = []
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            events.append((number, json.loads(line)))
        except json.JSONDecodeError as error:
            raise SystemExit(f"{path}:{number + 1}: not JSON: {error}")
    return events


def as_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def parse_pairs(pairs, option):
    result = []
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"{option} {pair!r}: expected KEY=VALUE")
        key, value = pair.split("=", 1)
        result.append((key, value))
    return result


def matches(number, event, args):
    if args.event and event.get("event") != args.event:
        return False
    if getattr(args, "after_line", None) is not None and number <= args.after_line:
        return False
    for key, value in parse_pairs(args.where, "--where"):
        if key not in event or as_text(event[key]) != value:
            return False
    for key, value in parse_pairs(args.where_prefix, "--where-prefix"):
        if key not in event or not as_text(event[key]).startswith(value):
            return False
    return True


def command_wait(args):
    deadline = time.monotonic() + args.timeout
    while True:
        for number, event in read_events(args.log):
            if matches(number, event, args):
                found = dict(event)
                found["_line"] = number
                print(json.dumps(found, sort_keys=True))
                return 0
        if time.monotonic() >= deadline:
            conditions = [f"event={args.event}"] if args.event else []
            conditions += args.where or []
            conditions += [f"{p} (prefix)" for p in args.where_prefix or []]
            if args.after_line is not None:
                conditions.append(f"after line {args.after_line}")
            print(f"timed out after {args.timeout:g} s waiting in {args.log} for: "
                  f"{', '.join(conditions) or 'any event'}", file=sys.stderr)
            return 1
        time.sleep(0.05)


def command_count(args):
    print(sum(1 for number, event in read_events(args.log) if matches(number, event, args)))
    return 0


class Checks:
    def __init__(self, title):
        self.title = title
        self.failures = []

    def expect(self, condition, message):
        if not condition:
            self.failures.append(message)
        return condition

    def finish(self, summary):
        if self.failures:
            for failure in self.failures:
                print(f"  check failed ({self.title}): {failure}", file=sys.stderr)
            return 1
        print(f"  ok ({self.title}): {summary}")
        return 0


def command_check_study(args):
    events = [event for _, event in read_events(args.log)]
    checks = Checks("study")
    finished = [e for e in events if e.get("event") == "study_finished"]
    completed = [e for e in events if e.get("event") == "trial_completed"]
    failed = [e for e in events if e.get("event") == "trial_failed"]
    checks.expect(any(e.get("event") == "study_started" for e in events), "no study_started line")
    if checks.expect(len(finished) == 1, f"expected one study_finished line, found {len(finished)}"):
        end = finished[0]
        checks.expect(end.get("completed") == args.budget,
                      f"study_finished says completed={end.get('completed')}, budget is {args.budget}")
        checks.expect(end.get("failed") == 0, f"study_finished says failed={end.get('failed')}")
        checks.expect(end.get("reason") == "budget spent", f"study_finished reason {end.get('reason')!r}")
    numbers = [e.get("trial") for e in completed]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    checks.expect(len(completed) == args.budget,
                  f"{len(completed)} trial_completed lines, budget is {args.budget}")
    checks.expect(not twice, f"trials completed more than once: {twice}")
    checks.expect(not failed, f"{len(failed)} trial_failed lines")
    by_worker = {}
    for event in completed:
        by_worker[event.get("worker")] = by_worker.get(event.get("worker"), 0) + 1
    for prefix in args.worker_prefix or []:
        done = sum(count for worker, count in by_worker.items() if str(worker).startswith(prefix))
        checks.expect(done > 0, f"no trial completed by a worker named {prefix}*")
    spread = ", ".join(f"{worker} {count}" for worker, count in sorted(by_worker.items()))
    return checks.finish(f"{len(completed)}/{args.budget} trials completed once each; by worker: {spread}")


def lost_events(events, workers):
    return [(n, e) for n, e in events
            if e.get("event") == "worker_left" and e.get("worker") in workers
            and str(e.get("reason", "")).startswith("lost")]


def command_check_requeue(args):
    workers = set(args.workers.split(","))
    events = read_events(args.log)
    checks = Checks("re-queue")
    lost = lost_events(events, workers)
    lost_names = {e.get("worker") for _, e in lost}
    checks.expect(lost_names == workers,
                  f"declared lost: {sorted(lost_names)}, expected all of {sorted(workers)}")
    abandoned = []
    for _, event in lost:
        trials = event.get("abandoned") or []
        abandoned += [(event.get("worker"), trial) for trial in trials]
    checks.expect(abandoned, "the lost workers held no trial (the link was not cut mid-trial)")
    lines = []
    for worker, trial in abandoned:
        lost_attempts = [e.get("attempt") for _, e in events
                         if e.get("event") == "trial_dispatched" and e.get("trial") == trial
                         and e.get("worker") == worker]
        done = [e for _, e in events if e.get("event") == "trial_completed" and e.get("trial") == trial]
        if not checks.expect(len(done) == 1, f"trial {trial} (abandoned by {worker}) completed {len(done)} times"):
            continue
        final = done[0]
        checks.expect(final.get("worker") != worker,
                      f"trial {trial} was completed by {final.get('worker')}, the worker that lost it")
        checks.expect(lost_attempts and final.get("attempt", 0) > max(lost_attempts),
                      f"trial {trial}: completed as attempt {final.get('attempt')}, "
                      f"lost attempt(s) {lost_attempts}")
        lines.append(f"trial {trial} lost by {worker} (attempt {max(lost_attempts or [0])}) "
                     f"-> completed by {final.get('worker')} as attempt {final.get('attempt')}")
    reasons = "; ".join(f"{e.get('worker')}: {e.get('reason')}" for _, e in lost)
    return checks.finish(f"{reasons}; " + "; ".join(lines))


def command_check_rejoin(args):
    workers = set(args.workers.split(","))
    events = read_events(args.log)
    checks = Checks("re-register")
    lines = []
    for worker in sorted(workers):
        lost = [n for n, e in lost_events(events, {worker})]
        if not checks.expect(lost, f"{worker} was never declared lost"):
            continue
        joins = [n for n, e in events if e.get("event") == "worker_joined" and e.get("worker") == worker
                 and n > lost[0]]
        later = [e for n, e in events if e.get("event") == "trial_dispatched" and e.get("worker") == worker
                 and n > lost[0]]
        checks.expect(joins, f"{worker} did not join again after it was declared lost (line {lost[0] + 1})")
        lines.append(f"{worker} lost at line {lost[0] + 1}, joined again at line "
                     f"{joins[0] + 1 if joins else '-'}, {len(later)} trial(s) dispatched to it afterwards")
    return checks.finish("; ".join(lines))


def command_check_preemption(args):
    events = [event for _, event in read_events(args.log)]
    checks = Checks("preemption")
    mine = [e for e in events if e.get("trial") == args.trial]
    preempted = [e for e in mine if e.get("event") == "trial_preempted"]
    resumed = [e for e in mine if e.get("event") == "trial_resumed"]
    completed = [e for e in mine if e.get("event") == "trial_completed"]
    failed = [e for e in events if e.get("event") == "trial_failed"]
    checks.expect(not failed, f"{len(failed)} trial_failed lines")
    step = None
    if checks.expect(len(preempted) == 1, f"{len(preempted)} trial_preempted lines for trial {args.trial}, expected 1"):
        p = preempted[0]
        checks.expect(p.get("worker") == args.worker, f"preempted on {p.get('worker')}, expected {args.worker}")
        checks.expect(str(p.get("reason", "")).startswith("preempted"), f"preemption reason {p.get('reason')!r}")
        step = p.get("checkpoint_step")
        checks.expect(isinstance(step, int) and step > 0, f"preempted with checkpoint_step {step!r}, expected > 0")
    if checks.expect(len(resumed) == 1, f"{len(resumed)} trial_resumed lines for trial {args.trial}, expected 1"):
        r = resumed[0]
        checks.expect(r.get("worker") != args.worker, f"resumed on {r.get('worker')}, the preempted worker")
        checks.expect(r.get("step") == step, f"resumed from step {r.get('step')}, the last durable checkpoint was {step}")
    if checks.expect(len(completed) == 1, f"trial {args.trial} completed {len(completed)} times, expected 1"):
        c = completed[0]
        checks.expect(resumed and c.get("worker") == resumed[0].get("worker"),
                      f"completed by {c.get('worker')}, not the worker it resumed on")
        checks.expect(resumed and c.get("attempt") == resumed[0].get("attempt"),
                      f"completed as attempt {c.get('attempt')}, resumed as {resumed and resumed[0].get('attempt')}")
        first = (c.get("metrics") or {}).get("first_step")
        checks.expect(step is not None and first == step + 1,
                      f"the completed attempt's program started at step {first}, expected {step and step + 1}")
        checks.expect(c.get("objective") == args.expect_objective,
                      f"objective {c.get('objective')!r}, an uninterrupted run gives {args.expect_objective!r}")
    c = completed[0] if completed else {}
    return checks.finish(f"trial {args.trial} preempted on {args.worker} at checkpoint step {step}, resumed on "
                         f"{c.get('worker')} (attempt {c.get('attempt')}), objective {c.get('objective')!r} "
                         f"= uninterrupted run's")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def selectors(sub):
        sub.add_argument("log")
        sub.add_argument("--event")
        sub.add_argument("--where", action="append", metavar="KEY=VALUE")
        sub.add_argument("--where-prefix", action="append", metavar="KEY=PREFIX")
        sub.add_argument("--after-line", type=int)

    wait = commands.add_parser("wait")
    selectors(wait)
    wait.add_argument("--timeout", type=float, required=True)
    count = commands.add_parser("count")
    selectors(count)
    study = commands.add_parser("check-study")
    study.add_argument("log")
    study.add_argument("--budget", type=int, required=True)
    study.add_argument("--worker-prefix", action="append")
    requeue = commands.add_parser("check-requeue")
    requeue.add_argument("log")
    requeue.add_argument("--workers", required=True)
    rejoin = commands.add_parser("check-rejoin")
    rejoin.add_argument("log")
    rejoin.add_argument("--workers", required=True)

    preemption = commands.add_parser("check-preemption")
    preemption.add_argument("log")
    preemption.add_argument("--trial", type=int, required=True)
    preemption.add_argument("--worker", required=True)
    preemption.add_argument("--expect-objective", type=float, required=True)

    args = parser.parse_args()
    handler = {
        "wait": command_wait, "count": command_count, "check-study": command_check_study,
        "check-requeue": command_check_requeue, "check-rejoin": command_check_rejoin,
        "check-preemption": command_check_preemption,
    }[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
