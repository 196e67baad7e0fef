import CBLAS
import Foundation

/// A Gaussian-process posterior at fixed hyperparameters: zero prior mean, Matérn-5/2 ARD kernel,
/// Gaussian noise. Targets are taken as given (standardise them first, see `OutputTransform`).
///
/// A value type: conditioning on a pending point returns a new process and leaves this one alone.
package struct GaussianProcess: Sendable {
    package let hyperparameters: GPHyperparameters
    package let kernel: Matern52
    /// The inputs conditioned on, row-major, `count` rows of `dimension` coordinates.
    package private(set) var inputs: [Double]
    package private(set) var targets: [Double]
    /// How many of the rows are real observations; the rest were added by `conditioned(on:value:)`.
    package private(set) var observedCount: Int
    package private(set) var factor: CholeskyFactor
    /// K⁻¹ y.
    private(set) var alpha: [Double]

    package var dimension: Int { kernel.dimension }
    package var count: Int { targets.count }

    /// The posterior given `rows` observations (`inputs` row-major) at fixed hyperparameters;
    /// nil when the covariance cannot be factored even with jitter.
    package init?(
        inputs: [Double], rows n: Int, targets: [Double], hyperparameters: GPHyperparameters, spareRows: Int = 16
    ) {
        precondition(n > 0 && inputs.count == n * hyperparameters.dimension && targets.count == n)
        let kernel = hyperparameters.kernel
        var k = kernel.crossCovariance(inputs, rows: n, inputs, rows: n)
        for i in 0..<n { k[i * n + i] += hyperparameters.noiseVariance }
        guard let factor = CholeskyFactor(matrix: k, n: n, spareRows: spareRows) else { return nil }
        self.hyperparameters = hyperparameters
        self.kernel = kernel
        self.inputs = inputs
        self.targets = targets
        self.observedCount = n
        self.factor = factor
        self.alpha = factor.solve(targets)
    }

    /// The posterior with one more observation `value` at `point`, hyperparameters unchanged:
    /// the Cholesky factor grows by one row (O(n²)), nothing is refitted. This is how pending
    /// trials enter as lies. Returns self unchanged if the point cannot be added.
    package func conditioned(on point: [Double], value: Double) -> GaussianProcess {
        var result = self
        result.condition(on: point, value: value)
        return result
    }

    /// `conditioned(on:value:)` in place: conditioning a process held in one variable on one lie
    /// after another copies its factor once, not once per lie.
    package mutating func condition(on point: [Double], value: Double) {
        precondition(point.count == dimension)
        let column = kernel.crossCovariance(point, rows: 1, inputs, rows: count)
        guard factor.append(column: column, diagonal: kernel.priorVariance + hyperparameters.noiseVariance) else {
            return
        }
        inputs += point
        targets.append(value)
        alpha = factor.solve(targets)
    }

    /// The posterior with more observations at `points` (row-major) and every target replaced by
    /// `targets` (the old rows' first, then the new ones'), hyperparameters unchanged: the factor
    /// grows by one row per point (O(n²) each) instead of being recomputed (O(n³)). What a new
    /// result costs between refits; the targets change because the output transform moves with
    /// every result. Nil if a point cannot be added.
    package func extended(with points: [Double], targets: [Double]) -> GaussianProcess? {
        let d = dimension
        precondition(points.count % d == 0 && targets.count == count + points.count / d)
        var result = self
        for row in 0..<(points.count / d) {
            let point = Array(points[(row * d)..<((row + 1) * d)])
            let column = kernel.crossCovariance(point, rows: 1, result.inputs, rows: result.count)
            guard result.factor.append(column: column, diagonal: kernel.priorVariance + hyperparameters.noiseVariance)
            else { return nil }
            result.inputs += point
            result.targets.append(0)
        }
        result.targets = targets
        result.alpha = result.factor.solve(targets)
        result.observedCount = result.count
        return result
    }

    /// The leave-one-out predictive means at the observations, μ₋ᵢ = yᵢ − αᵢ/[K⁻¹]ᵢᵢ (Rasmussen &
    /// Williams §5.4.2): what the model predicts at each point from all the others, in one pass.
    package func leaveOneOutMeans() -> [Double] {
        let inverse = factor.inverse()
        return (0..<count).map { targets[$0] - alpha[$0] / inverse[$0 * count + $0] }
    }

    /// Posterior means and variances (of the latent function, noise excluded) at `rows` points.
    package func predict(_ points: [Double], rows m: Int) -> (mean: [Double], variance: [Double]) {
        precondition(points.count == m * dimension)
        guard m > 0 else { return ([], []) }
        let n = count
        var cross = kernel.crossCovariance(points, rows: m, inputs, rows: n)  // m×n
        var mean = [Double](repeating: 0, count: m)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, cross, Int32(n), alpha, 1, 0, &mean, 1)
        factor.solveLowerRows(&cross, rows: m)
        var variance = [Double](repeating: 0, count: m)
        for c in 0..<m {
            var squared = 0.0
            for j in 0..<n { squared += cross[c * n + j] * cross[c * n + j] }
            variance[c] = max(kernel.priorVariance - squared, 0)
        }
        return (mean, variance)
    }

    /// Like `predict`, for many points at once: L⁻¹ is formed once (LAPACK dtrtri) and applied
    /// to all points by one triangular matrix product (dtrmm), which runs several times faster
    /// than the triangular solve of `predict` for hundreds of points, at the same accuracy in
    /// practice (the variance is still σ² minus a sum of squares).
    package func predictMany(_ points: [Double], rows m: Int) -> (mean: [Double], variance: [Double]) {
        precondition(points.count == m * dimension)
        guard m > 0 else { return ([], []) }
        let n = count
        var cross = kernel.crossCovariance(points, rows: m, inputs, rows: n)  // m×n
        var mean = [Double](repeating: 0, count: m)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, cross, Int32(n), alpha, 1, 0, &mean, 1)
        guard let inverse = factor.lowerInverse() else { return predict(points, rows: m) }
        // Row c becomes (L⁻¹ k_c)ᵀ = k_cᵀ L⁻ᵀ.
        cblas_dtrmm(
            CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, Int32(m), Int32(n), 1, inverse, Int32(n),
            &cross, Int32(n))
        var variance = [Double](repeating: 0, count: m)
        for c in 0..<m {
            var squared = 0.0
            for j in 0..<n { squared += cross[c * n + j] * cross[c * n + j] }
            variance[c] = max(kernel.priorVariance - squared, 0)
        }
        return (mean, variance)
    }

    /// The posterior mean and variance at one point, with their gradients with respect to it.
    package func predictWithGradient(at x: [Double]) -> Prediction {
        precondition(x.count == dimension)
        let n = count
        let d = dimension
        let (k, dk) = kernel.covarianceWithGradient(at: x, inputs, rows: n)
        var mean = 0.0
        for j in 0..<n { mean += k[j] * alpha[j] }
        let v = factor.solve(k)  // K⁻¹k
        var squared = 0.0
        for j in 0..<n { squared += k[j] * v[j] }
        var meanGradient = [Double](repeating: 0, count: d)
        var varianceGradient = [Double](repeating: 0, count: d)
        for j in 0..<n {
            for m in 0..<d {
                meanGradient[m] += dk[j * d + m] * alpha[j]
                varianceGradient[m] -= 2 * dk[j * d + m] * v[j]
            }
        }
        return Prediction(
            mean: mean, variance: max(kernel.priorVariance - squared, 0), meanGradient: meanGradient,
            varianceGradient: varianceGradient)
    }

    package struct Prediction: Sendable {
        package var mean: Double
        package var variance: Double
        package var meanGradient: [Double]
        package var varianceGradient: [Double]
    }
}
