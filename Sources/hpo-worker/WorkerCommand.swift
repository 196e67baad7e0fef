import ArgumentParser
import Foundation
import HPOCore
import HPORuntime
import HPOTraining
import HPOTrials
import HPOWire
import HPOWorker
import HPOZeroMQ
import Logging

@main
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hpo-worker",
        abstract: "Run trials for an hpo-coordinator.",
        discussion:
            """
            Connects to the coordinator, registers its slots, runs the trials it is given and reports their \
            results until the study ends.
            """
    )

    /// Chooses OpenBLAS's kernels for this CPU before anything else (it may re-execute the
    /// program, see `BLASKernel.selectAtStartup`), then runs the command.
    static func main() {
        BLASKernel.selectAtStartup()
        BLASThreads.configure()
        main(nil)
    }

    @Option(help: "The coordinator's address, e.g. tcp://coord-host:5555.")
    var connect: String

    @Option(help: "How many trials to run at once (default: one per GPU, or 1 without GPUs).")
    var slots: Int?

    @Option(
        help:
            """
            GPUs to give trials, each to one trial at a time: auto (nvidia-smi's, narrowed to \
            CUDA_VISIBLE_DEVICES if set), none (trials see no GPU), or a list of indices or UUIDs such as 0,1,3.
            """
    )
    var gpus = "auto"

    @Option(
        name: .customLong("label"),
        help: "A label a study's trial.labels can ask for (repeat the option, or give a comma-separated list).")
    var labels: [String] = []

    @Option(
        help: """
            The CPU cores trials may use, against which a study's resources.cores count (default: the cores \
            this process may run on, from its CPU affinity).
            """)
    var cores: Int?

    @Option(
        help:
            """
            Trials to keep queued beyond the slots, started the moment a slot frees (0: ask for each one when a \
            slot frees).
            """
    )
    var prefetch = 1

    @Option(help: "The worker's name in the results log (default: host:pid).")
    var name: String?

    @Option(
        help:
            """
            A folder in which the worker makes its private scratch folder for trial files (default: the system's \
            temporary directory).
            """
    )
    var scratch: String?

    @Option(help: "CURVE: this worker's key file (from `hpo keygen`).")
    var curveKey: String?

    @Option(
        help:
            """
            CURVE: the coordinator's public key, or its .pub file. A key starting with '-' must be given as \
            --server-key=KEY.
            """
    )
    var serverKey: String?

    @Flag(
        help:
            """
            Connect beyond loopback without encryption or authentication (not recommended): whoever answers at \
            that address can run commands as this user.
            """
    )
    var insecure = false

    @Option(help: "Work only for the study of this name: a coordinator running another study is refused.")
    var study: String?

    @Option(
        help: "Give up if the coordinator has not welcomed this worker within this many seconds (0: wait for ever).")
    var welcomeTimeout = 120.0

    @Option(help: "Once welcomed, give up if the coordinator stays silent this many seconds (0: keep trying for ever).")
    var reconnectTimeout = 600.0

    @Option(
        help:
            """
            On SIGTERM (preemption): seconds the trials get to write a last checkpoint before they are killed and \
            handed back. A second SIGTERM or SIGINT kills them at once.
            """
    )
    var grace = 30.0

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        if let slots { guard slots >= 1 else { throw ValidationError("--slots must be at least 1") } }
        do { _ = try GPUSelection(parsing: gpus) } catch { throw ValidationError(error.description) }
        _ = try labelList()
        if let cores, !(1...WireLimits.maxCores).contains(cores) {
            throw ValidationError("--cores must be between 1 and \(WireLimits.maxCores)")
        }
        guard (0...16).contains(prefetch) else { throw ValidationError("--prefetch must be between 0 and 16") }
        guard (curveKey == nil) == (serverKey == nil) else {
            throw ValidationError(
                """
                --curve-key and --server-key go together (CURVE needs this worker's key pair and the \
                coordinator's public key)
                """
            )
        }
        guard welcomeTimeout >= 0 else { throw ValidationError("--welcome-timeout must be 0 or more") }
        guard reconnectTimeout >= 0 else { throw ValidationError("--reconnect-timeout must be 0 or more") }
        guard grace >= 0, grace <= 86400 else { throw ValidationError("--grace must be between 0 and 86400 seconds") }
    }

    func run() throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let host = ProcessInfo.processInfo.hostName
        let pid = getpid()
        let logger = Logger(label: "hpo-worker")
        let (devices, gpuClaims) = try discoverGPUs(logger: logger)
        var identity = WorkerIdentity(
            name: name ?? "\(host):\(pid)", host: host, pid: pid, slots: slots ?? max(devices?.count ?? 0, 1),
            software: HPOVersion.current, prefetch: prefetch)
        identity.gpus = devices
        identity.labels = try labelList()
        identity.cores = cores ?? UsableCores.count()

        let curve = try curveSettings()
        let scratchRoot: String
        do {
            try WorkerTrust.checkTransport(endpoint: connect, curve: curve != nil, insecure: insecure)
            scratchRoot = try PrivateFolder.create(in: scratch ?? NSTemporaryDirectory(), prefix: "hpo-worker-")
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        defer { try? FileManager.default.removeItem(atPath: scratchRoot) }

        let waker = Waker()
        // A second signal is the worker's to handle: it kills its trials (docs/trials.md, "Preemption").
        SignalTrap.install(waking: waker, exitOnSecondSignal: false)
        let context = try ZeroMQContext()
        // A coordinator's messages are small: libzmq cuts off one that sends more than the
        // protocol's largest body (docs/protocol.md, "Limits") before it is ever in memory here.
        var transportOptions = ZeroMQTransportOptions()
        transportOptions.maxMessageSize = Int64(WireLimits.maxBodyBytes)
        let transport = try ZeroMQClientTransport(
            context: context, connect: connect, waker: waker, options: transportOptions, curve: curve)
        let service = WorkerService(identity: identity, waker: waker, scratchRoot: scratchRoot, logger: logger)
        service.welcomeTimeoutSeconds = welcomeTimeout > 0 ? welcomeTimeout : nil
        service.reconnectTimeoutSeconds = reconnectTimeout > 0 ? reconnectTimeout : nil
        service.expectedStudy = study
        service.preemptionGraceSeconds = grace
        service.killRequested = { SignalTrap.count >= 2 }
        service.welcomeTimeoutHint =
            curve == nil
            ? "is a coordinator running at \(connect)? (a coordinator using CURVE needs --curve-key and --server-key)"
            : """
            check that --server-key is the coordinator's public key and that this worker's public key is in the \
            coordinator's --authorized-keys
            """
        // The GPU locks are held until the worker is done.
        let clean = try withExtendedLifetime(gpuClaims) { try service.run(transport: transport) { SignalTrap.caught } }
        if !clean { throw ExitCode(2) }
    }
}

