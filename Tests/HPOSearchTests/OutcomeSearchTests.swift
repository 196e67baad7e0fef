import Foundation
import HPOCore
import HPOTrials
import Testing

@testable import HPOSearch

/// The Bayesian search with several objectives (ParEGO) and outcome constraints.
@Suite struct OutcomeSearchTests {
    func config(dimension: Int, objectives: [Objective]?, constraints: [OutcomeConstraint]?) -> StudyConfig {
        var config = StudyConfig(
            name: "t", objective: objectives?.first ?? Objective(metric: "f1", direction: .minimize),
            budget: Budget(trials: 40), strategy: StrategyConfig(kind: .bayes), seed: 5,
            space: SearchSpace(
                (0..<dimension).map { ParameterSpec(name: "x\($0)", domain: .float(low: 0, high: 1, log: false)) }),
            trial: TrialSpec(program: .builtin("zdt1")))
        config.paretoObjectives = objectives
        config.constraints = constraints
        return config
    }

    /// Synchronous batches of `q`, each result with the metrics `evaluate` gives.
    func run(
        _ search: inout BayesianSearch, budget: Int, q: Int, evaluate: ([Double]) -> [String: Double]
    ) -> SearchHistory {
        var history = SearchHistory()
        while history.finished.count < budget {
            let batch = search.propose(min(q, budget - history.finished.count), history: history)
            if batch.isEmpty { break }
            for parameters in batch {
                let x = (0..<parameters.count).map { parameters["x\($0)"]?.doubleValue ?? .nan }
                let metrics = evaluate(x)
                history.finished.append((parameters, metrics["f1"]))
                history.finishedMetrics.append(metrics)
            }
        }
        return history
    }

    @Test("ParEGO weights lie on the simplex and differ from one proposal to the next")
    func weights() {
        let a = OutcomeModels.weights(count: 3, seed: 1, proposal: 0)
        let b = OutcomeModels.weights(count: 3, seed: 1, proposal: 1)
        #expect(abs(a.reduce(0, +) - 1) < 1e-12 && a.allSatisfy { $0 >= 0 })
        #expect(a != b)
        #expect(
            a == OutcomeModels.weights(count: 3, seed: 1, proposal: 0), "the same seed and proposal: the same weights")
    }

    @Test("the augmented Chebyshev scalarisation normalises each objective to [0, 1] over the results")
    func scalarisation() {
        let models = OutcomeModels(
            config: config(
                dimension: 1,
                objectives: [
                    Objective(metric: "f1", direction: .minimize), Objective(metric: "f2", direction: .minimize)
                ],
                constraints: nil))
        let results = [
            OutcomeModels.Result(point: [0], losses: [0, 10], feasible: true, constraintValues: []),
            OutcomeModels.Result(point: [1], losses: [2, 0], feasible: true, constraintValues: []),
            OutcomeModels.Result(point: [0.5], losses: [1, 5], feasible: true, constraintValues: [])
        ]
        let values = models.scalarised(results, weights: [0.25, 0.75]).map(\.value)
        // z = (0, 1), (1, 0), (0.5, 0.5): max(λz) + 0.05·Σλz.
        #expect(abs(values[0] - (0.75 + 0.05 * 0.75)) < 1e-12)
        #expect(abs(values[1] - (0.25 + 0.05 * 0.25)) < 1e-12)
        #expect(abs(values[2] - (0.375 + 0.05 * 0.5)) < 1e-12)
    }

    @Test("on ZDT1, batches of 4 from the model spread along the front: more hypervolume than random search")
    func paretoBeatsRandom() {
        let objectives = [Objective(metric: "f1", direction: .minimize), Objective(metric: "f2", direction: .minimize)]
        let config = config(dimension: 4, objectives: objectives, constraints: nil)
        func zdt1(_ x: [Double]) -> [String: Double] { BuiltinFunction.zdt1.metrics(at: x) }
        var bayes = BayesianSearch(config: config, workers: 4)
        let history = run(&bayes, budget: 40, q: 4, evaluate: zdt1)
        var random = RandomSearch(space: config.space, seed: 5)
        var randomLosses: [[Double]] = []
        for parameters in random.propose(40, history: SearchHistory()) {
            let m = zdt1((0..<4).map { parameters["x\($0)"]?.doubleValue ?? .nan })
            randomLosses.append([m["f1"]!, m["f2"]!])
        }
        let bayesLosses = history.finishedMetrics.map { [$0["f1"]!, $0["f2"]!] }
        let bayesVolume = ParetoFront.hypervolume(bayesLosses, reference: [11, 11])
        let randomVolume = ParetoFront.hypervolume(randomLosses, reference: [11, 11])
        #expect(bayesVolume > randomVolume, "bayes \(bayesVolume), random \(randomVolume)")
        #expect(Set(history.finished.map(\.parameters)).count == 40, "no configuration twice")
    }

    @Test("a constraint keeps proposals in the feasible region that the objective alone pulls away from")
    func constraintRespected() {
        // Minimise f1 = 1 − x0 (best at x0 = 1) subject to c = x0 ≤ 0.4.
        func evaluate(_ x: [Double]) -> [String: Double] { ["f1": 1 - x[0] + 0.1 * x[1], "c": x[0]] }
        var constrained = BayesianSearch(
            config: config(dimension: 2, objectives: nil, constraints: [OutcomeConstraint(metric: "c", max: 0.4)]))
        let withConstraint = run(&constrained, budget: 30, q: 2, evaluate: evaluate)
        var plain = BayesianSearch(config: config(dimension: 2, objectives: nil, constraints: nil))
        let without = run(&plain, budget: 30, q: 2, evaluate: evaluate)
        let design = constrained.initialDesignSize
        // After the design: within 0.02 of the feasible region (the optimum is on its edge, so the
        // proposals crowd the bound from both sides).
        func nearFeasibleShare(_ history: SearchHistory) -> Double {
            let late = history.finishedMetrics.dropFirst(design)
            return Double(late.count { $0["c"]! <= 0.42 }) / Double(max(late.count, 1))
        }
        let xs = withConstraint.finishedMetrics.dropFirst(design).map { $0["c"]! }
        #expect(nearFeasibleShare(withConstraint) >= 0.8, "\(xs)")
        #expect(nearFeasibleShare(without) <= 0.2, "the objective alone pulls towards x0 = 1")
        let best = withConstraint.finishedMetrics.filter { $0["c"]! <= 0.4 }.map { $0["f1"]! }.min() ?? 1
        #expect(best < 0.62, "the best feasible value approaches the bound (0.6): \(best)")
    }
}
