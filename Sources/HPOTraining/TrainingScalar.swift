import CBLAS
import Foundation

/// The floating-point types the network computes in: `Float` for training (single-precision
/// BLAS is 1.5–3× faster than double here, see docs/performance.md) and `Double` for the gradient
/// check. Each brings its BLAS calls and the math functions the layers need.
protocol TrainingScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable {
    /// `c (m×n) = alpha · op(a) · op(b) + beta · c`, row-major; op(a) is m×k, op(b) is k×n and
    /// `lda`, `ldb`, `ldc` are the row lengths as stored.
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// `y (n) = aᵀ · x + beta · y` for a row-major m×n matrix `a` and x of length m (with x all
    /// ones: the column sums of `a`).
    static func gemvTransposed(
        m: Int, n: Int, a: UnsafePointer<Self>, x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
    static func sumOfSquares(_ x: UnsafePointer<Self>, count: Int) -> Self
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    /// Zeroes `gradient[i]` wherever `outputs[i] <= 0` (relu's derivative). Written per type with
    /// concrete SIMD vectors: a branch per element mispredicts half the time, and generic SIMD
    /// comparisons compile lane by lane.
    static func maskNonPositive(_ gradient: UnsafeMutablePointer<Self>, where outputs: UnsafePointer<Self>, count: Int)
}

extension TrainingScalar {
    /// `gemm` with defaults for the transposes and alpha.
    static func multiply(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

private func transpose(_ yes: Bool) -> CBLAS_TRANSPOSE { yes ? CblasTrans : CblasNoTrans }

extension Float: TrainingScalar {
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transpose(transposeA), transpose(transposeB), Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    static func gemvTransposed(
        m: Int, n: Int, a: UnsafePointer<Float>, x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(n), 1, a, Int32(n), x, 1, beta, y, 1)
    }

    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float { cblas_sdot(Int32(count), x, 1, x, 1) }
    static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    static func log(_ x: Float) -> Float { Foundation.log(x) }
    static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }

    static func maskNonPositive(
        _ gradient: UnsafeMutablePointer<Float>, where outputs: UnsafePointer<Float>, count: Int
    ) {
        var i = 0
        while i + 8 <= count {
            var g = UnsafeRawPointer(gradient + i).loadUnaligned(as: SIMD8<Float>.self)
            g.replace(with: 0, where: UnsafeRawPointer(outputs + i).loadUnaligned(as: SIMD8<Float>.self) .<= 0)
            UnsafeMutableRawPointer(gradient + i).storeBytes(of: g, as: SIMD8<Float>.self)
            i += 8
        }
        for j in i..<count where outputs[j] <= 0 { gradient[j] = 0 }
    }
}

extension Double: TrainingScalar {
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transpose(transposeA), transpose(transposeB), Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    static func gemvTransposed(
        m: Int, n: Int, a: UnsafePointer<Double>, x: UnsafePointer<Double>, beta: Double,
        y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(n), 1, a, Int32(n), x, 1, beta, y, 1)
    }

    static func sumOfSquares(_ x: UnsafePointer<Double>, count: Int) -> Double { cblas_ddot(Int32(count), x, 1, x, 1) }
    static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    static func log(_ x: Double) -> Double { Foundation.log(x) }
    static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }

    static func maskNonPositive(
        _ gradient: UnsafeMutablePointer<Double>, where outputs: UnsafePointer<Double>, count: Int
    ) {
        var i = 0
        while i + 4 <= count {
            var g = UnsafeRawPointer(gradient + i).loadUnaligned(as: SIMD4<Double>.self)
            g.replace(with: 0, where: UnsafeRawPointer(outputs + i).loadUnaligned(as: SIMD4<Double>.self) .<= 0)
            UnsafeMutableRawPointer(gradient + i).storeBytes(of: g, as: SIMD4<Double>.self)
            i += 4
        }
        for j in i..<count where outputs[j] <= 0 { gradient[j] = 0 }
    }
}
