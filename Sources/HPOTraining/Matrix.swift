import CBLAS

/// A dense row-major matrix of doubles.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "\(rows)×\(columns) matrix needs \(rows * columns) values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, values: Array(repeating: 0, count: rows * columns))
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }
}

/// The BLAS calls the network needs, on row-major buffers.
enum BLAS {
    /// `c (m×n) = alpha · op(a) · op(b) + beta · c`, where op transposes when asked:
    /// op(a) is m×k, op(b) is k×n; `lda`, `ldb`, `ldc` are the row lengths as stored.
    static func gemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y (n) = alpha · aᵀ · x + beta · y` for a row-major m×n matrix `a` and x of length m:
    /// with x all ones, the column sums of `a`.
    static func gemvTransposed(
        m: Int, n: Int, alpha: Double = 1, a: UnsafePointer<Double>, x: UnsafePointer<Double>,
        beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(n), alpha, a, Int32(n), x, 1, beta, y, 1)
    }

    /// The sum of squares of `n` values.
    static func sumOfSquares(_ x: UnsafePointer<Double>, count n: Int) -> Double {
        cblas_ddot(Int32(n), x, 1, x, 1)
    }
}
