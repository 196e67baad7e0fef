import Foundation
import HPOCore
import HPORuntime
import HPOTrials
import HPOWire
import Logging

/// The worker's I/O shell: drives `WorkerStateMachine` from a transport, runs each trial on a
/// thread of its own, and feeds trial events back through a queue that wakes the loop.
package final class WorkerService {
    var machine: WorkerStateMachine
    let logger: Logger
    let scratchRoot: String
    let inbox: WakingInbox<TrialEvent>
    var cancellations: [TrialKey: TrialCancellation] = [:]
    /// Resume downloads being written (`+Checkpoints`).
    var downloadFiles: [TrialKey: FileHandle] = [:]
    /// Shared mode: the verified checkpoint folder each attempt resumes from (`+Checkpoints`).
    var sharedResumes: [TrialKey: String] = [:]
    /// Preemption: on the first stop request, trials get SIGTERM and this many seconds to write a
    /// last checkpoint before they are handed back (nil: the old way, cancel at once and leave).
    package var preemptionGraceSeconds: Double?
    /// Whether a second signal asks to kill the trials now instead of waiting out the grace.
    package var killRequested: () -> Bool = { false }
    private let trialsDone = DispatchGroup()

    /// See `WorkerStateMachine.welcomeTimeoutSeconds`.
    package var welcomeTimeoutSeconds: Double? {
        get { machine.welcomeTimeoutSeconds }
        set { machine.welcomeTimeoutSeconds = newValue }
    }
    package var welcomeTimeoutHint: String {
        get { machine.welcomeTimeoutHint }
        set { machine.welcomeTimeoutHint = newValue }
    }
    /// See `WorkerStateMachine.expectedStudy`.
    package var expectedStudy: String? {
        get { machine.expectedStudy }
        set { machine.expectedStudy = newValue }
    }
    /// See `WorkerStateMachine.reconnectTimeoutSeconds`.
    package var reconnectTimeoutSeconds: Double? {
        get { machine.reconnectTimeoutSeconds }
        set { machine.reconnectTimeoutSeconds = newValue }
    }

    /// `waker` must be the one the transport polls: trial threads use it to wake the loop.
    /// `scratchRoot` should be a private folder made for this worker (`PrivateFolder`): each
    /// attempt's parameters file goes in a folder of its own inside it.
    package init(identity: WorkerIdentity, waker: Waker, scratchRoot: String, logger: Logger) {
        machine = WorkerStateMachine(identity: identity)
        self.logger = logger
        self.scratchRoot = scratchRoot
        inbox = WakingInbox<TrialEvent>(waker: waker)
    }

    /// Runs until the coordinator shuts the worker down, refuses it, or `stopRequested` returns a
    /// reason. Returns whether the exit was clean. Call on the thread that created `transport`.
    package func run(transport: any ClientTransport, stopRequested: () -> String?) throws -> Bool {
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
                case .resumeTrial(let assignment, let step):
                    startTrial(assignment, resumeStep: step)
                case .awaitCheckpoint(let key):
                    logger.debug("trial waits for its checkpoint", metadata: ["trial.key": "\(key)"])
                case .preemptTrial(let key, let reason, let grace):
                    cancellations[key]?.preempt(reason: reason, graceSeconds: grace)
                case .killTrial(let key, let reason):
                    cancellations[key]?.killNow(reason: reason)
                case .checkpoint(let work):
                    try applyCheckpoint(work, transport: transport, then: apply)
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

        logger.info(
            "worker starting",
            metadata: ["worker.name": "\(machine.identity.name)", "slots": "\(machine.identity.slots)"])
        try apply(machine.start(now: monotonicSeconds()))
        while !exiting {
            let inbound = try transport.receive(timeoutMilliseconds: 100, limit: 256)
            for frames in inbound {
                do {
                    let message = try WireCodec.decodeCoordinatorMessage(frames)
                    if case .welcome(let welcome) = message, !machine.isRegistered {
                        logger.info(
                            "registered", metadata: ["worker.id": "\(welcome.worker)", "study": "\(welcome.study)"])
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
                    logger.debug(
                        "trial finished", metadata: ["trial.key": "\(key)", "status": "\(result.status.rawValue)"])
                    try apply(machine.trialFinished(key, result, now: monotonicSeconds()))
                    try apply(machine.forgetDownload(key))
                    removeAttemptFiles(key)
                case .checkpointPacked(let key, let step, let archive, let size, let sha256, let shared):
                    logger.info(
                        shared ? "checkpoint sealed in the shared folder" : "checkpoint packed",
                        metadata: ["trial.key": "\(key)", "step": "\(step)", "bytes": "\(size)"])
                    try apply(
                        machine.checkpointPacked(
                            key, step: step, archive: archive, size: size, sha256: sha256, shared: shared,
                            now: monotonicSeconds()))
                case .checkpointFailed(let key, let reason):
                    logger.error("checkpoint not packed", metadata: ["trial.key": "\(key)", "reason": "\(reason)"])
                case .sharedResumeChecked(let key, let folder, let error):
                    try apply(sharedResumeChecked(key, folder: folder, error: error))
                }
            }
            if let reason = stopRequested() {
                if let grace = preemptionGraceSeconds {
                    if !machine.isDraining {
                        logger.notice(
                            "preempted: handing the trials back",
                            metadata: ["reason": "\(reason)", "grace_s": "\(grace)"])
                    }
                    try apply(machine.preempt(reason: reason, graceSeconds: grace, now: monotonicSeconds()))
                    if killRequested() { try apply(machine.killNow(now: monotonicSeconds())) }
                } else {
                    try apply(machine.stop(reason: reason, now: monotonicSeconds()))
                }
            }
            try apply(machine.tick(now: monotonicSeconds()))
        }
        // Cancelled trials end their process groups promptly; wait so no child outlives us.
        if trialsDone.wait(timeout: .now() + 10) == .timedOut {
            logger.warning("some trials did not stop within 10 s")
        }
        return clean
    }

    private func startTrial(_ assignment: Assignment, resumeStep: Int? = nil) {
        let key = assignment.key
        let cancellation = TrialCancellation()
        cancellations[key] = cancellation
        var context = TrialContext(
            trial: key.trial, attempt: key.attempt, parameters: assignment.parameters, spec: assignment.spec,
            objectiveMetric: assignment.objectiveMetric,
            scratchDirectory: "\(scratchRoot)/trial-\(key.trial.rawValue)-\(key.attempt)")
        context.workerEnvironment = machine.gpus.environment(for: key)
        let (checkpoint, settleCheckpoints, problem) = prepareCheckpoints(
            for: assignment, context: &context, resumeStep: resumeStep)
        if let problem {
            // The shared checkpoint folder is unusable here: a clear failure (the coordinator
            // may retry elsewhere), not a trial that silently runs without checkpoints.
            logger.error("cannot start the trial", metadata: ["trial.key": "\(key)", "reason": "\(problem)"])
            cancellations[key] = nil
            inbox.post(.finished(key, TrialResult(status: .failed, metrics: [:], reason: problem, durationSeconds: 0)))
            return
        }
        let trialContext = context
        let inbox = inbox
        let done = trialsDone
        done.enter()
        logger.debug(
            "trial starting",
            metadata: ["trial.key": "\(key)", "gpus": "\(context.workerEnvironment["HPO_GPUS"] ?? "-")"])
        let thread = Thread {
            let result = TrialRunner.run(
                trialContext, cancellation: cancellation, report: { report in inbox.post(.report(key, report)) },
                checkpoint: checkpoint)
            settleCheckpoints()
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
    /// A checkpoint the trial announced, packed into `archive` (see `+Checkpoints`); `shared`:
    /// sealed as a folder in the shared checkpoint folder instead.
    case checkpointPacked(TrialKey, step: Int, archive: String, size: Int, sha256: String, shared: Bool)
    case checkpointFailed(TrialKey, reason: String)
    /// A shared checkpoint to resume from was read and checked: `error` nil when it is good.
    case sharedResumeChecked(TrialKey, folder: String, error: String?)
}
