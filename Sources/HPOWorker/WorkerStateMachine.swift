import HPOCore
import HPOWire

/// Who this worker is, as it introduces itself.
package struct WorkerIdentity: Hashable, Sendable {
    package var name: String
    package var host: String
    package var pid: Int32
    package var slots: Int
    package var software: String
    /// Assignments kept queued beyond the slots, started the moment a slot frees (see `Hello`).
    package var prefetch: Int
    /// The GPUs the worker hands out to its trials (`--gpus`): nil when it does not manage GPUs
    /// (trials keep the environment they inherit), empty for `--gpus none` (see `GPUAllocator`).
    package var gpus: [GPUDevice]? = nil
    /// `--label`, and the cores the process may use: announced in the hello with the GPUs.
    package var labels: [String] = []
    package var cores: Int? = nil

    /// What the hello announces besides the slots (`GPUAllocator` honours `gpu_memory_gb`).
    package var resources: WorkerResources {
        WorkerResources(gpus: gpus ?? [], cores: cores, labels: labels, gpuMemoryAware: true)
    }

    package init(name: String, host: String, pid: Int32, slots: Int, software: String, prefetch: Int = 0) {
        self.name = name
        self.host = host
        self.pid = pid
        self.slots = slots
        self.software = software
        self.prefetch = prefetch
    }
}

/// What the worker shell must do after feeding the state machine one event.
package enum WorkerAction: Hashable, Sendable {
    case send(WorkerMessage)
    case startTrial(Assignment)
    case cancelTrial(TrialKey, reason: String)
    /// Start an attempt that resumes from the checkpoint just received for it (see `+Checkpoints`).
    case resumeTrial(Assignment, step: Int)
    /// An assignment holds its slot while the checkpoint it resumes from is still arriving.
    case awaitCheckpoint(TrialKey)
    /// Preemption: SIGTERM to the trial's process group, SIGKILL only after `graceSeconds`.
    case preemptTrial(TrialKey, reason: String, graceSeconds: Double)
    /// SIGKILL to the trial's process group now (a second signal, or the grace is over).
    case killTrial(TrialKey, reason: String)
    /// Work on checkpoint files: sending chunks, receiving a resume (see `WorkerCheckpointAction`).
    case checkpoint(WorkerCheckpointAction)
    /// Leave the loop: `error` is set when the exit is a failure (refused by the coordinator).
    case exit(reason: String, error: Bool)
}

