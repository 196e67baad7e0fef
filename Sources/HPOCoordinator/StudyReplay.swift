import HPOCore
import HPOJournal

/// A study as its results log left it: what a restarted coordinator continues from.
package struct RestoredStudy: Sendable {
    package enum TrialState: Hashable, Sendable {
        /// Waiting for another attempt.
        case queued
        /// Dispatched and not finished when the log ends.
        case running
        case completed(objective: Double)
        case failed
        /// Stopped early (terminal: not run again). `step` and `objective` are from its last report.
        case pruned(step: Int?, objective: Double?)
    }

    package struct Trial: Sendable {
        package var parameters: Parameters
        package var attempt: Attempt
        package var state: TrialState
        /// The worker of the last dispatch.
        package var worker: WorkerID?
    }

    package var config: StudyConfig
    package var trials: [TrialID: Trial] = [:]
    /// Trials waiting for another attempt, in the order they were queued.
    package var queue: [TrialID] = []
    package var completedCount = 0
    package var failedCount = 0
    package var prunedCount = 0
    /// The intermediate reports, in log order, when the study has a pruner: fed to it again so
    /// it decides as before the restart.
    package var reports: [TrialReported] = []
    package var best: (trial: TrialID, objective: Double)?
    /// The last `trial_checkpoint` of each trial: what its next attempt resumes from.
    package var checkpoints: [TrialID: StoredCheckpoint] = [:]
    /// How many attempts of each trial were preempted (`trial_preempted`): not counted against `retries`.
    package var preemptions: [TrialID: Int] = [:]
    /// Wall-clock seconds between the first and the last line of the log.
    package var elapsedSeconds: Double = 0
    /// Set when the log ends with `study_finished`.
    package var finishReason: String?
    /// What users asked through the control address, and the enqueued configurations.
    package var control = RestoredControl()
}

/// Rebuilds a study's state from its results log.
package enum StudyReplay {
    /// Why a log cannot be continued.
    package struct Mismatch: Error, CustomStringConvertible, Sendable {
        package var description: String
    }

    /// Folds the log's records into the state of the study. `config` is the study file's; it must
    /// equal the logged one except for the budget (a study may be extended), unless `allowChanges`.
    package static func restore(
        _ records: [JournalRecord], path: String, config: StudyConfig, allowChanges: Bool = false
    ) throws(Mismatch) -> RestoredStudy {
        guard case .studyStarted(let started)? = records.first?.event else {
            throw Mismatch(description: "\(path): the first line is not a study_started event; is this a results log?")
        }
        var logged = started.config
        logged.budget = config.budget
        if logged != config && !allowChanges {
            throw Mismatch(
                description: """
                    \(path) holds study '\(started.config.name)' with a different configuration than the study file \
                    (\(differences(started.config, config).joined(separator: ", "))). \
                    Use another --log for a new study, or pass --continue-anyway to continue this one with the new file.
                    """)
        }
        var study = RestoredStudy(config: config)
        let firstTime = records.first?.time ?? 0
        for record in records {
            study.elapsedSeconds = max(study.elapsedSeconds, record.time - firstTime)
            apply(record.event, to: &study)
        }
        study.queue = study.queue.filter { study.trials[$0]?.state == .queued }
        var best: (TrialID, Double)?
        for (id, trial) in study.trials.sorted(by: { $0.key < $1.key }) {
            guard case .completed(let objective) = trial.state else { continue }
            if best.map({ config.objective.isBetter(objective, than: $0.1) }) ?? true { best = (id, objective) }
        }
        study.best = best.map { (trial: $0.0, objective: $0.1) }
        // A budget raised by users stays raised (on top of the study file's).
        study.config.budget.trials += study.control.budgetAdded
        return study
    }

    private static func apply(_ event: JournalEvent, to study: inout RestoredStudy) {
        switch event {
        case .trialDispatched(let e):
            study.trials[e.trial] = RestoredStudy.Trial(
                parameters: e.params, attempt: e.attempt, state: .running, worker: e.worker)
            if let enqueued = e.enqueued { study.control.took(enqueued, trial: e.trial) }
        case .trialCompleted(let e):
            study.trials[e.trial]?.state = .completed(objective: e.objective)
            study.completedCount += 1
        case .trialFailed(let e):
            if e.willRetry {
                study.trials[e.trial]?.state = .queued
                study.queue.append(e.trial)
            } else {
                study.trials[e.trial]?.state = .failed
                study.failedCount += 1
            }
        case .trialPruned(let e):
            study.trials[e.trial]?.state = .pruned(step: e.step, objective: e.objective)
            study.prunedCount += 1
        case .trialReport(let e) where study.config.pruner != nil:
            study.reports.append(e)
        case .workerLeft(let e):
            for number in e.abandoned where study.trials[TrialID(number)]?.state == .running {
                study.trials[TrialID(number)]?.state = .queued
                study.queue.append(TrialID(number))
            }
        case .trialCheckpoint(let e):
            study.checkpoints[e.trial] = StoredCheckpoint(step: e.step, size: e.size, sha256: e.sha256, file: e.file)
        case .trialPreempted(let e):
            study.preemptions[e.trial, default: 0] += 1
            if study.trials[e.trial]?.state == .running {
                study.trials[e.trial]?.state = .queued
                study.queue.append(e.trial)
            }
        case .trialResumed:
            break
        case .controlAction(let e):
            study.control.apply(e)
        case .trialEnqueued(let e):
            study.control.enqueued.append(e)
        case .studyFinished(let e):
            study.finishReason = e.reason
        case .studyResumed, .studyStopped:
            study.finishReason = nil
        case .studyStarted, .workerJoined, .trialReport, .resultDropped, .lrRangeTest, .placementWarning:
            break
        }
    }

    /// The top-level fields that differ, for the refusal message.
    static func differences(_ a: StudyConfig, _ b: StudyConfig) -> [String] {
        var fields: [String] = []
        if a.name != b.name { fields.append("name") }
        if a.objective != b.objective { fields.append("objective") }
        if a.strategy != b.strategy { fields.append("strategy") }
        if a.seed != b.seed { fields.append("seed") }
        if a.space != b.space { fields.append("space") }
        if a.trial != b.trial { fields.append("trial") }
        if a.pruner != b.pruner { fields.append("pruner") }
        if a.warmStart != b.warmStart { fields.append("warm_start") }
        return fields.isEmpty ? ["budget"] : fields
    }
}
