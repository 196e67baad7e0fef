import Foundation

/// The Matérn-5/2 kernel with one length scale per input dimension (ARD), plus an optional
/// first-order additive part with the same length scales:
///
///     k(x, x') = σ² m(r) + (σ²_add / d) Σ_k m(r_k)
///     m(r) = (1 + √5 r + 5r²/3) exp(−√5 r),  r² = Σ_k r_k²,  r_k = |x_k − x'_k| / ℓ_k
///
/// The additive part lets the model learn effects of one parameter at a time that hold whatever
/// the others are (nearly separable objectives); the marginal likelihood decides how much of it
/// to use. With σ²_add = 0 (the default) it is the plain ARD kernel and costs nothing.
///
/// Inputs are rows of a row-major matrix. Kernel matrices are plain loops: they are cheap next to
/// the Cholesky factorisation and triangular solves, which go to LAPACK/BLAS.
package struct Matern52: Sendable, Hashable {
    package var lengthScales: [Double]
    package var signalVariance: Double
    package var additiveVariance: Double

    package init(lengthScales: [Double], signalVariance: Double, additiveVariance: Double = 0) {
        self.lengthScales = lengthScales
        self.signalVariance = signalVariance
        self.additiveVariance = additiveVariance
    }

    package var dimension: Int { lengthScales.count }

    /// k(x, x): the prior variance at any point.
    package var priorVariance: Double { signalVariance + additiveVariance }

    /// Whether the additive part is worth computing.
    var hasAdditivePart: Bool { additiveVariance > 1e-9 * signalVariance && additiveVariance > 0 }

    static let sqrt5 = 5.0.squareRoot()

    /// m(r), the unit-variance Matérn-5/2 as a function of the scaled distance.
    @inline(__always)
    static func unit(_ r: Double) -> Double {
        let s = sqrt5 * r
        return (1 + s + s * s / 3) * Foundation.exp(-s)
    }

    /// −m′(r)/r = (5/3)(1 + √5 r) exp(−√5 r): finite at r = 0; turns a coordinate difference
    /// into a gradient.
    @inline(__always)
    static func unitRadialFactor(_ r: Double) -> Double {
        let s = sqrt5 * r
        return (5.0 / 3.0) * (1 + s) * Foundation.exp(-s)
    }

    /// The ARD part σ² m(r).
    @inline(__always)
    func value(r: Double) -> Double { signalVariance * Self.unit(r) }

    /// σ² (−m′(r)/r).
    @inline(__always)
    func radialFactor(r: Double) -> Double { signalVariance * Self.unitRadialFactor(r) }

    /// The inverse squared length scales, the form every loop uses.
    var inverseSquaredLengthScales: [Double] { lengthScales.map { 1 / ($0 * $0) } }

    /// The n×m cross-covariance between the rows of `a` (n×d) and `b` (m×d), row-major.
    ///
    /// This is the cost of scoring acquisition candidates (thousands of rows against the model's
    /// points), so it is laid out for the vector units: `b` is scaled by 1/ℓ and transposed once,
    /// so that each row of the result is built by loops over the columns of `b` that the compiler
    /// vectorises, and σ² m(r) is applied to a finished row of r² values.
    package func crossCovariance(_ a: [Double], rows n: Int, _ b: [Double], rows m: Int) -> [Double] {
        let d = dimension
        var result = [Double](repeating: 0, count: n * m)
        guard n > 0, m > 0 else { return result }
        let inverseScales = lengthScales.map { 1 / $0 }
        // bᵀ scaled: column j of row k is b_jk / ℓ_k.
        var scaledColumns = [Double](repeating: 0, count: d * m)
        for j in 0..<m {
            for k in 0..<d { scaledColumns[k * m + j] = b[j * d + k] * inverseScales[k] }
        }
        let additive = hasAdditivePart ? AdditivePart(self, a, rows: n, b, rows: m) : nil
        let variance = signalVariance
        a.withUnsafeBufferPointer { a in
            scaledColumns.withUnsafeBufferPointer { columns in
                result.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n {
                        let row = UnsafeMutableBufferPointer(rebasing: out[(i * m)..<((i + 1) * m)])
                        for k in 0..<d {
                            let x = a[i * d + k] * inverseScales[k]
                            let column = UnsafeBufferPointer(rebasing: columns[(k * m)..<((k + 1) * m)])
                            for j in 0..<m {
                                let t = x - column[j]
                                row[j] += t * t
                            }
                        }
                        for j in 0..<m { row[j] = variance * Self.unit(row[j].squareRoot()) }
                        additive?.add(row: i, into: row)
                    }
                }
            }
        }
        return result
    }

    /// k(x, ·) against every row of `b` (m×d), and its gradient with respect to x:
    /// `gradient[j * d + k]` is ∂k(x, b_j)/∂x_k.
    func covarianceWithGradient(at x: [Double], _ b: [Double], rows m: Int) -> (values: [Double], gradient: [Double]) {
        let d = dimension
        let w = inverseSquaredLengthScales
        let additive = hasAdditivePart ? additiveVariance / Double(d) : 0
        var values = [Double](repeating: 0, count: m)
        var gradient = [Double](repeating: 0, count: m * d)
        for j in 0..<m {
            var r2 = 0.0
            for k in 0..<d {
                let t = x[k] - b[j * d + k]
                r2 += t * t * w[k]
            }
            let r = r2.squareRoot()
            var value = self.value(r: r)
            let g = radialFactor(r: r)
            for k in 0..<d {
                let t = x[k] - b[j * d + k]
                var dk = -g * t * w[k]
                if additive > 0 {
                    let rk = (t * t * w[k]).squareRoot()
                    value += additive * Self.unit(rk)
                    dk -= additive * Self.unitRadialFactor(rk) * t * w[k]
                }
                gradient[j * d + k] = dk
            }
            values[j] = value
        }
        return (values, gradient)
    }
}
