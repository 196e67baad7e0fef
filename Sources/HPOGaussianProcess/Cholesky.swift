import CBLAS
import CLAPACK
import Foundation

/// The Cholesky factor L of a symmetric positive-definite matrix (K = L Lᵀ), with the jitter that
/// had to be added to the diagonal to factor it.
///
/// Stored row-major in the lower triangle with a leading dimension `stride` ≥ n, so that appending
/// a row (conditioning on one more point) is O(n²) and rarely copies. Row-major lower is
/// column-major upper, which is what LAPACK is asked to factor.
package struct CholeskyFactor: Sendable {
    package private(set) var n: Int
    /// The diagonal jitter added before the factorisation succeeded (0 when none was needed).
    package let jitter: Double
    private(set) var stride: Int
    private(set) var storage: [Double]

    /// Factors the n×n row-major symmetric `matrix`, adding jitter to the diagonal (from 1e-10 of
    /// the mean diagonal, ×10 each time, up to 1e-1 of it) while LAPACK reports it is not
    /// positive definite. Returns nil if even the largest jitter fails or the matrix is not finite.
    package init?(matrix: [Double], n: Int, spareRows: Int = 0) {
        precondition(matrix.count == n * n, "matrix is not n×n")
        guard n > 0 else { return nil }
        guard matrix.allSatisfy(\.isFinite) else { return nil }
        let stride = n + max(spareRows, 0)
        var meanDiagonal = 0.0
        for i in 0..<n { meanDiagonal += matrix[i * n + i] }
        meanDiagonal = max(meanDiagonal / Double(n), Double.leastNormalMagnitude)
        var jitter = 0.0
        while true {
            var a = [Double](repeating: 0, count: stride * stride)
            for i in 0..<n {
                for j in 0...i { a[i * stride + j] = matrix[i * n + j] }
                a[i * stride + i] += jitter
            }
            let info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), &a, Int32(stride))
            if info == 0 {
                self.n = n
                self.stride = stride
                self.storage = a
                self.jitter = jitter
                return
            }
            guard info > 0 else { return nil }
            jitter = jitter == 0 ? 1e-10 * meanDiagonal : jitter * 10
            if jitter > 0.1 * meanDiagonal { return nil }
        }
    }

    /// L[i][j] for j ≤ i.
    package subscript(i: Int, j: Int) -> Double { storage[i * stride + j] }

    /// log det K = 2 Σ log L_ii.
    package var logDeterminant: Double {
        var total = 0.0
        for i in 0..<n { total += Foundation.log(storage[i * stride + i]) }
        return 2 * total
    }

    /// Solves L x = b in place.
    package func solveLower(_ b: inout [Double]) {
        precondition(b.count == n)
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), storage, Int32(stride), &b, 1)
    }

    /// Solves Lᵀ x = b in place.
    package func solveUpper(_ b: inout [Double]) {
        precondition(b.count == n)
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, Int32(n), storage, Int32(stride), &b, 1)
    }

    /// K⁻¹ b.
    package func solve(_ b: [Double]) -> [Double] {
        var x = b
        solveLower(&x)
        solveUpper(&x)
        return x
    }

    /// Replaces each row c of the m×n row-major `b` by (L⁻¹ b_c)ᵀ, i.e. solves X Lᵀ = B.
    func solveLowerRows(_ b: inout [Double], rows m: Int) {
        precondition(b.count == m * n)
        guard m > 0 else { return }
        cblas_dtrsm(
            CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, Int32(m), Int32(n), 1, storage,
            Int32(stride), &b, Int32(n))
    }

    /// K⁻¹, as a full symmetric n×n row-major matrix (LAPACK dpotri on a copy).
    package func inverse() -> [Double] {
        var a = storage
        _ = LAPACKE_dpotri(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), &a, Int32(stride))
        var result = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                result[i * n + j] = a[i * stride + j]
                result[j * n + i] = a[i * stride + j]
            }
        }
        return result
    }

    /// L⁻¹ (n×n, row-major, lower triangle; zeros above), by LAPACK dtrtri; nil if singular.
    func lowerInverse() -> [Double]? {
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i { a[i * n + j] = storage[i * stride + j] }
        }
        // Row-major lower is column-major upper. The `_work` form skips LAPACKE's scan for NaN:
        // a factor is finite by construction, and the scan cost as much as a tenth of a proposal.
        let info = LAPACKE_dtrtri_work(
            LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int8(UInt8(ascii: "N")), Int32(n), &a, Int32(n))
        return info == 0 ? a : nil
    }

    /// The factor of the matrix grown by one row and column: `column` holds K's new off-diagonal
    /// entries and `diagonal` its new diagonal entry (the current jitter is added to it). O(n²).
    /// Returns nil if the grown matrix is not positive definite even so.
    package func appending(column: [Double], diagonal: Double) -> CholeskyFactor? {
        var grown = self
        return grown.append(column: column, diagonal: diagonal) ? grown : nil
    }

    /// `appending`, in place: with the storage uniquely referenced, nothing is copied (a copy of
    /// the whole factor per appended row was most of the cost of conditioning on lies). Returns
    /// false, leaving the factor as it was, when the grown matrix cannot be factored.
    package mutating func append(column: [Double], diagonal: Double) -> Bool {
        precondition(column.count == n)
        var l = column
        solveLower(&l)
        var squared = 0.0
        for v in l { squared += v * v }
        var pivot = diagonal + jitter - squared
        if !(pivot > 0) {
            // A point (nearly) on top of an existing one: keep the factor valid with a tiny pivot.
            pivot = max(1e-10 * max(diagonal, Double.leastNormalMagnitude), 1e-300)
        }
        guard pivot.isFinite else { return false }
        if stride <= n { regrow(stride: n + max(n / 4, 32)) }
        for j in 0..<n { storage[n * stride + j] = l[j] }
        storage[n * stride + n] = pivot.squareRoot()
        n += 1
        return true
    }

    private mutating func regrow(stride newStride: Int) {
        var a = [Double](repeating: 0, count: newStride * newStride)
        for i in 0..<n {
            for j in 0...i { a[i * newStride + j] = storage[i * stride + j] }
        }
        storage = a
        stride = newStride
    }
}
