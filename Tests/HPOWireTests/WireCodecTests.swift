import Foundation
import HPOCore
import HPOWire
import Testing

@Suite struct WireCodecTests {
    static let key = TrialKey(trial: TrialID(7), attempt: 2)
    static let result = TrialResult(
        status: .failed, metrics: ["loss": .nan, "acc": 0.5], reason: "exit code 1", exitCode: 1, stderrTail: "boom",
        durationSeconds: 1.25)

    static let workerMessages: [WorkerMessage] = [
        .hello(Hello(name: "h:1", host: "h", pid: 1, slots: 2, software: "0.1.0", running: [key])),
        .heartbeat,
        .report(ReportMessage(key: key, report: TrialReport(step: 3, metrics: ["val_loss": 0.2]))),
        .result(ResultMessage(key: key, result: result)),
        .bye(reason: "SIGTERM")
    ]

    static let coordinatorMessages: [CoordinatorMessage] = [
        .welcome(Welcome(worker: WorkerID("h:1"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 5)),
        .assign(
            Assignment(
                key: key,
                parameters: [
                    "lr": .double(0.01), "units": .int(64), "act": .string("relu"), "mode": .string("nan"),
                    "s": .string("1.5")
                ],
                spec: TrialSpec(program: .command(["python3", "t.py", "{lr}"]), timeoutSeconds: 60, retries: 2),
                objectiveMetric: "val_loss")),
        .ack(key),
        .heartbeat,
        .reregister(reason: "unknown"),
        .refuse(reason: "version"),
        .shutdown(reason: "done"),
        .stop(StopMessage(key: key, reason: "asha: val_loss 0.9 at step 3 is not in the top 1/3"))
    ]

    @Test("every worker message survives encoding and decoding", arguments: workerMessages)
    func workerRoundTrip(message: WorkerMessage) throws {
        let frames = WireCodec.encode(message)
        #expect(frames.count == 2)
        #expect(frames[0] == Array("hpo/1".utf8))
        let back = try WireCodec.decodeWorkerMessage(frames)
        if case .result(let decoded) = back, case .result(let original) = message {
            // NaN != NaN: compare the rest and check the NaN survived as NaN.
            #expect(decoded.result.metrics["loss"]?.isNaN == true)
            #expect(decoded.result.reason == original.result.reason)
            #expect(decoded.key == original.key)
        } else {
            #expect(back == message)
        }
    }

    @Test("every coordinator message survives encoding and decoding", arguments: coordinatorMessages)
    func coordinatorRoundTrip(message: CoordinatorMessage) throws {
        #expect(try WireCodec.decodeCoordinatorMessage(WireCodec.encode(message)) == message)
    }

    @Test("the body is a JSON object with its type, readable in a capture")
    func bodyShape() throws {
        let frames = WireCodec.encode(CoordinatorMessage.ack(Self.key))
        let object = try JSONSerialization.jsonObject(with: Data(frames[1])) as? [String: Any]
        #expect(object?["type"] as? String == "ack")
        #expect(object?["trial"] as? Int == 7)
        #expect(object?["attempt"] as? Int == 2)
    }

    @Test("stop carries the key and the reason; a pruned result carries its step")
    func stopAndPruned() throws {
        let stop = WireCodec.encode(CoordinatorMessage.stop(StopMessage(key: Self.key, reason: "median")))
        let object = try JSONSerialization.jsonObject(with: Data(stop[1])) as? [String: Any]
        #expect(object?["type"] as? String == "stop")
        #expect(object?["reason"] as? String == "median")
        #expect((object?["key"] as? [String: Any])?["trial"] as? Int == 7)

        let pruned = WorkerMessage.result(
            ResultMessage(
                key: Self.key,
                result: TrialResult(
                    status: .pruned, metrics: ["val_loss": 0.9], reason: "median", durationSeconds: 2, step: 4)))
        let frames = WireCodec.encode(pruned)
        #expect(try WireCodec.decodeWorkerMessage(frames) == pruned)
        #expect(String(decoding: frames[1], as: UTF8.self).contains(#""status":"pruned""#))
        #expect(String(decoding: frames[1], as: UTF8.self).contains(#""step":4"#))
        let plain = WireCodec.encode(WorkerMessage.result(ResultMessage(key: Self.key, result: Self.result)))
        #expect(!String(decoding: plain[1], as: UTF8.self).contains("step"), "no step field unless pruned")
    }

    @Test("unknown fields are ignored")
    func unknownFields() throws {
        let body = #"{"type":"heartbeat","future":{"x":1}}"#
        #expect(try WireCodec.decodeWorkerMessage([Array("hpo/1".utf8), Array(body.utf8)]) == .heartbeat)
        let ack = #"{"type":"ack","trial":1,"attempt":1,"signature":"abc"}"#
        #expect(
            try WireCodec.decodeCoordinatorMessage([Array("hpo/1".utf8), Array(ack.utf8)])
                == .ack(TrialKey(trial: TrialID(1), attempt: 1)))
    }

    /// Malformed input and the error each must give.
    static let malformed: [(frames: Frames, expected: String)] = [
        ([], "expected 2 frames, got 0"),
        ([Array("hpo/1".utf8)], "expected 2 frames, got 1"),
        ([Array("hpo/1".utf8), Array("{}".utf8), []], "expected 2 frames, got 3"),
        ([Array("HTTP/1.1".utf8), Array("{}".utf8)], "not a protocol tag"),
        ([Array("hpo/2".utf8), Array(#"{"type":"hello"}"#.utf8)], "unsupported protocol version \"hpo/2\""),
        ([Array("hpo/1".utf8), Array("not json".utf8)], "not a JSON object"),
        ([Array("hpo/1".utf8), Array(#"{"kind":"hello"}"#.utf8)], "not a JSON object with a string \"type\""),
        ([Array("hpo/1".utf8), Array(#"{"type":"dance"}"#.utf8)], "unknown message type \"dance\""),
        ([Array("hpo/1".utf8), Array(#"{"type":"hello","name":"x"}"#.utf8)], "missing field \"host\""),
        (
            [Array("hpo/1".utf8), Array(#"{"type":"result","key":{"trial":"one","attempt":1},"result":{}}"#.utf8)],
            "key.trial"
        ),
        ([Array("hpo/1".utf8), [0xFF, 0xFE, 0x00]], "not a JSON object")
    ]

    @Test("malformed frames are rejected with a reason that says what is wrong", arguments: malformed)
    func malformedFrames(frames: Frames, expected: String) {
        do {
            let message = try WireCodec.decodeWorkerMessage(frames)
            Issue.record("decoded \(message) from malformed frames")
        } catch {
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test("an unsupported version is its own error kind, so the coordinator can refuse with a reason")
    func versionErrorKind() {
        #expect(throws: WireError.unsupportedVersion("hpo/2")) {
            try WireCodec.decodeWorkerMessage([Array("hpo/2".utf8), Array("{}".utf8)])
        }
    }
}
