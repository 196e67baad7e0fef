import Foundation
import HPOCore

/// Pauses on the learning curves (ASHA's promotion form, docs/pruning.md): a trial paused at a
/// rung and promoted later runs on in a new attempt from its checkpoint, so its curve joins the
/// paused attempts' reports (up to their checkpoint's step) to the next attempt's, with a mark
/// (‖) where it waited.
extension LearningCurvesPlot {
    /// Where a trial waited on its curve, and the hover text that says how long.
    struct PauseMark: Sendable {
        var step: Double
        var value: Double
        var text: String
    }

    /// The points of `trial` for `metric`: the reports of `attempt`, preceded by those of the
    /// attempts paused just before it, each cut at its checkpoint's step; and a mark per pause.
    static func chained(
        _ trial: TrialRecord, from attempt: Attempt, reports: [Attempt: [ReportPoint]], metric: String, asOf: Double
    ) -> (points: [(step: Double, value: Double)], pauses: [PauseMark]) {
        guard let last = trial.attempts.firstIndex(where: { $0.attempt == attempt }) else { return ([], []) }
        var first = last
        while first > 0 && trial.attempts[first - 1].outcome == .paused { first -= 1 }
        var points: [(step: Double, value: Double)] = []
        var pauses: [PauseMark] = []
        for index in first...last {
            let record = trial.attempts[index]
            let until = record.outcome == .paused ? record.stopStep ?? Int.max : Int.max
            let after = points.last?.step ?? -.infinity
            for report in reports[record.attempt] ?? [] where report.step <= until && Double(report.step) > after {
                guard let value = report.metrics[metric], value.isFinite else { continue }
                points.append((Double(report.step), value))
            }
            guard record.outcome == .paused, let end = points.last else { continue }
            let next = trial.attempts.indices.contains(index + 1) ? trial.attempts[index + 1].dispatched : nil
            let waited = max(0, (next ?? asOf) - (record.ended ?? asOf))
            let how =
                next == nil
                ? "waiting for a promotion for \(HumanFormat.duration(waited))"
                : "promoted after \(HumanFormat.duration(waited))"
            let step = record.stopStep.map { "step \($0)" } ?? "step \(HumanFormat.number(end.step))"
            pauses.append(
                PauseMark(
                    step: end.step, value: end.value,
                    text: "trial \(trial.trial) paused at \(step), \(how)" + (record.reason.map { ": \($0)" } ?? "")))
        }
        return (points, pauses)
    }

    /// Whether any drawn curve has a pause (for the legend).
    static func showsPauses(_ context: PlotContext, cap: Int = defaultCap, metric: String? = nil) -> Bool {
        guard let curves = curves(context, cap: cap, metric: metric) else { return false }
        return curves.trials.contains { curves.pauses[$0.trial] != nil }
    }

    /// The mark: two short vertical bars at the point where the trial waited.
    static func pauseMark(_ mark: PauseMark, trial: TrialID, x: Double, y: Double) -> Markup {
        Markup(
            "path",
            [
                ("class", "pause-mark"), ("data-trial", String(trial.rawValue)),
                (
                    "d",
                    "M\(px(x - 2)),\(px(y - 6))L\(px(x - 2)),\(px(y + 6))"
                        + "M\(px(x + 2)),\(px(y - 6))L\(px(x + 2)),\(px(y + 6))"
                )
            ], [.element(Markup("title", text: mark.text))])
    }
}
