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
            if let fallback = event.fallback {
                json.key("fallback")
                json.bool(fallback)
            }
            json.key("params")
            json.parameters(event.params)
            if let idle = event.slotIdleSeconds {
                json.key("slot_idle_s")
                json.double(idle)
            }
            json.key("trial")
            json.int(event.trial.rawValue)
            json.key("worker")
            json.string(event.worker.rawValue)
        case .trialCompleted(let event):
            json.key("attempt")
            json.int(event.attempt)
            json.key("duration_s")
            json.double(event.durationSeconds)
            json.key("metrics")
            json.doubles(event.metrics)
            json.key("objective")
            json.double(event.objective)
            json.key("params")
            json.parameters(event.params)
            if let idle = event.slotIdleSeconds {
                json.key("slot_idle_s")
                json.double(idle)
            }
            json.key("trial")
            json.int(event.trial.rawValue)
            json.key("worker")
            json.string(event.worker.rawValue)
        default:
            return false
        }
        json.endObject()
        return true
    }
}
