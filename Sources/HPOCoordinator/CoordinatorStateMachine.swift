import HPOCore
import HPOJournal
import HPOSearch
import HPOWire

/// Timing rules the coordinator announces to workers in `welcome`.
public struct LivenessSettings: Hashable, Sendable {
    /// A side sends a heartbeat when it has sent nothing else for this long.
    public var heartbeatIntervalSeconds: Double
    /// A peer silent for this many intervals is considered lost.
    public var liveness: Int

    public init(heartbeatIntervalSeconds: Double = 1, liveness: Int = 5) {
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.liveness = liveness
    }

    public var timeoutSeconds: Double { heartbeatIntervalSeconds * Double(liveness) }
}

/// What the coordinator shell must do after feeding the state machine one event.
///
/// Order matters and the shell keeps it: first make `journal` durable, then send `messages`.
public struct CoordinatorActions: Sendable {
    public var journal: [JournalEvent] = []
    public var messages: [(peer: PeerID, message: CoordinatorMessage)] = []

    public init() {}

    mutating func append(_ other: CoordinatorActions) {
        journal += other.journal
        messages += other.messages
    }
}

/// The coordinator's logic, free of I/O: events in (messages, ticks, with the time passed in),
/// actions out. Tested directly, and driven by `CoordinatorService` over a real transport.
public struct CoordinatorStateMachine {
    public let config: StudyConfig
    public let liveness: LivenessSettings
    public let software: String
    public let host: String

    private var search: any SearchStrategy
    private var workers: [PeerID: WorkerEntry] = [:]
    private var trials: [TrialID: TrialEntry] = [:]
    /// Trials waiting for another attempt (retries, abandoned by a lost worker), oldest first.
    private var retryQueue: [TrialID] = []
    private var startTime: Double?
    private var lastHeartbeatSent: [PeerID: Double] = [:]
    public private(set) var finishReason: String?
    public private(set) var best: (trial: TrialID, objective: Double)?
    public private(set) var completedCount = 0
    public private(set) var failedCount = 0

    struct WorkerEntry {
        var id: WorkerID
        var slots: Int
        var running: Set<TrialKey> = []
        var lastSeen: Double
        var freeSlots: Int { slots - running.count }
    }

    enum TrialState: Equatable {
        case pending
        case running(peer: PeerID, worker: WorkerID)
        case completed(objective: Double)
        case failed
    }

    struct TrialEntry {
        var parameters: Parameters
        var attempt: Attempt
        var state: TrialState
    }

    public init(
        config: StudyConfig, search: (any SearchStrategy)? = nil, liveness: LivenessSettings = LivenessSettings(),
        software: String, host: String
    ) {
        self.config = config
        self.search = search ?? makeSearchStrategy(for: config)
        self.liveness = liveness
        self.software = software
        self.host = host
    }

    // MARK: - Queries

    public var isFinished: Bool { finishReason != nil }
    public var createdCount: Int { trials.count }
    public var runningCount: Int { trials.values.count { if case .running = $0.state { true } else { false } } }
    public var connectedWorkers: Int { workers.count }
    public var busyWorkers: Int { workers.values.count { !$0.running.isEmpty } }
    public func parameters(of trial: TrialID) -> Parameters? { trials[trial]?.parameters }

    // MARK: - Events

    /// The study begins: the log records its configuration.
    public mutating func start(now: Double) -> CoordinatorActions {
        startTime = now
        var actions = CoordinatorActions()
        actions.journal.append(
            .studyStarted(StudyStarted(study: config.name, config: config, software: software, host: host)))
        actions.append(finishIfDone(now: now))
        return actions
    }

    /// A message arrived from a worker.
    public mutating func received(_ message: WorkerMessage, from peer: PeerID, now: Double) -> CoordinatorActions {
        if case .hello(let hello) = message { return register(hello, peer: peer, now: now) }
        guard workers[peer] != nil else {
            // A worker we do not know (we restarted, or declared it lost): ask it to say hello again.
            if case .bye = message { return CoordinatorActions() }
            var actions = CoordinatorActions()
            actions.messages.append((peer, .reregister(reason: "unknown worker: send hello")))
            return actions
        }
        workers[peer]?.lastSeen = now
        switch message {
        case .hello: return CoordinatorActions()  // handled above
        case .heartbeat: return CoordinatorActions()
        case .report(let report): return record(report, from: peer)
        case .result(let result): return record(result, from: peer, now: now)
        case .bye(let reason): return removeWorker(peer, reason: "bye: \(reason)", now: now)
        }
    }

    /// A message from `peer` could not be decoded. A peer speaking another protocol version is told why.
    public mutating func receivedUndecodable(_ error: WireError, from peer: PeerID) -> CoordinatorActions {
        var actions = CoordinatorActions()
        if case .unsupportedVersion = error {
            actions.messages.append((peer, .refuse(reason: error.description)))
        }
        return actions
    }

