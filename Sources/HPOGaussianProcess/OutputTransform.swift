import Foundation

/// How raw observations are warped before they are standardised for the GP. All are monotone,
/// so the best observation stays the best and expected improvement keeps its meaning.
package enum OutputWarping: String, Sendable, Hashable, Codable, CaseIterable {
    /// Standardise only.
    case none
    /// log(y − min y + c) with c = median − min: nearly linear among the better half, compresses
    /// a heavy upper tail (losses spanning orders of magnitude).
    case log
    /// Gaussian copula: the normal quantile of each value's rank, (rank + ½)/n. Robust to any
    /// tail, but forgets how much better the best values are.
    case rankGaussian = "rank-gaussian"
}

/// Raw observations → the GP's targets: warped, then standardised to mean 0, variance 1.
package struct OutputTransform: Sendable {
    package let warping: OutputWarping
    /// The standardised targets, in the order of the observations.
    package let targets: [Double]
    private let shift: Double
    private let mean: Double
    private let scale: Double
    /// log |d targets / d y| summed over the observations (nil for the rank warping): added to
    /// a fit's log likelihood, it makes fits under different warpings comparable.
    package let logJacobian: Double?

    package init(observations y: [Double], warping: OutputWarping) {
        precondition(!y.isEmpty)
        self.warping = warping
        var shift = 0.0
        let warped: [Double]
        switch warping {
        case .none:
            warped = y
        case .log:
            let sorted = y.sorted()
            let low = sorted[0]
            let spread = sorted[sorted.count / 2] - low
            shift = -low + max(Self.logOffset * spread, 1e-12 * max(abs(low), 1))
            warped = y.map { Foundation.log($0 + shift) }
        case .rankGaussian:
            warped = Self.normalScores(y)
        }
        let mean = warped.reduce(0, +) / Double(warped.count)
        var variance = 0.0
        for v in warped { variance += (v - mean) * (v - mean) }
        variance /= Double(max(warped.count - 1, 1))
        let scale = variance > 0 ? variance.squareRoot() : 1
        self.shift = shift
        self.mean = mean
        self.scale = scale
        self.targets = warped.map { ($0 - mean) / scale }
        let n = Double(y.count)
        switch warping {
        case .none: logJacobian = -n * Foundation.log(scale)
        case .log: logJacobian = -y.reduce(0) { $0 + Foundation.log($1 + shift) } - n * Foundation.log(scale)
        case .rankGaussian: logJacobian = nil
        }
    }

    /// A raw value on the targets' scale; nil for the rank warping (which has no closed form) or
    /// for a value below the log warping's shifted minimum.
    package func apply(_ value: Double) -> Double? {
        switch warping {
        case .none: return (value - mean) / scale
        case .log: return value + shift > 0 ? (Foundation.log(value + shift) - mean) / scale : nil
        case .rankGaussian: return nil
        }
    }

    /// The log warping's offset c, as a fraction of median − min.
    static let logOffset = 1.0

    /// Normal scores Φ⁻¹((rank + ½)/n), tied values sharing their mean rank.
    static func normalScores(_ y: [Double]) -> [Double] {
        let n = y.count
        let order = y.indices.sorted { y[$0] < y[$1] }
        var ranks = [Double](repeating: 0, count: n)
        var start = 0
        while start < n {
            var end = start
            while end + 1 < n, y[order[end + 1]] == y[order[start]] { end += 1 }
            let rank = Double(start + end) / 2
            for i in start...end { ranks[order[i]] = rank }
            start = end + 1
        }
        return ranks.map { inverseNormalCDF(($0 + 0.5) / Double(n)) }
    }

    /// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation and one Halley step.
    static func inverseNormalCDF(_ p: Double) -> Double {
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * Foundation.log(p)).squareRoot()
            x =
                (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * Foundation.log(1 - p)).squareRoot()
            x =
                -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * Foundation.erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * Foundation.exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}
