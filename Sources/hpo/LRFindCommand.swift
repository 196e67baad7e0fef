import ArgumentParser
import Foundation
import HPOCore
import HPOJournal
import HPOReport
import HPOTraining

/// `hpo lr-find`: Leslie Smith's learning-rate range test on the built-in trainer, or the same
/// analysis of a recorded (lr, loss) series. docs/lr-finder.md is the user's guide.
struct LRFindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr-find",
        abstract: "Learning-rate range test: suggest learning rates from the loss while the rate grows.",
        discussion: """
            Trains the built-in network (see docs/trainer.md) for --steps mini-batches while the \
            learning rate grows from --start to --end, stops once the smoothed loss exceeds \
            --diverge-factor times its best, and suggests: the steepest descent of the smoothed loss, \
            the minimum / 10 rule of thumb, and bounds for a cyclical schedule. With --from it analyses \
            a recorded series instead (JSON Lines of {"lr":…,"loss":…}, CSV lr,loss, or a results log \
            whose trial_report metrics carry lr and loss). See docs/lr-finder.md.

            Examples:
              hpo lr-find
              hpo lr-find --param optimizer=adam --param layers=3 --svg adam.svg --json adam.json
              hpo lr-find --from results.jsonl --trial 4
            """)

    @Option(help: "The first learning rate.") var start: Double = 1e-7
    @Option(help: "The last learning rate.") var end: Double = 10
    @Option(help: "Mini-batches (one learning rate each).") var steps: Int = 100
    @Option(help: "How the rate grows: exp (by a constant factor) or linear.") var mode: String = "exp"
    @Option(help: "Stop once the smoothed loss exceeds this multiple of its best.") var divergeFactor: Double = 4
    @Option(help: "β of the loss's moving average, in [0, 1).") var smoothing: Double = LRFinderAnalysis
        .defaultSmoothing
    @Option(help: "Seed of the initial weights, batch order and dropout.") var seed: UInt64 = 0
    @Option(
        name: .customLong("param"),
        help: ArgumentHelp(
            "A hyperparameter of the network, name=value (repeatable; names as in docs/trainer.md).",
            valueName: "name=value"))
    var parameters: [String] = []
    @Option(help: "Write the series and the suggestions as JSON to this file.") var json: String?
    @Option(help: "Write the plot (SVG) to this file.") var svg: String = "lr-find.svg"
    @Option(name: .customLong("from"), help: "Analyse the (lr, loss) series in this file instead of training.")
    var from: String?
    @Option(help: "With --from on a results log: the trial to analyse (default: the first with lr and loss).")
    var trial: Int?

    func validate() throws {
        guard LRRangeTest.Mode(rawValue: mode) != nil else {
            throw ValidationError("--mode must be exp or linear, got '\(mode)'")
        }
        if from != nil, !parameters.isEmpty {
            throw ValidationError("--param applies to a run on the trainer, not to --from")
        }
        if from == nil, trial != nil { throw ValidationError("--trial applies to --from with a results log") }
        guard smoothing >= 0, smoothing < 1 else {
            throw ValidationError("--smoothing must be in [0, 1), got \(smoothing)")
        }
        if from == nil {
            do { try rangeTest.validate() } catch { throw ValidationError(error.description) }
            _ = try Self.hyperparameters(parameters)
        }
    }

    /// The range test the options describe.
    var rangeTest: LRRangeTest {
        var test = LRRangeTest()
        test.start = start
        test.end = end
        test.steps = steps
        test.mode = LRRangeTest.Mode(rawValue: mode) ?? .exponential
        test.divergeFactor = divergeFactor
        test.smoothing = smoothing
        return test
    }

    /// What one run produced, before it is printed and written.
    private struct Run {
        var analysis: LRFinderAnalysis
        var report: LRFinderReport
        /// The first lines of the printed summary.
        var header: [String]
        /// The plot's subtitle.
        var subtitle: String
    }

    func run() throws {
        let run = try from.map(analyseFile) ?? runOnTrainer()
        let s = run.analysis.suggestions
        let range = LRFinderAnalysis.narrowedRange(for: s)
        let rows: [(String, String)] = [
            ("steepest descent (suggested)", LRSuggestions.format(s.steepest)),
            ("minimum loss / 10", LRSuggestions.format(s.minimumOverTen)),
            ("cyclical lower (lr_min)", LRSuggestions.format(s.lowerBound)),
            ("cyclical upper (learning_rate)", LRSuggestions.format(s.upperBound)),
            ("minimum of the smoothed loss", LRSuggestions.format(s.minimum)),
            ("narrowed study range", "\(LRSuggestions.format(range.low)) … \(LRSuggestions.format(range.high))")
        ]
        var lines = run.header + [""]
        lines += rows.map { "  " + $0.0.padding(toLength: 34, withPad: " ", startingAt: 0) + $0.1 }
        lines += run.analysis.warnings.map { "warning: \($0)" }
        let event = LRRangeTestRan(
            parameter: "learning_rate", lrs: run.analysis.series.learningRates, losses: run.analysis.series.losses,
            smoothed: run.analysis.smoothed, suggestion: s.steepest, suggestions: s.named, originalLow: nil,
            originalHigh: nil, low: range.low, high: range.high)
        guard let plot = LRRangeTestPlot.standaloneSVG(event, title: "Learning-rate range test: \(run.subtitle)") else {
            throw ValidationError("fewer than two finite (learning rate, loss) points: nothing to plot")
        }
        try write(Data(plot.utf8), to: svg)
        lines += ["", "plot: \(svg)"]
        if let json {
            try write(try run.report.json(), to: json)
            lines.append("json: \(json)")
        }
        print(lines.joined(separator: "\n"))
    }

    private func runOnTrainer() throws -> Run {
        let started = Date()
        let hyperparameters = try Self.hyperparameters(parameters)
        let test = rangeTest
        let result = try test.run(hyperparameters, seed: seed)
        let analysis = try LRFinderAnalysis(result.series, smoothing: smoothing)
        let network =
            "\(hyperparameters.layers)×\(hyperparameters.units) \(hyperparameters.activation.rawValue), "
            + "\(hyperparameters.optimizer.rawValue), batch \(hyperparameters.batchSize)"
        let (first, last) = (
            LRSuggestions.format(start), LRSuggestions.format(result.series.learningRates.last ?? start)
        )
        let seconds = String(format: "%.2f s", Date().timeIntervalSince(started))
        return Run(
            analysis: analysis,
            report: LRFinderReport(
                analysis, source: "trainer", test: test, seed: seed, hyperparameters: hyperparameters,
                stopReason: result.stopReason),
            header: [
                """
                LR range test on the built-in trainer (\(network)): \(result.series.count) steps, lr \(first) → \
                \(last) (\(mode)), \(seconds)
                """,
                "stopped: \(result.stopReason)"
            ],
            subtitle: "built-in trainer, \(network) · \(result.series.count) steps from lr \(first) · "
                + (result.series.count < steps ? "stopped at lr \(last): the loss diverged" : "reached --end"))
    }

    private func analyseFile(_ path: String) throws -> Run {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Failure("cannot read \(path): \(error.localizedDescription)")
        }
        let series: LRSeries
        do { series = try LRSeriesReader.read(text, trial: trial) } catch {
            throw Failure("\(path): \(error.description)")
        }
        let analysis = try LRFinderAnalysis(series, smoothing: smoothing)
        let source = path + (trial.map { ", trial \($0)" } ?? "")
        return Run(
            analysis: analysis, report: LRFinderReport(analysis, source: path),
            header: ["LR range test from \(source): \(analysis.series.count) points"],
            subtitle: "\(source) · \(analysis.series.count) points")
    }

    private func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw Failure("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// `name=value` pairs to trainer hyperparameters: a value that reads as an integer is one, then
    /// a number, else a string (`relu`, `true`).
    static func hyperparameters(_ pairs: [String]) throws -> TrainerHyperparameters {
        var parameters: Parameters = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--param expects name=value, got '\(pair)'")
            }
            let (name, text) = (parts[0], parts[1])
            guard parameters[name] == nil else { throw ValidationError("--param \(name) given twice") }
            parameters[name] =
                Int(text).map(ParameterValue.int) ?? Double(text).map(ParameterValue.double) ?? .string(text)
        }
        do { return try TrainerHyperparameters(parameters) } catch { throw ValidationError(error.description) }
    }

    /// A failure at run time, printed as `Error: …` without the usage text.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
