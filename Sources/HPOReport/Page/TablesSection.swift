import HPOCore

/// The report's tables: the top trials, and the failed (and lost) attempts with their reasons.
enum TablesSection {
    /// The best trials, one column per parameter.
    static func topTrials(_ summary: StudySummary) -> Markup? {
        guard !summary.top.isEmpty else { return nil }
        let head = ["rank", "trial", summary.objective.metric] + summary.parameterNames + ["duration", "worker"]
        // Right-aligned: rank, trial, objective, duration, and the parameters whose values are all numbers.
        var numeric: Set<Int> = [0, 1, 2, head.count - 2]
        for (index, name) in summary.parameterNames.enumerated()
        where summary.top.allSatisfy({ $0.params[name]?.doubleValue != nil }) {
            numeric.insert(3 + index)
        }
        var rows: [Markup] = []
        for ranked in summary.top {
            var cells = [
                "\(ranked.rank)", "\(ranked.trial)", HumanFormat.number(ranked.objective)
            ]
            cells += summary.parameterNames.map { ranked.params[$0].map(HumanFormat.parameter) ?? "–" }
            cells += [ranked.durationSeconds.map { HumanFormat.duration($0) } ?? "–", ranked.worker.rawValue]
            var row = Markup("tr", ranked.rank == 1 ? [("class", "best")] : [])
            for (index, cell) in cells.enumerated() {
                row.append(Markup("td", numeric.contains(index) ? [("class", "num")] : [], text: cell))
            }
            rows.append(row)
        }
        return table(id: "top-trials", head: head, numeric: numeric, rows: rows)
    }

    /// Every failed or lost attempt: when, where, why, and the end of its stderr.
    static func failures(_ history: StudyHistory) -> Markup? {
        let attempts = history.attempts.filter { $0.outcome == .failed || $0.outcome == .lost }
        guard !attempts.isEmpty else { return nil }
        let head = ["trial", "attempt", "outcome", "reason", "exit", "after", "worker", "parameters"]
        var rows: [Markup] = []
        for attempt in attempts {
            var row = Markup("tr", [("data-trial", String(attempt.trial.rawValue))])
            let outcome =
                attempt.outcome == .failed ? (attempt.willRetry ? "failed, retried" : "failed") : "lost, re-run"
            let params = attempt.params.sorted { $0.key < $1.key }
                .map { "\($0.key)=\(HumanFormat.parameter($0.value))" }.joined(separator: " ")
            let duration = attempt.durationSeconds ?? ((attempt.ended ?? history.asOf) - attempt.dispatched)
            row.append(Markup("td", [("class", "num")], text: "\(attempt.trial)"))
            row.append(Markup("td", [("class", "num")], text: "\(attempt.attempt)"))
            row.append(Markup("td", [("class", "nowrap")], text: outcome))
            var reason = Markup("td", text: attempt.reason ?? "–")
            if let tail = attempt.stderrTail, !tail.isEmpty {
                let count = tail.split(separator: "\n").count
                reason.append(
                    Markup(
                        "details", [],
                        [
                            .element(
                                Markup(
                                    "summary", text: count == 1 ? "stderr (last line)" : "stderr (last \(count) lines)")
                            ),
                            .element(Markup("pre", text: tail))
                        ]))
            }
            row.append(reason)
            row.append(Markup("td", [("class", "num")], text: attempt.exitCode.map(String.init) ?? "–"))
            row.append(Markup("td", [("class", "num")], text: HumanFormat.duration(duration)))
            row.append(Markup("td", text: attempt.worker.rawValue))
            row.append(Markup("td", [], [.element(Markup("code", text: params))]))
            rows.append(row)
        }
        return table(id: "failed-trials", head: head, numeric: [0, 1, 4, 5], rows: rows)
    }

    private static func table(id: String, head: [String], numeric: Set<Int>, rows: [Markup]) -> Markup {
        var header = Markup("tr")
        for (index, name) in head.enumerated() {
            header.append(Markup("th", numeric.contains(index) ? [("class", "num")] : [], text: name))
        }
        let table = Markup(
            "table", [("id", id)],
            [
                .element(Markup("thead", [], [.element(header)])),
                .element(Markup("tbody", [], rows.map { .element($0) }))
            ])
        return Markup("div", [("class", "scroll")], [.element(table)])
    }
}
