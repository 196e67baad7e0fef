import ArgumentParser
import HPOReport

/// `hpo export LOG --format csv|jsonl`: one row per trial, for pandas or a spreadsheet.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export one row per trial (final state, parameters, final metrics) as CSV or JSON Lines.",
        discussion: """
            CSV columns: trial, attempt, status, objective, duration_s, worker, param_<name>…, \
            metric_<name>…, reason. JSON Lines: the same per trial, with params and metrics as objects. \
            See docs/report.md.

            Examples:
              hpo export results.jsonl -o trials.csv
              hpo export results.jsonl --format jsonl | jq -c 'select(.status == "completed")'
            """)

    @Argument(help: "The results log (JSON Lines) of a study.") var log: String
    @Option(help: "csv or jsonl.") var format: String = "csv"
    @Option(name: .shortAndLong, help: "The file to write (default: standard output).") var output: String?

    func validate() throws {
        guard TrialExport.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be csv or jsonl, got '\(format)'")
        }
    }

    func run() throws {
        let study = try StudyLog.load(path: log)
        let table = TrialTable(history: StudyHistory(records: study.records))
        let text = TrialExport.render(table, format: TrialExport.Format(rawValue: format) ?? .csv)
        if let output {
            try OutputFile.write(text, to: output)
        } else {
            print(text, terminator: "")
        }
    }
}
