import HPOCore
import HPOJournal

/// Everything a log says about a study, folded into trials, attempts and workers. Pure: records in,
/// values out. `StudySummary`, the plots and the export all read this.
package struct StudyHistory: Sendable {
    package var config: StudyConfig?
    package var state: StudyState = .running
    /// The reason of the last `study_finished` / `study_stopped`.
    package var finishReason: String?
    /// Log time of the first line (`study_started`).
    package var startTime: Double = 0
    /// Log time of the last line: the moment the history describes.
    package var asOf: Double = 0
    /// The coordinator's runs: from `study_started` or `study_resumed` to the last line before the
    /// next resume (or the end of the log). Downtime between runs falls outside every run.
    package var runs: [ClosedRange<Double>] = []
    /// Trials by number, in order.
    package var trials: [TrialRecord] = [] {
        didSet {
            index = Dictionary(trials.enumerated().map { ($1.trial, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }
    /// Where each trial is in `trials`.
    private var index: [TrialID: Int] = [:]
    /// Workers in order of first appearance.
    package var workers: [WorkerRecord] = []
    /// Intermediate reports by trial and attempt, in log order.
    package var reports: [TrialID: [Attempt: [ReportPoint]]] = [:]
    /// `result_dropped` lines: results acknowledged but not recorded (duplicates, stale attempts).
    package var resultsDropped = 0
    /// `study_resumed` lines.
    package var resumes = 0
    /// Trials whose configuration came from the quasi-random fallback (`"fallback": true` on
    /// their first dispatch): the search's model had none ready.
    package var fallbackTrials = 0
    /// Trials whose configuration the model computed before the latest results arrived
    /// (`proposal_lag` on their first dispatch): a slot could not wait for a fresh proposal.
    package var staleProposalTrials = 0
    /// The last `placement_warning` (no connected worker can hold a trial), while it stands: no
    /// trial dispatched since, the study not ended.
    package var placementWarning: PlacementWarning?
    /// What people asked of the study (control actions, enqueued configurations), in log order.
    package var actions: [UserAction] = []

    /// Wall-clock seconds the coordinator ran, summed over its runs.
    package var elapsedSeconds: Double { runs.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) } }

    /// Every attempt of every trial, in dispatch order.
    package var attempts: [AttemptRecord] {
        trials.flatMap(\.attempts).sorted {
            ($0.dispatched, $0.trial, $0.attempt) < ($1.dispatched, $1.trial, $1.attempt)
        }
    }

    package func trial(_ id: TrialID) -> TrialRecord? {
        index[id].map { trials[$0] }
    }

    package init(records: [JournalRecord]) {
        var fold = StudyHistoryFold()
        for record in records { fold.apply(record) }
        self = fold.finish()
    }

    init() {}
}

/// The fold behind `StudyHistory(records:)`, record by record, so that a log being followed
/// (`hpo serve`) folds only its new lines: `apply` each, `history` for the state so far.
package struct StudyHistoryFold: Sendable {
    package init() {}

    /// The history of the records applied so far (the fold itself goes on).
    package var snapshot: StudyHistory {
        var copy = self
        return copy.finish()
    }

    private var history = StudyHistory()
    private var trials: [TrialID: TrialRecord] = [:]
    private var workerIndex: [WorkerID: Int] = [:]
    private var runStart: Double?
    private var lastTime: Double?
    /// Attempts that were open when the coordinator restarted, with the last time it was alive.
    private var orphanedAt: [TrialID: Double] = [:]

    package mutating func apply(_ record: JournalRecord) {
        let time = record.time
        if lastTime == nil { history.startTime = time }
        switch record.event {
        case .studyStarted(let e):
            history.config = e.config
            runStart = runStart ?? time
        case .studyResumed:
            closeRun(at: lastTime ?? time)
            runStart = time
            history.resumes += 1
            history.state = .running
            history.finishReason = nil
            for trial in trials.values where trial.attempts.last?.ended == nil && !trial.attempts.isEmpty {
                orphanedAt[trial.trial] = lastTime ?? time
            }
            disconnectAll(at: lastTime ?? time)
        case .workerJoined(let e):
            let index = worker(e.worker)
            history.workers[index].host = e.host
            history.workers[index].slots = max(1, e.slots)
            if !history.workers[index].isConnected {
                history.workers[index].connections.append(.init(joined: time, left: nil))
            }
        case .placementWarning(let e):
            history.placementWarning = e
        case .workerLeft(let e):
            let index = worker(e.worker)
            if history.workers[index].isConnected {
                history.workers[index].connections[history.workers[index].connections.count - 1].left = time
            }
            for number in e.abandoned {
                update(TrialID(number)) { attempt in
                    guard attempt.worker == e.worker, attempt.ended == nil else { return }
                    attempt.ended = time
                    attempt.outcome = .lost
                    attempt.reason = "worker \(e.worker) left (\(e.reason))"
                }
            }
        case .trialDispatched(let e):
            history.placementWarning = nil
            _ = worker(e.worker)
            if e.fallback == true && e.attempt == 1 { history.fallbackTrials += 1 }
            if (e.proposalLag ?? 0) > 0 && e.attempt == 1 { history.staleProposalTrials += 1 }
            var trial = trials[e.trial] ?? TrialRecord(trial: e.trial, params: e.params, attempts: [], state: .running)
            // An older attempt still open was lost with a restarted coordinator.
            for i in trial.attempts.indices
            where trial.attempts[i].ended == nil && trial.attempts[i].attempt != e.attempt {
                trial.attempts[i].ended = orphanedAt[e.trial] ?? time
                trial.attempts[i].outcome = .lost
                trial.attempts[i].reason = "not reported before the coordinator restarted"
            }
            orphanedAt[e.trial] = nil
            trial.params = e.params
            if !trial.attempts.contains(where: { $0.attempt == e.attempt }) {
                trial.attempts.append(
                    AttemptRecord(
                        trial: e.trial, attempt: e.attempt, worker: e.worker, params: e.params, dispatched: time,
                        ended: nil, outcome: .running, willRetry: false, metrics: [:]))
            }
            trials[e.trial] = trial
        case .trialReport(let e):
            history.reports[e.trial, default: [:]][e.attempt, default: []].append(
                ReportPoint(step: e.step, metrics: e.metrics, time: time))
        case .trialCompleted(let e):
            end(
                e.trial, e.attempt, as: .completed, worker: e.worker, params: e.params, duration: e.durationSeconds,
                at: time
            ) {
                $0.objective = e.objective
                $0.metrics = e.metrics
                $0.feasible = e.feasible
            }
        case .trialFailed(let e):
            end(
                e.trial, e.attempt, as: .failed, worker: e.worker, params: e.params, duration: e.durationSeconds,
                at: time
            ) {
                $0.reason = e.reason
                $0.exitCode = e.exitCode
                $0.stderrTail = e.stderrTail
                $0.willRetry = e.willRetry
                $0.metrics = e.metrics
            }
        case .trialPruned(let e)
        where trials[e.trial]?.attempts.contains(where: { $0.attempt == e.attempt && $0.outcome == .paused }) == true:
            // A paused trial never promoted, pruned when the study ended: its attempt ended at its
            // pause (its time and duration stand); only the outcome changes.
            update(e.trial, attempt: e.attempt) {
                $0.outcome = .pruned
                $0.reason = e.reason
            }
        case .trialPruned(let e):
            end(
                e.trial, e.attempt, as: .pruned, worker: e.worker, params: e.params, duration: e.durationSeconds,
                at: time
            ) {
                $0.reason = e.reason
                $0.metrics = e.metrics
                $0.stopStep = e.step
            }
        case .resultDropped:
            history.resultsDropped += 1
        case .lrRangeTest:
            break  // drawn from `StudyLog.rangeTests`
        case .trialCheckpoint, .trialResumed, .trialPromoted, .controlListening:
            break
        case .trialEnqueued:
            if let action = UserAction(record) { history.actions.append(action) }
        case .controlAction(let e):
            if let action = UserAction(record) { history.actions.append(action) }
            // A user raised the budget through the control address: the study plans that many.
            if e.action == "add_budget", let budget = e.budget { history.config?.budget.trials = budget }
        case .trialPaused(let e):
            end(
                e.trial, e.attempt, as: .paused, worker: e.worker, params: e.params, duration: e.durationSeconds,
                at: time
            ) {
                $0.reason = e.reason
                $0.metrics = e.metrics
                $0.stopStep = e.step
            }
        case .trialPreempted(let e):
            // Handed back by a worker that was told to leave: the trial runs again, like a lost one.
            update(e.trial) { attempt in
                guard attempt.attempt == e.attempt, attempt.ended == nil else { return }
                attempt.ended = time
                attempt.outcome = .lost
                attempt.reason = "preempted: \(e.reason)"
            }
        case .studyFinished(let e):
            history.state = .finished
            history.finishReason = e.reason
            history.placementWarning = nil
            disconnectAll(at: time)
        case .studyStopped(let e):
            history.state = .stopped
            history.finishReason = e.reason
            history.placementWarning = nil
            disconnectAll(at: time)
        }
        lastTime = max(lastTime ?? time, time)
    }

    mutating func finish() -> StudyHistory {
        let end = lastTime ?? 0
        history.asOf = end
        closeRun(at: end)
        var result = trials.values.sorted { $0.trial < $1.trial }
        for t in result.indices {
            for a in result[t].attempts.indices where result[t].attempts[a].ended == nil && history.state != .running {
                result[t].attempts[a].outcome = .interrupted
                result[t].attempts[a].ended = end
            }
            result[t].state = Self.state(of: result[t])
        }
        history.trials = result
        return history
    }

    static func state(of trial: TrialRecord) -> TrialState {
        guard let last = trial.finalAttempt else { return .queued }
        switch last.outcome {
        case .completed: return .completed
        case .failed: return last.willRetry ? .queued : .failed
        case .pruned: return .pruned
        case .paused: return .paused
        case .lost: return .queued
        case .running: return .running
        case .interrupted: return .interrupted
        }
    }

    private mutating func closeRun(at time: Double) {
        guard let start = runStart else { return }
        history.runs.append(start...max(start, time))
        runStart = nil
    }

    private mutating func disconnectAll(at time: Double) {
        for index in history.workers.indices where history.workers[index].isConnected {
            history.workers[index].connections[history.workers[index].connections.count - 1].left = time
        }
    }

    /// The index of a worker, recording it on first sight.
    private mutating func worker(_ id: WorkerID) -> Int {
        if let index = workerIndex[id] { return index }
        history.workers.append(WorkerRecord(id: id, host: nil, slots: 1, connections: []))
        workerIndex[id] = history.workers.count - 1
        return history.workers.count - 1
    }

    /// Makes sure an outcome has an attempt to land on (a log that starts mid-study).
    private mutating func ensureAttempt(
        _ id: TrialID, _ number: Attempt, worker workerID: WorkerID, params: Parameters, start: Double
    ) {
        _ = worker(workerID)
        var trial = trials[id] ?? TrialRecord(trial: id, params: params, attempts: [], state: .running)
        if !trial.attempts.contains(where: { $0.attempt == number }) {
            trial.attempts.append(
                AttemptRecord(
                    trial: id, attempt: number, worker: workerID, params: params, dispatched: start, ended: nil,
                    outcome: .running, willRetry: false, metrics: [:]))
        }
        trials[id] = trial
    }

    /// An attempt's outcome line: the attempt (made from the line if its dispatch is missing), its
    /// end, worker and duration, then what only this kind of outcome carries.
    private mutating func end(
        _ id: TrialID, _ number: Attempt, as outcome: AttemptRecord.Outcome, worker: WorkerID, params: Parameters,
        duration: Double, at time: Double, details: (inout AttemptRecord) -> Void
    ) {
        ensureAttempt(id, number, worker: worker, params: params, start: time - duration)
        update(id, attempt: number) { attempt in
            attempt.ended = time
            attempt.outcome = outcome
            attempt.worker = worker
            attempt.durationSeconds = duration
            details(&attempt)
        }
    }

    private mutating func update(_ id: TrialID, attempt number: Attempt? = nil, _ change: (inout AttemptRecord) -> Void)
    {
        guard var trial = trials[id] else { return }
        for i in trial.attempts.indices where number == nil || trial.attempts[i].attempt == number {
            change(&trial.attempts[i])
        }
        trials[id] = trial
    }
}
