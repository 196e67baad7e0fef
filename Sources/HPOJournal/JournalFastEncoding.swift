import HPOCore
import HPOJSON

/// Writes the two lines of every trial (`trial_dispatched`, `trial_completed`) by hand, byte for
/// byte as `JournalCoding`'s JSONEncoder writes them (sorted keys, slashes left alone, non-finite
/// numbers as strings): JSONEncoder was the largest part of the coordinator's CPU per trial
/// (docs/performance.md, "Dispatch throughput"). Other kinds go to JSONEncoder (`nil`).
///
/// When a field is added to one of these events, add it here too: `FastEncodingTests` compares
/// both paths and counts each type's stored properties.
enum JournalFastEncoding {
    /// The event's own fields, after the line's `{"event":…,"time":…` (so starting with a comma,
    /// and closing the line's object); `nil` for kinds left to JSONEncoder.
    static func appendBody(of event: JournalEvent, to json: inout JSONWriter) -> Bool {
        switch event {
        case .trialDispatched(let event):
            json.key("attempt")
            json.int(event.attempt)
            if let enqueued = event.enqueued {
                json.key("enqueued")
                json.int(enqueued)
            }
            if let fallback = event.fallback {
                json.key("fallback")
                json.bool(fallback)
            }
            appendTrailingFields(
                params: event.params, proposalLag: event.proposalLag, slotIdleSeconds: event.slotIdleSeconds,
                trial: event.trial,
                worker: event.worker, to: &json)
        case .trialCompleted(let event):
            json.key("attempt")
            json.int(event.attempt)
            json.key("duration_s")
            json.double(event.durationSeconds)
            json.key("metrics")
            json.doubles(event.metrics)
            json.key("objective")
            json.double(event.objective)
            appendTrailingFields(
                params: event.params, slotIdleSeconds: event.slotIdleSeconds, trial: event.trial, worker: event.worker,
                to: &json)
        default:
            return false
        }
        json.endObject()
        return true
    }

    /// The members both kinds end with, in key order: `params`, `proposal_lag` (dispatches, when
    /// set), `slot_idle_s` (when set), `trial`, `worker`.
    private static func appendTrailingFields(
        params: Parameters, proposalLag: Int? = nil, slotIdleSeconds: Double?, trial: TrialID, worker: WorkerID,
        to json: inout JSONWriter
    ) {
        json.key("params")
        json.parameters(params)
        if let proposalLag {
            json.key("proposal_lag")
            json.int(proposalLag)
        }
        if let slotIdleSeconds {
            json.key("slot_idle_s")
            json.double(slotIdleSeconds)
        }
        json.key("trial")
        json.int(trial.rawValue)
        json.key("worker")
        json.string(worker.rawValue)
    }
}
