import Foundation
import HPOCore
import HPOJournal
import Testing

/// ASHA's promotion form with real processes: the plain-Python trainer of the checkpoint tests
/// (`examples/checkpointing/train.py`, a checkpoint every step), paused at rungs and resumed from
/// its checkpoints when promoted.
@Suite(.serialized) struct PromotionEndToEndTests {
    static let steps = 30

    /// Four trials on a grid, in this order: lr 0.1 is the best at every step, 0.05 second, 0.02
    /// third, 0.01 last (losses at step 5: 0.91, 4.2, 9.8, 12.8; at step 10: 0.068, 1.1, …).
    /// Rungs at steps 5 and 10 (η = 2, none at max_resource 20). With one worker slot: trial 1
    /// is paused at step 5 (alone there), trial 2 too (behind it), then trial 1 is promoted and
    /// paused at 10 (alone); trial 3 waits at 5; trial 4 goes on past 5 at once (⌊4/2⌋ = 2) and
    /// waits at 10 behind trial 1, which is promoted again and runs to the end.
    static func study(name: String) -> String {
        // The trainer's path as a YAML (JSON) string.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let trainer = String(decoding: (try? encoder.encode(CheckpointEndToEndTests.trainer)) ?? Data(), as: UTF8.self)
        return """
            name: \(name)
            objective: {metric: val_loss, direction: minimize}
            budget: {trials: 4}
            strategy: grid
            space:
              lr: {type: choice, values: [0.1, 0.01, 0.02, 0.05]}
            trial:
              command: ["python3", \(trainer), "--lr={lr}", "--steps=\(steps)", "--step-seconds=0.15"]
              timeout: 5m
            pruner: {kind: asha, mode: promote, metric: loss, min_resource: 5, reduction_factor: 2, max_resource: 20}
            """
    }

    /// What every run of the study must show in its log, whatever happened to the coordinator.
    /// `inOrder`: the pauses came in the order of an undisturbed run. After a restart they need
    /// not: an attempt the killed coordinator had just dispatched may never have reached the
    /// worker, and while it waits for its worker (orphaned), the free slot starts trial 3 first.
    static func checkPromotions(_ summary: LogSummary, _ stderr: String, inOrder: Bool = true) throws {
        let paused = summary.paused
        let pauses = paused.map { "\($0.trial.rawValue)@\($0.rung)" }
        let expectedPauses = ["1@0", "2@0", "1@1", "3@0", "4@1"]
        #expect(
            inOrder ? pauses == expectedPauses : pauses.sorted() == expectedPauses.sorted(),
            "\(timeline(summary))\n\(stderr)")
        #expect(paused.allSatisfy { $0.step >= ($0.rung == 0 ? 5 : 10) }, "each at a checkpoint at or past its rung")
        let promoted = summary.promoted
        #expect(promoted.map { "\($0.trial.rawValue)@\($0.rung)" } == ["1@0", "1@1"])
        let completed = try #require(summary.completed.first, "trial 1 completed: \(stderr)")
        #expect(summary.completed.count == 1 && completed.trial == TrialID(1) && completed.attempt == 3)
        let resumed = summary.resumed.filter { $0.trial == TrialID(1) }
        #expect(resumed.map(\.attempt) == [2, 3])
        #expect(resumed.map(\.step) == promoted.map(\.step), "resumed from the checkpoint it was paused at")
        let last = try #require(resumed.last)
        #expect(last.step >= 10)
        #expect(completed.metrics["first_step"] == Double(last.step + 1), "the trainer started after that step")
        let expected = CheckpointEndToEndTests.uninterrupted(lr: completed.params["lr"], steps: steps)
        #expect(completed.objective == expected, "the result of an uninterrupted run")
        // Never promoted: pruned when the study ended; nothing failed.
        #expect(summary.pruned.map(\.trial) == [TrialID(2), TrialID(3), TrialID(4)])
        #expect(summary.pruned.allSatisfy { $0.reason.contains("not promoted before the study ended") })
        #expect(summary.failed.isEmpty)
    }

    @Test(
        """
        a trial paused at a rung is promoted when it is in the top 1/η and resumed from its checkpoint, \
        with the result of an uninterrupted run
        """
    )
    func pauseAndPromote() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", Self.study(name: "promote"))
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [studyPath, "--bind", endpoint, "--log", log] + checkpointTestLiveness,
            scratch: scratch, label: "coordinator")
        let worker = try checkpointTestWorker(endpoint, "worker", scratch: scratch)
        #expect(coordinator.waitForExit(within: 180) == 0, "\(coordinator.stderr)\n\(worker.stderr)")
        #expect(worker.waitForExit(within: 20) == 0)
        try Self.checkPromotions(try LogSummary(path: log), coordinator.stderr)
    }

    @Test(
        """
        the coordinator killed (SIGKILL) while a trial is paused, restarted on its log: paused trials and \
        rungs come back and the promotions happen as without the crash
        """
    )
    func restartWhilePaused() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", Self.study(name: "promote-crash"))
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let arguments = [studyPath, "--bind", endpoint, "--log", log] + checkpointTestLiveness
        let first = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator1")
        let worker = try checkpointTestWorker(endpoint, "worker", scratch: scratch)
        // Trial 1 paused at rung 0, trial 2 running behind it.
        #expect(
            waitUntil(within: 90) { ((try? LogSummary(path: log))?.paused.count ?? 0) >= 1 },
            "a pause: \(first.stderr)")
        kill(first.pid, SIGKILL)
        first.waitForExit(within: 10)
        let second = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator2")
        #expect(second.waitForExit(within: 180) == 0, "\(second.stderr)\n\(worker.stderr)")
        #expect(worker.waitForExit(within: 20) == 0)
        let summary = try LogSummary(path: log)
        #expect(summary.records.contains { $0.event.name == "study_resumed" })
        try Self.checkPromotions(summary, second.stderr, inOrder: false)
    }
}

/// The log in short, one event a line (`trial_paused t2 a1 step 6`), for failure messages.
func timeline(_ summary: LogSummary) -> String {
    summary.records.compactMap { record -> String? in
        let line: String
        switch record.event {
        case .trialDispatched(let e): line = "t\(e.trial.rawValue) a\(e.attempt) on \(e.worker)"
        case .trialReport(let e): line = "t\(e.trial.rawValue) a\(e.attempt) step \(e.step)"
        case .trialCheckpoint(let e): line = "t\(e.trial.rawValue) a\(e.attempt) step \(e.step)"
        case .trialPaused(let e): line = "t\(e.trial.rawValue) a\(e.attempt) rung \(e.rung) step \(e.step)"
        case .trialPromoted(let e): line = "t\(e.trial.rawValue) a\(e.attempt) rung \(e.rung) step \(e.step)"
        case .trialResumed(let e): line = "t\(e.trial.rawValue) a\(e.attempt) step \(e.step)"
        case .trialPruned(let e): line = "t\(e.trial.rawValue) a\(e.attempt) \(e.reason)"
        case .workerLeft(let e): line = "\(e.worker) \(e.reason) abandoned \(e.abandoned)"
        default: line = ""
        }
        return String(format: "%.3f ", record.time) + record.event.name + " " + line
    }.joined(separator: "\n")
}

extension LogSummary {
    var paused: [TrialPaused] { records.compactMap { if case .trialPaused(let e) = $0.event { e } else { nil } } }
    var promoted: [TrialPromoted] {
        records.compactMap { if case .trialPromoted(let e) = $0.event { e } else { nil } }
    }
}
