import HPOControl
import HPOCore
import HPOJournal
import HPOSearch
import HPOWire

/// What users asked through the control address, and the configurations enqueued to run next
/// (docs/operations.md, "Control a running study"). Kept apart from the rest of the machine's state.
struct ControlState {
    /// Enqueued configurations no trial has taken yet, oldest first.
    var pending: [TrialEnqueued] = []
    /// The id the next enqueued configuration gets.
    var nextEnqueueID = 1
    /// Every enqueue journaled, by origin and configuration: an entry of a file (the study
    /// file's `enqueue:`, `--enqueue FILE`) already in the log is not enqueued again on a resume.
    var journaled: Set<EnqueueSource> = []
    /// Enqueued configurations from files, to journal when the study starts (`enqueueAtStart`).
    var atStart: [(parameters: Parameters, origin: String)] = []
    /// The control address of this run, journaled when the study starts (`control_listening`).
    var listening: ControlListening?

    struct EnqueueSource: Hashable {
        var origin: String
        var parameters: Parameters
    }
}

extension CoordinatorStateMachine {
    /// No attempt may start any more: the wall time ran out, or a user asked the study to stop.
    func startsNoAttempts(now: Double) -> Bool {
        pastWallTime(now: now) || phase.stopReason != nil
    }

    /// Set while the study is stopping at a user's request (for the progress line and tests).
    package var stopRequested: String? { phase.stopReason }
    /// Enqueued configurations not yet taken by a trial, oldest first.
    package var pendingEnqueued: [TrialEnqueued] { control.pending }

    /// Configurations from files (the study file's `enqueue:`, `--enqueue FILE`) to enqueue when
    /// the study starts, each with its origin (`file:line`). One already in the log with the same
    /// origin and configuration (a resumed study) is skipped: each runs once.
    package mutating func enqueueAtStart(_ entries: [(parameters: Parameters, origin: String)]) {
        control.atStart += entries
    }

    /// Where this run accepts actions, for `control_listening` when the study starts.
    package mutating func announceControl(endpoint: String, curve: Bool) {
        control.listening = ControlListening(endpoint: endpoint, curve: curve)
    }

    /// Journals the control address and the configurations of `enqueueAtStart` (called by `start`).
    mutating func journalAtStart(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        if let listening = control.listening { actions.journal.append(.controlListening(listening)) }
        let entries = control.atStart
        control.atStart = []
        for entry in entries {
            guard case .success(let parameters) = config.space.validated(entry.parameters) else { continue }
            let source = ControlState.EnqueueSource(origin: entry.origin, parameters: parameters)
            guard !control.journaled.contains(source) else { continue }
            actions.journal.append(enqueue(parameters, origin: entry.origin, clientKey: nil))
        }
        return actions
    }

    /// Records an enqueued configuration (already valid) and returns its journal event.
    private mutating func enqueue(_ parameters: Parameters, origin: String, clientKey: String?) -> JournalEvent {
        let event = TrialEnqueued(
            enqueueID: control.nextEnqueueID, params: parameters, origin: origin, clientKey: clientKey)
        control.nextEnqueueID += 1
        control.pending.append(event)
        control.journaled.insert(ControlState.EnqueueSource(origin: origin, parameters: parameters))
        return .trialEnqueued(event)
    }

    /// New trials for up to `count` enqueued configurations, oldest first (see `dispatch`).
    mutating func createEnqueuedTrials(_ count: Int) -> [TrialID] {
        let taken = control.pending.prefix(max(count, 0))
        control.pending.removeFirst(taken.count)
        return taken.map { enqueued in
            let id = TrialID(trials.count + 1)
            var entry = TrialEntry(parameters: enqueued.params, attempt: 0, state: .pending)
            entry.enqueueID = enqueued.enqueueID
            trials[id] = entry
            return id
        }
    }

