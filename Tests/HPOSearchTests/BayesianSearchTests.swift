import Foundation
import HPOCore
import HPORuntime
import HPOTrials
import Testing

@testable import HPOSearch

/// Branin on its usual domain.
let braninSpace = SearchSpace([
    ParameterSpec(name: "x0", domain: .float(low: -5, high: 10, log: false)),
    ParameterSpec(name: "x1", domain: .float(low: 0, high: 15, log: false))
])

func branin(_ p: Parameters) -> Double {
    BuiltinFunction.branin([p["x0"]?.doubleValue ?? .nan, p["x1"]?.doubleValue ?? .nan])
}

/// A smooth objective over `mixedSpace` that cares about every parameter.
func mixedObjective(_ p: Parameters) -> Double {
    let lr = p["lr"]?.doubleValue ?? 1
    let momentum = p["momentum"]?.doubleValue ?? 0
    let layers = p["layers"]?.doubleValue ?? 1
    let width = p["width"]?.doubleValue ?? 8
    let units = p["units"]?.doubleValue ?? 32
    let act = p["act"] == .string("tanh") ? 0.0 : 0.3
    let a: Double = pow(log10(lr) + 2.5, 2) + pow(momentum - 0.9, 2)
    let b: Double = 0.2 * pow(layers - 3, 2) + 0.1 * pow(log2(width) - 7, 2)
    let c: Double = 0.05 * pow(log2(units) - 7, 2) + act
    return a + b + c
}

/// Runs synchronous batches of `q` on `objective` until `budget` evaluations; returns the best.
func runSync(_ search: inout some SearchStrategy, budget: Int, q: Int, objective: (Parameters) -> Double) -> (
    best: Double, history: SearchHistory
) {
    var history = SearchHistory()
    while history.finished.count < budget {
        let batch = search.propose(min(q, budget - history.finished.count), history: history)
        if batch.isEmpty { break }
        for p in batch { history.finished.append((p, objective(p))) }
    }
    return (history.finished.compactMap(\.objective).min() ?? .infinity, history)
}

@Suite struct BayesianSearchTests {
    @Test("a batch of 8 from the model holds 8 distinct valid configurations, none already tried or running")
    func batchOfEight() {
        var search = BayesianSearch(space: mixedSpace, seed: 3, workers: 8)
        var (_, history) = runSync(&search, budget: 20, q: 4, objective: mixedObjective)
        history.running = search.propose(3, history: history)
        let batch = search.propose(8, history: history)
        #expect(batch.count == 8)
        #expect(batch.allSatisfy(mixedSpace.contains))
        let all = batch + history.running + history.finished.map(\.parameters)
        #expect(Set(all).count == all.count)
    }