    /// Time passed: heartbeats to send, silent workers to declare lost, the wall-time budget.
    public mutating func tick(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard !isFinished else { return actions }
        for (peer, worker) in workers where now - worker.lastSeen > liveness.timeoutSeconds {
            actions.append(removeWorker(peer, reason: "lost: silent for \(Int(now - worker.lastSeen)) s", now: now))
        }
        for peer in workers.keys where now - (lastHeartbeatSent[peer] ?? 0) >= liveness.heartbeatIntervalSeconds {
            actions.messages.append((peer, .heartbeat))
            lastHeartbeatSent[peer] = now
        }
        actions.append(finishIfDone(now: now))
        return actions
    }

    /// The user asked to stop (SIGINT/SIGTERM): no new trials, workers are told to shut down.
    public mutating func stop(reason: String, now: Double) -> CoordinatorActions {
        guard !isFinished else { return CoordinatorActions() }
        return finish(reason: reason)
    }

    // MARK: - Workers

    private mutating func register(_ hello: Hello, peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        if isFinished {
            actions.messages.append((peer, .shutdown(reason: "study finished: \(finishReason ?? "")")))
            return actions
        }
        let id = WorkerID(hello.name)
        if let existing = workers[peer] {
            // A repeated hello (the worker resent it before our welcome arrived): same registration.
            workers[peer]?.lastSeen = now
            actions.messages.append((peer, .welcome(welcome(for: existing.id))))
            return actions
        }
        workers[peer] = WorkerEntry(id: id, slots: max(hello.slots, 1), lastSeen: now)
        actions.journal.append(.workerJoined(WorkerJoined(worker: id, host: hello.host, pid: hello.pid, slots: hello.slots)))
        actions.messages.append((peer, .welcome(welcome(for: id))))
        lastHeartbeatSent[peer] = now
        actions.append(dispatch(now: now))
        return actions
    }

    private func welcome(for id: WorkerID) -> Welcome {
        Welcome(
            worker: id, study: config.name,
            heartbeatIntervalMilliseconds: Int(liveness.heartbeatIntervalSeconds * 1000), liveness: liveness.liveness)
    }

    /// Forgets a worker; the trials it was running go back to the queue as new attempts.
    private mutating func removeWorker(_ peer: PeerID, reason: String, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard let worker = workers.removeValue(forKey: peer) else { return actions }
        lastHeartbeatSent[peer] = nil
        let abandoned = worker.running.sorted { $0.trial < $1.trial }
        for key in abandoned {
            trials[key.trial]?.state = .pending
            retryQueue.append(key.trial)
        }
        actions.journal.append(
            .workerLeft(WorkerLeft(worker: worker.id, reason: reason, abandoned: abandoned.map(\.trial.rawValue))))
        actions.append(dispatch(now: now))
        actions.append(finishIfDone(now: now))
        return actions
    }

    // MARK: - Results

