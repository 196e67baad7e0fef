import Foundation

/// Maps data values to pixels along one axis: linear, logarithmic or categorical.
package struct Scale: Sendable {
    package enum Kind: Sendable, Equatable {
        case linear
        case log
        /// Evenly spaced bands, one per category, in this order; a value is a category's index.
        case categorical([String])
    }

    package var kind: Kind
    /// The data domain (for `log`, positive; for `categorical`, `-0.5 ... count - 0.5`).
    package var low: Double
    package var high: Double
    /// Pixel positions of `low` and `high` (`start > end` for a y axis, which grows upwards).
    package var start: Double
    package var end: Double
    /// Ticks only at whole numbers (an integer parameter).
    package var integerTicks = false

    package init(kind: Kind, low: Double, high: Double, start: Double, end: Double) {
        self.kind = kind
        self.low = low
        self.high = high
        self.start = start
        self.end = end
    }

    /// The same scale with ticks only at whole numbers.
    package func withIntegerTicks() -> Scale {
        var copy = self
        copy.integerTicks = true
        return copy
    }

    package var isLog: Bool { kind == .log }

    /// A linear scale over `values` with `padding` (a fraction of the span) on both ends.
    package static func linear(_ values: [Double], padding: Double = 0.05, start: Double = 0, end: Double = 1) -> Scale
    {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if high - low <= 1e-12 * max(abs(low), abs(high), 1) {
            let delta = abs(low) > 0 ? abs(low) * 0.1 : 1
            low -= delta
            high += delta
        } else {
            let span = high - low
            low -= span * padding
            high += span * padding
        }
        return Scale(kind: .linear, low: low, high: high, start: start, end: end)
    }

    /// A logarithmic scale over the positive `values`, padded by `padding` of the span in log space.
    package static func log(_ values: [Double], padding: Double = 0.05, start: Double = 0, end: Double = 1) -> Scale {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        var low = log10(positive.min() ?? 1)
        var high = log10(positive.max() ?? 10)
        if high - low < 1e-9 {
            low -= 0.5
            high += 0.5
        } else {
            let span = high - low
            low -= span * padding
            high += span * padding
        }
        return Scale(kind: .log, low: pow(10, low), high: pow(10, high), start: start, end: end)
    }

    /// One band per category.
    package static func categorical(_ categories: [String], start: Double = 0, end: Double = 1) -> Scale {
        Scale(
            kind: .categorical(categories), low: -0.5, high: Double(max(categories.count, 1)) - 0.5, start: start,
            end: end)
    }

    /// The same scale over other pixels.
    package func placed(from start: Double, to end: Double) -> Scale {
        var copy = self
        copy.start = start
        copy.end = end
        return copy
    }

    /// The pixel position of `value` (a category's index on a categorical scale).
    package func position(_ value: Double) -> Double {
        let t: Double
        switch kind {
        case .log:
            let v = value > 0 ? value : low
            t = (log10(v) - log10(low)) / (log10(high) - log10(low))
        case .linear, .categorical:
            t = (value - low) / (high - low)
        }
        return start + t * (end - start)
    }

    /// The index of `category` on a categorical scale.
    package func index(of category: String) -> Int? {
        guard case .categorical(let categories) = kind else { return nil }
        return categories.firstIndex(of: category)
    }

    /// Pixels from one category's centre to the next's.
    package var bandWidth: Double {
        guard case .categorical(let categories) = kind, !categories.isEmpty else { return 0 }
        return abs(end - start) / Double(categories.count)
    }

    /// Whether `value` lies within the domain (to a hair).
    package func contains(_ value: Double) -> Bool {
        let (a, b) = (min(low, high), max(low, high))
        let slack = (b - a) * 1e-9
        return value >= a - slack && value <= b + slack
    }
}
