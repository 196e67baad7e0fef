import Foundation
import HPOCore

/// What every plot reads: the study's history, its objective and the ranking of completed trials,
/// with the choices plots share (the objective's scale, the unit of wall time).
package struct PlotContext: Sendable {
    package var history: StudyHistory
    package var objective: Objective
    /// Completed trials with a finite objective, best first.
    package var ranking: [StudySummary.RankedTrial]
    package var parameterNames: [String]

    package init(history: StudyHistory) {
        self.history = history
        objective = history.config?.objective ?? Objective(metric: "objective", direction: .minimize)
        ranking = StudySummary.ranking(history, objective: objective)
        parameterNames = StudySummary.parameterNames(history)
    }

    /// The completed trials' objectives, finite.
    package var objectives: [Double] { ranking.map(\.objective) }

    /// The axis of objective values (see `ValueAxis`: log when they span decades, runaway values clipped).
    package func objectiveAxis(_ values: [Double]) -> ValueAxis {
        ValueAxis(values, lowerIsBetter: objective.direction == .minimize)
    }

    /// A note in the plot's corner when `count` points lie beyond the axis (drawn hollow at its edge).
    /// It sits in the title row, right-aligned. `what` names the things clipped (`value`, `curve`).
    static func clippedNote(
        _ count: Int, axis: ValueAxis, frame: PlotFrame, what: String = "value", drawn: String = "hollow"
    )
        -> [Markup]
    {
        guard count > 0 else { return [] }
        let side = axis.lowerIsBetter ? "above" : "below"
        // The long text when it fits beside the title, else a short one.
        let room = frame.plotRight - frame.plotLeft - Double(frame.title.count) * 7.8 - 12
        let long = "\(count) \(what)\(count == 1 ? "" : "s") \(side) the axis (\(drawn) at its edge)"
        let text = Double(long.count) * 5.9 <= room ? long : "\(count) off-scale (\(drawn))"
        return [
            Markup(
                "text", [("class", "clip-note"), ("x", px(frame.plotRight)), ("y", "20"), ("text-anchor", "end")],
                text: text)
        ]
    }

    /// A point's class: `pt`, plus `is-best` for the best trial and `clipped` when drawn at the edge.
    static func pointClass(best: Bool, clipped: Bool) -> String {
        "pt" + (best ? " is-best" : "") + (clipped ? " clipped" : "")
    }

    /// The unit wall time is shown in, for a span of `seconds`.
    package static func timeUnit(span seconds: Double) -> (name: String, seconds: Double) {
        if seconds < 120 { return ("s", 1) }
        if seconds < 7200 { return ("min", 60) }
        return ("h", 3600)
    }

    /// The colour class of a line or point by how good it is: `q0` (worst shown) to `q7` (best).
    package static func qualityClass(_ goodness: Double) -> String {
        let bin = Int((min(max(goodness, 0), 1) * 7).rounded())
        return "q\(bin)"
    }

    /// A category's label for a parameter value.
    static func categoryLabel(_ value: ParameterValue) -> String { HumanFormat.parameter(value) }

    /// An identifier safe in XML ids and CSS: letters, digits, `-` and `_`.
    static func slug(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
    }
}
