import ArgumentParser
import HPOReport

/// `hpo status LOG`: how a study is going (also while it runs), and its best trials.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarise a results log: trials done, running and failed, the best so far, pace, workers.",
        discussion: """
            Reads the log as it is now, so it works while the study runs (an incomplete last line is \
            skipped). --json prints the same summary for scripts; its keys are documented in docs/report.md.

            Examples:
              hpo status results.jsonl
              hpo status results.jsonl --top 20
              hpo status results.jsonl --json | jq .best
            """)

    @Argument(help: "The results log (JSON Lines) of a study.") var log: String
    @Option(help: "How many of the best trials to list.") var top: Int = 10
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must be 0 or more, got \(top)") }
    }

    func run() throws {
        let study = try StudyLog.load(path: log)
        let summary = StudySummary(records: study.records, top: top)
        if json {
            print(try summary.json(path: log, tornTail: study.tornTail, unknownEvents: study.unknownEvents))
        } else {
            print(StatusText.render(summary, path: log, tornTail: study.tornTail), terminator: "")
        }
    }
}
