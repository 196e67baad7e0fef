import Foundation

/// A learning-rate range test recorded in the results log as an `lr_range_test` line.
///
/// The journal does not know this event yet (its reader skips it), so the report reads these lines
/// itself. Fields, all but `lrs` and `losses` optional (docs/report.md, "The lr_range_test event"):
///
/// ```json
/// {"event": "lr_range_test", "time": 1795976100.5, "trial": 3, "attempt": 1, "worker": "box:41",
///  "lrs": [1e-7, …], "losses": [2.31, …], "smoothed": [2.31, …],
///  "suggestion": 0.0031,
///  "suggestions": {"steepest": 0.0031, "minimum_over_ten": 0.012, "minimum": 0.12,
///                  "cyclical_lower": 0.0008, "cyclical_upper": 0.05}}
/// ```
public struct LRRangeTestRecord: Hashable, Sendable, Decodable {
    /// Seconds since 1970 when the line was written.
    public var time: Double?
    /// The trial (and attempt) that ran the test, when a trial did.
    public var trial: Int?
    public var attempt: Int?
    public var worker: String?
    /// The learning rate of each step, increasing.
    public var learningRates: [Double]
    /// The raw loss at each step (`"nan"`/`"inf"` strings allowed, as in every metric).
    public var losses: [Double]
    /// The smoothed loss at each step, when the writer smoothed it.
    public var smoothed: [Double]?
    /// The one learning rate the test recommends.
    public var suggestion: Double?
    /// Named learning rates worth marking (any names; drawn as labelled vertical lines).
    public var suggestions: [String: Double]?

    enum CodingKeys: String, CodingKey {
        case time, trial, attempt, worker, losses, smoothed, suggestion, suggestions
        case learningRates = "lrs"
    }

    public init(
        learningRates: [Double], losses: [Double], smoothed: [Double]? = nil, suggestion: Double? = nil,
        suggestions: [String: Double]? = nil, trial: Int? = nil, attempt: Int? = nil, worker: String? = nil,
        time: Double? = nil
    ) {
        self.learningRates = learningRates
        self.losses = losses
        self.smoothed = smoothed
        self.suggestion = suggestion
        self.suggestions = suggestions
        self.trial = trial
        self.attempt = attempt
        self.worker = worker
        self.time = time
    }

    /// The `lr_range_test` lines of a log's bytes, in order. Lines of other kinds, and
    /// `lr_range_test` lines that do not decode (a torn last line, a future shape), are skipped;
    /// `skipped` counts the latter.
    public static func scan(_ data: Data) -> (records: [LRRangeTestRecord], skipped: Int) {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var records: [LRRangeTestRecord] = []
        var skipped = 0
        for bytes in LineSearch.lines(containing: "lr_range_test", in: data) {
            guard let header = try? decoder.decode(EventName.self, from: bytes), header.event == "lr_range_test" else {
                continue
            }
            if let record = try? decoder.decode(LRRangeTestRecord.self, from: bytes),
                record.learningRates.count == record.losses.count, !record.learningRates.isEmpty
            {
                records.append(record)
            } else {
                skipped += 1
            }
        }
        return (records, skipped)
    }

    private struct EventName: Decodable {
        var event: String
    }
}
