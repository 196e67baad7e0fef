import Foundation
import HPOCore

/// The objective against each parameter, one small plot per parameter (`param-<i>-<name>`): a dot
/// per completed trial, the best ringed, failed trials as ticks along the top. The x axis is
/// logarithmic for a log-scaled parameter and has one band per value for a categorical one (dots
/// spread a little sideways so they do not hide each other).
package enum ParameterPlots {
    package static func make(_ context: PlotContext, width: Double = 356, height: Double = 260) -> [Markup] {
        guard !context.ranking.isEmpty else { return [] }
        let axis = context.objectiveAxis(context.objectives)
        let specs = Dictionary(
            (context.history.config?.space.parameters ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let failed = context.history.trials.filter { $0.state == .failed }
        return context.parameterNames.enumerated().compactMap { index, name in
            plot(
                name: name, id: "param-\(index + 1)-\(PlotContext.slug(name))", spec: specs[name], context: context,
                failed: failed, axis: axis, width: width, height: height)
        }
    }

    /// How a parameter's values sit on an axis.
    struct Placement {
        var scale: Scale
        var label: String
        /// The axis value of a parameter value, nil if it cannot be shown.
        var value: @Sendable (ParameterValue) -> Double?
        /// How far dots may spread sideways, in axis units (categories and small integer ranges, where
        /// many trials share a value).
        var spread: Double = 0
    }

    /// The axis for a parameter: from its spec when known, else from the values seen.
    static func placement(name: String, spec: ParameterSpec?, values: [ParameterValue]) -> Placement {
        let numbers = values.compactMap(\.doubleValue)
        switch spec?.domain {
        case .float(let low, let high, let log)?:
            return numeric(name: name, bounds: [low, high] + numbers, log: log && low > 0)
        case .int(let low, let high, let log)?:
            let spread = !log && high - low <= 20 ? 0.5 : 0
            // Room at the ends for dots spread sideways.
            let margin = spread > 0 ? [Double(low) - 0.25, Double(high) + 0.25] : []
            var placement = numeric(
                name: name, bounds: [Double(low), Double(high)] + numbers + margin, log: log && low > 0)
            placement.scale = placement.scale.withIntegerTicks()
            placement.spread = spread
            return placement
        case .choice(let choices)?:
            return categorical(name: name, categories: choices.map(PlotContext.categoryLabel))
        case nil:
            if numbers.count == values.count, !numbers.isEmpty {
                return numeric(name: name, bounds: numbers, log: false)
            }
            let labels = values.map(PlotContext.categoryLabel)
            var seen = Set<String>()
            return categorical(name: name, categories: labels.filter { seen.insert($0).inserted }.sorted())
        }
    }

    private static func numeric(name: String, bounds: [Double], log: Bool) -> Placement {
        let scale: Scale = log ? .log(bounds, padding: 0.03) : .linear(bounds, padding: 0.03)
        return Placement(scale: scale, label: log ? "\(name) (log scale)" : name, value: { $0.doubleValue })
    }

    private static func categorical(name: String, categories: [String]) -> Placement {
        let scale = Scale.categorical(categories)
        return Placement(
            scale: scale, label: name,
            value: { value in
                categories.firstIndex(of: PlotContext.categoryLabel(value)).map(Double.init)
            }, spread: 1)
    }

    /// A deterministic sideways offset in (-0.3, 0.3), by trial number.
    static func jitter(_ trial: TrialID) -> Double {
        let golden = 0.618_033_988_749_895
        let fraction = (Double(trial.rawValue) * golden).truncatingRemainder(dividingBy: 1)
        return (fraction - 0.5) * 0.6
    }

    private static func plot(
        name: String, id: String, spec: ParameterSpec?, context: PlotContext, failed: [TrialRecord], axis: ValueAxis,
        width: Double, height: Double
    ) -> Markup? {
        let values = context.ranking.compactMap { $0.params[name] } + failed.compactMap { $0.params[name] }
        let placement = placement(name: name, spec: spec, values: values)
        let frame = PlotFrame(
            id: id, width: width, height: height, title: name, x: placement.scale, xLabel: placement.label,
            y: axis.scale, yLabel: axis.label(context.objective.metric))
        func xPosition(_ value: ParameterValue, trial: TrialID) -> Double? {
            guard let x = placement.value(value) else { return nil }
            guard placement.spread > 0 else { return frame.x.position(x) }
            return frame.x.position(x + jitter(trial) * placement.spread)
        }

        var marks: [Markup] = []
        var count = 0
        var clippedCount = 0
        // Worst first, so better points are drawn over worse ones.
        for ranked in context.ranking.reversed() {
            guard let value = ranked.params[name], let cx = xPosition(value, trial: ranked.trial) else { continue }
            let text =
                "trial \(ranked.trial): \(name) = \(HumanFormat.parameter(value)), "
                + "\(context.objective.metric) \(HumanFormat.number(ranked.objective))"
            let (y, clipped) = axis.clamp(ranked.objective)
            let cy = frame.y.position(y)
            let cls = PlotContext.pointClass(best: ranked.rank == 1, clipped: clipped)
            if clipped { clippedCount += 1 }
            marks.append(
                Markup(
                    "circle", [("class", cls), ("cx", px(cx)), ("cy", px(cy)), ("r", "3")],
                    [.element(Markup("title", text: text))]))
            if ranked.rank == 1 {
                marks.append(Markup("circle", [("class", "best-ring"), ("cx", px(cx)), ("cy", px(cy)), ("r", "7")]))
            }
            count += 1
        }
        for trial in failed {
            guard let value = trial.params[name], let x = xPosition(value, trial: trial.trial) else { continue }
            let reason = trial.finalAttempt?.reason ?? "failed"
            marks.append(
                Markup(
                    "path", [("class", "fail-mark"), ("d", "M\(px(x)),\(px(frame.plotTop))v10")],
                    [.element(Markup("title", text: "trial \(trial.trial) failed: \(reason)"))]))
        }
        return frame.svg(
            marks, overlay: PlotContext.clippedNote(clippedCount, axis: axis, frame: frame),
            attributes: [("data-param", name), ("data-points", String(count))])
    }
}
