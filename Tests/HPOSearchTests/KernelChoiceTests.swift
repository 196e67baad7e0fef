import Foundation
import HPOCore
import HPOGaussianProcess
import HPOTrials
import Testing

@testable import HPOSearch

/// A full fit tries each prior of `BayesTuning.kernelPriors` and keeps the model that ranks
/// held-out results best. With only the small additive prior, some fits of a separable objective
/// stay in a local optimum of the likelihood where the ARD part explains everything; the choice
/// must leave a model made mostly of its additive part there, and not for an objective whose
/// parameters only matter together.
@Suite struct KernelChoiceTests {
    /// `count` uniform points of the 8-d unit cube and `objective` at each.
    private func observations(count: Int, seed: UInt64, _ objective: ([Double]) -> Double) -> [(
        point: [Double], value: Double
    )] {
        var random = SplitMix64(seed: seed, stream: 1)
        return (0..<count).map { _ in
            let point = (0..<8).map { _ in random.nextUnit() }
            return (point, objective(point))
        }
    }

    /// log σ²_additive − log σ²_signal of the model kept by a full fit.
    private func additiveDominance(_ data: [(point: [Double], value: Double)], tuning: BayesTuning = BayesTuning())
        -> Double?
    {
        var cache = ModelCache()
        var options = BayesOptions()
        options.output = .none
        guard let fitted = cache.fitted(to: data, dimension: 8, options: options, tuning: tuning, seed: 1) else {
            return nil
        }
        let h = fitted.process.hyperparameters
        return h.logAdditiveVariance - h.logSignalVariance
    }

    private let styblinskiTang: ([Double]) -> Double = { u in BuiltinFunction.styblinskiTang(u.map { 10 * $0 - 5 }) }

    @Test(
        "Styblinski–Tang-8, a sum of one-dimensional terms, gets a model made mostly of its additive part",
        arguments: 1...5)
    func separableObjective(seed: UInt64) throws {
        let dominance = try #require(additiveDominance(observations(count: 80, seed: seed, styblinskiTang)))
        #expect(dominance > 0)
    }

    @Test("with the small additive prior alone, one of those fits leaves the ARD part in charge (why both are tried)")
    func smallPriorAloneCanMissIt() {
        var tuning = BayesTuning()
        tuning.kernelPriors = [tuning.kernelPriors[0]]
        let dominances = (1...5).compactMap {
            additiveDominance(observations(count: 80, seed: $0, styblinskiTang), tuning: tuning)
        }
        #expect(dominances.count == 5)
        #expect(dominances.contains { $0 < 0 })
    }

    @Test("an objective made of interactions only keeps the ARD part in charge")
    func interactingObjective() throws {
        // Products of coordinates: no one coordinate means anything without the others.
        let data = observations(count: 80, seed: 1) { u in
            cos(48 * (u[0] - 0.5) * (u[1] - 0.5)) + 4 * (u[2] - u[3]) * (u[4] - u[5])
        }
        let dominance = try #require(additiveDominance(data))
        #expect(dominance < 0)
    }
}
