import HPOCore
import HPOJournal
import Testing

@testable import HPOReport

/// The summary of studies with constraints and with several objectives, from hand-made logs.
@Suite struct ParetoSummaryTests {
    /// A log of `config` with one completed trial per entry of `results` (metrics, feasible), in order.
    func records(_ config: StudyConfig, _ results: [([String: Double], Bool?)]) -> [JournalRecord] {
        var records = [
            JournalRecord(
                event: .studyStarted(StudyStarted(study: config.name, config: config, software: "t", host: "h")),
                time: 1000)
        ]
        for (index, (metrics, feasible)) in results.enumerated() {
            let trial = TrialID(index + 1)
            let params: Parameters = ["lr": .double(0.1 * Double(index + 1))]
            records.append(
                JournalRecord(
                    event: .trialDispatched(
                        TrialDispatched(trial: trial, attempt: 1, worker: WorkerID("w"), params: params)),
                    time: 1000 + Double(index)))
            records.append(
                JournalRecord(
                    event: .trialCompleted(
                        TrialCompleted(
                            trial: trial, attempt: 1, params: params, objective: metrics[config.objective.metric]!,
                            metrics: metrics, worker: WorkerID("w"), durationSeconds: 0.5, feasible: feasible)),
                    time: 1000.5 + Double(index)))
        }
        return records
    }

    @Test("with constraints, the best and the ranking are feasible trials only, and infeasible ones are counted")
    func bestFeasible() throws {
        var config = KnownLog.config()
        config.constraints = [OutcomeConstraint(metric: "memory_gb", max: 16)]
        let summary = StudySummary(
            records: records(
                config,
                [
                    (["val_loss": 0.1, "memory_gb": 30], false), (["val_loss": 0.3, "memory_gb": 10], true),
                    (["val_loss": 0.2, "memory_gb": 12], true)
                ]))
        #expect(summary.best?.trial == TrialID(3) && summary.best?.objective == 0.2)
        #expect(summary.top.map(\.trial) == [TrialID(3), TrialID(2)])
        #expect(summary.counts.infeasible == 1 && summary.counts.completed == 3)
        #expect(summary.pareto == nil)
        let text = StatusText.render(summary)
        #expect(text.contains("feasible   2 of 3 completed meet memory_gb <= 16"), "\(text)")
    }

    @Test("with two objectives: the front of feasible trials, its hypervolume by hand, after each trial, no best")
    func front() throws {
        var config = KnownLog.config()
        config.paretoObjectives = [
            Objective(metric: "val_loss", direction: .minimize, reference: 6),
            Objective(metric: "acc", direction: .maximize, reference: 0)
        ]
        config.constraints = [OutcomeConstraint(metric: "acc", max: 5)]
        // As losses (val_loss, −acc): (2, −4), infeasible (acc 6 > 5), (1, −2), (4, −5), and (3, −3)
        // which (2, −4) dominates. Reference (6, 0).
        let summary = StudySummary(
            records: records(
                config,
                [
                    (["val_loss": 2, "acc": 4], true), (["val_loss": 0.5, "acc": 6], false),
                    (["val_loss": 1, "acc": 2], true), (["val_loss": 4, "acc": 5], true),
                    (["val_loss": 3, "acc": 3], true)
                ]))
        let pareto = try #require(summary.pareto)
        #expect(summary.best == nil)
        #expect(pareto.front.map(\.trial) == [TrialID(3), TrialID(1), TrialID(4)])
        #expect(pareto.reference == [6, 0])
        // The staircase by val_loss: (1, −2) → 5 × 2 = 10; (2, −4) → 4 × 2 = 8; (4, −5) → 2 × 1 = 2.
        #expect(pareto.hypervolume == 20)
        // After each trial: (2, −4) alone 4 × 4 = 16; the infeasible one adds nothing; 18; 20; 20.
        #expect(pareto.steps.map(\.hypervolume) == [16, 16, 18, 20, 20])
        #expect(pareto.steps.map(\.completed) == [1, 2, 3, 4, 5])
        let json = try summary.json()
        #expect(json.contains("\"hypervolume\" : 20") && json.contains("\"hypervolume_history\""))
        let table = TrialTable(history: StudyHistory(records: records(config, [(["val_loss": 1, "acc": 5], true)])))
        #expect(table.columns.contains("feasible") && table.columns.contains("pareto"))
    }
}
