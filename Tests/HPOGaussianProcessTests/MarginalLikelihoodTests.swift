import Foundation
import Testing

@testable import HPOGaussianProcess

/// Small reproducible data sets for the GP tests.
enum Fixture {
    /// `n` points in [0, 1]^d from a fixed linear congruential stream, and a smooth function of them.
    static func data(n: Int, d: Int, seed: UInt64 = 7) -> (x: [Double], y: [Double]) {
        var state = seed
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1.0p-53
        }
        let x = (0..<(n * d)).map { _ in next() }
        let y = (0..<n).map { i in
            (0..<d).reduce(0.0) { $0 + sin(3 * x[i * d + $1] + Double($1)) } + 0.3 * x[i * d] * x[i * d]
        }
        return (x, y)
    }
}

@Suite struct MarginalLikelihoodTests {
    @Test(
        "the analytic gradient matches central finite differences",
        arguments: [(12, 2, false), (25, 4, false), (40, 6, false), (12, 2, true), (30, 5, true)])
    func gradientMatchesFiniteDifferences(n: Int, d: Int, additive: Bool) throws {
        let (x, y) = Fixture.data(n: n, d: d)
        let transform = OutputTransform(observations: y, warping: .none)
        var priors = GPPriors.standard(dimension: d)
        if additive { priors.additiveVariance = NormalPrior(mean: -1, sd: 2) }
        let likelihood = MarginalLikelihood(inputs: x, rows: n, targets: transform.targets, priors: priors)
        let theta = (0..<d).map { -0.7 + 0.3 * Double($0) } + [0.2, additive ? -0.8 : -.infinity, -4]
        let (_, gradient) = try #require(likelihood.valueAndGradient(theta))
        for i in theta.indices where theta[i].isFinite {
            let h = 1e-5
            var plus = theta
            var minus = theta
            plus[i] += h
            minus[i] -= h
            let numeric =
                (try #require(likelihood.valueAndGradient(plus)).value
                    - (try #require(likelihood.valueAndGradient(minus)).value)) / (2 * h)
            #expect(
                abs(numeric - gradient[i]) <= 1e-4 * max(1, abs(numeric)),
                "parameter \(i): analytic \(gradient[i]), numeric \(numeric)")
        }
    }

    @Test("the value is the log density of the targets under K plus the log prior", arguments: [false, true])
    func valueMatchesDirectComputation(additive: Bool) throws {
        let n = 20
        let d = 3
        let (x, y) = Fixture.data(n: n, d: d)
        var priors = GPPriors.standard(dimension: d)
        if additive { priors.additiveVariance = NormalPrior(mean: -1, sd: 2) }
        let likelihood = MarginalLikelihood(inputs: x, rows: n, targets: y, priors: priors)
        let vector = [-0.5, -0.2, 0.1, 0.3, additive ? -0.6 : -.infinity, -5]
        let theta = GPHyperparameters(vector: vector)
        var k = theta.kernel.crossCovariance(x, rows: n, x, rows: n)
        for i in 0..<n { k[i * n + i] += theta.noiseVariance }
        let factor = try #require(CholeskyFactor(matrix: k, n: n))
        let alpha = factor.solve(y)
        let fit = zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let expected =
            -0.5 * fit - 0.5 * factor.logDeterminant - 0.5 * Double(n) * log(2 * Double.pi)
            + priors.logDensity(vector).value
        let value = try #require(likelihood.valueAndGradient(vector)).value
        #expect(abs(value - expected) < 1e-9 * max(1, abs(expected)))
    }
}
