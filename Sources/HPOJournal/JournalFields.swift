import HPOCore
import HPOJSON

/// The fields of the frequent event kinds, as read from one line by the fast path. Each field is
/// read once, with its type; a second occurrence, a `null` or a wrong type leaves the line to
/// `JSONDecoder`. Keys no frequent kind has are checked and skipped.
struct JournalFields {
    var event: String?
    var time: Double?
    var trial: Int?
    var attempt: Int?
    var worker: String?
    var params: Parameters?
    var metrics: [String: Double]?
    var objective: Double?
    var durationSeconds: Double?
    var step: Int?
    var slotIdleSeconds: Double?
    var fallback: Bool?
    var proposalLag: Int?
    var enqueued: Int?
    var reason: String?
    var exitCode: Int32?
    var stderrTail: String?
    var willRetry: Bool?
    var host: String?
    var pid: Int32?
    var slots: Int?
    var abandoned: [Int]?

    /// Reads the value of `key` at the cursor; false if the line needs `JSONDecoder`.
    mutating func read(_ key: String, from cursor: inout JSONCursor) -> Bool {
        switch key {
        case "event": setOnce(&event, cursor.string())
        case "time": setOnce(&time, cursor.double())
        case "trial": setOnce(&trial, cursor.integer())
        case "attempt": setOnce(&attempt, cursor.integer())
        case "worker": setOnce(&worker, cursor.string())
        case "params": setOnce(&params, cursor.dictionary { $0.parameterValue() })
        case "metrics": setOnce(&metrics, cursor.dictionary { $0.double() })
        case "objective": setOnce(&objective, cursor.double())
        case "duration_s": setOnce(&durationSeconds, cursor.double())
        case "step": setOnce(&step, cursor.integer())
        case "slot_idle_s": setOnce(&slotIdleSeconds, cursor.double())
        case "fallback": setOnce(&fallback, cursor.bool())
        case "proposal_lag": setOnce(&proposalLag, cursor.integer())
        case "enqueued": setOnce(&enqueued, cursor.integer())
        case "reason": setOnce(&reason, cursor.string())
        case "exit_code": setOnce(&exitCode, cursor.integer().flatMap(Int32.init(exactly:)))
        case "stderr_tail": setOnce(&stderrTail, cursor.string())
        case "will_retry": setOnce(&willRetry, cursor.bool())
        case "host": setOnce(&host, cursor.string())
        case "pid": setOnce(&pid, cursor.integer().flatMap(Int32.init(exactly:)))
        case "slots": setOnce(&slots, cursor.integer())
        case "abandoned": setOnce(&abandoned, cursor.integers())
        default: cursor.skipValue()
        }
    }
}
