import Foundation
import HPOCore
import HPORuntime
import HPOSearch
import HPOTrials
import HPOWire
import HPOZeroMQ
import Testing

/// Well-formed coordinator messages with hostile values, for the worker's semantic fuzzer: extreme
/// keys, durations and counts, huge strings, unknown built-ins, duplicate and out-of-order stops
/// and acks, welcomes with absurd timing. Programs are built-ins only: a command the coordinator
/// sends is run by design (the worker trusts its coordinator, docs/security.md), so what is
/// fuzzed is the values, not the power to run code.
struct HostileCoordinatorMessages {
    var fuzz: HostileMessages

    init(seed: UInt64) { fuzz = HostileMessages(seed: seed) }

    mutating func spec() -> TrialSpec {
        let names = ["branin", "sphere", "no-such-function", "", String(repeating: "b", count: 5000)]
        var spec = TrialSpec(program: .builtin(fuzz.pick(names)))
        switch fuzz.below(6) {
        case 0: spec.timeoutSeconds = fuzz.extremeDouble()
        case 1: spec.sleepSeconds = fuzz.pick([-1, 0, .nan, .infinity, 1e12, 0.001])
        case 2: spec.retries = fuzz.extremeInt()
        case 3:
            spec.environment = Dictionary(
                uniqueKeysWithValues: (0..<fuzz.pick([1, 2000])).map { ("K\($0)", fuzz.text()) })
        default: break
        }
        return spec
    }

    mutating func parameters() -> Parameters {
        var parameters: Parameters = [:]
        for i in 0..<fuzz.pick([0, 1, 2, 3, 2000]) {
            parameters["x\(i)"] = fuzz.chance(5) ? .string(fuzz.text()) : .double(fuzz.extremeDouble())
        }
        return parameters
    }

    mutating func message(keys: inout [TrialKey]) -> CoordinatorMessage {
        switch fuzz.below(8) {
        case 0, 1, 2:
            let key = fuzz.key(known: keys)
            keys.append(key)
            return .assign(
                Assignment(
                    key: key, parameters: parameters(), spec: spec(),
                    objectiveMetric: fuzz.chance(4) ? fuzz.text() : "objective"))
        case 3: return .stop(StopMessage(key: fuzz.key(known: keys), reason: fuzz.text()))
        case 4: return .ack(fuzz.key(known: keys))
        case 5:
            return .welcome(
                Welcome(
                    worker: WorkerID(fuzz.text()), study: "fuzz", heartbeatIntervalMilliseconds: fuzz.extremeInt(),
                    liveness: fuzz.extremeInt()))
        case 6: return .heartbeat
        default: return .reregister(reason: fuzz.text())
        }
    }
}

