import Foundation
import HPOCore

/// Parallel coordinates of the best trials (`parallel-coordinates`): one vertical axis per
/// parameter and a last one for the objective (better at the top), one line per trial through its
/// values, coloured from worst shown (pale) to best (strong), the best drawn thickest.
package enum ParallelCoordinatesPlot {
    package static let defaultCount = 20

    package static func make(
        _ context: PlotContext, count: Int = defaultCount, width: Double = 1080, height: Double = 360
    )
        -> Markup?
    {
        let shown = Array(context.ranking.prefix(count))
        guard !shown.isEmpty, !context.parameterNames.isEmpty else { return nil }
        let specs = Dictionary(
            (context.history.config?.space.parameters ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let top = 60.0
        let bottom = 24.0
        let left = 70.0
        let right = 90.0
        let names = context.parameterNames
        let axisCount = names.count + 1
        let spacing = (width - left - right) / Double(max(1, axisCount - 1))
        let axisX = (0..<axisCount).map { left + Double($0) * spacing }

        // One axis per parameter, over the range the study searched (its space's bounds).
        var placements: [ParameterPlots.Placement] = names.map { name in
            ParameterPlots.placement(name: name, spec: specs[name], values: shown.compactMap { $0.params[name] })
        }
        placements = placements.map { placement in
            var p = placement
            p.scale = p.scale.placed(from: height - bottom, to: top)
            return p
        }
        // The objective: better at the top.
        let axis = context.objectiveAxis(shown.map(\.objective))
        let objectiveScale =
            context.objective.direction == .minimize
            ? axis.scale.placed(from: top, to: height - bottom) : axis.scale.placed(from: height - bottom, to: top)

        let title = "Top \(shown.count) trials across parameters"
        var svg = PlotFrame.root(
            id: "parallel-coordinates", width: width, height: height, title: title,
            attributes: [("data-lines", String(shown.count))])
        svg.append(Markup("text", [("class", "plot-title"), ("x", "8"), ("y", "20")], text: title))

        // Lines, worst first so the best end up on top.
        var lines = Markup("g", [("class", "marks")])
        for (index, ranked) in shown.enumerated().reversed() {
            var points: [String] = []
            for (axis, name) in names.enumerated() {
                guard let value = ranked.params[name], let v = placements[axis].value(value) else { continue }
                points.append("\(px(axisX[axis])),\(px(placements[axis].scale.position(v)))")
            }
            points.append(
                "\(px(axisX[names.count])),\(px(objectiveScale.position(axis.clamp(ranked.objective).value)))")
            let goodness = shown.count > 1 ? 1 - Double(index) / Double(shown.count - 1) : 1
            let cls = "pc-line \(PlotContext.qualityClass(goodness))" + (ranked.rank == 1 ? " is-best" : "")
            let text =
                """
                trial \(ranked.trial) (rank \(ranked.rank)): \(context.objective.metric) \
                \(HumanFormat.number(ranked.objective))
                """
            lines.append(
                Markup(
                    "polyline", [("class", cls), ("points", points.joined(separator: " "))],
                    [.element(Markup("title", text: text))]))
        }
        svg.append(lines)

        // Axes on top of the lines, with their names and a few values.
        var axes = Markup("g", [("class", "pc-axes")])
        for (axis, name) in names.enumerated() {
            axes.append(
                contentsOf: axisMarks(
                    x: axisX[axis], scale: placements[axis].scale, name: name,
                    top: top, bottom: height - bottom, spacing: spacing))
        }
        let objectiveName = context.objective.metric + " (best at top)"
        axes.append(
            contentsOf: axisMarks(
                x: axisX[names.count], scale: objectiveScale, name: objectiveName,
                top: top, bottom: height - bottom, spacing: spacing))
        svg.append(axes)
        return svg
    }

    /// A vertical axis: its line, its name above, tick labels to its right.
    private static func axisMarks(x: Double, scale: Scale, name: String, top: Double, bottom: Double, spacing: Double)
        -> [Markup]
    {
        var marks = [
            Markup("line", [("class", "axis"), ("x1", px(x)), ("y1", px(top)), ("x2", px(x)), ("y2", px(bottom))])
        ]
        let nameWidth = max(spacing - 8, 60)
        marks.append(
            Markup(
                "text", [("class", "axis-label"), ("x", px(x)), ("y", px(top - 16)), ("text-anchor", "middle")],
                text: PlotFrame.truncate(name, toWidth: nameWidth)))
        let maxTicks = max(2, Int((bottom - top) / 40))
        let labelWidth = max(spacing * 0.45, 30)
        for tick in scale.ticks(maxCount: maxTicks) where tick.isMajor && scale.contains(tick.value) {
            let y = scale.position(tick.value)
            marks.append(
                Markup("line", [("class", "tick"), ("x1", px(x - 3)), ("y1", px(y)), ("x2", px(x + 3)), ("y2", px(y))]))
            marks.append(
                Markup(
                    "text", [("class", "pc-tick"), ("x", px(x + 6)), ("y", px(y + 3.5))],
                    text: PlotFrame.truncate(tick.label, toWidth: labelWidth)))
        }
        return marks
    }
}
