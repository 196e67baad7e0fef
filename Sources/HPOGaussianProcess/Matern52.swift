import Foundation

/// The Matérn-5/2 kernel with one length scale per input dimension (ARD):
///
///     k(x, x') = σ² (1 + √5 r + 5r²/3) exp(−√5 r),   r² = Σ_k (x_k − x'_k)² / ℓ_k²
///
/// Inputs are rows of a row-major matrix. Everything here is plain loops: the kernel matrices are
/// cheap next to the Cholesky factorisation and triangular solves, which go to LAPACK/BLAS.
public struct Matern52: Sendable, Hashable {
    public var lengthScales: [Double]
    public var signalVariance: Double

    public init(lengthScales: [Double], signalVariance: Double) {
        self.lengthScales = lengthScales
        self.signalVariance = signalVariance
    }

    public var dimension: Int { lengthScales.count }

    static let sqrt5 = 5.0.squareRoot()

    /// k as a function of the scaled distance r.
    @inline(__always)
    func value(r: Double) -> Double {
        let s = Self.sqrt5 * r
        return signalVariance * (1 + s + s * s / 3) * Foundation.exp(-s)
    }

    /// −(1/r) dk/dr = σ² (5/3)(1 + √5 r) exp(−√5 r): finite at r = 0, and the factor that turns
    /// a coordinate difference into a gradient (see `crossCovarianceGradient`).
    @inline(__always)
    func radialFactor(r: Double) -> Double {
        let s = Self.sqrt5 * r
        return signalVariance * (5.0 / 3.0) * (1 + s) * Foundation.exp(-s)
    }

    /// The inverse squared length scales, the form every loop uses.
    var inverseSquaredLengthScales: [Double] { lengthScales.map { 1 / ($0 * $0) } }

    /// The n×m cross-covariance between the rows of `a` (n×d) and `b` (m×d), row-major.
    public func crossCovariance(_ a: [Double], rows n: Int, _ b: [Double], rows m: Int) -> [Double] {
        let d = dimension
        let w = inverseSquaredLengthScales
        var result = [Double](repeating: 0, count: n * m)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n {
                        for j in 0..<m {
                            var r2 = 0.0
                            for k in 0..<d {
                                let t = a[i * d + k] - b[j * d + k]
                                r2 += t * t * w[k]
                            }
                            out[i * m + j] = value(r: r2.squareRoot())
                        }
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
        var values = [Double](repeating: 0, count: m)
        var gradient = [Double](repeating: 0, count: m * d)
        for j in 0..<m {
            var r2 = 0.0
            for k in 0..<d {
                let t = x[k] - b[j * d + k]
                r2 += t * t * w[k]
            }
            let r = r2.squareRoot()
            values[j] = value(r: r)
            let g = radialFactor(r: r)
            for k in 0..<d { gradient[j * d + k] = -g * (x[k] - b[j * d + k]) * w[k] }
        }
        return (values, gradient)
    }
}
