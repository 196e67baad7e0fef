import Foundation
import HPOCoordinator
import HPOCore
import HPOJournal
import HPOSearch
import Testing

@Suite struct WarmStartTests {
    func config(
        space: SearchSpace, direction: Direction = .minimize, metric: String = "loss", warmStart: [String]
    ) -> StudyConfig {
        var config = StudyConfig(
            name: "now", objective: Objective(metric: metric, direction: direction), budget: Budget(trials: 10),
            strategy: StrategyConfig(kind: .bayes), seed: 0, space: space, trial: TrialSpec(program: .builtin("sphere"))
        )
        config.warmStart = warmStart.map { WarmStartSource(file: $0) }
        return config
    }

    /// An earlier study's log: x in [0, 1], act in {relu, tanh}; the completions given.
    func earlierLog(_ completions: [(Parameters, Double, [String: Double])]) throws -> String {
        let path = NSTemporaryDirectory() + "warm-\(UUID().uuidString).jsonl"
        let space = SearchSpace([
            ParameterSpec(name: "x", domain: .float(low: 0, high: 1, log: false)),
            ParameterSpec(name: "act", domain: .choice([.string("relu"), .string("tanh")]))
        ])
        let writer = try JournalWriter(path: path)
        var events: [JournalEvent] = [
            .studyStarted(
                StudyStarted(study: "earlier", config: config(space: space, warmStart: []), software: "t", host: "h"))
        ]
        for (index, (params, objective, metrics)) in completions.enumerated() {
            events.append(
                .trialCompleted(
                    TrialCompleted(
                        trial: TrialID(index + 1), attempt: 1, params: params, objective: objective, metrics: metrics,
                        worker: WorkerID("h:1"), durationSeconds: 1)))
        }
        try writer.append(events, time: 1)
        return path
    }

    @Test("results inside this space are kept (maximize negated), others dropped and counted")
    func keepsAndDrops() throws {
        let path = try earlierLog([
            (["x": .double(0.2), "act": .string("relu")], 0.5, ["loss": 0.5, "acc": 0.9]),
            (["x": .double(0.8), "act": .string("tanh")], 0.7, ["loss": 0.7, "acc": 0.8]),  // x out of [0, 0.5]
            (["x": .double(0.3), "act": .string("tanh")], 0.6, ["loss": 0.6])  // no acc
        ])
        defer { unlink(path) }
        let narrower = SearchSpace([
            ParameterSpec(name: "x", domain: .float(low: 0, high: 0.5, log: false)),
            ParameterSpec(name: "act", domain: .choice([.string("relu"), .string("tanh"), .string("gelu")]))
        ])
        let loaded = try WarmStart.load(for: config(space: narrower, warmStart: [path]))
        #expect(loaded.results.map(\.objective) == [0.5, 0.6])
        #expect(loaded.sources == [WarmStartSource(file: path, used: 2, dropped: 1)])
        let maximizing = try WarmStart.load(
            for: config(space: narrower, direction: .maximize, metric: "acc", warmStart: [path]))
        #expect(maximizing.results.map(\.objective) == [-0.9])
        #expect(maximizing.sources.first?.dropped == 2)
    }

    @Test("a log of another space (other names or types) is an error naming the difference")
    func incompatible() throws {
        let path = try earlierLog([(["x": .double(0.2), "act": .string("relu")], 0.5, ["loss": 0.5])])
        defer { unlink(path) }
        let renamed = SearchSpace([
            ParameterSpec(name: "x", domain: .float(low: 0, high: 1, log: false)),
            ParameterSpec(name: "activation", domain: .choice([.string("relu")]))
        ])
        let error = try #require(throws: WarmStart.Failure.self) {
            try WarmStart.load(for: config(space: renamed, warmStart: [path]))
        }
        #expect(error.description.contains("not in it: activation; not in this study: act"))
        let retyped = SearchSpace([
            ParameterSpec(name: "x", domain: .int(low: 0, high: 1, log: false)),
            ParameterSpec(name: "act", domain: .choice([.string("relu")]))
        ])
        let typeError = try #require(throws: WarmStart.Failure.self) {
            try WarmStart.load(for: config(space: retyped, warmStart: [path]))
        }
        #expect(typeError.description.contains("'x' is float there and int here"))
    }

    @Test("with earlier results the first proposal comes from the model, near their best, not from the design")
    func modelFromTheStart() {
        let space = SearchSpace([
            ParameterSpec(name: "x0", domain: .float(low: -1, high: 1, log: false)),
            ParameterSpec(name: "x1", domain: .float(low: -1, high: 1, log: false))
        ])
        var cold = BayesianSearch(space: space, seed: 9)
        var warm = BayesianSearch(space: space, seed: 9)
        var generator = SplitMix64(seed: 4, stream: 0)
        warm.priorResults = (0..<20).map { _ in
            let x0 = generator.nextUnit() * 2 - 1
            let x1 = generator.nextUnit() * 2 - 1
            return (["x0": .double(x0), "x1": .double(x1)], (x0 - 0.3) * (x0 - 0.3) + (x1 + 0.4) * (x1 + 0.4))
        }
        let first = warm.propose(1, history: SearchHistory())[0]
        #expect(first != cold.propose(1, history: SearchHistory())[0])
        let d0 = (first["x0"]?.doubleValue ?? 9) - 0.3
        let d1 = (first["x1"]?.doubleValue ?? 9) + 0.4
        #expect((d0 * d0 + d1 * d1).squareRoot() < 0.3, "\(first)")
    }
}