    /// A resumed study: what the log says users asked (see `RestoredStudy.control`).
    mutating func restoreControl(_ restored: RestoredStudy) {
        // The log writes 1.0 as 1, read back as an integer: each value in its parameter's type again.
        let enqueued = restored.control.enqueued.map { event in
            var event = event
            if case .success(let parameters) = config.space.validated(event.params) { event.params = parameters }
            return event
        }
        control.journaled = Set(enqueued.map { ControlState.EnqueueSource(origin: $0.origin, parameters: $0.params) })
        control.pending = enqueued.filter { !restored.control.taken.contains($0.enqueueID) }
        control.nextEnqueueID = (restored.control.enqueued.map(\.enqueueID).max() ?? 0) + 1
        for (trial, enqueueID) in restored.control.trialsFromEnqueue { trials[trial]?.enqueueID = enqueueID }
        for (trial, reason) in restored.control.stopsRequested where trials[trial]?.state == .orphaned {
            trials[trial]?.stopReason = reason
        }
    }

    // MARK: - Actions

    /// Serves one control request: checks it against the study, journals it (the returned
    /// actions: durable before it takes effect and before the reply is sent), applies it, and
    /// says what happened. `clientKey`: with CURVE, the client's authenticated public key.
    package mutating func control(_ request: ControlRequest, clientKey: String? = nil, now: Double) -> (
        actions: CoordinatorActions, reply: ControlReply
    ) {
        guard !isFinished else {
            return (CoordinatorActions(), refusal("the study has finished (\(finishReason ?? ""))"))
        }
        let result: (actions: CoordinatorActions, reply: ControlReply)
        switch request.action {
        case .stopTrial(let trial): result = stopTrial(trial, request: request, clientKey: clientKey, now: now)
        case .stopStudy: result = stopStudy(request: request, clientKey: clientKey, now: now)
        case .addBudget(let count): result = addBudget(count, request: request, clientKey: clientKey, now: now)
        case .enqueue(let parameters):
            result = enqueueRequested(parameters, request: request, clientKey: clientKey, now: now)
        }
        noteSent(result.actions, now: now)
        return result
    }

    private func refusal(_ message: String) -> ControlReply { ControlReply(accepted: false, message: message) }

    /// The reason a trial stopped by a user carries in `trial_pruned`.
    static func userStopReason(_ origin: String) -> String { "stopped by the user: \(origin)" }

    private mutating func stopTrial(_ trial: TrialID, request: ControlRequest, clientKey: String?, now: Double)
        -> (actions: CoordinatorActions, reply: ControlReply)
    {
        guard let entry = trials[trial] else {
            return (CoordinatorActions(), refusal("no trial \(trial.rawValue): the study has \(trials.count) trials"))
        }
        let done: String? =
            switch entry.state {
            case .completed: "completed"
            case .failed: "failed"
            case .pruned: "stopped early"
            default: nil
            }
        if let done { return (CoordinatorActions(), refusal("trial \(trial.rawValue) has already \(done)")) }
        if let reason = entry.stopReason {
            return (CoordinatorActions(), refusal("trial \(trial.rawValue) is already being stopped (\(reason))"))
        }
        var actions = CoordinatorActions()
        actions.journal.append(
            .controlAction(
                ControlActionTaken(action: "stop_trial", origin: request.origin, clientKey: clientKey, trial: trial)))
        let reason = Self.userStopReason(request.origin)
        let key = TrialKey(trial: trial, attempt: entry.attempt)
        switch entry.state {
        case .running(let peer, let worker):
            trials[trial]?.stopReason = reason
            actions.messages.append((peer, .stop(StopMessage(key: key, reason: reason))))
            return (
                actions,
                ControlReply(
                    accepted: true,
                    message: "trial \(trial.rawValue): stop sent to worker \(worker); it ends as pruned "
                        + "(stopped by the user) unless it completes first")
            )
        case .orphaned:
            trials[trial]?.stopReason = reason
            return (
                actions,
                ControlReply(
                    accepted: true,
                    message: "trial \(trial.rawValue) waits for its worker to come back after a restart: "
                        + "it is stopped then, or ends as pruned if the worker does not come back")
            )
        default:
            // Waiting for another attempt: it ends here, as that attempt, which never ran.
            retryQueue.removeAll { $0 == trial }
            trials[trial]?.stopReason = reason
            trials[trial]?.attempt += 1
            trials[trial]?.dispatchedAt = nil
            trials[trial]?.lastReport = nil
            if let event = prune(
                TrialKey(trial: trial, attempt: entry.attempt + 1), worker: WorkerID("none"), result: nil, now: now,
                note: "it was waiting for another attempt")
            {
                actions.journal.append(event)
            }
            actions.append(dispatch(now: now))
            actions.append(finishIfDone(now: now))
            return (
                actions,
                ControlReply(accepted: true, message: "trial \(trial.rawValue) stopped before its next attempt")
            )
        }
    }