    private mutating func record(_ message: ReportMessage, from peer: PeerID) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard isCurrent(message.key, on: peer) else { return actions }
        actions.journal.append(
            .trialReport(
                TrialReported(
                    trial: message.key.trial, attempt: message.key.attempt, step: message.report.step,
                    metrics: message.report.metrics)))
        return actions
    }

    private mutating func record(_ message: ResultMessage, from peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        let key = message.key
        // Every result is acknowledged (after the journal is durable), so the worker can forget it,
        // but only the attempt the coordinator holds is recorded: a duplicate or stale one is not.
        actions.messages.append((peer, .ack(key)))
        guard isCurrent(key, on: peer), let entry = trials[key.trial], case .running(_, let workerID) = entry.state
        else { return actions }
        workers[peer]?.running.remove(key)
        let result = message.result
        let objective = result.metrics[config.objective.metric]
        if result.status == .completed, let objective, objective.isFinite {
            trials[key.trial]?.state = .completed(objective: objective)
            completedCount += 1
            if best.map({ config.objective.isBetter(objective, than: $0.objective) }) ?? true {
                best = (key.trial, objective)
            }
            actions.journal.append(
                .trialCompleted(
                    TrialCompleted(
                        trial: key.trial, attempt: key.attempt, params: entry.parameters, objective: objective,
                        metrics: result.metrics, worker: workerID, durationSeconds: result.durationSeconds)))
        } else {
            let reason = result.status == .failed
                ? result.reason ?? "failed"
                : "objective metric '\(config.objective.metric)' missing or not finite"
            let willRetry = key.attempt <= config.trial.retries && !noNewWork(now: now)
            if willRetry {
                trials[key.trial]?.state = .pending
                retryQueue.append(key.trial)
            } else {
                trials[key.trial]?.state = .failed
                failedCount += 1
            }
            actions.journal.append(
                .trialFailed(
                    TrialFailed(
                        trial: key.trial, attempt: key.attempt, params: entry.parameters, worker: workerID,
                        reason: reason, exitCode: result.exitCode, stderrTail: result.stderrTail,
                        metrics: result.metrics, durationSeconds: result.durationSeconds, willRetry: willRetry)))
        }
        actions.append(dispatch(now: now))
        actions.append(finishIfDone(now: now))
        return actions
    }

    /// Whether `key` is the attempt this coordinator currently has running on `peer`.
    private func isCurrent(_ key: TrialKey, on peer: PeerID) -> Bool {
        guard let entry = trials[key.trial], entry.attempt == key.attempt,
            case .running(let runningPeer, _) = entry.state
        else { return false }
        return runningPeer == peer
    }

    // MARK: - Dispatch

    /// Whether the budget allows no new trial: spent, exhausted, or past the wall time.
    private func noNewWork(now: Double) -> Bool {
        if let wall = config.budget.wallTimeSeconds, let startTime, now - startTime >= wall { return true }
        return false
    }

    private func canCreateTrials(now: Double) -> Bool {
        trials.count < config.budget.trials && !search.isExhausted && !noNewWork(now: now)
    }

    /// Fills every free worker slot: retries first, then new proposals from the search.
    private mutating func dispatch(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard !isFinished else { return actions }
        let peers = workers.filter { $0.value.freeSlots > 0 }.sorted { $0.value.id.rawValue < $1.value.id.rawValue }.map(\.key)
        let freeSlots = peers.reduce(0) { $0 + (workers[$1]?.freeSlots ?? 0) }
        guard freeSlots > 0 else { return actions }

        var ready: [TrialID] = []
        if !noNewWork(now: now) {
            ready = Array(retryQueue.prefix(freeSlots))
            retryQueue.removeFirst(ready.count)
        }
        let wanted = min(freeSlots - ready.count, config.budget.trials - trials.count)
        if wanted > 0 && canCreateTrials(now: now) {
            for parameters in search.propose(wanted, history: history()) {
                let id = TrialID(trials.count + 1)
                trials[id] = TrialEntry(parameters: parameters, attempt: 0, state: .pending)
                ready.append(id)
            }
        }
        var next = ready.makeIterator()
        for peer in peers {
            while let worker = workers[peer], worker.freeSlots > 0, let trial = next.next() {
                actions.append(assign(trial, to: peer))
            }
        }
        return actions
    }

    private mutating func assign(_ trial: TrialID, to peer: PeerID) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard var entry = trials[trial], let worker = workers[peer] else { return actions }
        entry.attempt += 1
        entry.state = .running(peer: peer, worker: worker.id)
        trials[trial] = entry
        let key = TrialKey(trial: trial, attempt: entry.attempt)
        workers[peer]?.running.insert(key)
        actions.journal.append(
            .trialDispatched(
                TrialDispatched(trial: trial, attempt: entry.attempt, worker: worker.id, params: entry.parameters)))
        actions.messages.append(
            (
                peer,
                .assign(
                    Assignment(
                        key: key, parameters: entry.parameters, spec: config.trial,
                        objectiveMetric: config.objective.metric))
            ))
        return actions
    }

    private func history() -> SearchHistory {
        var history = SearchHistory()
        for (_, entry) in trials.sorted(by: { $0.key < $1.key }) {
            switch entry.state {
            case .running, .pending: history.running.append(entry.parameters)
            case .completed(let objective): history.finished.append((entry.parameters, objective))
            case .failed: history.finished.append((entry.parameters, nil))
            }
        }
        return history
    }

    // MARK: - The end

    private mutating func finishIfDone(now: Double) -> CoordinatorActions {
        guard !isFinished, runningCount == 0 else { return CoordinatorActions() }
        let pendingRetries = !retryQueue.isEmpty && !noNewWork(now: now)
        guard !pendingRetries, !canCreateTrials(now: now) else { return CoordinatorActions() }
        for trial in retryQueue {
            trials[trial]?.state = .failed
            failedCount += 1
        }
        retryQueue.removeAll()
        let reason: String
        if trials.count >= config.budget.trials {
            reason = "budget spent"
        } else if search.isExhausted {
            reason = config.strategy.kind == .grid ? "grid exhausted" : "search exhausted"
        } else {
            reason = "wall time reached"
        }
        return finish(reason: reason)
    }

    private mutating func finish(reason: String) -> CoordinatorActions {
        finishReason = reason
        var actions = CoordinatorActions()
        let bestParams = best.flatMap { trials[$0.trial]?.parameters }
        actions.journal.append(
            .studyFinished(
                StudyFinished(
                    reason: reason, completed: completedCount, failed: failedCount, bestTrial: best?.trial,
                    bestObjective: best?.objective, bestParams: bestParams)))
        for (peer, _) in workers.sorted(by: { $0.value.id.rawValue < $1.value.id.rawValue }) {
            actions.messages.append((peer, .shutdown(reason: "study finished: \(reason)")))
        }
        return actions
    }
}
