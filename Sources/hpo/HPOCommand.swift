import ArgumentParser
import HPOCore

@main
struct HPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hpo",
        abstract: "Tools for swift-hpo studies.",
        subcommands: [Version.self, KeygenCommand.self, StatusCommand.self, ReportCommand.self, ExportCommand.self, LoadGenCommand.self, LRFindCommand.self, BenchTrainerCommand.self, BenchCommand.self])

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the software and protocol versions.")
        func run() {
            print("swift-hpo \(HPOVersion.current) (protocol hpo/1)")
        }
    }
}
