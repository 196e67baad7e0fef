import ArgumentParser
import HPOReport

/// `hpo report LOG -o report.html`: the study as one self-contained HTML page with SVG plots.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report of a results log: convergence, parameters, learning curves, workers.",
        discussion: """
            One self-contained file (no network, no scripts): open it in any browser. docs/report.md \
            explains every plot. scripts/render-report.sh renders it to a PNG with headless Chromium.

            Examples:
              hpo report results.jsonl -o report.html
              hpo report results.jsonl          # writes results.html beside the log
            """)

    @Argument(help: "The results log (JSON Lines) of a study.") var log: String
    @Option(name: .shortAndLong, help: "The HTML file to write (default: the log's name with .html).")
    var output: String?
    @Option(help: "Rows of the top-trials table.") var top: Int = 10
    @Option(help: "Trials in the parallel-coordinates plot.") var parallel: Int = ParallelCoordinatesPlot.defaultCount
    @Option(help: "Trials in the learning-curves plot.") var curves: Int = LearningCurvesPlot.defaultCap
    @Option(help: "The reported metric of the learning curves (default: the objective's, or the closest).")
    var curveMetric: String?

    func validate() throws {
        for (name, value) in [("--top", top), ("--parallel", parallel), ("--curves", curves)] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
    }

    func run() throws {
        let study = try StudyLog.load(path: log)
        var options = HTMLReport.Options()
        options.topCount = top
        options.parallelCount = parallel
        options.curveCap = curves
        options.curveMetric = curveMetric
        let destination = output ?? Self.defaultOutput(for: log)
        try OutputFile.write(HTMLReport.render(study, options: options), to: destination)
        print("wrote \(destination)")
    }

    /// `results/x.jsonl` → `results/x.html`.
    static func defaultOutput(for log: String) -> String {
        let base = log.hasSuffix(".jsonl") ? String(log.dropLast(".jsonl".count)) : log
        return base + ".html"
    }
}
