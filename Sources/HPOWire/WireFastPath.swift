import HPOCore
import HPOJSON

/// Hand-written JSON for the messages of every trial (`assign`, `ack`, `result`, `heartbeat`):
/// about a third of the coordinator's CPU went to Foundation's JSONEncoder and JSONDecoder for
/// them (docs/performance.md, "Dispatch throughput").
///
/// The encoders write the very bytes `WireCodec`'s JSONEncoder writes (sorted keys, `/` escaped,
/// non-finite numbers as strings). The decoders read what JSONDecoder reads, into the same values,
/// and decline (`nil`) anything else: another message type, a `null`, a repeated field, a number
/// they might read differently, bad JSON. `WireCodec` then takes the Codable path, which decides
/// and words the error, so a malformed message is still dropped and logged the same way.
///
/// When a field is added to one of these messages, add it here too: `WireFastPathTests` compares
/// both paths field by field and counts each type's stored properties.
enum WireFastPath {
    // MARK: Encoding

    static func encode(_ message: CoordinatorMessage) -> [UInt8]? {
        var json = JSONWriter(escapesSlashes: true)
        switch message {
        case .assign(let assignment):
            // A study's resource request is rare and its trials long: JSONEncoder writes it.
            guard assignment.spec.resources == nil else { return nil }
            json.beginObject()
            json.key("key")
            json.trialKey(assignment.key)
            json.key("objective_metric")
            json.string(assignment.objectiveMetric)
            json.key("params")
            json.parameters(assignment.parameters)
            json.key("spec")
            json.trialSpec(assignment.spec)
            json.key("type")
            json.string("assign")
            json.endObject()
        case .ack(let key):
            json.beginObject()
            json.key("attempt")
            json.int(key.attempt)
            json.key("trial")
            json.int(key.trial.rawValue)
            json.key("type")
            json.string("ack")
            json.endObject()
        case .heartbeat:
            return heartbeat
        default:
            return nil
        }
        return json.bytes
    }

    static func encode(_ message: WorkerMessage) -> [UInt8]? {
        var json = JSONWriter(escapesSlashes: true)
        switch message {
        case .result(let result):
            json.beginObject()
            json.key("key")
            json.trialKey(result.key)
            json.key("result")
            json.trialResult(result.result)
            json.key("type")
            json.string("result")
            json.endObject()
        case .heartbeat:
            return heartbeat
        default:
            return nil
        }
        return json.bytes
    }

    private static let heartbeat = Array(#"{"type":"heartbeat"}"#.utf8)

    // MARK: Decoding

    static func decodeWorkerMessage(_ body: [UInt8]) -> WorkerMessage? {
        guard let fields = WireFields.read(body), let type = fields.type else { return nil }
        switch type {
        case "result":
            guard let key = fields.key, let result = fields.result else { return nil }
            return .result(ResultMessage(key: key, result: result))
        case "heartbeat":
            return .heartbeat
        default:
            return nil
        }
    }

    static func decodeCoordinatorMessage(_ body: [UInt8]) -> CoordinatorMessage? {
        guard let fields = WireFields.read(body), let type = fields.type else { return nil }
        switch type {
        case "assign":
            guard let key = fields.key, let parameters = fields.params, let spec = fields.spec,
                let objectiveMetric = fields.objectiveMetric
            else { return nil }
            return .assign(Assignment(key: key, parameters: parameters, spec: spec, objectiveMetric: objectiveMetric))
        case "ack":
            guard let trial = fields.trial, let attempt = fields.attempt else { return nil }
            return .ack(TrialKey(trial: TrialID(trial), attempt: attempt))
        case "heartbeat":
            return .heartbeat
        default:
            return nil
        }
    }
}

// MARK: - Writing the parts

extension JSONWriter {
    mutating func trialKey(_ key: TrialKey) {
        beginObject()
        self.key("attempt")
        int(key.attempt)
        self.key("trial")
        int(key.trial.rawValue)
        endObject()
    }

    /// `TrialSpec`'s synthesized `encode(to:)`: optional fields only when set.
    mutating func trialSpec(_ spec: TrialSpec) {
        beginObject()
        key("env")
        strings(spec.environment)
        key("program")
        beginObject()
        switch spec.program {
        case .builtin(let name):
            key("builtin")
            string(name)
        case .command(let arguments):
            key("command")
            beginArray()
            for argument in arguments { string(argument) }
            endArray()
        }
        endObject()
        key("retries")
        int(spec.retries)
        if let sleep = spec.sleepSeconds {
            key("sleep_s")
            double(sleep)
        }
        if let timeout = spec.timeoutSeconds {
            key("timeout_s")
            double(timeout)
        }
        if let workdir = spec.workingDirectory {
            key("workdir")
            string(workdir)
        }
        endObject()
    }

