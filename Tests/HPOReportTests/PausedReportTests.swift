import Foundation
import HPOCore
import HPOJournal
import Testing

@testable import HPOReport

/// ASHA's promotion form in the report: trial 1 is paused at step 2 (its step-3 report came
/// before the stop) and promoted 2 s later, resuming at step 3; trial 2 is preempted once.
@Suite struct PausedReportTests {
    static let w1 = WorkerID("hostA:11")

    static func records(promoted: Bool = true) -> [JournalRecord] {
        var config = KnownLog.config(trials: 2)
        config.pruner = PrunerConfig(rule: .asha(ASHASettings(minResource: 2, reductionFactor: 2, mode: .promote)))
        let params = KnownLog.params
        func dispatch(_ trial: Int, _ attempt: Attempt) -> JournalEvent {
            .trialDispatched(
                TrialDispatched(trial: TrialID(trial), attempt: attempt, worker: w1, params: params[trial] ?? [:]))
        }
        func report(_ trial: Int, _ attempt: Attempt, _ step: Int, _ loss: Double) -> JournalEvent {
            .trialReport(
                TrialReported(trial: TrialID(trial), attempt: attempt, step: step, metrics: ["val_loss": loss]))
        }
        func completed(_ trial: Int, _ attempt: Attempt, _ loss: Double) -> JournalEvent {
            .trialCompleted(
                TrialCompleted(
                    trial: TrialID(trial), attempt: attempt, params: params[trial] ?? [:], objective: loss,
                    metrics: ["val_loss": loss], worker: w1, durationSeconds: 1))
        }
        var timeline: [(Double, JournalEvent)] = [
            (100, .studyStarted(StudyStarted(study: "paused", config: config, software: "0.1.0", host: "box"))),
            (100.1, .workerJoined(WorkerJoined(worker: w1, host: "hostA", pid: 11, slots: 2))),
            (100.2, dispatch(1, 1)), (100.2, dispatch(2, 1)),
            (101, report(1, 1, 1, 0.5)), (102, report(1, 1, 2, 0.4)), (102.5, report(1, 1, 3, 0.35)),
            (
                103,
                .trialPaused(
                    TrialPaused(
                        trial: TrialID(1), attempt: 1, params: params[1] ?? [:], worker: w1, rung: 0, step: 2,
                        metrics: ["val_loss": 0.35], objective: 0.35,
                        reason: "asha: val_loss 0.4 at step 2 (rung 0): …",
                        durationSeconds: 2.8))
            ),
            (
                103.5,
                .trialPreempted(
                    TrialPreempted(
                        trial: TrialID(2), attempt: 1, params: params[2] ?? [:], worker: w1, reason: "SIGTERM",
                        checkpointStep: nil, durationSeconds: 3.3))
            ),
            (103.6, dispatch(2, 2))
        ]
        if promoted {
            timeline += [
                (105, .trialPromoted(TrialPromoted(trial: TrialID(1), attempt: 1, rung: 0, step: 2))),
                (105, dispatch(1, 2)), (106, report(1, 2, 3, 0.3)), (107, report(1, 2, 4, 0.2)),
                (107.1, completed(1, 2, 0.2)), (107.2, completed(2, 2, 0.6)),
                (
                    107.3,
                    .studyFinished(
                        StudyFinished(
                            reason: "budget spent", completed: 2, failed: 0, pruned: 0, bestTrial: TrialID(1),
                            bestObjective: 0.2, bestParams: params[1]))
                )
            ]
        }
        return timeline.map { JournalRecord(event: $1, time: $0) }
    }

    @Test("paused trials are counted while they wait, not as done; preempted attempts apart from lost ones")
    func counts() throws {
        let waiting = StudySummary(records: Self.records(promoted: false))
        #expect(waiting.counts.paused == 1 && waiting.counts.running == 1 && waiting.counts.done == 0)
        #expect(waiting.counts.preemptedAttempts == 1 && waiting.counts.lostAttempts == 0)
        let text = StatusText.render(waiting)
        #expect(text.contains("0 of 2 done: 0 completed, 0 failed; 1 running, 1 paused"), "\(text)")
        #expect(text.contains("3 attempts, 0 failed, 1 retries, 1 preempted"), "\(text)")
        #expect(!text.contains("lost"))
        let json = try JSONSerialization.jsonObject(with: Data(try waiting.json().utf8)) as? [String: Any]
        let counts = json?["counts"] as? [String: Any]
        #expect(counts?["paused"] as? Int == 1)
        #expect(counts?["preempted_attempts"] as? Int == 1 && counts?["lost_attempts"] as? Int == 0)

        // Never promoted: pruned when the study ends, the attempt keeps its pause's end and duration.
        var ended = Self.records(promoted: false)
        let pruned = TrialPruned(
            trial: TrialID(1), attempt: 1, params: KnownLog.params[1] ?? [:], worker: Self.w1, step: 3,
            metrics: ["val_loss": 0.35], objective: 0.35, reason: "asha: paused at rung 0 … not promoted",
            durationSeconds: 0)
        ended.append(JournalRecord(event: .trialPruned(pruned), time: 110))
        let attempt = try #require(StudyHistory(records: ended).trial(TrialID(1))?.attempts.first)
        #expect(attempt.outcome == .pruned && attempt.ended == 103 && attempt.durationSeconds == 2.8)

        let history = StudyHistory(records: Self.records())
        #expect(history.trial(TrialID(1))?.attempts.map(\.outcome) == [.paused, .completed])
        let done = StudySummary(history: history)
        #expect(done.counts.paused == 0 && done.counts.completed == 2 && done.counts.done == 2)
    }

    @Test("the learning curve runs through the pause, cut at the checkpoint's step, with a ‖ mark where it waited")
    func curve() throws {
        let root = try XMLNode.parse(HTMLReport.render(StudyLog(path: "paused.jsonl", records: Self.records())))
        let curves = try #require(root.elements("svg").first { $0.attributes["data-plot"] == "learning-curves" })
        let line = try #require(curves.elements("polyline").first { $0.attributes["data-trial"] == "1" })
        let points = line.attributes["points"]?.split(separator: " ").map(String.init) ?? []
        #expect(points.count == 4, "steps 1, 2 of attempt 1 (step 3 re-run), then 3, 4 of attempt 2: \(points)")
        let marks = curves.elements("path").filter { $0.hasClass("pause-mark") }
        #expect(marks.compactMap { $0.attributes["data-trial"] } == ["1"])
        let text = marks.first?.allText ?? ""
        #expect(text.contains("trial #1 paused at step 2, promoted after"), "\(text)")
        // The mark sits on the curve's second point (step 2).
        let xy = points.count > 1 ? points[1].split(separator: ",").compactMap { Double($0) } : []
        let d = marks.first?.attributes["d"] ?? ""
        #expect(xy.count == 2 && d.hasPrefix("M\(px(xy[0] - 2)),\(px(xy[1] - 6))"), "\(d) vs \(points)")
        #expect(root.elements("span").contains { $0.hasClass("paused") }, "a legend swatch for paused")

        let waiting = try XMLNode.parse(
            HTMLReport.render(StudyLog(path: "paused.jsonl", records: Self.records(promoted: false))))
        let timeline = try #require(waiting.elements("svg").first { $0.attributes["data-plot"] == "worker-timeline" })
        #expect(timeline.elements("rect").contains { $0.hasClass("outcome-paused") })
        let still = waiting.elements("path").filter { $0.hasClass("pause-mark") }.first?.allText ?? ""
        #expect(still.contains("waiting for a promotion"), "\(still)")
    }
}
