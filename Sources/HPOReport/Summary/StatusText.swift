import Foundation
import HPOCore

/// `hpo status`: the summary in a few lines, then the top trials as a table (parameters as columns).
package enum StatusText {
    package static func render(_ summary: StudySummary, path: String? = nil, tornTail: Bool = false) -> String {
        var lines: [String] = []
        var title = "study \(summary.study): \(summary.state.rawValue)"
        if let reason = summary.finishReason { title += " (\(reason))" }
        lines.append(title)
        if let path {
            lines.append("  log        \(path)" + (tornTail ? " (last line incomplete: still being written)" : ""))
        }

        let c = summary.counts
        var trials =
            "\(HumanFormat.count(c.done)) of \(HumanFormat.count(summary.plannedTrials)) done: "
            + "\(HumanFormat.count(c.completed)) completed, \(HumanFormat.count(c.failed)) failed"
            + (c.pruned > 0 ? ", \(HumanFormat.count(c.pruned)) pruned" : "")
            + "; \(HumanFormat.count(c.running)) running"
            + (c.paused > 0 ? ", \(HumanFormat.count(c.paused)) paused" : "")
        if c.queued > 0 { trials += ", \(c.queued) queued" }
        if c.interrupted > 0 { trials += ", \(c.interrupted) interrupted" }
        lines.append("  trials     " + trials)
        if let warning = summary.placementWarning { lines.append("  warning    " + warning) }
        var attempts = "\(HumanFormat.count(c.attempts)) attempts, \(c.failedAttempts) failed, \(c.retries) retries"
        if c.lostAttempts > 0 { attempts += ", \(c.lostAttempts) lost" }
        if c.preemptedAttempts > 0 { attempts += ", \(c.preemptedAttempts) preempted" }
        if c.resultsDropped > 0 { attempts += ", \(c.resultsDropped) results dropped" }
        lines.append("  attempts   " + attempts)
        if c.fromFallback > 0 || c.staleProposals > 0 {
            lines.append(
                "  search     \(HumanFormat.count(c.fromFallback)) of the trials quasi-random "
                    + "(the model had none ready), \(HumanFormat.count(c.staleProposals)) proposed "
                    + "before the latest results")
        }

        let direction = summary.objective.direction.rawValue
        if !summary.constraints.isEmpty {
            lines.append(
                "  feasible   \(HumanFormat.count(c.completed - c.infeasible)) of \(HumanFormat.count(c.completed)) "
                    + "completed meet " + summary.constraints.map(describe).joined(separator: ", "))
        }
        if let pareto = summary.pareto {
            lines += paretoLines(pareto)
        } else if let best = summary.best {
            lines.append(
                "  best       \(summary.objective.metric) \(HumanFormat.number(best.objective)) "
                    + "at trial \(best.trial) (\(direction))")
            let params = summary.parameterNames.compactMap { name in
                best.params[name].map { "\(name)=\(HumanFormat.parameter($0))" }
            }
            if !params.isEmpty { lines.append("             " + params.joined(separator: "  ")) }
        } else {
            lines.append("  best       none yet (\(direction) \(summary.objective.metric))")
        }
        var pace =
            """
            \(summary.trialsPerHour.map { HumanFormat.rate(perHour: $0) } ?? "–") over \
            \(HumanFormat.duration(summary.elapsedSeconds))
            """
        if let eta = summary.etaSeconds { pace += ", about \(HumanFormat.duration(eta)) left" }
        lines.append("  pace       " + pace)
        lines += actionLines(summary.actions)
        let w = summary.workers
        let utilisation = w.utilisation.map { HumanFormat.percent($0) } ?? "–"
        if summary.state == .running {
            lines.append(
                "  workers    \(w.busy) busy of \(w.connected) connected (\(w.seen) seen), utilisation \(utilisation)")
        } else {
            lines.append("  workers    \(w.seen) took part, utilisation \(utilisation)")
        }

        if !summary.top.isEmpty {
            lines.append("")
            lines.append("top \(summary.top.count) by \(summary.objective.metric) (\(direction)):")
            lines += table(summary).map { "  " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The last few things people asked of the study, newest last, and how many came before.
    static func actionLines(_ actions: [UserAction], shown: Int = 5) -> [String] {
        guard !actions.isEmpty else { return [] }
        var lines: [String] = []
        if actions.count > shown { lines.append("\(HumanFormat.count(actions.count - shown)) earlier, then:") }
        for action in actions.suffix(shown) {
            lines.append("\(HumanFormat.timestamp(action.time))  \(action.description)  (\(action.origin))")
        }
        return lines.enumerated().map { ($0 == 0 ? "  actions    " : "             ") + $1 }
    }

    static func describe(_ constraint: OutcomeConstraint) -> String {
        switch (constraint.min, constraint.max) {
        case (let low?, let high?):
            "\(HumanFormat.number(low)) <= \(constraint.metric) <= \(HumanFormat.number(high))"
        case (let low?, nil): "\(constraint.metric) >= \(HumanFormat.number(low))"
        case (nil, let high?): "\(constraint.metric) <= \(HumanFormat.number(high))"
        case (nil, nil): constraint.metric
        }
    }

    /// The front: its size and hypervolume, then one line per trial on it (at most 10).
    static func paretoLines(_ pareto: ParetoSummary) -> [String] {
        let names = pareto.objectives.map { "\($0.metric) (\($0.direction.rawValue))" }.joined(separator: ", ")
        guard !pareto.front.isEmpty else { return ["  front      none yet (\(names))"] }
        let reference = pareto.reference.map { HumanFormat.number($0) }.joined(separator: ", ")
        let trials = "\(pareto.front.count) trial\(pareto.front.count == 1 ? "" : "s")"
        var lines = [
            "  front      \(trials) on the Pareto front of \(names); "
                + "hypervolume \(HumanFormat.number(pareto.hypervolume)) (reference \(reference))"
        ]
        for point in pareto.front.prefix(10) {
            let values = zip(pareto.objectives, point.values).map { "\($0.metric)=\(HumanFormat.number($1))" }
            lines.append("             trial \(point.trial): " + values.joined(separator: "  "))
        }
        if pareto.front.count > 10 { lines.append("             … and \(pareto.front.count - 10) more") }
        return lines
    }

    /// The top trials as aligned text columns: numbers right-aligned, text left-aligned.
    static func table(_ summary: StudySummary) -> [String] {
        let header = ["rank", "trial", summary.objective.metric] + summary.parameterNames + ["duration", "worker"]
        var rows: [[String]] = [header]
        for ranked in summary.top {
            rows.append(
                ["\(ranked.rank)", "\(ranked.trial)", HumanFormat.number(ranked.objective)]
                    + summary.parameterNames.map { ranked.params[$0].map(HumanFormat.parameter) ?? "-" }
                    + [ranked.durationSeconds.map { HumanFormat.duration($0) } ?? "-", ranked.worker.rawValue])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let leftAligned = header.count - 1
        return rows.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == leftAligned ? cell + pad : pad + cell
            }.joined(separator: "  ").replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression)
        }
    }
}
