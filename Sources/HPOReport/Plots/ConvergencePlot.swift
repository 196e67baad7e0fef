import Foundation
import HPOCore

/// The objective of every completed trial (a dot each) and the best so far (a step line), against
/// the trial number (`convergence-trials`) or the wall time since the study started
/// (`convergence-time`, at the moment each trial ended). Trials that failed for good are ticks
/// under the axis.
package enum ConvergencePlot {
    package enum Axis: Sendable {
        case trialNumber
        case wallTime
    }

    package static func make(_ context: PlotContext, against axis: Axis, width: Double = 540, height: Double = 320)
        -> Markup?
    {
        let trials = context.ranking
        guard !trials.isEmpty else { return nil }
        let history = context.history
        let start = history.startTime
        let unit = PlotContext.timeUnit(span: history.asOf - start)

        /// x of a completed trial, and of a failed one.
        func xValue(_ trial: TrialID) -> Double? {
            switch axis {
            case .trialNumber: return Double(trial.rawValue)
            case .wallTime:
                guard let end = history.trial(trial)?.finalAttempt?.ended else { return nil }
                return (end - start) / unit.seconds
            }
        }
        let points = trials.compactMap { ranked in xValue(ranked.trial).map { (x: $0, ranked: ranked) } }
            .sorted { ($0.x, $0.ranked.trial) < ($1.x, $1.ranked.trial) }
        let failed = history.trials.filter { $0.state == .failed }.compactMap { xValue($0.trial) }

        let id = axis == .trialNumber ? "convergence-trials" : "convergence-time"
        let xs = points.map(\.x) + failed
        let xScale: Scale
        switch axis {
        case .trialNumber:
            xScale = .linear(
                [0] + xs + [Double(max(1, history.trials.map(\.trial.rawValue).max() ?? 1))], padding: 0.02)
        case .wallTime:
            xScale = .linear([0, (history.asOf - start) / unit.seconds] + xs, padding: 0.02)
        }
        let valueAxis = context.objectiveAxis(points.map(\.ranked.objective))
        let frame = PlotFrame(
            id: id, width: width, height: height,
            title: axis == .trialNumber ? "Best so far, by trial" : "Best so far, over time",
            x: xScale, xLabel: axis == .trialNumber ? "trial number" : "wall time since start (\(unit.name))",
            y: valueAxis.scale, yLabel: valueAxis.label(context.objective.metric))

        var marks: [Markup] = []
        var best: Double?
        var path = ""
        for point in points {
            let value = point.ranked.objective
            let px0 = frame.x.position(point.x)
            let y = frame.y.position(valueAxis.clamp(value).value)
            if let current = best {
                if context.objective.isBetter(value, than: current) {
                    path += "H\(px(px0))V\(px(y))"
                    best = value
                }
            } else {
                path = "M\(px(px0)),\(px(y))"
                best = value
            }
        }
        if !path.isEmpty {
            path += "H\(px(frame.plotRight))"
            marks.append(Markup("path", [("class", "best-line"), ("d", path)]))
        }
        for point in points {
            let text =
                "trial \(point.ranked.trial): \(context.objective.metric) \(HumanFormat.number(point.ranked.objective))"
            let (y, clipped) = valueAxis.clamp(point.ranked.objective)
            marks.append(
                Markup(
                    "circle",
                    [
                        ("class", PlotContext.pointClass(best: point.ranked.rank == 1, clipped: clipped)),
                        ("cx", px(frame.x.position(point.x))), ("cy", px(frame.y.position(y))), ("r", "3")
                    ], [.element(Markup("title", text: text))]))
        }
        if let top = points.first(where: { $0.ranked.rank == 1 }) {
            marks.append(
                Markup(
                    "circle",
                    [
                        ("class", "best-ring"), ("cx", px(frame.x.position(top.x))),
                        ("cy", px(frame.y.position(valueAxis.clamp(top.ranked.objective).value))), ("r", "7")
                    ]))
        }
        let failMarks = failed.map { x in
            Markup(
                "path",
                [
                    ("class", "fail-mark"),
                    ("d", "M\(px(frame.x.position(x))),\(px(frame.plotBottom - 10))v10")
                ])
        }
        let clipped = points.filter { valueAxis.clamp($0.ranked.objective).clipped }.count
        return frame.svg(
            marks, overlay: failMarks + PlotContext.clippedNote(clipped, axis: valueAxis, frame: frame),
            attributes: [("data-points", String(points.count))])
    }
}
