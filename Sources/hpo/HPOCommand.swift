import ArgumentParser
import HPOCore
import HPORuntime
import HPOTraining

@main
struct HPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hpo",
        abstract: "Tools for swift-hpo studies.",
        subcommands: [
            Version.self, KeygenCommand.self, StatusCommand.self, ReportCommand.self, ExportCommand.self,
            ServeCommand.self, LoadGenCommand.self, LRFindCommand.self, BenchTrainerCommand.self, BenchCommand.self,
            ControlCommand.self
        ])

    /// Chooses OpenBLAS's kernels for this CPU before anything else (it may re-execute the
    /// program, see `BLASKernel.selectAtStartup`), then runs the command.
    static func main() {
        BLASKernel.selectAtStartup()
        BLASThreads.configure()
        main(nil)
    }

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the software and protocol versions.")
        func run() {
            print("swift-hpo \(HPOVersion.current) (protocol hpo/1)")
        }
    }
}
