import HPOCore
import HPOJSON

/// Decodes the frequent event kinds (trials and workers) without `JSONDecoder`, into exactly the
/// records `JSONDecoder` makes of them. `nil` means "not decoded here": another kind, or anything
/// unusual (a missing or repeated field, a `null`, a number it might read differently, bad JSON),
/// and `JSONDecoder` decides, with its own error message.
enum JournalFastPath {
    static func decode(_ line: UnsafeRawBufferPointer) -> JournalRecord? {
        var cursor = JSONCursor(line)
        var fields = JournalFields()
        guard cursor.object({ cursor, key in fields.read(key, from: &cursor) }), cursor.atEnd,
            let name = fields.event, let time = fields.time, let event = event(named: name, fields)
        else { return nil }
        return JournalRecord(event: event, time: time)
    }

    private static func event(named name: String, _ f: JournalFields) -> JournalEvent? {
        switch name {
        case "trial_dispatched":
            guard let trial = f.trial, let attempt = f.attempt, let worker = f.worker, let params = f.params else {
                return nil
            }
            return .trialDispatched(
                TrialDispatched(
                    trial: TrialID(trial), attempt: attempt, worker: WorkerID(worker), params: params,
                    slotIdleSeconds: f.slotIdleSeconds, fallback: f.fallback, proposalLag: f.proposalLag,
                    enqueued: f.enqueued))
        case "trial_report":
            guard let trial = f.trial, let attempt = f.attempt, let step = f.step, let metrics = f.metrics else {
                return nil
            }
            return .trialReport(TrialReported(trial: TrialID(trial), attempt: attempt, step: step, metrics: metrics))
        case "trial_completed":
            guard let trial = f.trial, let attempt = f.attempt, let params = f.params, let objective = f.objective,
                let metrics = f.metrics, let worker = f.worker, let duration = f.durationSeconds
            else { return nil }
            return .trialCompleted(
                TrialCompleted(
                    trial: TrialID(trial), attempt: attempt, params: params, objective: objective, metrics: metrics,
                    worker: WorkerID(worker), durationSeconds: duration, slotIdleSeconds: f.slotIdleSeconds))
        case "trial_failed":
            guard let trial = f.trial, let attempt = f.attempt, let params = f.params, let worker = f.worker,
                let reason = f.reason, let metrics = f.metrics, let duration = f.durationSeconds,
                let willRetry = f.willRetry
            else { return nil }
            return .trialFailed(
                TrialFailed(
                    trial: TrialID(trial), attempt: attempt, params: params, worker: WorkerID(worker), reason: reason,
                    exitCode: f.exitCode, stderrTail: f.stderrTail, metrics: metrics, durationSeconds: duration,
                    willRetry: willRetry))
        case "trial_pruned":
            guard let trial = f.trial, let attempt = f.attempt, let params = f.params, let worker = f.worker,
                let metrics = f.metrics, let reason = f.reason, let duration = f.durationSeconds
            else { return nil }
            return .trialPruned(
                TrialPruned(
                    trial: TrialID(trial), attempt: attempt, params: params, worker: WorkerID(worker), step: f.step,
                    metrics: metrics, objective: f.objective, reason: reason, durationSeconds: duration))
        case "worker_joined":
            guard let worker = f.worker, let host = f.host, let pid = f.pid, let slots = f.slots else { return nil }
            return .workerJoined(WorkerJoined(worker: WorkerID(worker), host: host, pid: pid, slots: slots))
        case "worker_left":
            guard let worker = f.worker, let reason = f.reason, let abandoned = f.abandoned else { return nil }
            return .workerLeft(WorkerLeft(worker: WorkerID(worker), reason: reason, abandoned: abandoned))
        default:
            return nil
        }
    }
}
