import Foundation
import HPOCore
import HPOJournal
import Testing

@testable import HPOReport

/// A study with a pruner: trial 2 is stopped at step 2 of 3; trials 1 and 3 complete.
@Suite struct PrunedReportTests {
    static let w1 = WorkerID("hostA:11")

    static var records: [JournalRecord] {
        var config = KnownLog.config(trials: 3)
        config.pruner = PrunerConfig(rule: .asha(ASHASettings()))
        let params = KnownLog.params
        func dispatch(_ trial: Int) -> JournalEvent {
            .trialDispatched(
                TrialDispatched(trial: TrialID(trial), attempt: 1, worker: w1, params: params[trial] ?? [:]))
        }
        func report(_ trial: Int, _ step: Int, _ loss: Double) -> JournalEvent {
            .trialReport(TrialReported(trial: TrialID(trial), attempt: 1, step: step, metrics: ["val_loss": loss]))
        }
        func completed(_ trial: Int, _ loss: Double) -> JournalEvent {
            .trialCompleted(
                TrialCompleted(
                    trial: TrialID(trial), attempt: 1, params: params[trial] ?? [:], objective: loss,
                    metrics: ["val_loss": loss],
                    worker: w1, durationSeconds: 3))
        }
        let timeline: [(Double, JournalEvent)] = [
            (100, .studyStarted(StudyStarted(study: "pruned", config: config, software: "0.1.0", host: "box"))),
            (100.1, .workerJoined(WorkerJoined(worker: w1, host: "hostA", pid: 11, slots: 2))),
            (100.2, dispatch(1)), (100.2, dispatch(2)),
            (101, report(1, 1, 0.5)), (101.1, report(2, 1, 0.9)), (102, report(1, 2, 0.4)), (102.1, report(2, 2, 0.85)),
            (
                102.3,
                .trialPruned(
                    TrialPruned(
                        trial: TrialID(2), attempt: 1, params: params[2] ?? [:], worker: w1, step: 2,
                        metrics: ["val_loss": 0.85],
                        objective: 0.85,
                        reason:
                            "asha: val_loss 0.9 at step 1 is not the best of the 2 trials that reached it (best 0.5)",
                        durationSeconds: 2.1))
            ),
            (102.3, dispatch(3)),
            (103, report(1, 3, 0.3)), (103.2, completed(1, 0.3)),
            (103.5, report(3, 1, 0.45)), (104.5, report(3, 2, 0.35)), (105.5, report(3, 3, 0.25)),
            (105.5, completed(3, 0.25)),
            (
                105.6,
                .studyFinished(
                    StudyFinished(
                        reason: "budget spent", completed: 2, failed: 0, pruned: 1, bestTrial: TrialID(3),
                        bestObjective: 0.25,
                        bestParams: params[3]))
            )
        ]
        return timeline.map { JournalRecord(event: $1, time: $0) }
    }

    @Test("the history and the summary count the pruned trial apart, with its stop step and reason")
    func summary() throws {
        let history = StudyHistory(records: Self.records)
        let trial = try #require(history.trial(TrialID(2)))
        #expect(trial.state == .pruned)
        #expect(trial.finalAttempt?.outcome == .pruned)
        #expect(trial.finalAttempt?.stopStep == 2)
        #expect(trial.finalAttempt?.reason?.hasPrefix("asha:") == true)
        #expect(trial.objective == nil, "a pruned trial has no objective")
        let summary = StudySummary(history: history)
        #expect(summary.counts.pruned == 1 && summary.counts.completed == 2 && summary.counts.failed == 0)
        #expect(summary.counts.done == 3)
        #expect(summary.top.map(\.trial) == [TrialID(3), TrialID(1)])
        #expect(StatusText.render(summary).contains("3 of 3 done: 2 completed, 0 failed, 1 pruned; 0 running"))
        let json = try JSONSerialization.jsonObject(with: Data(try summary.json().utf8)) as? [String: Any]
        let counts = json?["counts"] as? [String: Any]
        #expect(counts?["pruned"] as? Int == 1)
        #expect(counts?["done"] as? Int == 3)
    }

    @Test("export says pruned, with the pruner's reason")
    func export() {
        let csv = TrialExport.csv(TrialTable(history: StudyHistory(records: Self.records)))
        let rows = ExportAndStatusTests.parseCSV(csv)
        let status = rows[0].firstIndex(of: "status") ?? 0
        #expect(rows.dropFirst().map { $0[status] } == ["completed", "pruned", "completed"])
        #expect(rows[2].last?.hasPrefix("asha:") == true)
    }

    @Test(
        """
        the report: the pruned curve ends with a marker at its stop step, its timeline bar is coloured pruned, \
        the cards count it
        """
    )
    func report() throws {
        let log = StudyLog(path: "pruned.jsonl", records: Self.records)
        let root = try XMLNode.parse(HTMLReport.render(log))
        let curves = try #require(root.elements("svg").first { $0.attributes["data-plot"] == "learning-curves" })
        let line = try #require(curves.elements("polyline").first { $0.attributes["data-trial"] == "2" })
        #expect(line.hasClass("pruned"))
        #expect(line.attributes["points"]?.split(separator: " ").count == 2)
        let marks = curves.elements("path").filter { $0.hasClass("prune-mark") }
        #expect(marks.compactMap { $0.attributes["data-trial"] } == ["2"])
        #expect(marks.first?.allText.contains("trial #2 pruned at step 2") == true)
        // The × sits on the last point of the curve.
        let lastPoint = line.attributes["points"]?.split(separator: " ").last.map(String.init) ?? ""
        let xy = lastPoint.split(separator: ",").compactMap { Double($0) }
        let d = marks.first?.attributes["d"] ?? ""
        #expect(xy.count == 2 && d.hasPrefix("M\(px(xy[0] - 4)),\(px(xy[1] - 4))"), "\(d) vs \(lastPoint)")

        let timeline = try #require(root.elements("svg").first { $0.attributes["data-plot"] == "worker-timeline" })
        let bars = timeline.elements("rect").filter { $0.hasClass("bar") }
        #expect(bars.filter { $0.hasClass("outcome-pruned") }.compactMap { $0.attributes["data-trial"] } == ["2"])
        #expect(bars.first { $0.hasClass("outcome-pruned") }?.allText.contains("pruned at step 2") == true)
        #expect(root.elements("span").contains { $0.hasClass("pruned") }, "a legend swatch for pruned")
        #expect(root.allText.contains("2 completed, 0 failed, 1 pruned"))
    }
}
