import HPOCore
import HPOJournal

/// How a study is going, from its results log: counts, best, pace, workers and the top trials.
/// Pure: records in, numbers out. docs/report.md defines every number.
package struct StudySummary: Hashable, Sendable {
    package struct Counts: Hashable, Sendable {
        /// Trials with a `trial_completed` line.
        package var completed = 0
        /// Trials failed for good (last attempt failed with `will_retry: false`).
        package var failed = 0
        /// Trials stopped early by the pruner (`trial_pruned`).
        package var pruned = 0
        /// Trials paused at a rung by ASHA's promotion form and not promoted (yet).
        package var paused = 0
        /// Trials with a dispatched attempt and no outcome yet (0 once the study finished or stopped).
        package var running = 0
        /// Trials waiting for another attempt (after a failure or a lost worker).
        package var queued = 0
        /// Trials whose attempt had no outcome when the study finished or stopped.
        package var interrupted = 0
        /// Dispatched attempts, all trials.
        package var attempts = 0
        /// `trial_failed` lines, retried or not.
        package var failedAttempts = 0
        /// Attempts whose worker left (or whose coordinator restarted) before they reported.
        package var lostAttempts = 0
        /// Attempts handed back by a preempted worker (`trial_preempted`), not counted as lost.
        package var preemptedAttempts = 0
        /// Attempts after a trial's first: retries after failures and re-runs after lost attempts.
        package var retries = 0
        /// `result_dropped` lines.
        package var resultsDropped = 0
        /// Trials configured by the quasi-random fallback because the model had nothing ready.
        package var fromFallback = 0
        /// Trials configured by the model before the latest results arrived (a slot could not wait).
        package var staleProposals = 0
        /// Completed trials that break an outcome constraint (`feasible: false`): never the best.
        package var infeasible = 0
        /// Trials that ended: completed, failed for good, or pruned.
        package var done: Int { completed + failed + pruned }
    }

    package struct Best: Hashable, Sendable {
        package var trial: TrialID
        package var objective: Double
        package var params: Parameters
    }

    package struct Workers: Hashable, Sendable {
        /// Distinct workers that joined (or ran an attempt).
        package var seen = 0
        /// Workers joined and not left since the coordinator last started; 0 once it finished or stopped.
        package var connected = 0
        /// Connected workers running at least one attempt.
        package var busy = 0
        /// Busy slot-seconds over connected slot-seconds, in [0, 1]; nil before any worker joined.
        package var utilisation: Double?
    }

    /// A completed trial in the ranking.
    package struct RankedTrial: Hashable, Sendable {
        package var rank: Int
        package var trial: TrialID
        package var attempt: Attempt
        package var objective: Double
        package var params: Parameters
        package var metrics: [String: Double]
        package var durationSeconds: Double?
        package var worker: WorkerID
    }

    package var study: String
    package var objective: Objective
    /// Every objective (one, or several for a Pareto study).
    package var objectives: [Objective]
    /// The study's outcome constraints (empty for none).
    package var constraints: [OutcomeConstraint]
    /// Parameter names in the study's order.
    package var parameterNames: [String]
    package var budget: Budget
    /// Trials the study will run: the budget, or the grid's size when a grid is smaller.
    package var plannedTrials: Int
    package var state: StudyState
    package var finishReason: String?
    /// Why no connected worker can run the study's trials (`placement_warning`), while it stands.
    package var placementWarning: String?
    /// What people asked of the study, in log order (`UserAction`).
    package var actions: [UserAction]
    package var counts: Counts
    package var best: Best?
    /// Log times (seconds since 1970) of the first and the last line.
    package var startTime: Double
    package var asOf: Double
    /// Seconds the coordinator ran, summed over its runs (restarts' downtime excluded).
    package var elapsedSeconds: Double
    /// Trials done (completed or failed) per hour of `elapsedSeconds`; nil before any time passed.
    package var trialsPerHour: Double?
    /// Seconds until the planned trials are done at the current pace (capped by a wall-time
    /// budget); nil when nothing is done yet or the study is not running.
    package var etaSeconds: Double?
    package var workers: Workers
    /// The best completed trials, best first.
    package var top: [RankedTrial]
    /// Studies with several objectives: the Pareto front and its hypervolume (the best is nil).
    package var pareto: ParetoSummary?

    package init(records: [JournalRecord], top: Int = 10) {
        self.init(history: StudyHistory(records: records), top: top)
    }

    package init(history: StudyHistory, top topCount: Int = 10) {
        let config = history.config
        study = config?.name ?? "?"
        objective = config?.objective ?? Objective(metric: "objective", direction: .minimize)
        objectives = config?.objectives ?? [objective]
        constraints = config?.constraints ?? []
        parameterNames = Self.parameterNames(history)
        budget = config?.budget ?? Budget(trials: 0)
        plannedTrials = budget.trials
        if let config, config.strategy.kind == .grid { plannedTrials = min(budget.trials, config.space.gridSize) }
        state = history.state
        finishReason = history.finishReason
        placementWarning = history.placementWarning?.reason
        actions = history.actions
        startTime = history.startTime
        asOf = history.asOf
        elapsedSeconds = history.elapsedSeconds
        counts = Self.counts(history)

        let ranking = Self.ranking(history, objective: objective)
        top = ranking.prefix(max(0, topCount)).map { $0 }
        pareto = ParetoSummary(history: history)
        if pareto == nil {
            best = ranking.first.map { Best(trial: $0.trial, objective: $0.objective, params: $0.params) }
        }

        if elapsedSeconds > 0 {
            let perSecond = Double(counts.done) / elapsedSeconds
            trialsPerHour = perSecond * 3600
            if state == .running, perSecond > 0 {
                var eta = Double(max(0, plannedTrials - counts.done)) / perSecond
                if let wall = budget.wallTimeSeconds { eta = min(eta, max(0, wall - elapsedSeconds)) }
                etaSeconds = eta
            }
        }
        workers = Self.workers(history)
    }

    /// The completed, feasible trials with a finite objective, best first (ties: the earlier
    /// trial); for several objectives, by the first.
    package static func ranking(_ history: StudyHistory, objective: Objective) -> [RankedTrial] {
        // Sort small keys, not the records: moving a record copies all its fields.
        let completed = history.trials.enumerated().compactMap {
            index, trial -> (index: Int, trial: TrialID, value: Double)? in
            guard trial.state == .completed, trial.feasible != false, let value = trial.finalAttempt?.objective,
                value.isFinite
            else {
                return nil
            }
            return (index, trial.trial, value)
        }
        let sorted = completed.sorted { a, b in
            if a.value != b.value { return objective.isBetter(a.value, than: b.value) }
            return a.trial < b.trial
        }
        return sorted.enumerated().compactMap { rank, entry in
            guard let attempt = history.trials[entry.index].finalAttempt else { return nil }
            return RankedTrial(
                rank: rank + 1, trial: entry.trial, attempt: attempt.attempt, objective: entry.value,
                params: attempt.params, metrics: attempt.metrics, durationSeconds: attempt.durationSeconds,
                worker: attempt.worker)
        }
    }

    /// The study's parameter names in its order, then any others the trials carry (sorted).
    static func parameterNames(_ history: StudyHistory) -> [String] {
        var names = history.config?.space.names ?? []
        let known = Set(names)
        names += Set(history.trials.flatMap { $0.params.keys }).subtracting(known).sorted()
        return names
    }

    private static func counts(_ history: StudyHistory) -> Counts {
        var counts = Counts()
        for trial in history.trials {
            switch trial.state {
            case .completed:
                counts.completed += 1
                if trial.feasible == false { counts.infeasible += 1 }
            case .failed: counts.failed += 1
            case .pruned: counts.pruned += 1
            case .running: counts.running += 1
            case .queued: counts.queued += 1
            case .interrupted: counts.interrupted += 1
            case .paused: counts.paused += 1
            }
            counts.attempts += trial.attempts.count
            counts.retries += max(0, trial.attempts.count - 1)
            counts.failedAttempts += trial.attempts.filter { $0.outcome == .failed }.count
            let handedBack = trial.attempts.filter { $0.outcome == .lost && $0.reason?.hasPrefix("preempted") == true }
            counts.preemptedAttempts += handedBack.count
            counts.lostAttempts += trial.attempts.filter { $0.outcome == .lost }.count - handedBack.count
        }
        counts.resultsDropped = history.resultsDropped
        counts.fromFallback = history.fallbackTrials
        counts.staleProposals = history.staleProposalTrials
        return counts
    }

    private static func workers(_ history: StudyHistory) -> Workers {
        var workers = Workers()
        workers.seen = history.workers.count
        workers.connected = history.workers.filter(\.isConnected).count
        let running = history.trials.flatMap(\.attempts).filter { $0.outcome == .running }
        let connected = Set(history.workers.filter(\.isConnected).map(\.id))
        workers.busy = Set(running.map(\.worker)).intersection(connected).count
        let capacity = history.workers.reduce(0.0) { total, worker in
            total + Double(worker.slots)
                * worker.connections.reduce(0.0) { $0 + max(0, ($1.left ?? history.asOf) - $1.joined) }
        }
        if capacity > 0 {
            let busy = history.trials.flatMap(\.attempts).reduce(0.0) { $0 + $1.busySeconds(asOf: history.asOf) }
            workers.utilisation = min(1, busy / capacity)
        }
        return workers
    }
}
