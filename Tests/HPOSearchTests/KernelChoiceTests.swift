import Foundation
import HPOCore
import HPOTrials
import Testing

@testable import HPOSearch

/// The full fit tries each prior of `BayesTuning.kernelPriors` and keeps the model that ranks
/// held-out results best: a large additive part for a separable objective, not for one whose
/// parameters interact.
@Suite struct KernelChoiceTests {
    /// 40 quasi-random points of the 8-d unit cube and `objective` at each.
    private func observations(_ objective: ([Double]) -> Double) -> [(point: [Double], value: Double)] {
        var random = SplitMix64(seed: 7, stream: 1)
        return (0..<40).map { _ in
            let point = (0..<8).map { _ in random.nextUnit() }
            return (point, objective(point))
        }
    }

    private func chosenKernel(_ data: [(point: [Double], value: Double)]) -> Int? {
        var cache = ModelCache()
        var options = BayesOptions()
        options.output = .none
        guard cache.fitted(to: data, dimension: 8, options: options, tuning: BayesTuning(), seed: 1) != nil else { return nil }
        return cache.kernel
    }

    @Test("Styblinski–Tang-8, a sum of one-dimensional terms, gets the large additive part")
    func separableObjective() {
        let data = observations { u in BuiltinFunction.styblinskiTang(u.map { 10 * $0 - 5 }) }
        #expect(chosenKernel(data) == 1)
    }

    @Test("an objective made of one interaction only gets the small additive part")
    func interactingObjective() {
        // cos of a product: no one coordinate means anything without the others.
        let data = observations { u in cos(3 * (u[0] - 0.5) * (u[1] - 0.5) * 16) + (u[2] - u[3]) * (u[4] - u[5]) * 4 }
        #expect(chosenKernel(data) == 0)
    }
}
