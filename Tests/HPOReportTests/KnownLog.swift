import Foundation
import HPOCore
import HPOJournal

/// A small study whose every number is known, written with `JournalWriter` to a temporary file.
///
/// Six trials over lr (log float), layers (int) and opt (choice, one value with a comma), two
/// workers (w1 with one slot, w2 with two):
///
/// | trial | attempts | outcome | objective |
/// |---|---|---|---|
/// | 1 | 1 on w1 | completed | 0.25 (reports loss at steps 1–3) |
/// | 2 | 1 on w2 | completed | 0.5 (reports loss at steps 1–3) |
/// | 3 | 2 on w2 | failed, retried, then failed for good | – (reports loss at step 1) |
/// | 4 | lost with w1, then 1 on w2 | completed | 1.5 |
/// | 5 | 1 on w2 | completed | 0.125 (the best) |
/// | 6 | 1 on w2 | running at the end of the log | – |
///
/// plus one `result_dropped`, one `lr_range_test` line and one line of an unknown kind.
enum KnownLog {
    static let w1 = WorkerID("hostA:11")
    static let w2 = WorkerID("hostB:22")
    static let params: [Int: Parameters] = [
        1: ["lr": .double(0.01), "layers": .int(2), "opt": .string("sgd")],
        2: ["lr": .double(0.1), "layers": .int(1), "opt": .string("adam, fused")],
        3: ["lr": .double(0.001), "layers": .int(3), "opt": .string("sgd")],
        4: ["lr": .double(0.05), "layers": .int(4), "opt": .string("adam, fused")],
        5: ["lr": .double(0.0001), "layers": .int(1), "opt": .string("sgd")],
        6: ["lr": .double(0.02), "layers": .int(2), "opt": .string("sgd")]
    ]
    static let stderrTail = "Traceback: boom <bad> & \"quoted\"\nline two"

    static func config(direction: Direction = .minimize, trials: Int = 6) -> StudyConfig {
        StudyConfig(
            name: "known <study>", objective: Objective(metric: "val_loss", direction: direction),
            budget: Budget(trials: trials), strategy: StrategyConfig(kind: .random), seed: 1,
            space: SearchSpace([
                ParameterSpec(name: "lr", domain: .float(low: 1e-4, high: 1, log: true)),
                ParameterSpec(name: "layers", domain: .int(low: 1, high: 4, log: false)),
                ParameterSpec(name: "opt", domain: .choice([.string("sgd"), .string("adam, fused")]))
            ]),
            trial: TrialSpec(program: .command(["python3", "train.py"]), retries: 1))
    }

    /// The events with their times, in log order.
    static var timeline: [(Double, JournalEvent)] {
        func dispatch(_ trial: Int, _ attempt: Int, _ worker: WorkerID) -> JournalEvent {
            .trialDispatched(
                TrialDispatched(trial: TrialID(trial), attempt: attempt, worker: worker, params: params[trial] ?? [:]))
        }
        func report(_ trial: Int, _ step: Int, _ loss: Double) -> JournalEvent {
            .trialReport(TrialReported(trial: TrialID(trial), attempt: 1, step: step, metrics: ["loss": loss]))
        }
        func completed(_ trial: Int, _ attempt: Int, _ objective: Double, _ worker: WorkerID, _ duration: Double)
            -> JournalEvent
        {
            .trialCompleted(
                TrialCompleted(
                    trial: TrialID(trial), attempt: attempt, params: params[trial] ?? [:], objective: objective,
                    metrics: ["val_loss": objective, "acc": 1 - objective / 2], worker: worker,
                    durationSeconds: duration))
        }
        func failed(_ attempt: Int, reason: String, retry: Bool, duration: Double) -> JournalEvent {
            .trialFailed(
                TrialFailed(
                    trial: TrialID(3), attempt: attempt, params: params[3] ?? [:], worker: w2, reason: reason,
                    exitCode: retry ? 1 : nil, stderrTail: retry ? stderrTail : nil, metrics: [:],
                    durationSeconds: duration, willRetry: retry))
        }
        return [
            (
                1000.0,
                .studyStarted(StudyStarted(study: "known <study>", config: config(), software: "0.1.0", host: "box"))
            ),
            (1000.5, .workerJoined(WorkerJoined(worker: w1, host: "hostA", pid: 11, slots: 1))),
            (1000.6, .workerJoined(WorkerJoined(worker: w2, host: "hostB", pid: 22, slots: 2))),
            (1001.0, dispatch(1, 1, w1)),
            (1001.0, dispatch(2, 1, w2)),
            (1001.1, dispatch(3, 1, w2)),
            (1001.5, report(1, 1, 1.0)), (1002.0, report(1, 2, 0.5)), (1002.5, report(1, 3, 0.3)),
            (1002.0, report(2, 1, 1.0)), (1003.0, report(2, 2, 0.8)), (1004.0, report(2, 3, 0.7)),
            (1002.0, report(3, 1, 2.0)),
            (1003.0, completed(1, 1, 0.25, w1, 2.0)),
            (1003.0, dispatch(4, 1, w1)),
            (1004.0, failed(1, reason: "exit code 1", retry: true, duration: 2.9)),
            (1004.0, dispatch(3, 2, w2)),
            (1005.0, completed(2, 1, 0.5, w2, 4.0)),
            (1005.0, dispatch(5, 1, w2)),
            (1006.0, failed(2, reason: "timeout after 2 s", retry: false, duration: 2.0)),
            (1006.0, .resultDropped(ResultDropped(trial: TrialID(1), attempt: 1, worker: w1, reason: "duplicate"))),
            (1007.0, .workerLeft(WorkerLeft(worker: w1, reason: "lost: silent for 5 s", abandoned: [4]))),
            (1007.0, dispatch(4, 2, w2)),
            (1008.0, completed(5, 1, 0.125, w2, 3.0)),
            (1009.0, completed(4, 2, 1.5, w2, 2.0)),
            (1009.5, dispatch(6, 1, w2))
        ]
    }

