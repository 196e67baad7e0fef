import Foundation

/// Suggestions from a learning-rate range test, for any (lr, loss) series: the trainer's own
/// (`LRRangeTest`) or one a command trial reported. Pure: numbers in, numbers out.
///
/// The losses are smoothed with a bias-corrected exponential moving average (β = `smoothing`);
/// the first 10 and last 5 points (a tenth and a twentieth of shorter series) are ignored when
/// looking for the steepest descent and the minimum (as fastai does: the start is noise on a
/// plateau, the end is the explosion). docs/lr-finder.md explains how to read the results.
package struct LRFinderAnalysis: Sendable {
    /// β = 0.9 rather than fastai's 0.98: the average lags by about β / (1 − β) steps, which at
    /// 0.98 is half of a 100-step test (docs/lr-finder.md).
    package static let defaultSmoothing = 0.9

    /// The series analysed: the input up to (not including) its first non-finite loss.
    package let series: LRSeries
    package let smoothed: [Double]
    package let suggestions: LRSuggestions
    /// β of the moving average.
    package let smoothing: Double
    /// Things the reader should know (the loss never fell, the series was cut at a NaN, …).
    package let warnings: [String]
    /// The index range searched for the steepest descent and the minimum.
    package let window: ClosedRange<Int>

    /// Analyses `series`, whose learning rates must be positive and strictly increasing. Throws
    /// when fewer than 5 usable points remain.
    package init(_ series: LRSeries, smoothing: Double = defaultSmoothing) throws(LRFinderError) {
        guard smoothing >= 0, smoothing < 1 else {
            throw LRFinderError("smoothing must be in [0, 1), got \(smoothing)")
        }
        var warnings: [String] = []
        var usable = series
        if let cut = series.losses.firstIndex(where: { !$0.isFinite }) {
            usable = LRSeries(learningRates: Array(series.learningRates[..<cut]), losses: Array(series.losses[..<cut]))
            warnings.append("the series was cut at point \(cut + 1), whose loss is not finite")
        }
        for (i, lr) in usable.learningRates.enumerated() {
            guard lr > 0, lr.isFinite else {
                throw LRFinderError("point \(i + 1): the learning rate must be positive, got \(lr)")
            }
            guard i == 0 || lr > usable.learningRates[i - 1] else {
                throw LRFinderError(
                    """
                    point \(i + 1): the learning rates must increase along the series (\(lr) after \
                    \(usable.learningRates[i - 1]))
                    """
                )
            }
        }
        let n = usable.count
        let skipStart = min(10, n / 10)
        let skipEnd = min(5, n / 20)
        guard n - skipStart - skipEnd >= 5 else {
            throw LRFinderError("too few points to analyse: \(n) usable (at least \(5 + skipStart + skipEnd) needed)")
        }
        var smoother = LossSmoother(beta: smoothing)
        let smoothed = usable.losses.map { smoother.add($0) }
        let window = skipStart...(n - 1 - skipEnd)

        let logLR = usable.learningRates.map { log($0) }
        let slopes = Self.gradient(smoothed, over: logLR)
        let minimum = window.min { smoothed[$0] < smoothed[$1] } ?? window.lowerBound
        let steepest = window.min { slopes[$0] < slopes[$1] } ?? window.lowerBound

        // Bounds for a cyclical schedule: where the loss has fallen 10% of the way from its level
        // at the start of the window to its minimum, and where it is within 10% of the minimum.
        let top = smoothed[window.lowerBound]
        let drop = top - smoothed[minimum]
        let falling = window.lowerBound...minimum
        let lower = falling.first { smoothed[$0] <= top - 0.1 * drop } ?? window.lowerBound
        let upper = falling.first { smoothed[$0] <= smoothed[minimum] + 0.1 * drop } ?? minimum
        if drop <= 0 || slopes[steepest] >= 0 {
            warnings.append("the smoothed loss never fell: the range may start too high, or the network does not learn")
        }
        let lr = usable.learningRates
        var lowerBound = lr[lower]
        if upper <= lower { lowerBound = lr[upper] / 4 }  // Smith 2017: base_lr = max_lr / 3…4

        self.series = usable
        self.smoothing = smoothing
        self.smoothed = smoothed
        self.window = window
        self.warnings = warnings
        suggestions = LRSuggestions(
            steepest: lr[steepest], minimumOverTen: lr[minimum] / 10, minimum: lr[minimum],
            lowerBound: lowerBound, upperBound: lr[upper])
    }

    /// d values / d x by central differences (one-sided at the ends), like `numpy.gradient`
    /// for uneven spacing in its simple form.
    static func gradient(_ values: [Double], over x: [Double]) -> [Double] {
        let n = values.count
        guard n >= 2 else { return Array(repeating: 0, count: n) }
        return (0..<n).map { i in
            let (a, b) = (max(i - 1, 0), min(i + 1, n - 1))
            return (values[b] - values[a]) / (x[b] - x[a])
        }
    }

    /// A learning-rate range for a study's search space from a range test: the cyclical bounds
    /// (where the loss falls), widened geometrically about their middle to at least one decade,
    /// then clipped to `original` (the study's own range) when given. When the two do not
    /// overlap, the original range is returned unchanged. docs/lr-finder.md says when this helps.
    package static func narrowedRange(
        for suggestions: LRSuggestions, within original: (low: Double, high: Double)? = nil
    ) -> (low: Double, high: Double) {
        var (low, high) = (
            min(suggestions.lowerBound, suggestions.steepest), max(suggestions.upperBound, suggestions.steepest)
        )
        if high / low < 10 {
            let middle = (low * high).squareRoot()
            (low, high) = (middle / 10.0.squareRoot(), middle * 10.0.squareRoot())
        }
        guard let original else { return (low, high) }
        let clipped = (low: max(low, original.low), high: min(high, original.high))
        return clipped.low < clipped.high ? clipped : original
    }
}

