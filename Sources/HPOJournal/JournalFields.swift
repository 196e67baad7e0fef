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
        case "event": Self.set(&event, cursor.string())
        case "time": Self.set(&time, cursor.double())
        case "trial": Self.set(&trial, cursor.integer())
        case "attempt": Self.set(&attempt, cursor.integer())
        case "worker": Self.set(&worker, cursor.string())
        case "params": Self.set(&params, cursor.dictionary { $0.parameterValue() })
        case "metrics": Self.set(&metrics, cursor.dictionary { $0.double() })
        case "objective": Self.set(&objective, cursor.double())
        case "duration_s": Self.set(&durationSeconds, cursor.double())
        case "step": Self.set(&step, cursor.integer())
        case "slot_idle_s": Self.set(&slotIdleSeconds, cursor.double())
        case "fallback": Self.set(&fallback, cursor.bool())
        case "reason": Self.set(&reason, cursor.string())
        case "exit_code": Self.set(&exitCode, cursor.integer().flatMap(Int32.init(exactly:)))
        case "stderr_tail": Self.set(&stderrTail, cursor.string())
        case "will_retry": Self.set(&willRetry, cursor.bool())
        case "host": Self.set(&host, cursor.string())
        case "pid": Self.set(&pid, cursor.integer().flatMap(Int32.init(exactly:)))
        case "slots": Self.set(&slots, cursor.integer())
        case "abandoned": Self.set(&abandoned, cursor.integers())
        default: cursor.skipValue()
        }
    }

    private static func set<Value>(_ field: inout Value?, _ value: Value?) -> Bool {
        guard field == nil, let value else { return false }
        field = value
        return true
    }
}
