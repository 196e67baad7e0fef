/// Where a study is in its life (`CoordinatorStateMachine.phase`). Each phase holds only what
/// exists in it, so "started?", "stopping?" and "finished?" have one answer each.
///
/// ```
/// notStarted ──start──▶ running ──stop_study──▶ stopping ──last attempt ends──▶ finished
///      │                   └──budget spent, grid exhausted, wall time, SIGINT──────▲
///      └──start, the log says a user stopped it──▶ stopping
/// ```
enum StudyPhase {
    /// Built (new, or restored from its log) and `start` not called yet.
    case notStarted
    /// Trials are created and dispatched.
    case running(RunningStudy)
    /// A user asked the study to stop (`stop_study`; on a resume, the log says one did): no
    /// attempt starts, the running ones finish, then the study finishes with `reason`.
    case stopping(RunningStudy, reason: String)
    /// `study_finished` (or `study_stopped`) is journaled; a worker that says hello is told to shut down.
    case finished(reason: String)

    /// What a started, unfinished study keeps.
    var started: RunningStudy? {
        switch self {
        case .running(let study), .stopping(let study, _): study
        case .notStarted, .finished: nil
        }
    }

    /// Changes what a started, unfinished study keeps; nothing in the other phases.
    mutating func updateStarted(_ change: (inout RunningStudy) -> Void) {
        switch self {
        case .running(var study):
            change(&study)
            self = .running(study)
        case .stopping(var study, let reason):
            change(&study)
            self = .stopping(study, reason: reason)
        case .notStarted, .finished:
            break
        }
    }

    /// Why the study is stopping at a user's request.
    var stopReason: String? {
        if case .stopping(_, let reason) = self { reason } else { nil }
    }

    var finishReason: String? {
        if case .finished(let reason) = self { reason } else { nil }
    }
}

/// What a study keeps from `start` until it finishes.
struct RunningStudy {
    /// This coordinator's clock when `start` ran; the wall-time budget counts from here (plus the
    /// time the study ran before a resume).
    var startedAt: Double
    /// A resumed study whose trials were running when the last coordinator stopped: when those
    /// stop waiting for their workers and go back to the queue. nil: none wait.
    var adoptionDeadline: Double?
    /// Set once the wall time ran out and the trials queued on workers were asked to stop.
    var queuedWithdrawn = false
}