/// The learning rates a range test suggests.
package struct LRSuggestions: Sendable, Equatable, Codable {
    /// Where the smoothed loss falls fastest against log(lr): the usual single suggestion.
    package var steepest: Double
    /// The rule of thumb: an order of magnitude below the learning rate of the minimum loss.
    package var minimumOverTen: Double
    /// The learning rate at the minimum of the smoothed loss (too high to train with: beyond it
    /// the loss explodes).
    package var minimum: Double
    /// A cyclical schedule's low end (`lr_min`): where the loss has started to fall.
    package var lowerBound: Double
    /// A cyclical schedule's high end (`learning_rate`): where the loss has nearly stopped falling.
    package var upperBound: Double

    package init(steepest: Double, minimumOverTen: Double, minimum: Double, lowerBound: Double, upperBound: Double) {
        self.steepest = steepest
        self.minimumOverTen = minimumOverTen
        self.minimum = minimum
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }

    enum CodingKeys: String, CodingKey {
        case steepest
        case minimumOverTen = "minimum_over_ten"
        case minimum
        case lowerBound = "cyclical_lower"
        case upperBound = "cyclical_upper"
    }

    /// Each suggestion by the name the results log and the JSON report use.
    package var named: [String: Double] {
        [
            "steepest": steepest, "minimum_over_ten": minimumOverTen, "minimum": minimum,
            "cyclical_lower": lowerBound, "cyclical_upper": upperBound
        ]
    }

    /// A learning rate printed short: three significant digits (`0.0453`), with an exponent
    /// outside [1e-3, 1e3) (`1.20e-5`).
    package static func format(_ value: Double) -> String {
        if value >= 1e-3 && value < 1e3 { return String(format: "%.3g", value) }
        return String(format: "%.2e", value).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(
            of: "e+0", with: "e+")
    }
}
