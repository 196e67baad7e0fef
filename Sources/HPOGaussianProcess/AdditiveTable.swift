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
    static func unit(_ left: AdditiveTable, _ i: Int, _ right: AdditiveTable, _ j: Int, _ k: Int, _ t: Double) -> Double {
        let (s, e) = exponential(left, i, right, j, k, t)
        return (1 + s + s * s / 3) * e
    }

    /// m(r_k) and −m′(r_k)/r_k for r_k = |t|/ℓ_k.
    @inline(__always)
    static func unitAndRadial(_ left: AdditiveTable, _ i: Int, _ right: AdditiveTable, _ j: Int, _ k: Int, _ t: Double) -> (Double, Double) {
        let (s, e) = exponential(left, i, right, j, k, t)
        return ((1 + s + s * s / 3) * e, (5.0 / 3.0) * (1 + s) * e)
    }

    /// √5 r_k and exp(−√5 r_k).
    @inline(__always)
    static func exponential(_ left: AdditiveTable, _ i: Int, _ right: AdditiveTable, _ j: Int, _ k: Int, _ t: Double) -> (Double, Double) {
        let s = left.rates[k] * abs(t)
        let e: Double
        if left.usable[k] && right.usable[k] {
            // exp(−rate·|x − y|) = exp(−rate(x − ½))·exp(rate(y − ½)) when x ≥ y, and symmetrically.
            e = t >= 0 ? left.minus[i * left.d + k] * right.plus[j * right.d + k] : right.minus[j * right.d + k] * left.plus[i * left.d + k]
        } else {
            e = Foundation.exp(-s)
        }
        return (s, e)
    }
}
