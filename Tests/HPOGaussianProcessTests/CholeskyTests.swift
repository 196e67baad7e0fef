import Foundation
import Testing

@testable import HPOGaussianProcess

@Suite struct CholeskyTests {
    @Test("a positive-definite matrix factors without jitter and L·Lᵀ gives it back")
    func exactFactor() throws {
        let a = [4.0, 2, 0.6, 2, 3, 0.4, 0.6, 0.4, 2]
        let factor = try #require(CholeskyFactor(matrix: a, n: 3))
        #expect(factor.jitter == 0)
        for i in 0..<3 {
            for j in 0...i {
                let product = (0...j).reduce(0.0) { $0 + factor[i, $1] * factor[j, $1] }
                #expect(abs(product - a[i * 3 + j]) < 1e-12)
            }
        }
        let x = factor.solve([1, 2, 3])
        for i in 0..<3 {
            #expect(abs((0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * x[$1] } - Double(i + 1)) < 1e-12)
        }
    }

    @Test("duplicate points (a singular kernel matrix) factor after jitter escalation")
    func duplicatePointsNeedJitter() throws {
        let x = [0.1, 0.2, 0.5, 0.5, 0.1, 0.2, 0.9, 0.3]  // rows 0 and 2 coincide
        let kernel = Matern52(lengthScales: [0.5, 0.5], signalVariance: 1)
        let k = kernel.crossCovariance(x, rows: 4, x, rows: 4)
        let factor = try #require(CholeskyFactor(matrix: k, n: 4))
        #expect(factor.jitter > 0)
        #expect(factor.jitter <= 1e-3)
        // A GP on the duplicated data (no noise) still predicts sensibly.
        let theta = GPHyperparameters(
            logLengthScales: [log(0.5), log(0.5)], logSignalVariance: 0, logNoiseVariance: log(1e-9) - 20)
        let gp = try #require(GaussianProcess(inputs: x, rows: 4, targets: [1, 2, 1, 3], hyperparameters: theta))
        let (mean, variance) = gp.predict([0.1, 0.2], rows: 1)
        #expect(abs(mean[0] - 1) < 1e-3)
        #expect(variance[0] < 1e-3)
    }

    @Test("a matrix that is not positive definite at all is refused")
    func indefinite() {
        #expect(CholeskyFactor(matrix: [1, 2, 2, 1], n: 2) == nil)
        #expect(CholeskyFactor(matrix: [1, .nan, .nan, 1], n: 2) == nil)
    }

    @Test("the bounded L-BFGS finds a box-constrained minimum")
    func boundedMinimiser() throws {
        // Rosenbrock in 2-D with the box x ≤ 0.5: the minimum sits on the bound at (0.5, 0.25).
        let result = try #require(
            BoundedLBFGS(maxIterations: 200, gradientTolerance: 1e-8, relativeTolerance: 0).minimize(
                start: [-1.2, 1], lower: [-2, -2], upper: [0.5, 2]
            ) { x in
                let a = 1 - x[0]
                let b = x[1] - x[0] * x[0]
                return (a * a + 100 * b * b, [-2 * a - 400 * x[0] * b, 200 * b])
            })
        #expect(abs(result.x[0] - 0.5) < 1e-6)
        #expect(abs(result.x[1] - 0.25) < 1e-4)
    }

    @Test("fitting recovers a length scale that separates a relevant input from an irrelevant one")
    func fitFindsRelevance() throws {
        var state: UInt64 = 3
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1.0p-53
        }
        let n = 40
        let x = (0..<(2 * n)).map { _ in next() }
        let y = (0..<n).map { sin(6 * x[2 * $0]) }  // depends on the first input only
        let transform = OutputTransform(observations: y, warping: .none)
        let gp = try #require(
            GPFitter(priors: .standard(dimension: 2)).fit(inputs: x, rows: n, targets: transform.targets, seed: 1))
        let scales = gp.kernel.lengthScales
        #expect(scales[0] < 0.8)
        #expect(scales[1] > 2 * scales[0], "length scales \(scales)")
    }
}