@Suite(.serialized) struct WorkerFuzzTests {
    /// A coordinator speaking well-formed `hpo/1` with hostile values must not crash a worker,
    /// grow it without bound or stop it from serving the next honest assignment correctly.
    @Test(
        "a live worker survives hostile assign/stop/ack/welcome messages and still runs an honest trial right",
        arguments: [
            UInt64(1), 2
        ])
    func hostileCoordinator(seed: UInt64) throws {
        let scratch = try Scratch()
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let context = try ZeroMQContext()
        let server = try ZeroMQServerTransport(context: context, bind: endpoint, waker: Waker())
        let worker = try RunningProcess(
            "hpo-worker", ["--connect", endpoint, "--slots", "2", "--study", "fuzz"], scratch: scratch, label: "worker")

        // The worker's hello, and a proper welcome.
        var peer: PeerID?
        var name = ""
        let deadline = monotonicSeconds() + 30
        while peer == nil && monotonicSeconds() < deadline {
            for message in try server.receive(timeoutMilliseconds: 100, limit: 16) {
                if case .hello(let hello) = try? WireCodec.decodeWorkerMessage(message.frames) {
                    peer = message.peer
                    name = hello.name
                }
            }
        }
        var workerPeer = try #require(peer, "the worker said hello")
        let welcome = Welcome(worker: WorkerID(name), study: "fuzz", heartbeatIntervalMilliseconds: 1000, liveness: 30)
        try server.send(WireCodec.encode(.welcome(welcome)), to: workerPeer)

        /// Acknowledges every result the worker sends, as a coordinator does, and welcomes it again
        /// when it says hello from a new connection (libzmq cuts a connection that delivers a
        /// message over the worker's size limit; the worker reconnects). Returns the results.
        func serve(for seconds: Double) throws -> [ResultMessage] {
            var results: [ResultMessage] = []
            let end = monotonicSeconds() + seconds
            while monotonicSeconds() < end {
                for message in try server.receive(timeoutMilliseconds: 50, limit: 256) {
                    switch try? WireCodec.decodeWorkerMessage(message.frames) {
                    case .result(let result) where message.peer == workerPeer:
                        results.append(result)
                        try server.send(WireCodec.encode(.ack(result.key)), to: message.peer)
                    case .hello:
                        workerPeer = message.peer
                        reconnects += 1
                        try server.send(WireCodec.encode(.welcome(welcome)), to: message.peer)
                    default:
                        // A new connection that did not say hello: ask for one, as the coordinator does.
                        if message.peer != workerPeer {
                            try server.send(
                                WireCodec.encode(.reregister(reason: "unknown worker: send hello")), to: message.peer)
                        }
                    }
                }
            }
            return results
        }
        var reconnects = 0

        var hostile = HostileCoordinatorMessages(seed: seed)
        var keys: [TrialKey] = []
        var peakKiB = 0
        for _ in 0..<4 {
            for _ in 0..<150 {
                let frames = WireCodec.encode(hostile.message(keys: &keys))
                // Within libzmq's cut-off (a bigger message resets the connection, and with a
                // hostile hour-long heartbeat nothing would tell this fake coordinator the
                // worker's new connection: a test of the transport, not of the values).
                guard frames.reduce(0, { $0 + $1.count }) < WireLimits.maxBodyBytes else { continue }
                try server.send(frames, to: workerPeer)
            }
            _ = try serve(for: 0.3)
            #expect(worker.process.isRunning, "the worker is alive after a batch")
            peakKiB = max(peakKiB, residentKiB(pid: worker.pid) ?? 0)
        }
        // Stop whatever hostile trial is still running, so the slots are free again.
        for key in Set(keys) {
            try server.send(WireCodec.encode(.stop(StopMessage(key: key, reason: "fuzz over"))), to: workerPeer)
        }
        _ = try serve(for: 1)
        try server.send(WireCodec.encode(.welcome(welcome)), to: workerPeer)

        // An honest assignment, with a key no hostile message used, gets the right answer.
        let honest = TrialKey(trial: TrialID(900_001), attempt: 1)
        let x: [Double] = [-3, 12]
        let assignment = Assignment(
            key: honest, parameters: ["x0": .double(x[0]), "x1": .double(x[1])],
            spec: TrialSpec(program: .builtin("branin")),
            objectiveMetric: "objective")
        try server.send(WireCodec.encode(.assign(assignment)), to: workerPeer)
        var answer: ResultMessage?
        let answerDeadline = monotonicSeconds() + 30
        while answer == nil && monotonicSeconds() < answerDeadline {
            answer = try serve(for: 0.2).first { $0.key == honest }
        }
        let result = try #require(answer, "the honest trial was answered")
        #expect(result.result.status == .completed)
        let expected = BuiltinFunction.branin(x)
        #expect(abs((result.result.metrics["objective"] ?? .nan) - expected) < 1e-9)
        #expect(worker.process.isRunning)
        #expect(peakKiB < 400_000, "worker VmRSS \(peakKiB) KiB")
        #expect(
            worker.stderr.contains("out of bounds") || worker.stderr.contains("dropped"), "hostile messages are logged")
        print("worker fuzz seed \(seed): 600 hostile messages, \(reconnects) hellos again, peak VmRSS \(peakKiB) KiB")
    }
}