    private mutating func stopStudy(request: ControlRequest, clientKey: String?, now: Double)
        -> (actions: CoordinatorActions, reply: ControlReply)
    {
        if let reason = phase.stopReason {
            return (CoordinatorActions(), refusal("the study is already stopping (\(reason))"))
        }
        guard let started = phase.started else { return (CoordinatorActions(), refusal("the study has not started")) }
        var actions = CoordinatorActions()
        actions.journal.append(
            .controlAction(ControlActionTaken(action: "stop_study", origin: request.origin, clientKey: clientKey)))
        phase = .stopping(started, reason: Self.userStopReason(request.origin))
        // Trials waiting in workers' queues have not started: they end as pruned, not run.
        actions.append(withdrawQueued(reason: "the study was stopped before it started"))
        let running = runningCount - queuedCount
        actions.append(finishIfDone(now: now))
        let message =
            isFinished
            ? "the study is stopped (nothing was running)"
            : "the study is stopping: no new trials; \(running) running trial\(running == 1 ? "" : "s") will finish"
        return (actions, ControlReply(accepted: true, message: message))
    }

    private mutating func addBudget(_ count: Int, request: ControlRequest, clientKey: String?, now: Double)
        -> (actions: CoordinatorActions, reply: ControlReply)
    {
        if let reason = phase.stopReason {
            return (CoordinatorActions(), refusal("the study is stopping (\(reason)): its budget cannot grow"))
        }
        let (budget, overflow) = config.budget.trials.addingReportingOverflow(count)
        guard !overflow, budget <= Int(Int32.max) else {
            return (CoordinatorActions(), refusal("a budget of \(config.budget.trials) + \(count) trials is too large"))
        }
        var actions = CoordinatorActions()
        actions.journal.append(
            .controlAction(
                ControlActionTaken(
                    action: "add_budget", origin: request.origin, clientKey: clientKey, trials: count, budget: budget)))
        config.budget.trials = budget
        actions.append(dispatch(now: now))
        var message = "budget raised by \(count) to \(budget) trials (\(trials.count) created so far)"
        if search.isExhausted && control.pending.isEmpty {
            message += "; note: the search is exhausted (a grid visited in full), so no more trials will be proposed"
        }
        return (actions, ControlReply(accepted: true, message: message))
    }

    private mutating func enqueueRequested(
        _ parameters: Parameters, request: ControlRequest, clientKey: String?, now: Double
    ) -> (actions: CoordinatorActions, reply: ControlReply) {
        if let reason = phase.stopReason {
            return (CoordinatorActions(), refusal("the study is stopping (\(reason)): nothing more runs"))
        }
        let valid: Parameters
        switch config.space.validated(parameters) {
        case .success(let parameters): valid = parameters
        case .failure(let problem): return (CoordinatorActions(), refusal("not enqueued: \(problem.message)"))
        }
        var actions = CoordinatorActions()
        actions.journal.append(enqueue(valid, origin: request.origin, clientKey: clientKey))
        let id = control.nextEnqueueID - 1
        let ahead = control.pending.count - 1
        actions.append(dispatch(now: now))
        var message = "enqueued as #\(id)"
        if let trial = trials.first(where: { $0.value.enqueueID == id })?.key {
            message += "; dispatched as trial \(trial.rawValue)"
        } else {
            message += "; it runs when a worker is free (\(ahead) enqueued ahead of it)"
            let left = config.budget.trials - trials.count
            if left < control.pending.count {
                message +=
                    "; note: only \(left) trials are left in the budget for \(control.pending.count) enqueued: "
                    + "raise it (add_budget) to run them all"
            }
        }
        return (actions, ControlReply(accepted: true, message: message))
    }
}
