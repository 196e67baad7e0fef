import Foundation
import HPOCore

/// What `hpo lr-find --json` writes: the suggestions, the series as analysed (with the smoothed
/// loss), and how it was obtained.
public struct LRFinderReport: Encodable, Sendable {
    public struct Point: Encodable, Sendable {
        public var lr: Double
        public var loss: Double
        public var smoothed: Double
    }

    public struct Range: Encodable, Sendable {
        public var low: Double
        public var high: Double
    }

    /// The range test's settings, when the series came from the trainer.
    public struct Settings: Encodable, Sendable {
        public var start: Double
        public var end: Double
        public var steps: Int
        public var mode: String
        public var divergeFactor: Double
        public var seed: UInt64
        public var hyperparameters: Parameters

        enum CodingKeys: String, CodingKey {
            case start, end, steps, mode, seed, hyperparameters
            case divergeFactor = "diverge_factor"
        }
    }

    /// `trainer`, or the file the series was read from.
    public var source: String
    public var settings: Settings?
    public var stopReason: String?
    public var smoothing: Double
    public var suggestions: LRSuggestions
    public var narrowedRange: Range
    public var warnings: [String]
    public var series: [Point]

    enum CodingKeys: String, CodingKey {
        case source, settings, smoothing, suggestions, warnings, series
        case stopReason = "stop_reason"
        case narrowedRange = "narrowed_range"
    }

    public init(_ analysis: LRFinderAnalysis, source: String, test: LRRangeTest? = nil, seed: UInt64 = 0,
                hyperparameters: TrainerHyperparameters? = nil, stopReason: String? = nil) {
        self.source = source
        if let test, let hyperparameters {
            settings = Settings(start: test.start, end: test.end, steps: test.steps, mode: test.mode.rawValue,
                                divergeFactor: test.divergeFactor, seed: seed, hyperparameters: hyperparameters.parameters)
        }
        self.stopReason = stopReason
        smoothing = analysis.smoothing
        suggestions = analysis.suggestions
        let range = LRFinderAnalysis.narrowedRange(for: analysis.suggestions)
        narrowedRange = Range(low: range.low, high: range.high)
        warnings = analysis.warnings
        series = analysis.series.learningRates.indices.map {
            Point(lr: analysis.series.learningRates[$0], loss: analysis.series.losses[$0], smoothed: analysis.smoothed[$0])
        }
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
