import Foundation

/// The y axis of an objective or a metric, robust to runaway values: logarithmic when the values are
/// all positive and the largest is at least `logRatio` times the smallest, and cut on the bad side
/// (high for a minimised value) at `cutoff` median absolute deviations from the median (in log
/// space for a log axis), so one diverged trial (a loss of 1e199) does not flatten every other
/// point. Values beyond the cut are drawn at the edge, marked as clipped.
package struct ValueAxis: Sendable {
    /// The ratio of largest to smallest value from which the axis is logarithmic.
    package static let logRatio = 20.0
    /// Median absolute deviations from the median beyond which a value is off the axis: about five
    /// standard deviations for normally spread values, so only runaways are cut.
    package static let cutoff = 8.0

    package var scale: Scale
    /// Values kept on the axis' range; the others are clipped.
    package var clippedCount: Int
    /// Whether the bad side is high (minimising) or low (maximising).
    package var lowerIsBetter: Bool

    package init(_ values: [Double], lowerIsBetter: Bool) {
        self.lowerIsBetter = lowerIsBetter
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else {
            scale = .linear([0, 1])
            clippedCount = 0
            return
        }
        var useLog = low > 0 && high / low >= Self.logRatio
        let transform: (Double) -> Double = useLog ? { log10($0) } : { $0 }
        let transformed = finite.map(transform)
        let median = Self.median(transformed)
        let deviation = Self.median(transformed.map { abs($0 - median) })
        var kept = finite
        if deviation > 0 {
            kept = finite.filter { value in
                let t = transform(value)
                return lowerIsBetter ? t <= median + Self.cutoff * deviation : t >= median - Self.cutoff * deviation
            }
        }
        if kept.isEmpty { kept = finite }
        clippedCount = finite.count - kept.count
        if useLog, let keptLow = kept.min(), let keptHigh = kept.max(), keptHigh / keptLow < Self.logRatio {
            useLog = false
        }
        scale = useLog ? .log(kept) : .linear(kept)
    }

    /// The label of the axis for a value called `name`.
    package func label(_ name: String) -> String {
        scale.isLog ? "\(name) (log scale)" : name
    }

    /// `value` brought within the axis' range, and whether it had to be.
    package func clamp(_ value: Double) -> (value: Double, clipped: Bool) {
        let (a, b) = (min(scale.low, scale.high), max(scale.low, scale.high))
        if value > b { return (b, true) }
        if value < a { return (a, true) }
        return (value, false)
    }

    /// The pixel position of `value`, clamped to the axis.
    package func position(_ value: Double) -> Double {
        scale.position(clamp(value).value)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
