import HPOCore
import HPOSearch
import HPOWire

/// Well-formed worker messages with hostile values, for the semantic fuzzers: extreme, negative,
/// huge and duplicate numbers, names and lists; texts up to a megabyte; keys of real trials and
/// invented ones. Every message encodes to valid `hpo/1`: what is tested is the meaning.
struct HostileMessages {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
    mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    mutating func extremeInt() -> Int {
        pick([
            Int.max, Int.min, -1, 0, 1, 2, 3, 1024, 1025, 100_000_000, Int(Int32.max), Int(Int32.max) + 1,
            Int(random.next() >> 1), -Int(random.next() >> 1)
        ])
    }

    mutating func extremeDouble() -> Double {
        pick([.nan, .infinity, -.infinity, -1, 0, 1e308, -1e308, .leastNonzeroMagnitude, 1e12, Double(below(100)) - 50])
    }

    /// Mostly short; now and then far past every bound (up to 1 MiB, within the 4 MiB body).
    mutating func text() -> String {
        switch below(200) {
        case 0: return String(repeating: "é", count: 1 << 19)
        case 1..<20: return String(repeating: "x", count: 5000)
        case 20..<25: return String(repeating: "y", count: 100_000)
        case 25..<35: return ""
        default: return "fuzz \(random.next())"
        }
    }

    mutating func name(_ own: [String]) -> String {
        switch below(10) {
        case 0: return ""
        case 1: return String(repeating: "n", count: 300)
        case 2: return String(repeating: "é", count: 200)  // 400 bytes
        default: return pick(own)
        }
    }

    /// A key: one of `known` (real attempts) or an invented one, small or extreme.
    mutating func key(known: [TrialKey]) -> TrialKey {
        if !known.isEmpty, !chance(3) { return pick(known) }
        let trial = chance(2) ? 1 + below(40) : extremeInt()
        let attempt = chance(2) ? 1 + below(3) : extremeInt()
        return TrialKey(trial: TrialID(trial), attempt: attempt)
    }

    mutating func metrics() -> [String: Double] {
        var metrics: [String: Double] = [:]
        if !chance(4) { metrics["objective"] = chance(2) ? -1000 : extremeDouble() }
        let count = pick([0, 1, 3, 300])
        let nameLength = pick([1, 10, 200])
        for index in 0..<count {
            metrics[String(repeating: "m", count: nameLength) + "\(index)"] = extremeDouble()
        }
        return metrics
    }

    /// A hello within every bound (it registers `name`) or out of bounds in one field at least.
    mutating func hello(name: String, valid: Bool, known: [TrialKey]) -> Hello {
        var running = (0..<below(3)).map { _ in key(known: known) }
        if valid {
            running = running.filter { WireBounds.violation(in: $0) == nil }
            return Hello(
                name: name, host: "fuzz", pid: Int32(truncatingIfNeeded: extremeInt()), slots: pick([1, 2, 1024]),
                software: "fuzz", running: running + running, prefetch: pick([0, 1, 16, 1000]))
        }
        var hello = Hello(name: name, host: "fuzz", pid: 1, slots: 1, software: "fuzz", running: running)
        switch below(6) {
        case 0: hello.slots = pick([Int.max, 100_000_000, 1025, 0, -1, Int.min])
        case 1: hello.prefetch = pick([-1, Int.min])
        case 2: hello.name = pick(["", String(repeating: "n", count: 300)])
        case 3: hello.running = (0..<64).map { _ in key(known: known) }
        case 4: hello.running = [TrialKey(trial: TrialID(extremeInt() | Int.min), attempt: 1)]
        default: hello.host = String(repeating: "h", count: 1000)
        }
        return hello
    }

    mutating func result(key: TrialKey) -> ResultMessage {
        ResultMessage(
            key: key,
            result: TrialResult(
                status: pick([.completed, .completed, .failed, .pruned]), metrics: metrics(), reason: text(),
                exitCode: Int32(truncatingIfNeeded: extremeInt()), stderrTail: chance(3) ? text() : nil,
                durationSeconds: extremeDouble(), step: chance(2) ? extremeInt() : nil,
                slotIdleSeconds: chance(2) ? extremeDouble() : nil))
    }

    /// One message of any kind. `names`: the names this sender may use in a valid hello;
    /// `validHello`: whether its hellos may be valid at all; `resultKeys`: keys it may report.
    mutating func message(names: [String], validHello: Bool, known: [TrialKey], resultKeys: [TrialKey]) -> WorkerMessage
    {
        switch below(10) {
        case 0, 1:
            let valid = validHello && !chance(3)
            return .hello(hello(name: valid ? pick(names) : name(names), valid: valid, known: known))
        case 2: return .heartbeat
        case 3, 4:
            return .report(
                ReportMessage(key: key(known: known), report: TrialReport(step: extremeInt(), metrics: metrics())))
        case 5, 6, 7, 8:
            guard !resultKeys.isEmpty else { return .heartbeat }
            return .result(result(key: pick(resultKeys)))
        default: return .bye(reason: text())
        }
    }
}
