import ArgumentParser
import Foundation
import HPOCoordinator
import HPOCore
import HPOJournal
import HPOStudyFile
import HPOTrials
import HPOWire
import HPOZeroMQ
import Logging

@main
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hpo-coordinator",
        abstract: "Run a hyperparameter study: dispatch trials to workers and log every result.",
        discussion: """
            Examples:
              hpo-coordinator examples/branin.yaml --local-workers 4
              hpo-coordinator examples/branin.yaml --bind tcp://127.0.0.1:5555 --log results.jsonl
            """)

    @Argument(help: "The study file (YAML or JSON); see docs/study-file.md.")
    var study: String

    @Option(help: "Where workers connect, e.g. tcp://127.0.0.1:5555 (default: that, or a free loopback port with --local-workers).")
    var bind: String?

    @Option(help: "The results log (JSON Lines). Default: results/<study>-<date>.jsonl.")
    var log: String?

    @Option(help: "Write the address workers should connect to into this file once bound (for scripts).")
    var endpointFile: String?

    @Option(help: "Start this many hpo-worker processes on this machine, and stop them at the end.")
    var localWorkers = 0

    @Option(help: "Slots (concurrent trials) for each local worker.")
    var workerSlots = 1

    @Option(help: "Seconds between heartbeats, announced to workers.")
    var heartbeat = 1.0

    @Option(help: "Heartbeat intervals of silence after which a worker is considered lost.")
    var liveness = 5

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .notice

    func validate() throws {
        guard localWorkers >= 0 else { throw ValidationError("--local-workers must be 0 or more") }
        guard workerSlots >= 1 else { throw ValidationError("--worker-slots must be at least 1") }
        guard heartbeat > 0, liveness >= 2 else { throw ValidationError("--heartbeat must be > 0 and --liveness >= 2") }
    }

    func run() throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "hpo-coordinator")
        let builtins = Dictionary(uniqueKeysWithValues: BuiltinFunction.all.map { ($0.name, $0.dimension) })
        let config: StudyConfig
        do {
            config = try StudyFile.load(path: study, builtins: builtins)
        } catch let error as StudyFileError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }

        let logPath = try resultsLogPath(for: config)
        let journal = try JournalWriter(path: logPath)
        let waker = Waker()
        SignalTrap.install(waking: waker)
        let context = try ZeroMQContext()
        let endpoint = bind ?? (localWorkers > 0 ? "tcp://127.0.0.1:*" : "tcp://127.0.0.1:5555")
        let transport = try ZeroMQServerTransport(context: context, bind: endpoint, waker: waker)
        let boundEndpoint = transport.boundEndpoint
        printErr("study \(config.name): \(config.strategy.kind.rawValue) search, \(config.budget.trials) trials")
        printErr("listening on \(boundEndpoint); results log \(logPath)")
        if let endpointFile {
            try Data((boundEndpoint + "\n").utf8).write(to: URL(fileURLWithPath: endpointFile), options: .atomic)
        }

        let workers = try LocalWorkerPool(
            count: localWorkers, slots: workerSlots, endpoint: boundEndpoint, logLevel: localWorkers > 0 ? "warning" : "info")

        let machine = CoordinatorStateMachine(
            config: config,
            liveness: LivenessSettings(heartbeatIntervalSeconds: heartbeat, liveness: liveness),
            software: HPOVersion.current, host: ProcessInfo.processInfo.hostName)
        let service = CoordinatorService(machine: machine, journal: journal, logger: logger)
        let console = ProgressConsole()
        service.onProgress = { console.show($0) }

        let final = try service.run(transport: transport, stopRequested: { SignalTrap.caught }) { sinceFinish in
            // Keep answering (late hellos get "shutdown") until local workers are gone, or briefly.
            workers.isEmpty ? sinceFinish < 0.5 : workers.anyRunning && sinceFinish < 10
        }
        workers.stop()
        console.finish()
        print(final.summary)
        print("  results log: \(logPath)")
        if SignalTrap.caught != nil { throw ExitCode(130) }
    }

    /// The log to write: the one asked for (which must not exist yet), or a fresh timestamped one.
    private func resultsLogPath(for config: StudyConfig) throws -> String {
        if let log {
            guard !FileManager.default.fileExists(atPath: log) else {
                printErr("error: results log \(log) already exists; choose another --log (resuming a study is not supported yet)")
                throw ExitCode(2)
            }
            return log
        }
        try FileManager.default.createDirectory(atPath: "results", withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let safeName = config.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        var path = "results/\(String(safeName))-\(formatter.string(from: Date())).jsonl"
        var counter = 2
        while FileManager.default.fileExists(atPath: path) {
            path = "results/\(String(safeName))-\(formatter.string(from: Date()))-\(counter).jsonl"
            counter += 1
        }
        return path
    }
}

func printErr(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
