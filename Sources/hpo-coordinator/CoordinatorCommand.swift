import ArgumentParser
import Foundation
import HPOControl
import HPOCoordinator
import HPOCore
import HPOJournal
import HPOMetrics
import HPORuntime
import HPOSearch
import HPOStudyFile
import HPOTraining
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

    /// Chooses OpenBLAS's kernels for this CPU before anything else (it may re-execute the
    /// program, see `BLASKernel.selectAtStartup`), then runs the command.
    static func main() {
        BLASKernel.selectAtStartup()
        BLASThreads.configure()
        main(nil)
    }

    @Argument(help: "The study file (YAML or JSON); see docs/study-file.md.")
    var study: String

    @Option(
        help:
            """
            Where workers connect, e.g. tcp://127.0.0.1:5555 (default: that, or a free loopback port with \
            --local-workers).
            """
    )
    var bind: String?

    @Option(help: "The results log (JSON Lines). An existing log is resumed. Default: results/<study>-<date>.jsonl.")
    var log: String?

    @Flag(help: "Resume a log even though its study configuration differs from the study file.")
    var continueAnyway = false

    @Option(help: "Write the address workers should connect to into this file once bound (for scripts).")
    var endpointFile: String?

    @Option(help: "CURVE: the coordinator's key file (from `hpo keygen`); required to listen beyond loopback.")
    var curveSecret: String?

    @Option(
        help:
            """
            CURVE: the authorised workers' public keys: a folder of .pub files or a file of keys. Reloaded on \
            SIGHUP or change.
            """
    )
    var authorizedKeys: String?

    @Flag(help: "Listen beyond loopback without encryption or authentication (not recommended).")
    var insecure = false

    @Flag(
        help:
            """
            Built-in trainer: run a learning-rate range test first and narrow the study's learning_rate range \
            around it.
            """
    )
    var lrFind = false

    @Option(help: "Start this many hpo-worker processes on this machine, and stop them at the end.")
    var localWorkers = 0

    @Option(help: "Slots (concurrent trials) for each local worker.")
    var workerSlots = 1

    @Option(help: "Trials each local worker keeps queued beyond its slots (see hpo-worker --prefetch).")
    var workerPrefetch = 1

    @Option(help: "Seconds between heartbeats, announced to workers.")
    var heartbeat = 1.0

    @Option(
        help:
            """
            bayes: how many trials will run at once (all workers' slots), to size the initial design. Default: \
            the local workers' slots.
            """
    )
    var expectedSlots: Int?

    @Option(help: "Heartbeat intervals of silence after which a worker is considered lost.")
    var liveness = 5

    @Option(
        help: """
            bayes: seconds a free slot waits for a proposal that includes the latest results (or 1 % of a typical \
            trial, if longer) before it takes an older proposal, or a quasi-random configuration when there is none.
            """)
    var modelPatience = 0.02

    @Option(
        help: """
            Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9464 (off by default). \
            Unauthenticated: beyond loopback, only on a network you trust (docs/operations.md, "Metrics").
            """)
    var metrics: String?

    @Option(
        help:
            """
            The largest checkpoint a worker may upload, in bytes, or with a suffix K, M, G (powers of 1024). \
            Checkpoints are kept in <log>.checkpoints/.
            """
    )
    var maxCheckpointSize = "1G"

    @Option(help: "Which checkpoints outlive their trial: best (the best completed trial's), none, all.")
    var keepCheckpoints = "best"

    @Option(
        help: """
            Accept actions (hpo control, hpo serve) at this address, e.g. tcp://127.0.0.1:5556: stop a trial or \
            the study, raise the budget, enqueue a configuration. Beyond loopback only with --curve-secret \
            (docs/operations.md, "Control a running study").
            """)
    var control: String?

    @Option(help: "Write the control address clients should use into this file once bound (for scripts).")
    var controlEndpointFile: String?

    @Option(
        help: """
            Configurations to run before the search's own: JSON Lines (one object per line) or a YAML list. \
            Each runs once, also across restarts (docs/study-file.md, "Enqueue").
            """)
    var enqueue: String?

    @Option(
        help: """
            Where checkpoints travel: upload (workers send them to this coordinator, which keeps them in \
            <log>.checkpoints/), or shared:FOLDER (a folder every worker and this coordinator mount at the same \
            path, e.g. NFS: checkpoints stay there and only their step, size and checksum travel).
            """)
    var checkpoints = "upload"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .notice

    func validate() throws {
        guard localWorkers >= 0 else { throw ValidationError("--local-workers must be 0 or more") }
        guard workerSlots >= 1 else { throw ValidationError("--worker-slots must be at least 1") }
        guard (0...16).contains(workerPrefetch) else {
            throw ValidationError("--worker-prefetch must be between 0 and 16")
        }
        if let expectedSlots, expectedSlots < 1 { throw ValidationError("--expected-slots must be at least 1") }
        guard heartbeat > 0, liveness >= 2 else { throw ValidationError("--heartbeat must be > 0 and --liveness >= 2") }
        guard let size = Self.byteCount(maxCheckpointSize), size >= 0, size <= WireLimits.maxCheckpointBytes else {
            throw ValidationError(
                "--max-checkpoint-size must be a number of bytes (with K, M or G) up to 64G, not '\(maxCheckpointSize)'"
            )
        }
        guard checkpoints == "upload" || checkpoints.hasPrefix("shared:") else {
            throw ValidationError("--checkpoints must be upload or shared:FOLDER, not '\(checkpoints)'")
        }
        guard CheckpointRetention(rawValue: keepCheckpoints) != nil else {
            throw ValidationError("--keep-checkpoints must be best, none or all, not '\(keepCheckpoints)'")
        }
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
        var config: StudyConfig
        do {
            config = try StudyFile.load(
                path: study, builtins: builtins,
                namedBuiltins: NamedFunction.parameterLists.merging(["mlp": TrainerHyperparameters.knownNames]) { $1 })
        } catch let error as StudyFileError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let warmResults = try warmStart(&config)

        let endpoint = bind ?? (localWorkers > 0 ? "tcp://127.0.0.1:*" : "tcp://127.0.0.1:5555")
        var curve = try CoordinatorSecurity.settings(
            endpoint: endpoint, curveSecret: curveSecret, authorizedKeys: authorizedKeys, insecure: insecure)
        let logPath = try resultsLogPath(for: config)
        var restored = try restoredStudy(at: logPath, config: &config)
        let checkpointStore: CheckpointStore
        if checkpoints.hasPrefix("shared:") {
            do {
                let folder = try CheckpointStore.checkSharedFolder(String(checkpoints.dropFirst("shared:".count)))
                checkpointStore = CheckpointStore(sharedFolder: folder)
            } catch {
                printErr("error: --checkpoints \(checkpoints): \(error)")
                throw ExitCode(2)
            }
        } else {
            checkpointStore = CheckpointStore(logPath: logPath)
        }
        if var study = restored {
            // A checkpoint the log names but the store lacks (deleted by hand) is forgotten: the
            // trial starts over rather than failing; anything the log does not name goes.
            for (trial, stored) in study.checkpoints
            where !checkpointStore.holds(trial, file: stored.file, size: stored.size) {
                // Those of trials that ended were deleted on purpose (--keep-checkpoints).
                if study.trials[trial].map({ $0.state == .queued || $0.state == .running }) ?? false {
                    printErr(
                        """
                        note: the checkpoint of trial \(trial.rawValue) (\(stored.file)) is missing or damaged; \
                        that trial starts over
                        """
                    )
                }
                study.checkpoints[trial] = nil
            }
            checkpointStore.sweep(keeping: study.checkpoints.mapValues(\.file))
            restored = study
        }
        var prelude: [JournalEvent] = []
        if lrFind && restored == nil {
            let event: JournalEvent
            (config, event) = try LearningRateStep.narrow(config)
            prelude.append(event)
            if case .lrRangeTest(let test) = event {
                printErr(
                    "learning-rate range test: learning_rate \(test.originalLow ?? 0)...\(test.originalHigh ?? 0) "
                        + "narrowed to \(test.low ?? 0)...\(test.high ?? 0) (steepest \(test.suggestion ?? 0))")
            }
        }
        if let restored, restored.finishReason != nil,
            restored.trials.count >= restored.config.budget.trials || restored.control.stopRequested != nil
        {
            print(
                """
                study \(config.name) already finished (\(restored.finishReason ?? "")): \
                \(restored.completedCount) completed, \(restored.prunedCount) pruned, \(restored.failedCount) \
                failed
                """
            )
            print("  results log: \(logPath)")
            return
        }
        // Bound before anything starts, so a taken port fails at once.
        let studyMetrics = CoordinatorMetrics(study: config.name, strategy: config.strategy.kind.rawValue)
        let metricsServer: MetricsHTTPServer?
        do {
            metricsServer = try metrics.map { try MetricsHTTPServer(listen: $0) { studyMetrics.render() } }
        } catch let error as MetricsServerError {
            printErr("error: \(error)")
            throw ExitCode(2)
        }
        let enqueued = try enqueuedEntries(space: config.space)
        // Bound before the log is opened, so a refused or taken address leaves nothing behind. It
        // takes the coordinator's CURVE settings as given: its local workers' key (below) may
        // work, not control.
        let controlServer = try ControlSetup.server(endpoint: control, curve: curve, logger: logger)
        let journal = try JournalWriter(path: logPath)
        let waker = Waker()
        SignalTrap.install(waking: waker)
        let context = try ZeroMQContext()
        var transportOptions = ZeroMQTransportOptions()
        // Protocol messages are small; a peer sending more than this is cut off by libzmq.
        transportOptions.maxMessageSize = Int64(WireLimits.maxBodyBytes)
        let localKey = try curve != nil && localWorkers > 0 ? EphemeralWorkerKey() : nil
        defer { localKey?.remove() }
        if let localKey { curve?.authorizedKeys.insert(localKey.pair.publicKey) }
        let transport = try ZeroMQServerTransport(
            context: context, bind: endpoint, waker: waker, options: transportOptions, curve: curve)
        transport.onDrop = { peer, outcome in
            logger.warning("message to a worker dropped", metadata: ["peer": "\(peer)", "outcome": "\(outcome)"])
        }
        transport.onSecurityEvent = { CoordinatorSecurity.log($0, logger: logger) }
        let keysWatcher = authorizedKeys.map(AuthorizedKeysWatcher.init(path:))
        let boundEndpoint = transport.boundEndpoint
        printErr("study \(config.name): \(config.strategy.kind.rawValue) search, \(config.budget.trials) trials")
        printErr("listening on \(boundEndpoint)\(curve != nil ? " (CURVE)" : ""); results log \(logPath)")
        if let endpointFile {
            try Data((boundEndpoint + "\n").utf8).write(to: URL(fileURLWithPath: endpointFile), options: .atomic)
        }
        if let controlServer {
            printErr("control on \(controlServer.boundEndpoint)\(controlServer.isSecure ? " (CURVE)" : "")")
            if let controlEndpointFile {
                try Data((controlServer.boundEndpoint + "\n").utf8).write(
                    to: URL(fileURLWithPath: controlEndpointFile), options: .atomic)
            }
        }

        let workers = try LocalWorkerPool(
            count: localWorkers,
            arguments: LocalWorkerPool.arguments(
                endpoint: boundEndpoint, slots: workerSlots, prefetch: workerPrefetch, study: config.name,
                curve: localKey.map { ($0.keyFile, curve?.keyPair.publicKey ?? "") }),
            gpus: LocalWorkerPool.gpuArguments(
                count: localWorkers, devices: localWorkers > 1 ? LocalWorkerPool.hostGPUs() : nil))

        let livenessSettings = LivenessSettings(heartbeatIntervalSeconds: heartbeat, liveness: liveness)
        let host = ProcessInfo.processInfo.hostName
        let slots = expectedSlots ?? (localWorkers > 0 ? localWorkers * workerSlots : nil)
        // A resumed search skips what it proposed itself, not the trials of enqueued configurations.
        let proposedBefore = restored.map { $0.trials.count - $0.control.enqueuedTrialCount } ?? 0
        var search = makeSearchStrategy(for: config, alreadyProposed: proposedBefore, expectedSlots: slots)
        if var bayes = search as? BayesianSearch, !warmResults.isEmpty {
            // Fitted now, before any worker is served: the first proposals then come from the
            // model in milliseconds instead of from the fallback while a first fit runs.
            bayes.priorResults = warmResults
            bayes.refitModel(history: SearchHistory())
            search = bayes
        }
        var machine =
            if let restored {
                CoordinatorStateMachine(
                    restoring: restored, search: search, liveness: livenessSettings, software: HPOVersion.current,
                    host: host)
            } else {
                CoordinatorStateMachine(
                    config: config, search: search, liveness: livenessSettings, software: HPOVersion.current, host: host
                )
            }
        machine.preludeEvents = prelude
        machine.enqueueAtStart(enqueued.map { ($0.parameters, $0.origin) })
        if let controlServer {
            machine.announceControl(endpoint: controlServer.boundEndpoint, curve: controlServer.isSecure)
        }
        machine.pacing.patienceSeconds = modelPatience
        machine.checkpointSettings.maxBytes = Self.byteCount(maxCheckpointSize)
        machine.checkpointSettings.retention = CheckpointRetention(rawValue: keepCheckpoints) ?? .best
        if checkpointStore.isShared { machine.checkpointSettings.sharedFolder = checkpointStore.root }
        let service = CoordinatorService(machine: machine, journal: journal, waker: waker, logger: logger)
        service.checkpointStore = checkpointStore
        service.control = controlServer
        let controlKeysWatcher = controlServer?.isSecure == true ? authorizedKeys.map(AuthorizedKeysWatcher.init) : nil
        let console = ProgressConsole()
        service.onProgress = { console.show($0) }
        if let metricsServer {
            service.metrics = studyMetrics
            metricsServer.start()
            printErr("metrics on http://\(metricsServer.boundAddress)/metrics")
        }
        defer { metricsServer?.stopAndJoin() }
        service.everySecond = {
            let hangup = SignalTrap.takeHangup()
            keysWatcher?.reloadIfNeeded(transport, hangup: hangup, logger: logger)
            if let controlServer {
                controlKeysWatcher?.reloadIfNeeded(hangup: hangup, logger: logger) { controlServer.authorizedKeys = $0 }
            }
        }

        // A local worker that fails on its own (bad arguments, say) stops the study: waiting for
        // it would be waiting for ever.
        // Keep answering (late hellos get "shutdown") until local workers are gone, or briefly.
        let final = try service.run(
            transport: transport, stopRequested: { SignalTrap.caught ?? workers.failure },
            keepServingAfterFinish: { sinceFinish in
                workers.isEmpty ? sinceFinish < 0.5 : workers.anyRunning && sinceFinish < 10
            })
        let workerFailure = workers.failure
        let failureDetails = workerFailure != nil ? workers.failureDetails() : ""
        workers.stop()
        console.finish()
        print(final.summary)
        print("  results log: \(logPath)")
        if SignalTrap.caught != nil { throw ExitCode(130) }
        if let workerFailure {
            printErr(
                """
                error: \(workerFailure); the study is stopped (run again on the same log to resume). Its last \
                lines:\n\(failureDetails)
                """
            )
            throw ExitCode(2)
        }
    }

    /// The study file's `enqueue:` entries and those of `--enqueue FILE`, checked against the space.
    private func enqueuedEntries(space: SearchSpace) throws -> [EnqueueEntry] {
        do {
            return try EnqueueFile.fromStudyFile(path: study, space: space)
                + (enqueue.map { try EnqueueFile.load(path: $0, space: space) } ?? [])
        } catch let error as StudyFileError {
            printErr("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// `1073741824`, `512M`, `1G`: bytes (K, M, G are powers of 1024); nil if not such a number.
    static func byteCount(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text.uppercased())
        var factor = 1
        if let last = digits.last, let unit = units[last] {
            factor = unit
            digits = digits.dropLast()
        }
        guard let value = Int(digits), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }

    /// The study in an existing, non-empty log, to resume; nil for a new study.
    /// A range test in the log (`--lr-find`) narrows `config` the same way again.
    private func restoredStudy(at path: String, config: inout StudyConfig) throws -> RestoredStudy? {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > 0 else {
            return nil
        }
        do {
            let contents = try JournalReader.read(path: path)
            if contents.tornTail { printErr("note: \(path): the last line was torn by a crash; it is dropped") }
            config = LearningRateStep.applyLogged(contents.records, to: config)
            let restored = try StudyReplay.restore(
                contents.records, path: path, config: config, allowChanges: continueAnyway)
            // A budget raised through the control address stays raised (`control_action`).
            config.budget = restored.config.budget
            printErr(
                """
                resuming \(config.name) from \(path): \(restored.completedCount) completed, \
                \(restored.failedCount) failed, \(restored.trials.count) of \(config.budget.trials) trials \
                created
                """
            )
            return restored
        } catch let error as JournalError {
            printErr("error: \(error)")
            throw ExitCode(2)
        } catch let error as StudyReplay.Mismatch {
            printErr("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// `warm_start:`: the earlier results for the model, with what was taken from each log
    /// written into the config (so into the log's study_started line).
    private func warmStart(_ config: inout StudyConfig) throws -> [(parameters: Parameters, objective: Double)] {
        guard config.warmStart != nil else { return [] }
        do {
            let loaded = try WarmStart.load(for: config)
            config.warmStart = loaded.sources
            for source in loaded.sources {
                printErr("warm start: \(source.used ?? 0) results from \(source.file) (\(source.dropped ?? 0) dropped)")
            }
            return loaded.results
        } catch {
            printErr("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// The log to write: the one asked for, or a fresh timestamped one.
    private func resultsLogPath(for config: StudyConfig) throws -> String {
        if let log { return log }
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
