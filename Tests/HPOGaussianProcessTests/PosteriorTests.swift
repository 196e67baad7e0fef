import Foundation
import Testing

@testable import HPOGaussianProcess

@Suite struct PosteriorTests {
    let theta = GPHyperparameters(
        logLengthScales: [log(0.4), log(0.7)], logSignalVariance: log(1.5), logNoiseVariance: log(1e-3))

    /// k(x, x') by the formula, for the hand computations.
    func k(_ a: [Double], _ b: [Double]) -> Double {
        let r = sqrt(pow((a[0] - b[0]) / 0.4, 2) + pow((a[1] - b[1]) / 0.7, 2))
        return 1.5 * (1 + sqrt(5) * r + 5 * r * r / 3) * exp(-sqrt(5) * r)
    }

    @Test("with one observation the posterior is the closed-form Gaussian conditional")
    func onePoint() throws {
        let x0 = [0.2, 0.3]
        let y0 = 0.8
        let noise = 1e-3
        let gp = try #require(GaussianProcess(inputs: x0, rows: 1, targets: [y0], hyperparameters: theta))
        let x = [0.5, 0.1]
        let (mean, variance) = gp.predict(x, rows: 1)
        let kx = k(x, x0)
        let k00 = 1.5 + noise
        #expect(abs(mean[0] - kx / k00 * y0) < 1e-12)
        #expect(abs(variance[0] - (1.5 - kx * kx / k00)) < 1e-12)
    }

    @Test("the additive part adds the mean of one-dimensional Matérn kernels")
    func additiveKernel() {
        let kernel = Matern52(lengthScales: [0.4, 0.7], signalVariance: 1.5, additiveVariance: 0.6)
        let a = [0.2, 0.3]
        let b = [0.5, 0.1]
        let m = { (r: Double) in (1 + sqrt(5) * r + 5 * r * r / 3) * exp(-sqrt(5) * r) }
        let expected = k(a, b) + 0.6 / 2 * (m(0.3 / 0.4) + m(0.2 / 0.7))
        #expect(abs(kernel.crossCovariance(a, rows: 1, b, rows: 1)[0] - expected) < 1e-12)
        #expect(kernel.crossCovariance(a, rows: 1, a, rows: 1)[0] == kernel.priorVariance)
    }

    @Test("the cross-covariance of many rows is the formula's, pair by pair, with and without the additive part")
    func crossCovarianceMatchesFormula() {
        var generator = SystemRandomNumberGenerator()
        let d = 3
        let n = 7
        let m = 37
        let a = (0..<(n * d)).map { _ in Double.random(in: 0...1, using: &generator) }
        let b = (0..<(m * d)).map { _ in Double.random(in: 0...1, using: &generator) }
        let unit = { (r: Double) in (1 + sqrt(5) * r + 5 * r * r / 3) * exp(-sqrt(5) * r) }
        // A length scale of 0.001 is too short for the additive part's tables: computed directly.
        for (scales, additive) in [([0.3, 0.8, 2.0], 0.0), ([0.3, 0.8, 2.0], 0.7), ([0.3, 0.001, 2.0], 0.7)] {
            let kernel = Matern52(lengthScales: scales, signalVariance: 1.3, additiveVariance: additive)
            let cross = kernel.crossCovariance(a, rows: n, b, rows: m)
            for i in 0..<n {
                for j in 0..<m {
                    let t = (0..<d).map { abs(a[i * d + $0] - b[j * d + $0]) / scales[$0] }
                    let r = sqrt(t.reduce(0) { $0 + $1 * $1 })
                    let expected = 1.3 * unit(r) + additive / Double(d) * t.reduce(0) { $0 + unit($1) }
                    #expect(abs(cross[i * m + j] - expected) < 1e-12 * max(1, abs(expected)))
                }
            }
        }
    }