extension WorkerCommand {
    /// `--label`: every value split at commas, each checked, duplicates dropped.
    func labelList() throws -> [String] {
        var list: [String] = []
        for label in labels.flatMap({ $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }) {
            if let violation = ResourceRequest.labelViolation(label) { throw ValidationError("--label: \(violation)") }
            if !list.contains(label) { list.append(label) }
        }
        guard list.count <= ResourceRequest.maxLabels else {
            throw ValidationError("--label: \(list.count) labels, more than \(ResourceRequest.maxLabels)")
        }
        return list
    }

    /// The GPUs to hand out (`--gpus`), said once in the log; nil when this worker does not
    /// manage GPUs. A `--gpus` list that nvidia-smi contradicts is an error (exit 2). The claims
    /// keep other workers on this host from handing out the same devices (`GPUClaims`).
    func discoverGPUs(logger: Logger) throws -> ([GPUDevice]?, GPUClaims) {
        let discovery: GPUInventory.Discovery
        let selection: GPUSelection
        do {
            selection = try GPUSelection(parsing: gpus)
            discovery = try GPUInventory.select(
                selection, environment: ProcessInfo.processInfo.environment,
                runNvidiaSMI: { GPUInventory.runNvidiaSMI() })
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        logger.info("\(discovery.note)")
        let claims = GPUClaims(directory: GPUClaims.defaultDirectory())
        guard let found = discovery.devices, !found.isEmpty else { return (discovery.devices, claims) }
        let (devices, notes) = claims.take(found, auto: selection == .auto, limit: slots)
        for note in notes { logger.warning("\(note)") }
        if devices.isEmpty {
            logger.warning("every GPU is handed out by other hpo-workers on this host: this worker's trials see none")
        } else if devices != found {
            logger.info("this worker hands out GPUs \(GPUInventory.describe(devices))")
        }
        if !devices.isEmpty, let slots, slots > devices.count {
            logger.warning(
                """
                \(slots) slots and \(devices.count) GPUs: a command trial takes a GPU of its own unless its study \
                says resources: {gpus: 0}, so at most \(devices.count) such trials run at once
                """
            )
        }
        return (devices, claims)
    }

    /// The CURVE settings from --curve-key and --server-key, if given.
    func curveSettings() throws -> CurveClientSettings? {
        guard let curveKey, let serverKey else { return nil }
        do {
            return CurveClientSettings(
                keyPair: try CurveKeyFile.readKeyPair(path: curveKey),
                serverPublicKey: try CurveKeyFile.readPublicKey(serverKey))
        } catch let error as CurveKeyError {
            throw ValidationError(error.description)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
