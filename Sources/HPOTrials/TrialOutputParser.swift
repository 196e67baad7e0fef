import HPOCore

/// What one line of a command trial's stdout means.
package enum TrialOutputLine: Equatable, Sendable {
    /// An intermediate report: a JSON object with an integer `step`.
    case report(TrialReport)
    /// A final result: a JSON object without `step`. The last one printed wins.
    case final([String: Double])
    /// A checkpoint is written (`{"checkpoint": STEP}`): the files in `HPO_CHECKPOINT_DIR` are
    /// the state at STEP. Metrics riding along are a report at that step (`report` non-nil).
    case checkpoint(step: Int, report: TrialReport?)
    /// Anything else: text, JSON that is not an object, an object with no numeric value.
    case other
}

/// Reads the line format of command trials (see docs/trials.md):
///
///     {"step": 3, "loss": 0.41, "val_loss": 0.52}     an intermediate report at step 3
///     {"val_loss": 0.21, "accuracy": 0.93}            the final result
///     hpo: {"val_loss": 0.21}                         the same, with the optional prefix
///
/// Metrics are the numeric members; `null`, `NaN` (bare, as Python writes it, or as a string)
/// mean NaN, `Infinity`/`-Infinity` (bare or as strings, also `inf`/`-inf`) mean infinities.
/// Booleans, other strings and nested values are ignored. A line whose `step` is not an integer
/// is ignored, and so is an object without any numeric member (so JSON log lines do not count
/// as results).
package enum TrialOutputParser {
    package static let prefix = "hpo:"

    /// Classifies one line (without its newline); `prefixed` says whether it carried `hpo:`.
    package static func parse(_ line: String) -> (line: TrialOutputLine, prefixed: Bool) {
        var text = Substring(line)
        if let lastReturn = text.lastIndex(of: "\r") { text = text[text.index(after: lastReturn)...] }
        text = text.drop { $0 == " " || $0 == "\t" }
        let prefixed = text.hasPrefix(prefix)
        if prefixed { text = text.dropFirst(prefix.count) }
        guard text.contains("{"), let members = TrialOutputObject.members(of: String(text)) else {
            return (.other, prefixed)
        }
        return (classify(members), prefixed)
    }

    static func classify(_ members: [String: JSONMember]) -> TrialOutputLine {
        var metrics: [String: Double] = [:]
        for (key, member) in members where key != "step" && key != "checkpoint" {
            if let value = metricValue(member) { metrics[key] = value }
        }
        if let checkpoint = members["checkpoint"] {
            // A checkpoint line is never a final result; a step that is not a whole number in
            // range makes it nothing at all.
            guard case .number(let value) = checkpoint, value == value.rounded(), value >= 0, value <= 1e9 else {
                return .other
            }
            let step = Int(value)
            return .checkpoint(step: step, report: metrics.isEmpty ? nil : TrialReport(step: step, metrics: metrics))
        }
        guard let step = members["step"] else {
            return metrics.isEmpty ? .other : .final(metrics)
        }
        guard case .number(let value) = step, value == value.rounded(), abs(value) < 1e15 else { return .other }
        return .report(TrialReport(step: Int(value), metrics: metrics))
    }

    static func metricValue(_ member: JSONMember) -> Double? {
        switch member {
        case .number(let value): value
        case .null: .nan
        case .string(let text):
            switch text.lowercased() {
            case "nan": .nan
            case "inf", "infinity", "+inf", "+infinity": .infinity
            case "-inf", "-infinity": -.infinity
            default: nil
            }
        case .bool, .nested: nil
        }
    }
}

/// Follows a command trial's stdout line by line: passes intermediate reports on, keeps the
/// final metrics.
///
/// Once a line with the `hpo:` prefix has been seen, lines without it are ignored: a program
/// that marks its lines is not confused by other JSON that its libraries print.
package struct TrialOutputCollector: Sendable {
    package private(set) var finalMetrics: [String: Double]?
    package private(set) var lastReport: TrialReport?
    private var usesPrefix = false
    /// The step of a checkpoint line just read, until `takeCheckpoint` takes it.
    private var pendingCheckpoint: Int?

    package init() {}

    /// The step of the checkpoint announced by the last line consumed, once.
    package mutating func takeCheckpoint() -> Int? {
        defer { pendingCheckpoint = nil }
        return pendingCheckpoint
    }

    /// Takes one line; returns the intermediate report it holds, if any.
    package mutating func consume(_ line: String) -> TrialReport? {
        let (parsed, prefixed) = TrialOutputParser.parse(line)
        if prefixed { usesPrefix = true } else if usesPrefix { return nil }
        switch parsed {
        case .report(let report):
            lastReport = report
            return report
        case .final(let metrics):
            finalMetrics = metrics
            return nil
        case .checkpoint(let step, let report):
            pendingCheckpoint = step
            if let report { lastReport = report }
            return report
        case .other:
            return nil
        }
    }

    /// The attempt's result metrics: the last final-result line, else the last report's metrics.
    package var resultMetrics: [String: Double]? { finalMetrics ?? lastReport?.metrics }
}
