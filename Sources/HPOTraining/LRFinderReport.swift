import Foundation
import HPOCore

/// What `hpo lr-find --json` writes: the suggestions, the series as analysed (with the smoothed
/// loss), and how it was obtained.
package struct LRFinderReport: Encodable, Sendable {
    package struct Point: Encodable, Sendable {
        package var lr: Double
        package var loss: Double
        package var smoothed: Double
    }

    package struct Range: Encodable, Sendable {
        package var low: Double
        package var high: Double
    }

    /// The range test's settings, when the series came from the trainer.
    package struct Settings: Encodable, Sendable {
        package var start: Double
        package var end: Double
        package var steps: Int
        package var mode: String
        package var divergeFactor: Double
        package var seed: UInt64
        package var hyperparameters: Parameters

        enum CodingKeys: String, CodingKey {
            case start, end, steps, mode, seed, hyperparameters
            case divergeFactor = "diverge_factor"
        }
    }

    /// `trainer`, or the file the series was read from.
    package var source: String
    package var settings: Settings?
    package var stopReason: String?
    package var smoothing: Double
    package var suggestions: LRSuggestions
    package var narrowedRange: Range
    package var warnings: [String]
    package var series: [Point]

    enum CodingKeys: String, CodingKey {
        case source, settings, smoothing, suggestions, warnings, series
        case stopReason = "stop_reason"
        case narrowedRange = "narrowed_range"
    }

    package init(
        _ analysis: LRFinderAnalysis, source: String, test: LRRangeTest? = nil, seed: UInt64 = 0,
        hyperparameters: TrainerHyperparameters? = nil, stopReason: String? = nil
    ) {
        self.source = source
        if let test, let hyperparameters {
            settings = Settings(
                start: test.start, end: test.end, steps: test.steps, mode: test.mode.rawValue,
                divergeFactor: test.divergeFactor, seed: seed, hyperparameters: hyperparameters.parameters)
        }
        self.stopReason = stopReason
        smoothing = analysis.smoothing
        suggestions = analysis.suggestions
        let range = LRFinderAnalysis.narrowedRange(for: analysis.suggestions)
        narrowedRange = Range(low: range.low, high: range.high)
        warnings = analysis.warnings
        series = analysis.series.learningRates.indices.map {
            Point(
                lr: analysis.series.learningRates[$0], loss: analysis.series.losses[$0], smoothed: analysis.smoothed[$0]
            )
        }
    }

    /// Pretty-printed JSON with sorted keys.
    package func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
