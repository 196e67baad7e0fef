import Foundation
import HPOCore

/// Several studies' convergence on one plot: each study's best objective so far (a step line in
/// its own colour, `series-N`) against the number of trials it has completed, so studies of
/// different sizes and speeds line up by effort. The direction (lower or higher is better) is the
/// first study's; studies that optimise another metric are still drawn, and the y label says so.
package enum ComparisonPlot {
    /// One study to draw: its name in the legend and its plot context.
    package struct Series: Sendable {
        package var name: String
        package var context: PlotContext
        package init(name: String, context: PlotContext) {
            self.name = name
            self.context = context
        }
    }

    /// Colours that are told apart (the series classes); more studies than this reuse them.
    package static let colours = 8

    /// The best-so-far steps of `series`, in the order its trials completed: (completed count, best).
    package static func steps(_ series: Series) -> [(count: Int, best: Double)] {
        let objective = series.context.objective
        let completed = series.context.ranking.compactMap { ranked -> (end: Double, trial: TrialID, value: Double)? in
            guard let end = series.context.history.trial(ranked.trial)?.finalAttempt?.ended else { return nil }
            return (end, ranked.trial, ranked.objective)
        }
        .sorted { ($0.end, $0.trial) < ($1.end, $1.trial) }
        var best: Double?
        var steps: [(count: Int, best: Double)] = []
        for (index, entry) in completed.enumerated() {
            if let current = best, !objective.isBetter(entry.value, than: current) { continue }
            best = entry.value
            steps.append((index + 1, entry.value))
        }
        return steps
    }

    package static func make(_ series: [Series], width: Double = 760, height: Double = 380) -> Markup? {
        let drawn = series.map { (series: $0, steps: steps($0), total: $0.context.ranking.count) }
        guard let first = series.first, drawn.contains(where: { !$0.steps.isEmpty }) else { return nil }
        let objective = first.context.objective
        let metrics = Set(series.map(\.context.objective.metric))
        let values = drawn.flatMap { $0.steps.map(\.best) }
        let valueAxis = ValueAxis(values, lowerIsBetter: objective.direction == .minimize)
        let longest = drawn.map(\.total).max() ?? 1
        let frame = PlotFrame(
            id: "comparison", width: width, height: height, title: "Best so far, by completed trials",
            x: .linear([0, Double(max(1, longest))], padding: 0.02), xLabel: "completed trials",
            y: valueAxis.scale,
            yLabel: metrics.count == 1
                ? valueAxis.label(objective.metric) : valueAxis.label("objective (metrics differ)"))

        var marks: [Markup] = []
        for (index, entry) in drawn.enumerated() where !entry.steps.isEmpty {
            var path = ""
            for step in entry.steps {
                let x = px(frame.x.position(Double(step.count)))
                let y = px(frame.y.position(valueAxis.clamp(step.best).value))
                path += path.isEmpty ? "M\(x),\(y)" : "H\(x)V\(y)"
            }
            path += "H\(px(frame.x.position(Double(max(entry.total, entry.steps.last?.count ?? 0)))))"
            let last = entry.steps[entry.steps.count - 1]
            let text =
                "\(entry.series.name): best \(entry.series.context.objective.metric) "
                + "\(HumanFormat.number(last.best)) after \(HumanFormat.count(entry.total)) completed trials"
            marks.append(
                Markup(
                    "path",
                    [("class", "series series-\(index % colours)"), ("d", path), ("data-study", entry.series.name)],
                    [.element(Markup("title", text: text))]))
        }
        return frame.svg(marks, attributes: [("data-series", String(drawn.count))])
    }
}
