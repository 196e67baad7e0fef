import Foundation
import HPOCore
import HPOJournal

/// The report: one self-contained HTML page (no network, no scripts, no external assets) with
/// inline SVG plots. The page is well-formed XML (XHTML-compatible), so it can be parsed as such.
package enum HTMLReport {
    package struct Options: Sendable {
        /// Rows of the top-trials table.
        package var topCount = 10
        /// Lines in the parallel-coordinates plot.
        package var parallelCount = ParallelCoordinatesPlot.defaultCount
        /// Trials in the learning-curves plot.
        package var curveCap = LearningCurvesPlot.defaultCap
        /// The metric of the learning curves (default: chosen by `LearningCurvesPlot.metric`).
        package var curveMetric: String?
        package init() {}
    }

    /// The page for `log`.
    package static func render(_ log: StudyLog, options: Options = Options()) -> String {
        let history = StudyHistory(records: log.records)
        let summary = StudySummary(history: history, top: options.topCount)
        let main = content(log, history: history, summary: summary, options: options)

        let html = Markup(
            "html", [("xmlns", "http://www.w3.org/1999/xhtml"), ("lang", "en")],
            [
                .element(
                    Markup(
                        "head", [],
                        [
                            .element(Markup("meta", [("charset", "utf-8")])),
                            .element(
                                Markup(
                                    "meta",
                                    [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])),
                            .element(Markup("meta", [("name", "color-scheme"), ("content", "light dark")])),
                            .element(Markup("title", text: "\(summary.study) · hpo report")),
                            .element(Markup("style", text: ReportStyle.css))
                        ])),
                .element(Markup("body", [], [.element(main)]))
            ])
        return "<!DOCTYPE html>\n" + html.render() + "\n"
    }

    /// The page's `main`: the summary, every plot and table, the configuration, a footer. `hpo serve`
    /// shows the same for a followed log (with the history it folds as lines arrive).
    package static func content(
        _ log: StudyLog, history: StudyHistory, summary: StudySummary, options: Options = Options()
    ) -> Markup {
        let context = PlotContext(history: history)
        var main = Markup("main")
        main.append(contentsOf: SummarySection.header(summary, log: log))
        if let pareto = summary.pareto { main.append(contentsOf: paretoFront(pareto)) }
        main.append(contentsOf: convergence(context))
        main.append(contentsOf: parameters(context))
        main.append(contentsOf: parallel(context, count: options.parallelCount))
        main.append(contentsOf: learningCurves(context, cap: options.curveCap, metric: options.curveMetric))
        main.append(contentsOf: rangeTests(log.rangeTests))
        main.append(contentsOf: timeline(context))
        main.append(
            contentsOf: section(
                "Top trials", how: "The best completed trials, best first, with their parameters.",
                TablesSection.topTrials(summary), empty: "No completed trial yet."))
        main.append(
            contentsOf: section(
                "Failed trials",
                how: "Every attempt that failed or was lost, in the order it started. A failed attempt with "
                    + "retries left runs again; a lost attempt (its worker left) runs again elsewhere.",
                TablesSection.failures(history), empty: "No attempt failed."))
        main.append(contentsOf: configuration(log))
        main.append(
            Markup(
                "footer",
                text: "swift-hpo \(HPOVersion.current) · hpo report \(log.path) · "
                    + "\(log.records.count) events"
                    + (log.unknownEvents > 0 ? ", \(log.unknownEvents) of kinds not shown" : "")))
        return main
    }

    // MARK: Sections

    private static func convergence(_ context: PlotContext) -> [Markup] {
        let plots = [
            ConvergencePlot.make(context, against: .trialNumber), ConvergencePlot.make(context, against: .wallTime)
        ]
        .compactMap { $0 }
        let anyFailed = context.history.trials.contains { $0.state == .failed }
        let how =
            "Each dot is a completed trial; the line is the best \(context.objective.metric) found so far "
            + "(\(context.objective.direction == .minimize ? "lower" : "higher") is better). A line that stops "
            + "stepping means the search has stopped finding better trials."
            + (anyFailed ? " Red ticks along the bottom are trials that failed." : "")
        return section(
            "Convergence", how: how, plots.isEmpty ? nil : row(plots, pair: true), empty: "No completed trial yet.",
            legend: legend(
                [("dot", "trial"), ("line best", "best so far")]
                    + (anyFailed ? [("fail", "failed trial")] : [])))
    }

    private static func paretoFront(_ pareto: ParetoSummary) -> [Markup] {
        let plots = [ParetoPlots.front(pareto), ParetoPlots.hypervolume(pareto)].compactMap { $0 }
        let reference = zip(pareto.objectives, pareto.reference).map { "\($0.metric) \(HumanFormat.number($1))" }
        let how =
            "Each dot is a completed trial on the first two objectives; the highlighted dots joined by the "
            + "staircase are the Pareto front: the feasible trials no other trial beats on every objective. "
            + "Hollow dots break a constraint. The hypervolume is the area (volume, for three objectives) the "
            + "front dominates up to the reference point (" + reference.joined(separator: ", ")
            + "); it grows whenever a trial improves the front."
        return section(
            "Pareto front", how: how, plots.isEmpty ? nil : row(plots, pair: true), empty: "No completed trial yet.",
            legend: legend([("dot", "trial"), ("best", "on the front"), ("line best", "front; hypervolume")]))
    }

    private static func parameters(_ context: PlotContext) -> [Markup] {
        let plots = ParameterPlots.make(context)
        let how =
            "The objective against each parameter, one dot per completed trial, the best ringed. Look for "
            + "a parameter whose dots form a valley (it matters, and the valley is where to search) versus a "
            + "flat cloud (it hardly matters). Log-scaled parameters have a log axis."
        return section(
            "Objective by parameter", how: how, plots.isEmpty ? nil : row(plots), empty: "No completed trial yet.")
    }

    private static func parallel(_ context: PlotContext, count: Int) -> [Markup] {
        let how =
            "One line per trial among the best \(count), through its value on each parameter's axis and, "
            + "on the last axis, its \(context.objective.metric) (better at the top). Where the best lines "
            + "bunch together on an axis, that parameter has a sweet spot."
        return section(
            "Parallel coordinates", how: how, ParallelCoordinatesPlot.make(context, count: count),
            empty: "No completed trial yet.", legend: legend([("ramp", "worse → better")]))
    }

    private static func learningCurves(_ context: PlotContext, cap: Int, metric: String?) -> [Markup] {
        guard let plot = LearningCurvesPlot.make(context, cap: cap, metric: metric) else { return [] }
        let how =
            "The metric each trial reported while it ran (trial_report lines), against the step. Curves "
            + "that are still falling at the end could have used more steps; curves that flatten early or "
            + "climb are hopeless configurations. Dashed: trials without a final objective."
        let pruned = LearningCurvesPlot.showsPruned(context, cap: cap, metric: metric)
        let paused = LearningCurvesPlot.showsPauses(context, cap: cap, metric: metric)
        let pauseNote =
            " A ‖ marks where a trial was paused at a rung (ASHA's promotion form) and waited; hover it for "
            + "how long. A promoted trial's line goes on from the checkpoint it resumed from."
        return section(
            "Learning curves",
            how: how + (pruned ? " An × ends a trial the pruner stopped early." : "") + (paused ? pauseNote : ""),
            plot,
            empty: "",
            legend: legend(
                [("ramp", "worse → better final objective"), ("line q7", "best trial (thick)")]
                    + (pruned ? [("line pruned", "pruned (× where it stopped)")] : [])
                    + (paused ? [("paused", "paused (‖ where it waited)")] : [])))
    }

    private static func rangeTests(_ tests: [LRRangeTestRan]) -> [Markup] {
        let plots = tests.enumerated().compactMap { LRRangeTestPlot.make($1, index: $0 + 1) }
        guard !plots.isEmpty else { return [] }
        let how =
            "The loss while the learning rate grows step by step (dots: raw, line: smoothed). Good learning "
            + "rates lie where the loss falls fastest, well before its minimum; past the minimum training diverges."
        return section("Learning-rate range test", how: how, Markup("div", [], plots.map { .element($0) }), empty: "")
    }

    private static func timeline(_ context: PlotContext) -> [Markup] {
        let how =
            "One row per worker, one bar per attempt from its dispatch to its result. White space in a row "
            + "while the dotted line (connected) runs is a worker waiting for work."
        let outcomes = Set(context.history.trials.flatMap(\.attempts).map(\.outcome))
        let swatches: [(AttemptRecord.Outcome, String)] = [
            (.completed, "ok"), (.failed, "fail"), (.pruned, "pruned"), (.paused, "paused"), (.lost, "lost"),
            (.running, "run"), (.interrupted, "interrupted")
        ]
        var items = swatches.filter { outcomes.contains($0.0) }.map { ($0.1, $0.0.rawValue) }
        if context.history.runs.count > 1 { items.append(("down", "coordinator down")) }
        return section(
            "Worker timeline", how: how, WorkerTimelinePlot.make(context), empty: "No attempt dispatched yet.",
            legend: legend(items))
    }

    private static func configuration(_ log: StudyLog) -> [Markup] {
        guard let config = log.started?.config else { return [] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = (try? encoder.encode(config)).flatMap { String(data: $0, encoding: .utf8) } ?? "\(config)"
        return section(
            "Study configuration", how: "As the coordinator validated it, from the log's first line.",
            Markup("pre", [("id", "study-config")], text: text), empty: "")
    }

    // MARK: Building blocks

    private static func section(_ title: String, how: String, _ content: Markup?, empty: String, legend: Markup? = nil)
        -> [Markup]
    {
        var section = Markup("section", [("id", "section-" + PlotContext.slug(title.lowercased()))])
        section.append(Markup("h2", text: title))
        if let content {
            section.append(Markup("p", [("class", "how")], text: how))
            section.append(content)
            if let legend { section.append(legend) }
        } else {
            section.append(Markup("p", [("class", "empty")], text: empty))
        }
        return [section]
    }

    /// Plots side by side, as many as fit (`pair`: two wide ones).
    private static func row(_ plots: [Markup], pair: Bool = false) -> Markup {
        Markup(
            "div", [("class", pair ? "plots pair" : "plots")],
            plots.map { .element(Markup("figure", [], [.element($0)])) })
    }

    /// A legend: swatch classes and their meaning.
    private static func legend(_ items: [(String, String)]) -> Markup {
        Markup(
            "div", [("class", "legend")],
            items.map { swatch, text in
                .element(Markup("span", [], [.element(Markup("span", [("class", "sw \(swatch)")])), .text(text)]))
            })
    }
}
