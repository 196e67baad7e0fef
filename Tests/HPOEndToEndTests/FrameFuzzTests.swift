import Foundation
import HPOCore
import HPOJournal
import HPOSearch
import HPOWire
import HPOZeroMQ
import Testing

/// Thousands of random and mutated frames thrown at a running coordinator from several
/// connections; afterwards a real worker must still complete the study, recorded exactly once.
@Suite(.serialized) struct FrameFuzzTests {
    @Test("a coordinator under a frame fuzzer keeps serving and records the study correctly")
    func fuzz() throws {
        let scratch = try Scratch()
        let study = try scratch.write(
            "study.yaml",
            """
            name: fuzzed
            objective: {metric: objective, direction: minimize}
            budget: {trials: 12}
            strategy: random
            space:
              x0: {type: float, low: -5, high: 10}
              x1: {type: float, low: 0, high: 15}
            trial: {builtin: branin}
            """)
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--bind", endpoint, "--log", log, "--heartbeat", "0.2", "--liveness", "4"],
            scratch: scratch, label: "coordinator")

        var fuzzer = FrameFuzzer(seed: 2026)
        let sent = try fuzzer.run(against: endpoint, connections: 8, messages: 4000, seconds: 20)
        #expect(sent >= 4000)
        #expect(coordinator.process.isRunning, "the coordinator survived the fuzzer")

        let worker = try RunningProcess(
            "hpo-worker", ["--connect", endpoint, "--log-level", "warning"], scratch: scratch, label: "worker")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr.suffix(2000))")
        #expect(worker.waitForExit(within: 20) == 0)
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 12)
        #expect(Set(summary.completed.map(\.trial)).count == 12)
        // Without CURVE (issue 6) a fuzzed hello that happens to be valid registers a worker like
        // any other; what must hold is that every recorded result is the attempt its worker was given.
        for trial in summary.completed {
            #expect(
                summary.dispatched.contains {
                    $0.trial == trial.trial && $0.attempt == trial.attempt && $0.worker == trial.worker
                },
                "trial \(trial.trial) completed by the worker it was dispatched to")
        }
        #expect(summary.completed.contains { $0.worker.rawValue.hasSuffix(":\(worker.pid)") })
        #expect(coordinator.stderr.contains("dropped a malformed message"))
    }
}

/// Generates hostile traffic: random bytes, wrong frame counts, other versions, valid messages
/// with flipped bytes, results for trials nobody was given, an oversized frame.
struct FrameFuzzer {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// Sends `messages` messages spread over `connections` DEALER sockets, within `seconds`.
    /// Returns how many were sent.
    mutating func run(against endpoint: String, connections: Int, messages: Int, seconds: Double) throws -> Int {
        let context = try ZeroMQContext()
        let sockets = try (0..<connections).map { _ in
            let socket = try ZeroMQSocket(context: context, type: .dealer)
            try socket.set(.linger(milliseconds: 200))
            try socket.connect(endpoint)
            return socket
        }
        let deadline = Date().addingTimeInterval(seconds)
        var sent = 0
        while sent < messages, Date() < deadline {
            let socket = sockets[sent % sockets.count]
            if try socket.send(frames: nextMessage(), dontWait: true) { sent += 1 }
            // Drain replies (refusals, reregister requests) so queues do not fill.
            while try socket.receive(dontWait: true) != nil {}
        }
        // One oversized message (past the coordinator's 4 MiB limit): libzmq drops that connection.
        _ = try sockets[0].send(frames: [WireCodec.header, [UInt8](repeating: 0x7B, count: 5 << 20)], dontWait: true)
        return sent
    }

    mutating func nextMessage() -> Frames {
        let valid = validMessages()
        switch generator.next() % 7 {
        case 0: return [generator.bytes(count: Int(generator.next() % 64))]
        case 1:
            return (0..<Int(1 + generator.next() % 4)).map { _ in generator.bytes(count: Int(generator.next() % 32)) }
        case 2: return [Array("hpo/\(generator.next() % 9 + 2)".utf8), Array(#"{"type":"hello"}"#.utf8)]
        case 3:
            var frames = valid[Int(generator.next() % UInt64(valid.count))]
            let body = frames[1]
            if !body.isEmpty {
                var mutated = body
                for _ in 0..<(1 + generator.next() % 4) {
                    mutated[Int(generator.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                frames[1] = mutated
            }
            return frames
        case 4:
            return [
                WireCodec.header,
                Array(
                    #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{"objective":-1000},"duration_s":0}}"#
                        .utf8)
            ]
        case 5: return [WireCodec.header, generator.bytes(count: Int(generator.next() % 200))]
        default: return valid[Int(generator.next() % UInt64(valid.count))]
        }
    }

    func validMessages() -> [Frames] {
        let key = TrialKey(trial: TrialID(1), attempt: 1)
        return [
            WireCodec.encode(WorkerMessage.heartbeat),
            WireCodec.encode(WorkerMessage.bye(reason: "fuzz")),
            WireCodec.encode(
                WorkerMessage.report(ReportMessage(key: key, report: TrialReport(step: 1, metrics: ["objective": 1])))),
            WireCodec.encode(
                WorkerMessage.result(
                    ResultMessage(
                        key: key,
                        result: TrialResult(status: .completed, metrics: ["objective": -5], durationSeconds: 0)))),
            WireCodec.encode(WorkerMessage.hello(Hello(name: "fuzz", host: "fuzz", pid: 1, slots: 1, software: "fuzz")))
        ]
    }
}

extension SplitMix64 {
    /// `count` random bytes, for the fuzzer.
    mutating func bytes(count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
