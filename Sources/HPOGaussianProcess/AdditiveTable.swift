import Foundation

/// exp(±√5 (x_k − ½)/ℓ_k) for every row and coordinate, so that the one-dimensional factors of
/// the additive part, exp(−√5 |x_k − y_k|/ℓ_k), are products of table entries instead of one
/// exponential per pair. Coordinates whose length scale is too short for the table to stay finite
/// are computed directly.
struct AdditiveTable {
    let d: Int
    /// √5/ℓ_k.
    let rates: [Double]
    let usable: [Bool]
    let plus: [Double]
    let minus: [Double]

    init(_ x: [Double], rows n: Int, kernel: Matern52) {
        d = kernel.dimension
        let rate = kernel.lengthScales.map { Matern52.sqrt5 / $0 }
        // Keep every exponent below 300 so that products of two entries stay finite.
        let d = kernel.dimension
        let usable = (0..<d).map { k in
            (0..<n).allSatisfy { i in rate[k] * abs(x[i * d + k] - 0.5) < 300 }
        }
        var plus = [Double](repeating: 1, count: n * d)
        var minus = [Double](repeating: 1, count: n * d)
        for i in 0..<n {
            for k in 0..<d where usable[k] {
                let e = Foundation.exp(rate[k] * (x[i * d + k] - 0.5))
                plus[i * d + k] = e
                minus[i * d + k] = 1 / e
            }
        }
        self.rates = rate
        self.usable = usable
        self.plus = plus
        self.minus = minus
    }

    /// m(|t|/ℓ_k) for t = x_ik − y_jk, row i of `left`, row j of `right`.
    @inline(__always)
    static func unit(_ left: AdditiveTable, _ i: Int, _ right: AdditiveTable, _ j: Int, _ k: Int, _ t: Double) -> Double
    {
        let (s, e) = exponential(left, i, right, j, k, t)
        return (1 + s + s * s / 3) * e
    }

    /// m(r_k) and −m′(r_k)/r_k for r_k = |t|/ℓ_k.
    @inline(__always)
    static func unitAndRadial(_ left: AdditiveTable, _ i: Int, _ right: AdditiveTable, _ j: Int, _ k: Int, _ t: Double)
        -> (Double, Double)
    {
        let (s, e) = exponential(left, i, right, j, k, t)
        return ((1 + s + s * s / 3) * e, (5.0 / 3.0) * (1 + s) * e)
    }

    /// √5 r_k and exp(−√5 r_k).
    @inline(__always)
    static func exponential(_ left: AdditiveTable, _ i: Int, _ right: AdditiveTable, _ j: Int, _ k: Int, _ t: Double)
        -> (Double, Double)
    {
        let s = left.rates[k] * abs(t)
        let e: Double
        if left.usable[k] && right.usable[k] {
            // exp(−rate·|x − y|) = exp(−rate(x − ½))·exp(rate(y − ½)) when x ≥ y, and symmetrically.
            e =
                t >= 0
                ? left.minus[i * left.d + k] * right.plus[j * right.d + k]
                : right.minus[j * right.d + k] * left.plus[i * left.d + k]
        } else {
            e = Foundation.exp(-s)
        }
        return (s, e)
    }
}

/// The additive part (σ²_add/d) Σ_k m(|a_ik − b_jk|/ℓ_k) of `Matern52.crossCovariance`, added
/// row by row: the exponentials come from `AdditiveTable`s (n·d + m·d of them instead of n·m·d),
/// and `b` and its table are transposed so that the loop over the columns of `b` vectorises.
struct AdditivePart {
    let d: Int
    let m: Int
    let scale: Double
    let a: [Double]
    let left: AdditiveTable
    let rates: [Double]
    let usable: [Bool]
    /// Column-major (k-major) copies of `b` and of its table's factors.
    let columns: [Double]
    let plusColumns: [Double]
    let minusColumns: [Double]

    init(_ kernel: Matern52, _ a: [Double], rows n: Int, _ b: [Double], rows m: Int) {
        let d = kernel.dimension
        self.d = d
        self.m = m
        self.a = a
        scale = kernel.additiveVariance / Double(d)
        left = AdditiveTable(a, rows: n, kernel: kernel)
        let right = AdditiveTable(b, rows: m, kernel: kernel)
        rates = left.rates
        usable = zip(left.usable, right.usable).map { $0 && $1 }
        var columns = [Double](repeating: 0, count: d * m)
        var plusColumns = [Double](repeating: 1, count: d * m)
        var minusColumns = [Double](repeating: 1, count: d * m)
        for j in 0..<m {
            for k in 0..<d {
                columns[k * m + j] = b[j * d + k]
                plusColumns[k * m + j] = right.plus[j * d + k]
                minusColumns[k * m + j] = right.minus[j * d + k]
            }
        }
        self.columns = columns
        self.plusColumns = plusColumns
        self.minusColumns = minusColumns
    }

    /// Adds the additive part of row i (against every row of `b`) to `row`.
    func add(row i: Int, into row: UnsafeMutableBufferPointer<Double>) {
        columns.withUnsafeBufferPointer { columns in
            plusColumns.withUnsafeBufferPointer { plusColumns in
                minusColumns.withUnsafeBufferPointer { minusColumns in
                    for k in 0..<d {
                        let x = a[i * d + k]
                        let rate = rates[k]
                        let scale = self.scale
                        let range = (k * m)..<((k + 1) * m)
                        let y = UnsafeBufferPointer(rebasing: columns[range])
                        if usable[k] {
                            // exp(−rate·|x − y|) = exp(−rate(x − ½))·exp(rate(y − ½)) when x ≥ y, and symmetrically.
                            let leftPlus = left.plus[i * d + k]
                            let leftMinus = left.minus[i * d + k]
                            let rightPlus = UnsafeBufferPointer(rebasing: plusColumns[range])
                            let rightMinus = UnsafeBufferPointer(rebasing: minusColumns[range])
                            for j in 0..<m {
                                let t = x - y[j]
                                let s = rate * abs(t)
                                let e = t >= 0 ? leftMinus * rightPlus[j] : rightMinus[j] * leftPlus
                                row[j] += scale * (1 + s + s * s / 3) * e
                            }
                        } else {
                            for j in 0..<m {
                                let s = rate * abs(x - y[j])
                                row[j] += scale * (1 + s + s * s / 3) * Foundation.exp(-s)
                            }
                        }
                    }
                }
            }
        }
    }
}
