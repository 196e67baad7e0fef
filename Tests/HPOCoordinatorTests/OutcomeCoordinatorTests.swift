import HPOCoordinator
import HPOCore
import HPOJournal
import HPOSearch
import HPOWire
import Testing

/// Outcome constraints and several objectives in the coordinator: `feasible` on every completed
/// trial, the best trial the best feasible one (also after a restart), no best with several
/// objectives, and a result missing one objective fails.
@Suite struct OutcomeCoordinatorTests {
    func config(objectives: [Objective]? = nil, constraints: [OutcomeConstraint]?) -> StudyConfig {
        var config = StudyConfig(
            name: "outcomes", objective: Objective(metric: "loss", direction: .minimize), budget: Budget(trials: 4),
            strategy: StrategyConfig(kind: .random), seed: 1,
            space: SearchSpace([ParameterSpec(name: "x0", domain: .float(low: 0, high: 1, log: false))]),
            trial: TrialSpec(program: .builtin("sphere")))
        config.paretoObjectives = objectives
        config.constraints = constraints
        return config
    }

    /// Runs the study on one worker with 4 slots, answering the trials in order with `metrics`.
    func run(_ config: StudyConfig, _ metrics: [[String: Double]]) -> (CoordinatorStateMachine, [JournalRecord]) {
        var machine = CoordinatorStateMachine(config: config, software: "test", host: "test")
        var journal = machine.start(now: 0).journal
        let peer = PeerID([7])
        let hello = machine.received(
            .hello(Hello(name: "w", host: "h", pid: 1, slots: 4, software: "t")), from: peer, now: 0)
        journal += hello.journal
        let keys = hello.messages.compactMap { if case .assign(let a) = $0.message { a.key } else { nil } }
            .sorted { $0.trial < $1.trial }
        for (key, values) in zip(keys, metrics) {
            let result = TrialResult(status: .completed, metrics: values, durationSeconds: 0.1)
            journal += machine.received(.result(ResultMessage(key: key, result: result)), from: peer, now: 1).journal
        }
        return (machine, journal.map { JournalRecord(event: $0, time: 1) })
    }

    @Test("the best trial is the best feasible one: a better infeasible result (or one missing the metric) is not")
    func bestFeasible() throws {
        let config = config(constraints: [OutcomeConstraint(metric: "memory_gb", max: 16)])
        let (machine, records) = run(
            config,
            [
                ["loss": 0.1, "memory_gb": 32],  // best loss, too much memory
                ["loss": 0.5, "memory_gb": 8],
                ["loss": 0.2],  // no memory_gb reported
                ["loss": 0.7, "memory_gb": 16]  // on the bound: feasible
            ])
        let completed = records.compactMap { if case .trialCompleted(let e) = $0.event { e } else { nil } }
        #expect(completed.map(\.feasible) == [false, true, false, true])
        #expect(machine.best?.trial == completed[1].trial && machine.best?.objective == 0.5)
        let finished = records.compactMap { if case .studyFinished(let e) = $0.event { e } else { nil } }.first
        #expect(finished?.bestTrial == completed[1].trial && finished?.completed == 4)
        let restored = try StudyReplay.restore(records, path: "log", config: config)
        #expect(restored.best?.trial == completed[1].trial)
        // A restarted coordinator's search sees every result's metrics again (the constraint's too).
        #expect(restored.trials[completed[0].trial]?.metrics == ["loss": 0.1, "memory_gb": 32])
        #expect(restored.trials.values.compactMap(\.feasible).sorted { !$0 && $1 } == [false, false, true, true])
        let resumed = CoordinatorStateMachine(
            restoring: restored, search: makeSearchStrategy(for: config), software: "test", host: "test")
        #expect(resumed.best?.trial == completed[1].trial)
    }

    @Test("with several objectives there is no single best, and a result missing one objective fails")
    func severalObjectives() {
        let objectives = [
            Objective(metric: "loss", direction: .minimize), Objective(metric: "latency", direction: .minimize)
        ]
        let (machine, records) = run(
            config(objectives: objectives, constraints: nil),
            [["loss": 1, "latency": 2], ["loss": 2, "latency": 1], ["loss": 0.5], ["loss": 3, "latency": .infinity]])
        #expect(machine.best == nil)
        let completed = records.compactMap { if case .trialCompleted(let e) = $0.event { e } else { nil } }
        let failed = records.compactMap { if case .trialFailed(let e) = $0.event { e } else { nil } }
        #expect(completed.count == 2 && completed.allSatisfy { $0.feasible == nil })
        #expect(
            failed.map(\.reason) == [
                "objective metric 'latency' missing from the result", "objective metric 'latency' is infinite"
            ])
    }

    @Test("the front's size follows the results (feasible ones, maximised objectives turned), and a restart keeps it")
    func frontCount() throws {
        let objectives = [
            Objective(metric: "loss", direction: .minimize), Objective(metric: "acc", direction: .maximize)
        ]
        let config = config(objectives: objectives, constraints: [OutcomeConstraint(metric: "memory_gb", max: 16)])
        let (machine, records) = run(
            config,
            [
                ["loss": 1, "acc": 0.9, "memory_gb": 1],
                ["loss": 2, "acc": 0.95, "memory_gb": 1],  // worse loss, better accuracy: on the front too
                ["loss": 0.1, "acc": 0.99, "memory_gb": 64],  // would dominate both, but infeasible
                ["loss": 3, "acc": 0.8, "memory_gb": 1]  // dominated by the first
            ])
        #expect(machine.paretoFrontCount == 2)
        let restored = try StudyReplay.restore(records, path: "log", config: config)
        let resumed = CoordinatorStateMachine(
            restoring: restored, search: makeSearchStrategy(for: config), software: "test", host: "test")
        #expect(resumed.paretoFrontCount == 2)
        #expect(run(self.config(constraints: nil), [["loss": 1]]).0.paretoFrontCount == nil, "one objective: no front")
    }
}
