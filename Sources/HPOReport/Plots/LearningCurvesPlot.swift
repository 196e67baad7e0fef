import Foundation
import HPOCore

/// Learning curves from intermediate reports (`learning-curves`): one metric against the step, one
/// line per trial (the reports of its deciding attempt), coloured by how good the trial's final
/// objective is, the best trial's line thickest and labelled. Trials without an objective (failed,
/// running) are dashed.
public enum LearningCurvesPlot {
    public static let defaultCap = 30

    /// The curves chosen for a plot: the metric, and per trial its points.
    public struct Curves: Sendable {
        public var metric: String
        public var trials: [(trial: TrialID, rank: Int?, points: [(step: Double, value: Double)])]
        /// Trials with reports of the metric, before the cap.
        public var available: Int
    }

    /// The metric to draw: the objective's metric if any report carries it, else the metric the
    /// most reports carry (ties: alphabetical).
    public static func metric(_ context: PlotContext) -> String? {
        var counts: [String: Int] = [:]
        for byAttempt in context.history.reports.values {
            for points in byAttempt.values {
                for point in points { for name in point.metrics.keys { counts[name, default: 0] += 1 } }
            }
        }
        if counts[context.objective.metric] != nil { return context.objective.metric }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.first?.key
    }

    /// The curves to draw: at most `cap` trials, the best-ranked first, then unranked trials (failed,
    /// running) by number while room remains.
    public static func curves(_ context: PlotContext, cap: Int = defaultCap) -> Curves? {
        guard let metric = metric(context) else { return nil }
        let ranks = Dictionary(uniqueKeysWithValues: context.ranking.map { ($0.trial, $0.rank) })
        var candidates: [(trial: TrialID, rank: Int?, points: [(step: Double, value: Double)])] = []
        for trial in context.history.trials {
            guard let byAttempt = context.history.reports[trial.trial] else { continue }
            // The deciding attempt's reports: the last attempt that reported this metric.
            let attempt = trial.attempts.reversed().first { attempt in
                byAttempt[attempt.attempt]?.contains { $0.metrics[metric] != nil } ?? false
            }?.attempt ?? byAttempt.keys.max()
            guard let attempt, let reports = byAttempt[attempt] else { continue }
            let points = reports.compactMap { report -> (step: Double, value: Double)? in
                guard let value = report.metrics[metric], value.isFinite else { return nil }
                return (Double(report.step), value)
            }
            if !points.isEmpty { candidates.append((trial.trial, ranks[trial.trial], points)) }
        }
        guard !candidates.isEmpty else { return nil }
        let ranked = candidates.filter { $0.rank != nil }.sorted { ($0.rank ?? 0) < ($1.rank ?? 0) }
        let unranked = candidates.filter { $0.rank == nil }
        let chosen = Array((ranked + unranked).prefix(max(1, cap)))
        return Curves(metric: metric, trials: chosen, available: candidates.count)
    }

    public static func make(_ context: PlotContext, cap: Int = defaultCap, width: Double = 1080, height: Double = 380) -> Markup? {
        guard let curves = curves(context, cap: cap) else { return nil }
        let allPoints = curves.trials.flatMap(\.points)
        let xScale = Scale.linear(allPoints.map(\.step), padding: 0.02)
        let values = allPoints.map(\.value)
        // Better is the objective's direction when the metric is the objective, else lower (a loss).
        let lowerIsBetter = curves.metric == context.objective.metric ? context.objective.direction == .minimize : true
        let axis = ValueAxis(values, lowerIsBetter: lowerIsBetter)
        let title = curves.available > curves.trials.count
            ? "Learning curves: \(curves.metric) (best \(curves.trials.count) of \(curves.available) trials)"
            : "Learning curves: \(curves.metric)"
        let frame = PlotFrame(
            id: "learning-curves", width: width, height: height, title: title, x: xScale, xLabel: "step",
            y: axis.scale, yLabel: axis.label(curves.metric), rightMargin: 44)

        let rankedCount = curves.trials.filter { $0.rank != nil }.count
        var marks: [Markup] = []
        var overlay: [Markup] = []
        // Drawn worst first, the best last (on top).
        let order = curves.trials.enumerated().sorted { a, b in
            (a.element.rank ?? Int.max) > (b.element.rank ?? Int.max)
        }
        for (index, curve) in order.map({ ($0.offset, $0.element) }) {
            let points = curve.points.map { "\(px(frame.x.position($0.step))),\(px(frame.y.position(axis.clamp($0.value).value)))" }
            let cls: String
            if curve.rank != nil {
                let goodness = rankedCount > 1 ? 1 - Double(index) / Double(rankedCount - 1) : 1
                cls = "curve \(PlotContext.qualityClass(goodness))" + (curve.rank == 1 ? " is-best" : "")
            } else {
                cls = "curve unranked"
            }
            let text = "trial \(curve.trial)" + (curve.rank.map { " (rank \($0))" } ?? " (no objective)")
            marks.append(Markup("polyline", [("class", cls), ("data-trial", String(curve.trial.rawValue)),
                                             ("points", points.joined(separator: " "))],
                                [.element(Markup("title", text: text))]))
            if curve.rank == 1, let last = curve.points.last {
                overlay.append(Markup("text", [("class", "best-label"), ("x", px(frame.x.position(last.step) + 4)),
                                               ("y", px(frame.y.position(axis.clamp(last.value).value) + 4))], text: "best \(curve.trial)"))
            }
        }
        let clipped = curves.trials.filter { curve in curve.points.contains { axis.clamp($0.value).clipped } }.count
        overlay += PlotContext.clippedNote(clipped, axis: axis, frame: frame, what: "curve", drawn: "flat")
        return frame.svg(marks, overlay: overlay, attributes: [("data-lines", String(curves.trials.count)),
                                                               ("data-metric", curves.metric)])
    }
}