    @Test("integer, log-integer and categorical parameters always come back valid")
    func mixedSpaceStaysValid() {
        var search = BayesianSearch(space: mixedSpace, seed: 11, options: BayesOptions(initial: 6), workers: 4)
        let (best, history) = runSync(&search, budget: 40, q: 4, objective: mixedObjective)
        #expect(history.finished.count == 40)
        #expect(history.finished.allSatisfy { mixedSpace.contains($0.parameters) })
        #expect(
            history.finished.allSatisfy {
                guard case .int = $0.parameters["layers"], case .int = $0.parameters["width"] else { return false }
                return true
            })
        // The model does better than its own initial design.
        let designBest = history.finished.prefix(6).compactMap(\.objective).min() ?? 0
        #expect(best < designBest)
    }

    @Test("a small discrete space: failed, finished and running points are never proposed again")
    func discreteSpaceNoRepeats() {
        let space = SearchSpace([
            ParameterSpec(name: "a", domain: .int(low: 0, high: 2, log: false)),
            ParameterSpec(name: "b", domain: .choice([.string("x"), .string("y"), .string("z")]))
        ])
        let all = (0..<3).flatMap { a in ["x", "y", "z"].map { ["a": ParameterValue.int(a), "b": .string($0)] } }
        var history = SearchHistory(
            finished: [(all[0], 1.0), (all[4], nil), (all[5], 0.5), (all[7], 2.0), (all[8], nil)], running: [all[2]])
        var search = BayesianSearch(space: space, seed: 1, options: BayesOptions(initial: 2))
        #expect(!search.isExhausted)
        let proposals = search.propose(5, history: history)
        #expect(Set(proposals) == Set([all[1], all[3], all[6]]))
        #expect(search.isExhausted)  // asked for 5, only 3 were left
        history.running += proposals
        #expect(search.propose(1, history: history).isEmpty)
    }

    @Test("a failed trial's point is not proposed again, in a continuous space either")
    func failedPointNotRepeated() {
        var search = BayesianSearch(space: braninSpace, seed: 2, options: BayesOptions(initial: 4))
        var history = SearchHistory()
        for _ in 0..<12 {
            for p in search.propose(2, history: history) {
                // Half of the domain fails; the rest reports Branin.
                history.finished.append((p, (p["x0"]?.doubleValue ?? 0) > 2.5 ? nil : branin(p)))
            }
        }
        let failed = history.finished.filter { $0.objective == nil }.map(\.parameters)
        #expect(!failed.isEmpty)
        #expect(Set(history.finished.map(\.parameters)).count == history.finished.count)
    }

    @Test(
        "where trials fail the model learns to stop proposing: failures count as the worst value",
        arguments: [true, false])
    func failuresSteerAway(impute: Bool) {
        // Branin where x0 > 2.5 fails (a region the objective itself finds good: two of its three
        // minima are there). Once the model is in charge, with failures imputed it proposes few
        // points there; without, it keeps going back.
        var search = BayesianSearch(space: braninSpace, seed: 3, options: BayesOptions(initial: 6))
        search.tuning.imputeFailures = impute
        var history = SearchHistory()
        var failedAfterDesign = 0
        for round in 0..<10 {
            for p in search.propose(3, history: history) {
                let fails = (p["x0"]?.doubleValue ?? 0) > 2.5
                if fails && round >= 4 { failedAfterDesign += 1 }
                history.finished.append((p, fails ? nil : branin(p)))
            }
        }
        if impute {
            #expect(failedAfterDesign <= 6, "\(failedAfterDesign) of 18 model proposals went where trials fail")
        } else {
            #expect(failedAfterDesign > 6, "without imputation the model keeps proposing there: \(failedAfterDesign)")
        }
    }

    @Test("the same seed and history give the same proposals; another seed does not")
    func deterministic() {
        // Several BLAS threads sum in a varying order (other suites may have started them), and
        // the last bits then differ; every executable uses one thread (`BLASThreads`), as here.
        BLASThreads.configure()
        func run(seed: UInt64) -> [Parameters] {
            var search = BayesianSearch(space: mixedSpace, seed: seed, workers: 2)
            return runSync(&search, budget: 24, q: 3, objective: mixedObjective).history.finished.map(\.parameters)
        }
        #expect(run(seed: 7) == run(seed: 7))
        #expect(run(seed: 7) != run(seed: 8))
    }

    @Test("asynchronous proposals spread out: one new point per call with the running ones as lies")
    func asynchronousProposalsAreDistinct() {
        for batch in BatchHeuristic.allCases {
            var search = BayesianSearch(
                space: braninSpace, seed: 4, options: BayesOptions(batch: batch, lie: .min, initial: 6))
            var (_, history) = runSync(&search, budget: 12, q: 6, objective: branin)
            for _ in 0..<7 { history.running += search.propose(1, history: history) }
            #expect(Set(history.running).count == 7)
            #expect(Set(history.running).isDisjoint(with: Set(history.finished.map(\.parameters))))
        }
    }

    @Test("on Branin with 30 evaluations in batches of 5, bayes beats random search by far")
    func beatsRandomOnBranin() {
        var bayes = BayesianSearch(space: braninSpace, seed: 0, workers: 5)
        var random = RandomSearch(space: braninSpace, seed: 0)
        let bayesBest = runSync(&bayes, budget: 30, q: 5, objective: branin).best
        let randomBest = runSync(&random, budget: 30, q: 5, objective: branin).best
        #expect(bayesBest - 0.397887 < 0.05)
        #expect(bayesBest - 0.397887 < (randomBest - 0.397887) / 5)
    }

    @Test("makeSearchStrategy builds the Bayesian strategy for kind: bayes")
    func factory() {
        let config = StudyConfig(
            name: "t", objective: Objective(metric: "objective", direction: .minimize), budget: Budget(trials: 10),
            strategy: StrategyConfig(kind: .bayes, bayes: BayesOptions(initial: 5)), seed: 1, space: braninSpace,
            trial: TrialSpec(program: .builtin("branin")))
        let search = makeSearchStrategy(for: config)
        #expect((search as? BayesianSearch)?.initialDesignSize == 5)
        #expect(BayesianSearch(config: config).options.initial == 5)
    }
}
