import HPOCore
import HPOJournal

/// The report's header: the study's name and state, and the summary as cards.
enum SummarySection {
    static func header(_ summary: StudySummary, log: StudyLog) -> [Markup] {
        var title = Markup("h1", text: summary.study)
        var badge = summary.state.rawValue
        if let reason = summary.finishReason { badge += ": \(reason)" }
        title.append(Markup("span", [("class", "badge \(summary.state.rawValue)")], text: badge))
        var meta = "\(log.path) · \(HumanFormat.timestamp(summary.startTime)) to \(HumanFormat.timestamp(summary.asOf))"
        meta +=
            " · " + summary.objectives.map { "\($0.direction.rawValue) \($0.metric)" }.joined(separator: ", ")
        if !summary.constraints.isEmpty {
            meta += " · subject to " + summary.constraints.map(StatusText.describe).joined(separator: ", ")
        }
        if let config = log.started?.config { meta += " · \(config.strategy.kind.rawValue) search" }
        if log.tornTail { meta += " · last line incomplete (still being written?)" }
        return [title, Markup("div", [("class", "meta")], text: meta), cards(summary)]
    }

    static func cards(_ summary: StudySummary) -> Markup {
        let counts = summary.counts
        var cards: [Markup] = []
        let fraction = summary.plannedTrials > 0 ? min(1, Double(counts.done) / Double(summary.plannedTrials)) : 0
        var done = card(
            "trials done", "\(HumanFormat.count(counts.done)) / \(HumanFormat.count(summary.plannedTrials))",
            "\(HumanFormat.count(counts.completed)) completed, \(HumanFormat.count(counts.failed)) failed"
                + (counts.pruned > 0 ? ", \(HumanFormat.count(counts.pruned)) pruned" : ""))
        done.append(
            Markup(
                "div", [("class", "progress")],
                [
                    .element(
                        Markup("span", [("style", "width: \(px(fraction * 100))%")]))
                ]))
        cards.append(done)
        if let pareto = summary.pareto {
            cards.append(
                card(
                    "Pareto front", "\(pareto.front.count) trials",
                    "hypervolume \(HumanFormat.number(pareto.hypervolume))"))
        } else if let best = summary.best {
            cards.append(
                card("best \(summary.objective.metric)", HumanFormat.number(best.objective), "trial \(best.trial)"))
        } else {
            let none = summary.counts.completed > 0 ? "no feasible trial yet" : "no completed trial yet"
            cards.append(card("best \(summary.objective.metric)", "–", none))
        }
        var activity = "\(counts.queued) queued"
        if counts.interrupted > 0 { activity += ", \(counts.interrupted) interrupted" }
        cards.append(card("running", HumanFormat.count(counts.running), activity))
        var attempts = "\(counts.retries) retries"
        if counts.lostAttempts > 0 { attempts += ", \(counts.lostAttempts) lost" }
        if counts.preemptedAttempts > 0 { attempts += " (\(counts.preemptedAttempts) of them preempted)" }
        if counts.resultsDropped > 0 { attempts += ", \(counts.resultsDropped) dropped" }
        cards.append(card("failed attempts", HumanFormat.count(counts.failedAttempts), attempts))
        cards.append(
            card(
                "pace", summary.trialsPerHour.map { HumanFormat.rate(perHour: $0) } ?? "–",
                "over \(HumanFormat.duration(summary.elapsedSeconds))"))
        cards.append(
            card(
                "time left", summary.etaSeconds.map { HumanFormat.duration($0) } ?? "–",
                summary.state == .running ? "at this pace" : summary.state.rawValue))
        let workers = summary.workers
        if summary.state == .running {
            cards.append(
                card("workers", "\(workers.busy) / \(workers.connected)", "busy / connected, \(workers.seen) seen"))
        } else {
            cards.append(card("workers", "\(workers.seen)", "took part"))
        }
        cards.append(
            card("utilisation", workers.utilisation.map { HumanFormat.percent($0) } ?? "–", "of worker slot time"))
        return Markup("div", [("class", "cards")], cards.map { .element($0) })
    }

    private static func card(_ key: String, _ value: String, _ sub: String) -> Markup {
        Markup(
            "div", [("class", "card")],
            [
                .element(Markup("div", [("class", "k")], text: key)),
                .element(Markup("div", [("class", "v")], text: value)),
                .element(Markup("div", [("class", "s")], text: sub))
            ])
    }
}
