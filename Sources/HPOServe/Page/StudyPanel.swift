import HPOJournal
import HPOReport

/// A study's panel in the page: what `hpo report` shows (the summary cards, every plot, the
/// tables), plus `hpo status`'s text, rendered by `HPOReport` from the followed log's history.
enum StudyPanel {
    static func render(_ log: StudyLog, history: StudyHistory, summary: StudySummary) -> String {
        guard !log.records.isEmpty else {
            return Markup("p", [("class", "empty")], text: "\(log.path): no line yet; waiting for the study to start.")
                .render()
        }
        var main = HTMLReport.content(log, history: history, summary: summary)
        main.name = "div"
        main.attributes = [("class", "panel"), ("data-study-name", summary.study)]
        var status = Markup("details", [("class", "status-text")])
        status.append(Markup("summary", text: "hpo status"))
        status.append(Markup("pre", text: StatusText.render(summary, path: log.path, tornTail: log.tornTail)))
        main.children.insert(.element(status), at: min(3, main.children.count))
        if let actions = ActionsSection.render(log.records) {
            main.children.insert(.element(actions), at: min(4, main.children.count))
        }
        return main.render()
    }
}