    @Test("a posterior extended by new results (new targets for all) predicts as one built from scratch")
    func extendedMatchesFresh() throws {
        var generator = SystemRandomNumberGenerator()
        let all = (0..<40).map { _ in
            [Double.random(in: 0...1, using: &generator), Double.random(in: 0...1, using: &generator)]
        }
        let y = all.map { sin(6 * $0[0]) + $0[1] * $0[1] }
        let first = try #require(
            GaussianProcess(
                inputs: all.prefix(30).flatMap { $0 }, rows: 30, targets: Array(y.prefix(30)), hyperparameters: theta))
        // New targets for every row, as a re-standardised output transform gives them.
        let shifted = y.map { 2 * $0 - 1 }
        let extended = try #require(first.extended(with: all.suffix(10).flatMap { $0 }, targets: shifted))
        let fresh = try #require(
            GaussianProcess(inputs: all.flatMap { $0 }, rows: 40, targets: shifted, hyperparameters: theta))
        #expect(extended.count == 40 && extended.observedCount == 40)
        var probes: [Double] = []
        for i in 0..<25 { probes += [Double(i % 5) / 4, Double(i / 5) / 4] }
        let (m1, v1) = extended.predict(probes, rows: 25)
        let (m2, v2) = fresh.predict(probes, rows: 25)
        for i in 0..<25 {
            #expect(abs(m1[i] - m2[i]) < 1e-8)
            #expect(abs(v1[i] - v2[i]) < 1e-8)
        }
        // Conditioning in place is the same as conditioning a copy, and leaves the original alone.
        var inPlace = first
        inPlace.condition(on: [0.5, 0.5], value: 0.25)
        let copied = first.conditioned(on: [0.5, 0.5], value: 0.25)
        #expect(first.count == 30)
        #expect(inPlace.predict([0.4, 0.6], rows: 1).mean == copied.predict([0.4, 0.6], rows: 1).mean)
    }

    @Test("with three observations the posterior matches a direct 3×3 solve")
    func threePoints() throws {
        let points = [[0.1, 0.9], [0.6, 0.4], [0.8, 0.85]]
        let y = [0.3, -1.2, 0.5]
        let gp = try #require(
            GaussianProcess(inputs: points.flatMap { $0 }, rows: 3, targets: y, hyperparameters: theta))
        var kMatrix = points.map { a in points.map { b in k(a, b) } }
        for i in 0..<3 { kMatrix[i][i] += 1e-3 }
        let alpha = solve3(kMatrix, y)
        let x = [0.45, 0.55]
        let kx = points.map { k(x, $0) }
        let v = solve3(kMatrix, kx)
        let expectedMean = zip(kx, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let expectedVariance = 1.5 - zip(kx, v).reduce(0) { $0 + $1.0 * $1.1 }
        let (mean, variance) = gp.predict(x, rows: 1)
        #expect(abs(mean[0] - expectedMean) < 1e-10)
        #expect(abs(variance[0] - expectedVariance) < 1e-10)
        let withGradient = gp.predictWithGradient(at: x)
        #expect(abs(withGradient.mean - expectedMean) < 1e-10)
        #expect(abs(withGradient.variance - expectedVariance) < 1e-10)
    }

    @Test(
        "the mean and variance gradients match finite differences, with and without the additive part",
        arguments: [false, true])
    func predictionGradients(additive: Bool) throws {
        let (x, y) = Fixture.data(n: 20, d: 3)
        let theta = GPHyperparameters(
            logLengthScales: [log(0.3), log(0.5), log(0.8)], logSignalVariance: 0,
            logAdditiveVariance: additive ? log(0.7) : -.infinity,
            logNoiseVariance: log(1e-4))
        let gp = try #require(
            GaussianProcess(
                inputs: x, rows: 20, targets: OutputTransform(observations: y, warping: .none).targets,
                hyperparameters: theta))
        let point = [0.31, 0.62, 0.47]
        let p = gp.predictWithGradient(at: point)
        for k in 0..<3 {
            var plus = point
            var minus = point
            plus[k] += 1e-6
            minus[k] -= 1e-6
            let (mp, vp) = gp.predict(plus, rows: 1)
            let (mm, vm) = gp.predict(minus, rows: 1)
            #expect(abs((mp[0] - mm[0]) / 2e-6 - p.meanGradient[k]) < 1e-5)
            #expect(abs((vp[0] - vm[0]) / 2e-6 - p.varianceGradient[k]) < 1e-5)
        }
    }

    @Test("conditioning on a lie equals fitting with that point added, at fixed hyperparameters")
    func conditioningEqualsRefactoring() throws {
        let (x, y) = Fixture.data(n: 15, d: 2)
        let gp = try #require(GaussianProcess(inputs: x, rows: 15, targets: y, hyperparameters: theta))
        let lies: [([Double], Double)] = [([0.33, 0.44], -0.5), ([0.9, 0.1], 2.0), ([0.5, 0.5], 0.1)]
        var conditioned = gp
        for (point, value) in lies { conditioned = conditioned.conditioned(on: point, value: value) }
        let refit = try #require(
            GaussianProcess(
                inputs: x + lies.flatMap(\.0), rows: 18, targets: y + lies.map(\.1), hyperparameters: theta))
        #expect(conditioned.count == 18 && conditioned.observedCount == 15)
        #expect(conditioned.hyperparameters == gp.hyperparameters)
        let probes = [0.1, 0.2, 0.34, 0.45, 0.7, 0.7, 0.95, 0.05]
        let (m1, v1) = conditioned.predict(probes, rows: 4)
        let (m2, v2) = refit.predict(probes, rows: 4)
        for i in 0..<4 {
            #expect(abs(m1[i] - m2[i]) < 1e-9)
            #expect(abs(v1[i] - v2[i]) < 1e-9)
        }
    }

    @Test("many conditioned points grow the factor past its spare rows")
    func conditioningBeyondSpareRows() throws {
        let (x, y) = Fixture.data(n: 5, d: 2)
        var gp = try #require(GaussianProcess(inputs: x, rows: 5, targets: y, hyperparameters: theta, spareRows: 1))
        let (extra, _) = Fixture.data(n: 30, d: 2, seed: 99)
        for i in 0..<30 { gp = gp.conditioned(on: Array(extra[(2 * i)..<(2 * i + 2)]), value: 0.5) }
        let refit = try #require(
            GaussianProcess(
                inputs: x + extra, rows: 35, targets: y + Array(repeating: 0.5, count: 30), hyperparameters: theta))
        let (m1, v1) = gp.predict([0.5, 0.5], rows: 1)
        let (m2, v2) = refit.predict([0.5, 0.5], rows: 1)
        #expect(abs(m1[0] - m2[0]) < 1e-8 && abs(v1[0] - v2[0]) < 1e-8)
    }

    /// Cramer's rule for a 3×3 system.
    func solve3(_ a: [[Double]], _ b: [Double]) -> [Double] {
        func det(_ m: [[Double]]) -> Double {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
        let d = det(a)
        return (0..<3).map { c in
            var m = a
            for r in 0..<3 { m[r][c] = b[r] }
            return det(m) / d
        }
    }
}