    static var records: [JournalRecord] { timeline.map { JournalRecord(event: $1, time: $0) } }

    /// The lr_range_test line appended to the log, with only the fields the report needs.
    static let rangeTestLine = """
        {"event":"lr_range_test","time":1009.6,"trial":1,"lrs":[1e-5,1e-4,1e-3,1e-2,1e-1,1],"losses":[2.3,2.2,1.5,0.9,1.4,"nan"],\
        "smoothed":[2.3,2.25,1.9,1.4,1.4,1.6],"suggestion":0.001,"suggestions":{"steepest":0.001,"minimum":0.01}}
        """

    /// Writes the log to a new temporary file (plus the extra lines) and returns its path.
    static func write(
        _ timeline: [(Double, JournalEvent)] = timeline, extraLines: [String] = [rangeTestLine, unknownLine]
    )
        throws -> String
    {
        let path = NSTemporaryDirectory() + "report-\(UUID().uuidString).jsonl"
        let writer = try JournalWriter(path: path)
        for (time, event) in timeline { try writer.append([event], time: time) }
        if !extraLines.isEmpty {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(extraLines.map { $0 + "\n" }.joined().utf8))
            try handle.close()
        }
        return path
    }

    static let unknownLine = #"{"event":"future_thing","time":1009.7,"whatever":[1,2]}"#

    /// A maximised study: trials 1, 2, 3 completed with objectives 1, 3, 2.
    static var maximized: [JournalRecord] {
        var events: [(Double, JournalEvent)] = [
            (
                0,
                .studyStarted(
                    StudyStarted(
                        study: "max", config: config(direction: .maximize, trials: 3), software: "0.1.0", host: "box"))
            ),
            (0.1, .workerJoined(WorkerJoined(worker: w1, host: "hostA", pid: 11, slots: 1)))
        ]
        for (trial, objective) in [(1, 1.0), (2, 3.0), (3, 2.0)] {
            let time = Double(trial)
            events.append(
                (
                    time,
                    .trialDispatched(
                        TrialDispatched(trial: TrialID(trial), attempt: 1, worker: w1, params: params[trial] ?? [:]))
                ))
            events.append(
                (
                    time + 0.5,
                    .trialCompleted(
                        TrialCompleted(
                            trial: TrialID(trial), attempt: 1, params: params[trial] ?? [:], objective: objective,
                            metrics: ["val_loss": objective], worker: w1, durationSeconds: 0.5))
                ))
        }
        events.append(
            (
                4,
                .studyFinished(
                    StudyFinished(
                        reason: "budget spent", completed: 3, failed: 0, bestTrial: TrialID(2), bestObjective: 3,
                        bestParams: params[2]))
            ))
        return events.map { JournalRecord(event: $1, time: $0) }
    }
}
