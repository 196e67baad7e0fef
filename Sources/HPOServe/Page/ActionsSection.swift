import Foundation
import HPOJournal
import HPOReport

/// The actions journaled in a log (`control_action`, and `trial_enqueued` lines): when, what, and
/// who asked, as the coordinator recorded them. The page shows them whether or not it can act.
enum ActionsSection {
    static func render(_ records: [JournalRecord]) -> Markup? {
        var rows: [Markup] = []
        for record in records {
            let cells: [String]
            switch record.event {
            case .controlAction(let e):
                var what = e.action.replacingOccurrences(of: "_", with: " ")
                if let trial = e.trial { what += " \(trial)" }
                if let trials = e.trials { what += " +\(HumanFormat.count(trials))" }
                if let budget = e.budget { what += " (budget \(HumanFormat.count(budget)))" }
                cells = [HumanFormat.timestamp(record.time), what, e.origin]
            case .trialEnqueued(let e):
                let params = e.params.keys.sorted().map { "\($0)=\(HumanFormat.parameter(e.params[$0]!))" }
                cells = [
                    HumanFormat.timestamp(record.time), "enqueue #\(e.enqueueID): " + params.joined(separator: ", "),
                    e.origin
                ]
            default:
                continue
            }
            rows.append(
                Markup(
                    "tr", [("data-action", cells[1].split(separator: " ").first.map(String.init) ?? "")],
                    cells.map { .element(Markup("td", text: $0)) }))
        }
        guard !rows.isEmpty else { return nil }
        var section = Markup("section", [("id", "section-actions")])
        section.append(Markup("h2", text: "Actions"))
        section.append(
            Markup(
                "p", [("class", "how")],
                text: "What people asked of the running study through its control address, as the coordinator "
                    + "journaled it before acting: when, what, and who asked."))
        let head = Markup(
            "tr", [], ["time", "action", "origin"].map { .element(Markup("th", text: $0)) })
        section.append(
            Markup(
                "div", [("class", "scroll")],
                [.element(Markup("table", [("id", "actions")], [.element(head)] + rows.map { .element($0) }))]))
        return section
    }
}
