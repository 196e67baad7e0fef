import HPOCore
import HPOReport

/// The comparison: the studies named, their best-so-far lines on one plot (`ComparisonPlot`), and a
/// legend naming each with its best value.
enum ComparisonView {
    static func render(ids: [String], catalog: StudyCatalog) -> String {
        var series: [ComparisonPlot.Series] = []
        var missing: [String] = []
        for id in ids {
            let found = catalog.with(id) { study -> ComparisonPlot.Series? in
                guard !study.records.isEmpty else { return nil }
                return ComparisonPlot.Series(name: id, context: PlotContext(history: study.current.history))
            }
            if let found = found ?? nil { series.append(found) } else { missing.append(id) }
        }
        var view = Markup("div", [("class", "comparison")])
        if let plot = ComparisonPlot.make(series) {
            view.append(Markup("figure", [], [.element(plot)]))
            var legend = Markup("div", [("class", "legend")])
            for (index, entry) in series.enumerated() {
                let best = entry.context.ranking.first.map { HumanFormat.number($0.objective) } ?? "–"
                legend.append(
                    Markup(
                        "span", [],
                        [
                            .element(Markup("span", [("class", "sw line series-\(index % ComparisonPlot.colours)")])),
                            .text("\(entry.name): best \(entry.context.objective.metric) \(best)")
                        ]))
            }
            view.append(legend)
        } else {
            view.append(Markup("p", [("class", "empty")], text: "No completed trial in these studies yet."))
        }
        if !missing.isEmpty {
            view.append(
                Markup(
                    "p", [("class", "empty")], text: "Not shown (unknown or empty): \(missing.joined(separator: ", "))")
            )
        }
        return view.render()
    }
}