    /// `TrialResult`'s synthesized `encode(to:)`: optional fields only when set.
    mutating func trialResult(_ result: TrialResult) {
        beginObject()
        key("duration_s")
        double(result.durationSeconds)
        if let exitCode = result.exitCode {
            key("exit_code")
            int32(exitCode)
        }
        key("metrics")
        doubles(result.metrics)
        if let reason = result.reason {
            key("reason")
            string(reason)
        }
        if let idle = result.slotIdleSeconds {
            key("slot_idle_s")
            double(idle)
        }
        key("status")
        string(result.status.rawValue)
        if let tail = result.stderrTail {
            key("stderr_tail")
            string(tail)
        }
        if let step = result.step {
            key("step")
            int(step)
        }
        endObject()
    }
}

// MARK: - Reading the parts

/// The top-level fields of the hot messages, each read once with its type (a repeat, a `null` or
/// a wrong type declines the message); other keys are checked and skipped, as JSONDecoder ignores them.
private struct WireFields {
    var type: String?
    var key: TrialKey?
    var result: TrialResult?
    var params: Parameters?
    var spec: TrialSpec?
    var objectiveMetric: String?
    var trial: Int?
    var attempt: Int?

    static func read(_ body: [UInt8]) -> WireFields? {
        body.withUnsafeBytes { bytes in
            var cursor = JSONCursor(bytes)
            var fields = WireFields()
            let complete = cursor.object { cursor, key in
                switch key {
                case "type": setOnce(&fields.type, cursor.string())
                case "key": setOnce(&fields.key, cursor.trialKey())
                case "result": setOnce(&fields.result, cursor.trialResult())
                case "params": setOnce(&fields.params, cursor.dictionary { $0.parameterValue() })
                case "spec": setOnce(&fields.spec, cursor.trialSpec())
                case "objective_metric": setOnce(&fields.objectiveMetric, cursor.string())
                case "trial": setOnce(&fields.trial, cursor.integer())
                case "attempt": setOnce(&fields.attempt, cursor.integer())
                default: cursor.skipValue()
                }
            }
            return complete && cursor.atEnd ? fields : nil
        }
    }
}

extension JSONCursor {
    fileprivate mutating func trialKey() -> TrialKey? {
        var trial: Int?
        var attempt: Int?
        let complete = object { cursor, key in
            switch key {
            case "trial": setOnce(&trial, cursor.integer())
            case "attempt": setOnce(&attempt, cursor.integer())
            default: cursor.skipValue()
            }
        }
        guard complete, let trial, let attempt else { return nil }
        return TrialKey(trial: TrialID(trial), attempt: attempt)
    }

    fileprivate mutating func trialResult() -> TrialResult? {
        var status: TrialStatus?
        var metrics: [String: Double]?
        var reason: String?
        var exitCode: Int32?
        var stderrTail: String?
        var duration: Double?
        var step: Int?
        var slotIdle: Double?
        let complete = object { cursor, key in
            switch key {
            case "status": setOnce(&status, cursor.string().flatMap(TrialStatus.init(rawValue:)))
            case "metrics": setOnce(&metrics, cursor.dictionary { $0.double() })
            case "reason": setOnce(&reason, cursor.string())
            case "exit_code": setOnce(&exitCode, cursor.integer().flatMap(Int32.init(exactly:)))
            case "stderr_tail": setOnce(&stderrTail, cursor.string())
            case "duration_s": setOnce(&duration, cursor.double())
            case "step": setOnce(&step, cursor.integer())
            case "slot_idle_s": setOnce(&slotIdle, cursor.double())
            default: cursor.skipValue()
            }
        }
        guard complete, let status, let metrics, let duration else { return nil }
        return TrialResult(
            status: status, metrics: metrics, reason: reason, exitCode: exitCode, stderrTail: stderrTail,
            durationSeconds: duration, step: step, slotIdleSeconds: slotIdle)
    }

    fileprivate mutating func trialSpec() -> TrialSpec? {
        var program: TrialProgram?
        var timeout: Double?
        var retries: Int?
        var sleep: Double?
        var environment: [String: String]?
        var workdir: String?
        let complete = object { cursor, key in
            switch key {
            case "program": setOnce(&program, cursor.trialProgram())
            case "timeout_s": setOnce(&timeout, cursor.double())
            case "retries": setOnce(&retries, cursor.integer())
            case "sleep_s": setOnce(&sleep, cursor.double())
            case "env": setOnce(&environment, cursor.dictionary { $0.string() })
            case "workdir": setOnce(&workdir, cursor.string())
            case "resources": false  // a resource request is left to JSONDecoder (see the encoder)
            default: cursor.skipValue()
            }
        }
        guard complete, let program, let retries, let environment else { return nil }
        return TrialSpec(
            program: program, timeoutSeconds: timeout, retries: retries, sleepSeconds: sleep, environment: environment,
            workingDirectory: workdir)
    }

    /// `{"builtin": name}` or `{"command": [...]}`; both (JSONDecoder takes the command) declines.
    fileprivate mutating func trialProgram() -> TrialProgram? {
        var builtin: String?
        var command: [String]?
        let complete = object { cursor, key in
            switch key {
            case "builtin": setOnce(&builtin, cursor.string())
            case "command": setOnce(&command, cursor.strings())
            default: cursor.skipValue()
            }
        }
        guard complete else { return nil }
        switch (builtin, command) {
        case (let name?, nil): return .builtin(name)
        case (nil, let arguments?): return .command(arguments)
        default: return nil
        }
    }
}
