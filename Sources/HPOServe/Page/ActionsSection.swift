import Foundation
import HPOJournal
import HPOReport

/// The actions journaled in a log (`control_action`, and `trial_enqueued` lines): when, what, and
/// who asked, as the coordinator recorded them. The page shows them whether or not it can act.
enum ActionsSection {
    static func render(_ records: [JournalRecord]) -> Markup? {
        let rows = records.compactMap(UserAction.init).map { action in
            Markup(
                "tr", [("data-action", action.description.split(separator: " ").first.map(String.init) ?? "")],
                [HumanFormat.timestamp(action.time), action.description, action.origin].map {
                    .element(Markup("td", text: $0))
                })
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
