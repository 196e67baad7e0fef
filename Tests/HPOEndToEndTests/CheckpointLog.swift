import HPOJournal

/// What the checkpoint end-to-end tests read from a results log.
extension LogSummary {
    var checkpoints: [TrialCheckpointed] {
        records.compactMap { if case .trialCheckpoint(let e) = $0.event { e } else { nil } }
    }

    var resumed: [TrialResumed] {
        records.compactMap { if case .trialResumed(let e) = $0.event { e } else { nil } }
    }

    var preempted: [TrialPreempted] {
        records.compactMap { if case .trialPreempted(let e) = $0.event { e } else { nil } }
    }
}

/// The checkpoints stored so far in the log at `log` (none while it cannot be read).
func checkpointsIn(_ log: String) -> [TrialCheckpointed] {
    (try? LogSummary(path: log))?.checkpoints ?? []
}

/// How many trial_report lines the log at `log` holds so far.
func reportCount(_ log: String) -> Int {
    (try? LogSummary(path: log))?.records.count { $0.event.name == "trial_report" } ?? 0
}
