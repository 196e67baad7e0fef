import Foundation

/// What a pruner says about one intermediate report.
package enum PruneDecision: Hashable, Sendable {
    case `continue`
    /// Stop the trial now; `reason` says why, in words for the log.
    case stop(reason: String)
    /// ASHA's promotion form: pause the trial at `rung` once a checkpoint at or past this report's
    /// step is durable (`Pruner.checkpointDurable`); `reason` says why, in words for the log.
    case pause(rung: Int, reason: String)

    package var isStop: Bool { if case .stop = self { true } else { false } }
    package var isPause: Bool { if case .pause = self { true } else { false } }
}

/// How a rule names the value it judges in its reasons: the metric, and the sign that turns the
/// rule's internal value (always to minimise) back into the metric's own.
struct JudgedMetric: Sendable {
    var name: String
    /// +1 when the metric is minimised, −1 when maximised.
    var sign: Double

    /// `0.4123`, in the metric's own sign.
    func show(_ value: Double) -> String { PrunerText.number(sign * value) }
}

enum PrunerText {
    /// Four significant digits: enough to see why, short enough for a log line.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }
}
