import Foundation
import HPORuntime
import HPOCore
import HPOTrials
import HPOWire
import Logging

/// The worker's I/O shell: drives `WorkerStateMachine` from a transport, runs each trial on a
/// thread of its own, and feeds trial events back through a queue that wakes the loop.
public final class WorkerService {
    private var machine: WorkerStateMachine
    private let logger: Logger
    private let scratchRoot: String
    private let inbox: WakingInbox<TrialEvent>
    private var cancellations: [TrialKey: TrialCancellation] = [:]
    private let trialsDone = DispatchGroup()

    /// See `WorkerStateMachine.welcomeTimeoutSeconds`.
    public var welcomeTimeoutSeconds: Double? {
        get { machine.welcomeTimeoutSeconds }
        set { machine.welcomeTimeoutSeconds = newValue }
    }
    public var welcomeTimeoutHint: String {
        get { machine.welcomeTimeoutHint }
        set { machine.welcomeTimeoutHint = newValue }
    }
    /// See `WorkerStateMachine.expectedStudy`.
    public var expectedStudy: String? {
        get { machine.expectedStudy }
        set { machine.expectedStudy = newValue }
    }
    /// See `WorkerStateMachine.reconnectTimeoutSeconds`.
    public var reconnectTimeoutSeconds: Double? {
        get { machine.reconnectTimeoutSeconds }
        set { machine.reconnectTimeoutSeconds = newValue }
    }

    /// `waker` must be the one the transport polls: trial threads use it to wake the loop.
    /// `scratchRoot` should be a private folder made for this worker (`PrivateFolder`): each
    /// attempt's parameters file goes in a folder of its own inside it.
    public init(identity: WorkerIdentity, waker: Waker, scratchRoot: String, logger: Logger) {
        machine = WorkerStateMachine(identity: identity)
        self.logger = logger
        self.scratchRoot = scratchRoot
        inbox = WakingInbox<TrialEvent>(waker: waker)
    }

    /// Runs until the coordinator shuts the worker down, refuses it, or `stopRequested` returns a
    /// reason. Returns whether the exit was clean. Call on the thread that created `transport`.
    public func run(transport: any ClientTransport, stopRequested: () -> String?) throws -> Bool {
        var clean = true
        var exiting = false
        func apply(_ actions: [WorkerAction]) throws {
            for action in actions {
                switch action {
                case .send(let message):
                    try transport.send(WireCodec.encode(message))
                case .startTrial(let assignment):
                    startTrial(assignment)
                case .cancelTrial(let key, let reason):
                    cancellations[key]?.cancel(reason: reason)
                case .exit(let reason, let error):
                    exiting = true
                    clean = !error
                    if error {
                        logger.error("worker exits", metadata: ["reason": "\(reason)"])
                    } else {
                        logger.info("worker exits", metadata: ["reason": "\(reason)"])
                    }
                }
            }
        }

        logger.info("worker starting", metadata: ["worker.name": "\(machine.identity.name)", "slots": "\(machine.identity.slots)"])
        try apply(machine.start(now: monotonicSeconds()))
        while !exiting {
            let inbound = try transport.receive(timeoutMilliseconds: 100, limit: 256)
            for frames in inbound {
                do {
                    let message = try WireCodec.decodeCoordinatorMessage(frames)
                    if case .welcome(let welcome) = message, !machine.isRegistered {
                        logger.info("registered", metadata: ["worker.id": "\(welcome.worker)", "study": "\(welcome.study)"])
                    }
                    try apply(machine.received(message, now: monotonicSeconds()))
                } catch let error as WireError {
                    logger.warning("dropped a message from the coordinator", metadata: ["error": "\(error)"])
                }
            }
            for event in inbox.drain() {
                switch event {
                case .report(let key, let report):
                    try apply(machine.trialReported(key, report, now: monotonicSeconds()))
                case .finished(let key, let result):
                    cancellations[key] = nil
                    logger.debug("trial finished", metadata: ["trial.key": "\(key)", "status": "\(result.status.rawValue)"])
                    try apply(machine.trialFinished(key, result, now: monotonicSeconds()))
                }
            }
            if let reason = stopRequested() { try apply(machine.stop(reason: reason, now: monotonicSeconds())) }
            try apply(machine.tick(now: monotonicSeconds()))
        }
        // Cancelled trials end their process groups promptly; wait so no child outlives us.
        if trialsDone.wait(timeout: .now() + 10) == .timedOut {
            logger.warning("some trials did not stop within 10 s")
        }
        return clean
    }

    private func startTrial(_ assignment: Assignment) {
        let key = assignment.key
        let cancellation = TrialCancellation()
        cancellations[key] = cancellation
        var trialContext = TrialContext(
            trial: key.trial, attempt: key.attempt, parameters: assignment.parameters, spec: assignment.spec,
            objectiveMetric: assignment.objectiveMetric,
            scratchDirectory: "\(scratchRoot)/trial-\(key.trial.rawValue)-\(key.attempt)")
        trialContext.workerEnvironment = machine.gpus.environment(for: key)
        let context = trialContext
        let inbox = inbox
        let done = trialsDone
        done.enter()
        logger.debug("trial starting", metadata: ["trial.key": "\(key)", "gpus": "\(context.workerEnvironment["HPO_GPUS"] ?? "-")"])
        let thread = Thread {
            let result = TrialRunner.run(context, cancellation: cancellation) { report in
                inbox.post(.report(key, report))
            }
            inbox.post(.finished(key, result))
            done.leave()
        }
        thread.name = "trial \(key)"
        thread.start()
    }
}

/// Events from trial threads to the worker loop.
enum TrialEvent: Sendable {
    case report(TrialKey, TrialReport)
    case finished(TrialKey, TrialResult)
}

