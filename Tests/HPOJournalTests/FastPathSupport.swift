import Foundation
import HPOCore

@testable import HPOJournal

/// The two ways a line can be decoded, side by side, for the fast-path tests.
enum Paths {
    /// Foundation's `JSONDecoder`, as every line was read before the fast path.
    static func slow(_ line: String) -> Result<JournalRecord?, any Error> {
        Result { try JournalCoding.decode(Data(line.utf8)) }
    }

    /// The hand-written decoder alone; nil when it declines the line.
    static func fast(_ line: String) -> JournalRecord? {
        Array(line.utf8).withUnsafeBytes { JournalFastPath.decode($0) }
    }

    /// What the reader does: the fast path, else `JSONDecoder`.
    static func reader(_ line: String) -> Result<JournalRecord?, any Error> {
        Array(line.utf8).withUnsafeBytes { bytes in
            Result { try JournalCoding.decode(bytes, using: JournalCoding.makeDecoder()) }
        }
    }

    /// Equal records; NaNs (never equal to themselves) are compared by the bytes they encode to.
    static func same(_ a: JournalRecord?, _ b: JournalRecord?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a == b || (try? JournalCoding.encode(a)) == (try? JournalCoding.encode(b))
    }

    /// The line as the writer writes it.
    static func line(_ event: JournalEvent, time: Double = 1_795_976_100.125) throws -> String {
        String(decoding: try JournalCoding.encode(JournalRecord(event: event, time: time)), as: UTF8.self)
    }
}

/// One event of every kind, and variants of the frequent kinds' optional and odd values.
enum EveryKind {
    static let worker = WorkerID("höst-ä:4121")
    static let params: Parameters = [
        "lr": .double(0.001), "layers": .int(3), "opt": .string("adam, fused"), "mode": .string("nan"),
        "neg": .int(-7), "tiny": .double(-2.5e-300), "ünï \"cödé\"": .string("tab\there\u{1}")
    ]
    static let metrics: [String: Double] = [
        "val_loss": 0.25, "diverged": .nan, "up": .infinity, "down": -.infinity, "zero": -0.0, "big": 1.7e308
    ]
    static let config = StudyConfig(
        name: "every-kind", objective: Objective(metric: "val_loss", direction: .minimize), budget: Budget(trials: 9),
        strategy: StrategyConfig(kind: .random), seed: 3,
        space: SearchSpace([ParameterSpec(name: "lr", domain: .float(low: 1e-4, high: 1, log: true))]),
        trial: TrialSpec(program: .command(["python3", "train.py"]), retries: 1))

    /// Kinds the fast path decodes.
    static let frequent: [JournalEvent] = [
        .workerJoined(WorkerJoined(worker: worker, host: "höst", pid: 4121, slots: 2)),
        .workerJoined(WorkerJoined(worker: WorkerID("w"), host: "", pid: Int32.min, slots: 0)),
        .workerLeft(WorkerLeft(worker: worker, reason: "lost: silent for 12 s", abandoned: [3, 9])),
        .workerLeft(WorkerLeft(worker: worker, reason: "bye: done", abandoned: [])),
        .trialDispatched(TrialDispatched(trial: TrialID(1), attempt: 1, worker: worker, params: params)),
        .trialDispatched(
            TrialDispatched(trial: TrialID(Int.max), attempt: 2, worker: worker, params: [:], slotIdleSeconds: 0.0123)),
        .trialDispatched(
            TrialDispatched(trial: TrialID(8), attempt: 1, worker: worker, params: params, fallback: false, enqueued: 3)
        ),
        .trialReport(TrialReported(trial: TrialID(2), attempt: 1, step: 40, metrics: metrics)),
        .trialReport(TrialReported(trial: TrialID(2), attempt: 1, step: -1, metrics: [:])),
        .trialCompleted(
            TrialCompleted(
                trial: TrialID(3), attempt: 1, params: params, objective: 0.1 + 0.2, metrics: metrics, worker: worker,
                durationSeconds: 9.503800000000001e-05)),
        .trialCompleted(
            TrialCompleted(
                trial: TrialID(4), attempt: 3, params: ["x": .double(1e-5)], objective: .nan,
                metrics: ["objective": .nan],
                worker: worker, durationSeconds: 0)),
        .trialFailed(
            TrialFailed(
                trial: TrialID(5), attempt: 1, params: params, worker: worker, reason: "exit 1", exitCode: 1,
                stderrTail: "Traceback: boom <bad> & \"quoted\"\nline two \\ 😀 \u{7f}", metrics: metrics,
                durationSeconds: 2.5, willRetry: true)),
        .trialFailed(
            TrialFailed(
                trial: TrialID(5), attempt: 2, params: params, worker: worker, reason: "timeout", exitCode: nil,
                stderrTail: nil, metrics: [:], durationSeconds: 120, willRetry: false)),
        .trialPruned(
            TrialPruned(
                trial: TrialID(6), attempt: 1, params: params, worker: worker, step: 3, metrics: metrics,
                objective: 0.52,
                reason: "asha: rung 2 (step 3): val_loss 0.52 not in the top 1/3 of 6 (cutoff 0.31)",
                durationSeconds: 4.25)),
        .trialPruned(
            TrialPruned(
                trial: TrialID(7), attempt: 2, params: params, worker: worker, step: nil, metrics: [:], objective: nil,
                reason: "median", durationSeconds: 0.5))
    ]

    /// Kinds left to `JSONDecoder`.
    static let others: [JournalEvent] = [
        .studyStarted(StudyStarted(study: "every-kind", config: config, software: "0.1.0", host: "box")),
        .studyResumed(
            StudyResumed(
                study: "every-kind", software: "0.1.0", host: "box", completed: 3, failed: 1, pruned: 2, created: 7,
                queued: [5], awaitingWorkers: [6])),
        .lrRangeTest(
            LRRangeTestRan(
                parameter: "learning_rate", lrs: [1e-5, 1e-3], losses: [2.3, .nan], smoothed: [2.3, 2.2],
                suggestion: 1e-4, suggestions: ["steepest": 1e-4], originalLow: 1e-5, originalHigh: 1, low: 1e-4,
                high: 0.1)),
        .resultDropped(ResultDropped(trial: TrialID(3), attempt: 1, worker: worker, reason: "duplicate")),
        .controlAction(
            ControlActionTaken(
                action: "add_budget", origin: "hpo control (uid 1000) ann@lab",
                clientKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
                trials: 5, budget: 25)),
        .trialEnqueued(TrialEnqueued(enqueueID: 2, params: params, origin: "study file study.yaml:12")),
        .studyFinished(
            StudyFinished(
                reason: "budget spent", completed: 3, failed: 1, pruned: 2, bestTrial: TrialID(3), bestObjective: 0.3,
                bestParams: params)),
        .studyStopped(
            StudyFinished(
                reason: "SIGINT", completed: 0, failed: 0, bestTrial: nil, bestObjective: nil, bestParams: nil))
    ]
}
