import HPOCore

/// `WireLimits` applied to decoded messages. `WireCodec` calls `checked(_:)` on every message it
/// decodes, in both directions and on both of its paths; the coordinator's state machine checks
/// a `hello` and bounds a `result` again, so a caller that skips the codec (a test) gets the
/// same answers.
package enum WireBounds {
    // MARK: Worker → coordinator

    /// The message within bounds: free text cut, a result out of bounds turned into a failed one
    /// (see `bounded(_:)`). Throws `WireError.outOfBounds` for a message to drop (or, for a
    /// `hello`, to refuse).
    package static func checked(_ message: WorkerMessage) throws(WireError) -> WorkerMessage {
        switch message {
        case .hello(let hello):
            if let violation = violation(in: hello) { throw .outOfBounds(type: "hello", violation) }
            return .hello(withUsableResources(hello))
        case .heartbeat:
            return message
        case .report(let report):
            if let violation = violation(in: report.key) ?? violation(in: report.report) {
                throw .outOfBounds(type: "report", violation)
            }
            return message
        case .result(let result):
            if let violation = violation(in: result.key) { throw .outOfBounds(type: "result", violation) }
            return .result(ResultMessage(key: result.key, result: bounded(result.result)))
        case .bye(let reason):
            return .bye(reason: truncated(reason, maxBytes: WireLimits.maxReasonBytes))
        case .checkpointChunk(let chunk):
            if let violation = violation(in: chunk) { throw .outOfBounds(type: "checkpoint_chunk", violation) }
            return message
        case .resumeAck(let ack):
            if let violation = violation(in: ack) { throw .outOfBounds(type: "resume_ack", violation) }
            return .resumeAck(bounded(ack))
        case .drain(let drain):
            return .drain(DrainMessage(reason: truncated(drain.reason, maxBytes: WireLimits.maxReasonBytes)))
        }
    }

    /// Why a `hello` cannot be served, or nil.
    package static func violation(in hello: Hello) -> String? {
        if let violation = nameViolation(hello.name, field: "name", allowEmpty: false)
            ?? nameViolation(hello.host, field: "host", allowEmpty: true)
            ?? nameViolation(hello.software, field: "software", allowEmpty: true)
        {
            return violation
        }
        guard (1...WireLimits.maxSlots).contains(hello.slots) else {
            return "slots \(hello.slots) is not in 1...\(WireLimits.maxSlots)"
        }
        guard hello.prefetch >= 0 else { return "prefetch \(hello.prefetch) is negative" }
        let places = hello.slots + min(hello.prefetch, WireLimits.maxPrefetch)
        let maxHeld = WireLimits.heldAttemptsPerPlace * places
        guard hello.running.count <= maxHeld else {
            return "running lists \(hello.running.count) attempts, more than \(maxHeld) "
                + "(\(WireLimits.heldAttemptsPerPlace) × (slots + prefetch))"
        }
        for key in hello.running {
            if let violation = violation(in: key) { return "running: \(violation)" }
        }
        return nil
    }

    package static func violation(in key: TrialKey) -> String? {
        let range = 1...WireLimits.maxKeyNumber
        guard range.contains(key.trial.rawValue), range.contains(key.attempt) else {
            return
                """
                trial key {trial: \(key.trial.rawValue), attempt: \(key.attempt)} is not in \
                1...\(WireLimits.maxKeyNumber)
                """
        }
        return nil
    }

    package static func violation(in report: TrialReport) -> String? {
        guard (0...WireLimits.maxStep).contains(report.step) else {
            return "step \(report.step) is not in 0...\(WireLimits.maxStep)"
        }
        return metricsViolation(report.metrics)
    }

    /// The result within bounds: its reason cut to `maxReasonBytes`, its stderr tail to the last
    /// `maxStderrTailBytes`. One with a field out of bounds (too many metrics, a metric name too
    /// long, a step or a duration out of range) becomes `failed`, without metrics, with a reason
    /// that names the field: the attempt ends, is acknowledged, and may be retried.
    package static func bounded(_ result: TrialResult) -> TrialResult {
        var result = result
        if let reason = result.reason { result.reason = truncated(reason, maxBytes: WireLimits.maxReasonBytes) }
        if let tail = result.stderrTail {
            result.stderrTail = lastBytes(of: tail, maxBytes: WireLimits.maxStderrTailBytes)
        }
        guard let violation = violation(in: result) else { return result }
        return TrialResult(
            status: .failed, metrics: [:], reason: "result out of bounds: \(violation)", exitCode: result.exitCode,
            stderrTail: result.stderrTail,
            durationSeconds: secondsViolation(result.durationSeconds, field: "") == nil ? result.durationSeconds : 0)
    }

    static func violation(in result: TrialResult) -> String? {
        if let step = result.step, !(0...WireLimits.maxStep).contains(step) {
            return "step \(step) is not in 0...\(WireLimits.maxStep)"
        }
        return metricsViolation(result.metrics)
            ?? secondsViolation(result.durationSeconds, field: "duration_s")
            ?? result.slotIdleSeconds.flatMap { secondsViolation($0, field: "slot_idle_s") }
    }

    // MARK: Coordinator → worker

    /// The message within bounds (reasons cut). Throws `WireError.outOfBounds` for a message the
    /// worker must drop: a hostile or broken `welcome`, `assign`, `ack` or `stop`.
    package static func checked(_ message: CoordinatorMessage) throws(WireError) -> CoordinatorMessage {
        let maxReason = WireLimits.maxReasonBytes
        switch message {
        case .welcome(let welcome):
            if let violation = violation(in: welcome) { throw .outOfBounds(type: "welcome", violation) }
            return message
        case .assign(let assignment):
            if let violation = violation(in: assignment) { throw .outOfBounds(type: "assign", violation) }
            return message
        case .ack(let key):
            if let violation = violation(in: key) { throw .outOfBounds(type: "ack", violation) }
            return message
        case .heartbeat:
            return message
        case .reregister(let reason): return .reregister(reason: truncated(reason, maxBytes: maxReason))
        case .refuse(let reason): return .refuse(reason: truncated(reason, maxBytes: maxReason))
        case .shutdown(let reason): return .shutdown(reason: truncated(reason, maxBytes: maxReason))
        case .stop(let stop):
            if let violation = violation(in: stop.key) { throw .outOfBounds(type: "stop", violation) }
            return .stop(StopMessage(key: stop.key, reason: truncated(stop.reason, maxBytes: maxReason)))
        case .checkpointAck(let ack):
            if let violation = violation(in: ack) { throw .outOfBounds(type: "checkpoint_ack", violation) }
            return .checkpointAck(bounded(ack))
        case .resumeChunk(let chunk):
            if let violation = violation(in: chunk) { throw .outOfBounds(type: "resume_chunk", violation) }
            return message
        }
    }

    package static func violation(in welcome: Welcome) -> String? {
        if let violation = nameViolation(welcome.worker.rawValue, field: "worker", allowEmpty: false)
            ?? nameViolation(welcome.study, field: "study", allowEmpty: true)
        {
            return violation
        }
        guard (1...WireLimits.maxHeartbeatMilliseconds).contains(welcome.heartbeatIntervalMilliseconds) else {
            return
                """
                heartbeat_ms \(welcome.heartbeatIntervalMilliseconds) is not in \
                1...\(WireLimits.maxHeartbeatMilliseconds)
                """
        }
        guard (1...WireLimits.maxLiveness).contains(welcome.liveness) else {
            return "liveness \(welcome.liveness) is not in 1...\(WireLimits.maxLiveness)"
        }
        return nil
    }

    package static func violation(in assignment: Assignment) -> String? {
        if let violation = violation(in: assignment.key) { return violation }
        if let violation = metricNameViolation(assignment.objectiveMetric, field: "objective_metric") {
            return violation
        }
        guard assignment.parameters.count <= WireLimits.maxParameters else {
            return "\(assignment.parameters.count) params, more than \(WireLimits.maxParameters)"
        }
        for (name, value) in assignment.parameters {
            if let violation = metricNameViolation(name, field: "parameter name") { return violation }
            switch value {
            case .int: continue
            case .double(let number) where !number.isFinite: return "parameter \(quoted(name)) is \(number)"
            case .double: continue
            case .string(let text) where text.utf8.count > WireLimits.maxParameterStringBytes:
                return
                    """
                    parameter \(quoted(name)) is \(text.utf8.count) bytes long, more than \
                    \(WireLimits.maxParameterStringBytes)
                    """
            case .string: continue
            }
        }
        return violation(in: assignment.spec)
    }

    static func violation(in spec: TrialSpec) -> String? {
        switch spec.program {
        case .builtin(let name):
            if let violation = nameViolation(name, field: "builtin", allowEmpty: false) { return violation }
        case .command(let arguments):
            guard !arguments.isEmpty else { return "command is empty" }
            guard arguments.count <= WireLimits.maxCommandArguments else {
                return "command has \(arguments.count) arguments, more than \(WireLimits.maxCommandArguments)"
            }
            if let long = arguments.first(where: { $0.utf8.count > WireLimits.maxArgumentBytes }) {
                return "a command argument is \(long.utf8.count) bytes long, more than \(WireLimits.maxArgumentBytes)"
            }
        }
        guard spec.environment.count <= WireLimits.maxEnvironment else {
            return "env has \(spec.environment.count) variables, more than \(WireLimits.maxEnvironment)"
        }
        for (name, value) in spec.environment {
            if let violation = nameViolation(name, field: "env name", allowEmpty: false) { return violation }
            guard value.utf8.count <= WireLimits.maxArgumentBytes else {
                return "env \(quoted(name)) is \(value.utf8.count) bytes long, more than \(WireLimits.maxArgumentBytes)"
            }
        }
        if let workdir = spec.workingDirectory, workdir.utf8.count > WireLimits.maxArgumentBytes {
            return "workdir is \(workdir.utf8.count) bytes long, more than \(WireLimits.maxArgumentBytes)"
        }
        if let resources = spec.resources, let violation = violation(in: resources) { return violation }
        guard (0...WireLimits.maxRetries).contains(spec.retries) else {
            return "retries \(spec.retries) is not in 0...\(WireLimits.maxRetries)"
        }
        return spec.timeoutSeconds.flatMap { secondsViolation($0, field: "timeout_s") }
            ?? spec.sleepSeconds.flatMap { secondsViolation($0, field: "sleep_s") }
    }

    // MARK: Fields

    static func nameViolation(_ name: String, field: String, allowEmpty: Bool) -> String? {
        let bytes = name.utf8.count
        if bytes == 0, !allowEmpty { return "\(field) is empty" }
        guard bytes <= WireLimits.maxNameBytes else {
            return "\(field) is \(bytes) bytes long, more than \(WireLimits.maxNameBytes)"
        }
        return nil
    }

    static func metricNameViolation(_ name: String, field: String) -> String? {
        let bytes = name.utf8.count
        guard (1...WireLimits.maxMetricNameBytes).contains(bytes) else {
            return "\(field) \(quoted(name)) is \(bytes) bytes long, not in 1...\(WireLimits.maxMetricNameBytes)"
        }
        return nil
    }

    static func metricsViolation(_ metrics: [String: Double]) -> String? {
        guard metrics.count <= WireLimits.maxMetrics else {
            return "\(metrics.count) metrics, more than \(WireLimits.maxMetrics)"
        }
        for name in metrics.keys {
            if let violation = metricNameViolation(name, field: "metric") { return violation }
        }
        return nil
    }

    static func secondsViolation(_ seconds: Double, field: String) -> String? {
        guard seconds.isFinite, (0...WireLimits.maxSeconds).contains(seconds) else {
            return "\(field) \(seconds) is not a number of seconds in 0...\(Int(WireLimits.maxSeconds))"
        }
        return nil
    }

    /// A name for an error message: quoted, and cut to 40 bytes (it may be what was too long).
    static func quoted(_ name: String) -> String {
        "\"\(truncated(name, maxBytes: 40))\""
    }

    // MARK: Cutting text

    /// `text` cut to at most `maxBytes` UTF-8 bytes at a Unicode scalar boundary; a cut text
    /// ends with a note of how many bytes were cut.
    package static func truncated(_ text: String, maxBytes: Int) -> String {
        let total = text.utf8.count
        guard total > maxBytes else { return text }
        let budget = max(maxBytes - noteReserve, 0)
        var kept = 0
        var end = text.unicodeScalars.startIndex
        for index in text.unicodeScalars.indices {
            let width = UTF8.width(text.unicodeScalars[index])
            if kept + width > budget { break }
            kept += width
            end = text.unicodeScalars.index(after: index)
        }
        return String(text.unicodeScalars[..<end]) + "… [\(total - kept) bytes cut]"
    }

    /// The end of `text`, at most `maxBytes` UTF-8 bytes (cut at a Unicode scalar boundary); a
    /// cut text starts with a note of how many bytes were cut. For tails of output.
    package static func lastBytes(of text: String, maxBytes: Int) -> String {
        let total = text.utf8.count
        guard total > maxBytes else { return text }
        let budget = max(maxBytes - noteReserve, 0)
        let scalars = text.unicodeScalars
        var kept = 0
        var start = scalars.endIndex
        while start > scalars.startIndex {
            let previous = scalars.index(before: start)
            let width = UTF8.width(scalars[previous])
            if kept + width > budget { break }
            kept += width
            start = previous
        }
        return "[\(total - kept) bytes cut] …" + String(scalars[start...])
    }

    /// Room left for the note of a cut text (`… [4194304 bytes cut]` is 24 bytes).
    private static let noteReserve = 32
}
