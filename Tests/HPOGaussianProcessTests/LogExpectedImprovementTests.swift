import Foundation
import Testing

@testable import HPOGaussianProcess

@Suite struct LogExpectedImprovementTests {
    /// Plain EI for minimisation, the textbook formula.
    func plainEI(mean: Double, sd: Double, best: Double) -> Double {
        let z = (best - mean) / sd
        let pdf = exp(-z * z / 2) / sqrt(2 * Double.pi)
        let cdf = 0.5 * erfc(-z / sqrt(2))
        return sd * (pdf + z * cdf)
    }

    @Test(
        "log EI equals log of EI where EI is comfortably finite",
        arguments: [-30.0, -12, -5, -1.5, -1, -0.3, 0, 0.7, 3, 10])
    func matchesPlainEI(z: Double) {
        let sd = 0.7
        let best = 1.3
        let mean = best - z * sd
        let expected = log(plainEI(mean: mean, sd: sd, best: best))
        let value = LogExpectedImprovement.value(mean: mean, variance: sd * sd, best: best)
        #expect(abs(value - expected) <= 1e-9 * max(1, abs(expected)), "z = \(z): \(value) vs \(expected)")
    }

    @Test("log EI stays finite and decreasing where plain EI underflows to zero")
    func finiteWherePlainUnderflows() {
        let zs = stride(from: -5.0, through: -1e4, by: -7.3).map { $0 } + [-1e6, -1e8]
        #expect(plainEI(mean: 50, sd: 1, best: 0) == 0)
        var previous = Double.infinity
        for z in zs {
            let value = LogExpectedImprovement.logH(z)
            #expect(value.isFinite, "z = \(z)")
            #expect(value < previous, "not decreasing at z = \(z)")
            previous = value
        }
        // Asymptotically log h(z) ≈ −z²/2 − log(z²) − ½ log 2π.
        let z = -200.0
        #expect(abs(LogExpectedImprovement.logH(z) - (-z * z / 2 - log(z * z) - 0.5 * log(2 * Double.pi))) < 1e-3)
    }

    @Test("the branches join continuously at z = -1 and z = -20")
    func continuousAtBranches() {
        for z in [-1.0, -20.0] {
            let below = LogExpectedImprovement.logH(z.nextDown)
            let above = LogExpectedImprovement.logH(z.nextUp)
            #expect(abs(below - above) < 1e-9)
            let dBelow = LogExpectedImprovement.logHDerivative(z - 1e-9)
            let dAbove = LogExpectedImprovement.logHDerivative(z + 1e-9)
            #expect(abs(dBelow - dAbove) < 1e-6 * max(1, abs(dAbove)))
        }
    }

    @Test(
        "the derivative of log h matches finite differences, deep in the tail too",
        arguments: [-300.0, -40, -19, -8, -1.2, -0.5, 0.5, 4])
    func derivative(z: Double) {
        let h = 1e-6 * max(1, abs(z))
        let numeric = (LogExpectedImprovement.logH(z + h) - LogExpectedImprovement.logH(z - h)) / (2 * h)
        let analytic = LogExpectedImprovement.logHDerivative(z)
        #expect(abs(numeric - analytic) <= 1e-5 * max(1, abs(analytic)), "z = \(z): \(analytic) vs \(numeric)")
    }

    @Test("the gradient of log EI with respect to the input matches finite differences")
    func gradientThroughTheGP() throws {
        let (x, y) = Fixture.data(n: 12, d: 2)
        let theta = GPHyperparameters(
            logLengthScales: [log(0.3), log(0.6)], logSignalVariance: 0, logNoiseVariance: log(1e-6))
        let gp = try #require(
            GaussianProcess(
                inputs: x, rows: 12, targets: OutputTransform(observations: y, warping: .none).targets,
                hyperparameters: theta))
        let best = gp.targets.min() ?? 0
        for point in [[0.2, 0.7], [0.9, 0.05], [0.5, 0.5]] {
            let (_, gradient) = LogExpectedImprovement.valueAndGradient(gp.predictWithGradient(at: point), best: best)
            for k in 0..<2 {
                var plus = point
                var minus = point
                plus[k] += 1e-6
                minus[k] -= 1e-6
                func f(_ p: [Double]) -> Double {
                    let (m, v) = gp.predict(p, rows: 1)
                    return LogExpectedImprovement.value(mean: m[0], variance: v[0], best: best)
                }
                let numeric = (f(plus) - f(minus)) / 2e-6
                #expect(abs(numeric - gradient[k]) <= 1e-4 * max(1, abs(numeric)))
            }
        }
    }
}
