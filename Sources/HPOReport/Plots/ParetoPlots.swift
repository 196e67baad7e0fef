import Foundation
import HPOCore

/// Studies with several objectives: the completed trials on the first two objectives with the
/// Pareto front highlighted and joined by its staircase (`pareto-front`), and the hypervolume of
/// the front after each completed trial (`hypervolume`).
package enum ParetoPlots {
    package static func front(_ pareto: ParetoSummary, width: Double = 540, height: Double = 360) -> Markup? {
        guard pareto.objectives.count >= 2, !pareto.points.isEmpty else { return nil }
        let (first, second) = (pareto.objectives[0], pareto.objectives[1])
        let xAxis = ValueAxis(pareto.points.map { $0.values[0] }, lowerIsBetter: first.direction == .minimize)
        let yAxis = ValueAxis(pareto.points.map { $0.values[1] }, lowerIsBetter: second.direction == .minimize)
        let frame = PlotFrame(
            id: "pareto-front", width: width, height: height, title: "Pareto front",
            x: xAxis.scale, xLabel: xAxis.label(first.metric), y: yAxis.scale, yLabel: yAxis.label(second.metric))
        func position(_ values: [Double]) -> (x: Double, y: Double, clipped: Bool) {
            let x = xAxis.clamp(values[0])
            let y = yAxis.clamp(values[1])
            return (frame.x.position(x.value), frame.y.position(y.value), x.clipped || y.clipped)
        }
        var marks: [Markup] = []
        // The staircase: the region the front dominates ends along it.
        var path = ""
        for point in pareto.front {
            let p = position(point.values)
            path += path.isEmpty ? "M\(px(p.x)),\(px(p.y))" : "H\(px(p.x))V\(px(p.y))"
        }
        if !path.isEmpty { marks.append(Markup("path", [("class", "best-line"), ("d", path)])) }
        let onFront = Set(pareto.front.map(\.trial))
        for point in pareto.points {
            let p = position(point.values)
            let values = zip(pareto.objectives, point.values).map { "\($0.metric) \(HumanFormat.number($1))" }
            let text =
                "trial \(point.trial): " + values.joined(separator: ", ")
                + (point.feasible ? "" : " (infeasible)") + (onFront.contains(point.trial) ? " (on the front)" : "")
            var cls = PlotContext.pointClass(best: onFront.contains(point.trial), clipped: p.clipped)
            if !point.feasible { cls += " infeasible" }
            marks.append(
                Markup(
                    "circle",
                    [
                        ("class", cls), ("cx", px(p.x)), ("cy", px(p.y)),
                        ("r", onFront.contains(point.trial) ? "4" : "3")
                    ],
                    [.element(Markup("title", text: text))]))
        }
        return frame.svg(
            marks,
            attributes: [("data-points", String(pareto.points.count)), ("data-front", String(pareto.front.count))])
    }

    package static func hypervolume(_ pareto: ParetoSummary, width: Double = 540, height: Double = 360) -> Markup? {
        guard let last = pareto.steps.last else { return nil }
        let frame = PlotFrame(
            id: "hypervolume", width: width, height: height, title: "Hypervolume of the front, by trial",
            x: Scale.linear([0, Double(last.completed)], padding: 0.02).withIntegerTicks(),
            xLabel: "completed trials", y: Scale.linear([0] + pareto.steps.map(\.hypervolume)),
            yLabel: "hypervolume")
        var path = ""
        var previous: Double?
        for step in pareto.steps {
            let x = px(frame.x.position(Double(step.completed)))
            let y = px(frame.y.position(step.hypervolume))
            if previous == nil {
                path = "M\(x),\(y)"
            } else if step.hypervolume != previous {
                path += "H\(x)V\(y)"
            }
            previous = step.hypervolume
        }
        path += "H\(px(frame.x.position(Double(last.completed))))"
        let reference = zip(pareto.objectives, pareto.reference).map { "\($0.metric) \(HumanFormat.number($1))" }
        return frame.svg(
            [
                Markup(
                    "path", [("class", "best-line"), ("d", path)],
                    [.element(Markup("title", text: "reference point: " + reference.joined(separator: ", ")))])
            ], attributes: [("data-points", String(pareto.steps.count))])
    }
}
