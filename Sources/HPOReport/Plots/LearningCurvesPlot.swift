import Foundation
import HPOCore

/// Learning curves from intermediate reports (`learning-curves`): one metric against the step, one
/// line per trial (the reports of its deciding attempt), coloured by how good the trial's final
/// objective is, the best trial's line thickest and labelled. Trials without an objective (failed,
/// running) are dashed; pruned trials (stopped early) are drawn in their own colour and end with
/// an × where they stopped.
package enum LearningCurvesPlot {
    package static let defaultCap = 30

    /// The curves chosen for a plot: the metric, and per trial its points.
    package struct Curves: Sendable {
        package var metric: String
        package var trials: [(trial: TrialID, rank: Int?, points: [(step: Double, value: Double)])]
        /// Trials with reports of the metric, before the cap.
        package var available: Int
    }

    /// The metric to draw: `preferred` if reports carry it; else the objective's metric; else one
    /// whose name is part of the objective's or contains it (`loss` for `val_loss`); else the metric
    /// the most reports carry (ties: alphabetical).
    package static func metric(_ context: PlotContext, preferred: String? = nil) -> String? {
        var counts: [String: Int] = [:]
        for byAttempt in context.history.reports.values {
            for points in byAttempt.values {
                for point in points { for name in point.metrics.keys { counts[name, default: 0] += 1 } }
            }
        }
        if let preferred, counts[preferred] != nil { return preferred }
        let objective = context.objective.metric
        if counts[objective] != nil { return objective }
        let byCount = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
        return byCount.first { objective.contains($0) || $0.contains(objective) } ?? byCount.first
    }

    /// Whether lower values of `metric` are better: the objective's direction when the metric is
    /// (part of) the objective, else a guess from its name (accuracy, score, reward… are higher-better).
    static func lowerIsBetter(_ metric: String, objective: Objective) -> Bool {
        if objective.metric.contains(metric) || metric.contains(objective.metric) {
            return objective.direction == .minimize
        }
        let higher = ["acc", "auc", "f1", "precision", "recall", "score", "reward", "iou", "bleu", "map"]
        let name = metric.lowercased()
        return !higher.contains { name.contains($0) }
    }

    /// The curves to draw: at most `cap` trials, the best-ranked first, then unranked trials (failed,
    /// running) by number while room remains.
    package static func curves(_ context: PlotContext, cap: Int = defaultCap, metric preferred: String? = nil)
        -> Curves?
    {
        guard let metric = metric(context, preferred: preferred) else { return nil }
        let ranks = Dictionary(uniqueKeysWithValues: context.ranking.map { ($0.trial, $0.rank) })
        var candidates: [(trial: TrialID, rank: Int?, points: [(step: Double, value: Double)])] = []
        for trial in context.history.trials {
            guard let byAttempt = context.history.reports[trial.trial] else { continue }
            // The deciding attempt's reports: the last attempt that reported this metric.
            let attempt =
                trial.attempts.reversed().first { attempt in
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

    package static func make(
        _ context: PlotContext, cap: Int = defaultCap, metric: String? = nil, width: Double = 1080, height: Double = 380
    ) -> Markup? {
        guard let curves = curves(context, cap: cap, metric: metric) else { return nil }
        let allPoints = curves.trials.flatMap(\.points)
        let xScale = Scale.linear(allPoints.map(\.step), padding: 0.02)
        let values = allPoints.map(\.value)
        let axis = ValueAxis(values, lowerIsBetter: lowerIsBetter(curves.metric, objective: context.objective))
        let title =
            curves.available > curves.trials.count
            ? "Learning curves: \(curves.metric) (best \(curves.trials.count) of \(curves.available) trials)"
            : "Learning curves: \(curves.metric)"
        let frame = PlotFrame(
            id: "learning-curves", width: width, height: height, title: title, x: xScale, xLabel: "step",
            y: axis.scale, yLabel: axis.label(curves.metric), rightMargin: 44)

        let rankedCount = curves.trials.filter { $0.rank != nil }.count
        // The best-ranked trial drawn (the study's best may not have reported).
        let bestShown = curves.trials.compactMap(\.rank).min()
        var marks: [Markup] = []
        var overlay: [Markup] = []
        // Drawn worst first, the best last (on top).
        let order = curves.trials.enumerated().sorted { a, b in
            (a.element.rank ?? Int.max) > (b.element.rank ?? Int.max)
        }
        for (index, curve) in order.map({ ($0.offset, $0.element) }) {
            let points = curve.points.map {
                "\(px(frame.x.position($0.step))),\(px(frame.y.position(axis.clamp($0.value).value)))"
            }
            let pruned = context.history.trial(curve.trial).flatMap { $0.state == .pruned ? $0.finalAttempt : nil }
            let cls: String
            if curve.rank != nil {
                let goodness = rankedCount > 1 ? 1 - Double(index) / Double(rankedCount - 1) : 1
                cls = "curve \(PlotContext.qualityClass(goodness))" + (curve.rank == bestShown ? " is-best" : "")
            } else {
                cls = pruned != nil ? "curve pruned" : "curve unranked"
            }
            var text = "trial \(curve.trial)" + (curve.rank.map { " (rank \($0))" } ?? " (no objective)")
            if let pruned, let last = curve.points.last {
                let step = pruned.stopStep.map { "step \($0)" } ?? "step \(HumanFormat.number(last.step))"
                text = "trial \(curve.trial) pruned at \(step)" + (pruned.reason.map { ": \($0)" } ?? "")
                let x = frame.x.position(last.step)
                let y = frame.y.position(axis.clamp(last.value).value)
                overlay.append(
                    Markup(
                        "path",
                        [
                            ("class", "prune-mark"), ("data-trial", String(curve.trial.rawValue)),
                            (
                                "d",
                                "M\(px(x - 4)),\(px(y - 4))L\(px(x + 4)),\(px(y + 4))"
                                    + "M\(px(x - 4)),\(px(y + 4))L\(px(x + 4)),\(px(y - 4))"
                            )
                        ], [.element(Markup("title", text: text))]))
            }
            marks.append(
                Markup(
                    "polyline",
                    [
                        ("class", cls), ("data-trial", String(curve.trial.rawValue)),
                        ("points", points.joined(separator: " "))
                    ],
                    [.element(Markup("title", text: text))]))
            if let rank = curve.rank, rank == bestShown, let last = curve.points.last {
                let label = rank == 1 ? "best \(curve.trial)" : "\(curve.trial), rank \(rank)"
                overlay.append(
                    Markup(
                        "text",
                        [
                            ("class", "best-label"), ("x", px(frame.x.position(last.step) + 4)),
                            ("y", px(frame.y.position(axis.clamp(last.value).value) + 4))
                        ], text: label))
            }
        }
        let clipped = curves.trials.filter { curve in curve.points.contains { axis.clamp($0.value).clipped } }.count
        overlay += PlotContext.clippedNote(clipped, axis: axis, frame: frame, what: "curve", drawn: "flat")
        return frame.svg(
            marks, overlay: overlay,
            attributes: [
                ("data-lines", String(curves.trials.count)),
                ("data-metric", curves.metric)
            ])
    }

    /// Whether any drawn curve is a pruned trial's (for the legend).
    static func showsPruned(_ context: PlotContext, cap: Int = defaultCap, metric: String? = nil) -> Bool {
        curves(context, cap: cap, metric: metric)?.trials.contains { context.history.trial($0.trial)?.state == .pruned }
            ?? false
    }
}