/// The worker's logic, free of I/O: coordinator messages, trial events and ticks in, actions out.
package struct WorkerStateMachine {
    package let identity: WorkerIdentity
    /// Seconds before the first hello is repeated while the coordinator has not welcomed us; the
    /// wait doubles with every unanswered hello, up to `maximumHelloRetrySeconds` (backoff).
    package var helloRetrySeconds: Double
    package var maximumHelloRetrySeconds: Double = 8
    /// A worker never welcomed within this many seconds gives up with `welcomeTimeoutHint`
    /// (nil: it waits for ever). Only the first welcome counts: after that, the worker keeps
    /// trying through coordinator restarts.
    package var welcomeTimeoutSeconds: Double?
    package var welcomeTimeoutHint = "is the coordinator running at that address?"
    /// The study this worker serves (`hpo-worker --study`): a welcome that names another study is
    /// refused and the worker exits with an error. Without it, the study of the first welcome is
    /// kept (`pinnedStudy`) and a coordinator that answers after a reconnect must run that one.
    package var expectedStudy: String?
    /// Once welcomed, how long the worker goes on trying to get back to a coordinator it has lost
    /// (nothing heard) before it exits with an error (nil: for ever). A `shutdown` ends the worker
    /// at once. Bounding the wait bounds the time in which another process could take the
    /// coordinator's address over after it died (docs/security.md).
    package var reconnectTimeoutSeconds: Double?
    /// The study of the first welcome: every later welcome must name it.
    package private(set) var pinnedStudy: String?
    private var helloWait: Double
    private var startedAt: Double?
    private var everWelcomed = false

    enum Phase: Equatable {
        case idle
        case registering(lastHello: Double)
        case registered(Welcome)
        case stopped
    }

    var phase: Phase = .idle
    /// Trials this worker is running.
    package internal(set) var running: [TrialKey: Assignment] = [:]
    /// Assignments received while every slot was busy (at most `identity.prefetch`), oldest first.
    package internal(set) var queued: [Assignment] = []
    /// When each slot that is free now became free (oldest first), and how long each running
    /// trial's slot had stood idle before it started: the result carries it.
    private var slotsFreedAt: [Double] = []
    private var idleBeforeStart: [TrialKey: Double] = [:]
    /// Results sent but not yet acknowledged as durable: resent after a re-registration.
    package internal(set) var unacknowledged: [TrialKey: ResultMessage] = [:]
    /// Checkpoints going up, resumes coming down, preemption (`+Checkpoints`).
    var checkpoints = WorkerCheckpointBook()
    /// Running trials the coordinator asked to stop (pruning), with its reason.
    package private(set) var stopping: [TrialKey: String] = [:]
    /// The last intermediate report of each running trial: what a pruned result carries.
    private var lastReports: [TrialKey: TrialReport] = [:]
    private var lastHeard: Double = 0
    var lastSent: Double = 0
    /// Which GPUs each running trial holds: a queued trial starts only when its GPUs are free.
    package internal(set) var gpus: GPUAllocator

    package init(identity: WorkerIdentity, helloRetrySeconds: Double = 1) {
        self.identity = identity
        gpus = GPUAllocator(devices: identity.gpus)
        self.helloRetrySeconds = helloRetrySeconds
        helloWait = helloRetrySeconds
    }

    package var isRegistered: Bool { if case .registered = phase { true } else { false } }
    package var isStopped: Bool { phase == .stopped }
    package var welcome: Welcome? { if case .registered(let welcome) = phase { welcome } else { nil } }

    // MARK: - Events

    package mutating func start(now: Double) -> [WorkerAction] {
        startedAt = now
        return sayHello(now: now)
    }

    package mutating func received(_ message: CoordinatorMessage, now: Double) -> [WorkerAction] {
        guard phase != .stopped, phase != .idle else { return [] }
        lastHeard = now
        switch message {
        case .welcome(let welcome):
            if let refusal = studyRefusal(welcome) {
                return stop(reason: refusal, error: true, now: now, sayBye: true)
            }
            pinnedStudy = welcome.study
            let wasRegistered = isRegistered
            phase = .registered(welcome)
            everWelcomed = true
            helloWait = helloRetrySeconds
            // Results the coordinator may not have made durable before we lost touch: send again.
            // It records each (trial, attempt) once, so a duplicate is harmless.
            guard !wasRegistered else { return [] }
            return unacknowledged.keys.sorted { $0.trial < $1.trial }.compactMap { key in
                unacknowledged[key].map { send(.result($0), now: now) }
            } + restartUploads(now: now)
        case .assign(let assignment):
            guard isRegistered, running[assignment.key] == nil, !queued.contains(where: { $0.key == assignment.key })
            else { return [] }
            if let handedBack = refuseWhileDraining(assignment, now: now) { return handedBack }
            if let reason = gpus.neverFits(assignment.spec) {
                return [refuseAtOnce(assignment, reason: reason, now: now)]
            }
            if running.count < identity.slots, queued.isEmpty, gpus.canStart(assignment.spec) {
                return [begin(assignment, now: now)]
            }
            guard queued.count < identity.prefetch else { return [] }
            queued.append(assignment)
            return []
        case .ack(let key):
            unacknowledged[key] = nil
            return []
        case .heartbeat:
            return []
        case .reregister:
            return sayHello(now: now)
        case .refuse(let reason):
            return stop(reason: "refused by the coordinator: \(reason)", error: true, now: now)
        case .shutdown(let reason):
            return stop(reason: "coordinator: \(reason)", error: false, now: now)
        case .stop(let stop):
            if let index = queued.firstIndex(where: { $0.key == stop.key }) {
                // Not started yet: it ends here, pruned before its first step.
                queued.remove(at: index)
                let result = TrialResult(status: .pruned, metrics: [:], reason: stop.reason, durationSeconds: 0)
                let message = ResultMessage(key: stop.key, result: result)
                unacknowledged[stop.key] = message
                return [send(.result(message), now: now)]
            }
            // Only a trial still running, and only once: a late stop for a finished one is moot.
            guard running[stop.key] != nil, stopping[stop.key] == nil else { return [] }
            stopping[stop.key] = stop.reason
            return [.cancelTrial(stop.key, reason: Self.pruneCancellation(stop.reason))]
        case .checkpointAck(let ack):
            return receivedCheckpointAck(ack, now: now)
        case .resumeChunk(let chunk):
            return receivedResumeChunk(chunk, now: now)
        case .resumeShared(let checkpoint):
            return receivedSharedResume(checkpoint, now: now)
        }
    }

    /// The reason a pruned trial's cancellation carries (what its runner reports if it fails).
    package static func pruneCancellation(_ reason: String) -> String { "pruned by the coordinator: \(reason)" }

    package mutating func trialReported(_ key: TrialKey, _ report: TrialReport, now: Double) -> [WorkerAction] {
        guard running[key] != nil, phase != .stopped else { return [] }
        lastReports[key] = report
        return [send(.report(ReportMessage(key: key, report: report)), now: now)]
    }

    /// A trial ended. One the coordinator asked to stop that did not complete is reported as
    /// `pruned`, with the coordinator's reason and the step and metrics of its last report; one
    /// that completed before the stop took effect stays completed.
    package mutating func trialFinished(_ key: TrialKey, _ result: TrialResult, now: Double) -> [WorkerAction] {
        guard running.removeValue(forKey: key) != nil, phase != .stopped else { return [] }
        gpus.release(key)
        slotsFreedAt.append(now)
        var result = result
        result.slotIdleSeconds = idleBeforeStart.removeValue(forKey: key)
        let last = lastReports.removeValue(forKey: key)
        if let reason = stopping.removeValue(forKey: key), result.status != .completed {
            result.status = .pruned
            result.reason = reason
            result.step = result.step ?? last?.step
            if result.metrics.isEmpty { result.metrics = last?.metrics ?? [:] }
        }
        markPreempted(key, &result)
        let message = ResultMessage(key: key, result: result)
        // The queued trial first: its slot is free now, the coordinator's answer is a round trip away.
        var actions: [WorkerAction] = []
        // As many as the free slots and GPUs allow (a trial of two GPUs may free room for two of one).
        while let next = queued.first, running.count < identity.slots, gpus.canStart(next.spec) {
            actions.append(begin(queued.removeFirst(), now: now))
        }
        actions += deliver(message, now: now)
        return actions
    }

    /// Starts an assignment in a free slot, noting how long that slot stood idle.
    mutating func begin(_ assignment: Assignment, now: Double) -> WorkerAction {
        running[assignment.key] = assignment
        gpus.allocate(assignment.key, spec: assignment.spec)
        if !slotsFreedAt.isEmpty { idleBeforeStart[assignment.key] = max(now - slotsFreedAt.removeFirst(), 0) }
        return startAction(for: assignment)
    }

    /// An assignment this worker can never run (it needs more GPUs than there are: a
    /// coordinator that does not place by resources) ends at once as failed, with the reason.
    private mutating func refuseAtOnce(_ assignment: Assignment, reason: String, now: Double) -> WorkerAction {
        let result = TrialResult(status: .failed, metrics: [:], reason: reason, durationSeconds: 0)
        let message = ResultMessage(key: assignment.key, result: result)
        unacknowledged[assignment.key] = message
        return send(.result(message), now: now)
    }

    /// Time passed: hello again while unwelcomed, heartbeats, a silent coordinator; checkpoint
    /// chunks to resend and, while draining, leaving once everything is handed back (`+Checkpoints`).
    package mutating func tick(now: Double) -> [WorkerAction] {
        let checkpointActions = phase == .idle || phase == .stopped ? [] : tickCheckpoints(now: now)
        if phase == .stopped { return checkpointActions }
        return checkpointActions + tickPhase(now: now)
    }

    private mutating func tickPhase(now: Double) -> [WorkerAction] {
        switch phase {
        case .idle, .stopped:
            return []
        case .registering(let lastHello):
            if !everWelcomed, let limit = welcomeTimeoutSeconds, let startedAt, now - startedAt >= limit {
                let reason = "no welcome from the coordinator within \(Self.format(limit)) s: \(welcomeTimeoutHint)"
                return stop(reason: reason, error: true, now: now)
            }
            if everWelcomed, let limit = reconnectTimeoutSeconds, now - lastHeard >= limit {
                let reason =
                    "lost the coordinator: nothing heard from it for \(Self.format(limit)) s (--reconnect-timeout); "
                    + "the study ended or the coordinator is gone"
                return stop(reason: reason, error: true, now: now)
            }
            guard now - lastHello >= helloWait else { return [] }
            helloWait = min(helloWait * 2, maximumHelloRetrySeconds)
            return sayHello(now: now)
        case .registered(let welcome):
            let interval = Double(welcome.heartbeatIntervalMilliseconds) / 1000
            if now - lastHeard > interval * Double(welcome.liveness) {
                // The coordinator went silent: introduce ourselves again. ZeroMQ reconnects the
                // socket by itself; our hello (with the trials we still run) re-registers us.
                return sayHello(now: now)
            }
            return now - lastSent >= interval ? [send(.heartbeat, now: now)] : []
        }
    }

    /// The worker is asked to stop (a signal): running trials are cancelled, the coordinator told.
    package mutating func stop(reason: String, now: Double) -> [WorkerAction] {
        stop(reason: reason, error: false, now: now, sayBye: true)
    }

    // MARK: - Helpers

    /// Why a welcome must be refused: it names another study than `--study`, or than the one this
    /// worker joined (a different process answering at the coordinator's address).
    private func studyRefusal(_ welcome: Welcome) -> String? {
        if let expectedStudy, welcome.study != expectedStudy {
            return
                "the coordinator runs study '\(welcome.study)', not '\(expectedStudy)' (--study): refusing its trials"
        }
        if let pinnedStudy, welcome.study != pinnedStudy {
            return
                "the coordinator that answered after a reconnect runs study '\(welcome.study)', not '\(pinnedStudy)' "
                + "that this worker joined: refusing its trials (has another process taken the coordinator's address?)"
        }
        return nil
    }

    mutating func stop(reason: String, error: Bool, now: Double, sayBye: Bool = false) -> [WorkerAction] {
        guard phase != .stopped else { return [] }
        var actions: [WorkerAction] = running.keys.sorted { $0.trial < $1.trial }.map {
            .cancelTrial($0, reason: "worker stopping: \(reason)")
        }
        // Queued assignments never started: the coordinator gives them to others when we leave.
        queued.removeAll()
        if sayBye { actions.append(send(.bye(reason: reason), now: now)) }
        phase = .stopped
        actions.append(.exit(reason: reason, error: error))
        return actions
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    private mutating func sayHello(now: Double) -> [WorkerAction] {
        phase = .registering(lastHello: now)
        // Trials still running and results not yet acknowledged are both still ours: the
        // coordinator takes them back instead of running them again elsewhere.
        // So are results held back until their last checkpoint is up (`+Checkpoints`).
        let held = Set(running.keys).union(queued.map(\.key)).union(unacknowledged.keys)
            .union(checkpoints.heldResults.keys).sorted { $0.trial < $1.trial }
        let hello = Hello(
            name: identity.name, host: identity.host, pid: identity.pid, slots: identity.slots,
            software: identity.software, running: held, prefetch: identity.prefetch, resources: identity.resources)
        return [send(.hello(hello), now: now)]
    }

    mutating func send(_ message: WorkerMessage, now: Double) -> WorkerAction {
        lastSent = now
        return .send(message)
    }
}
