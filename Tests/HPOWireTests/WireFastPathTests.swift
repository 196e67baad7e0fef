import Foundation
import HPOCore
import Testing

@testable import HPOWire

/// The hand-written encoders and decoders of the hot messages against the Codable path: the same
/// bytes out, the same values (or the same error) in.
@Suite struct WireFastPathTests {
    // MARK: Values

    static let oddStrings: [String] = [
        "", "plain", "quote \" and backslash \\ and slash / and //", "tab\there\nnewline\rreturn",
        String((0..<0x20).map { Character(Unicode.Scalar($0)!) }), "del \u{7f}", "ünïcödé ß 日本語 😀",
        "line sep \u{2028} para sep \u{2029}", "nan", "inf", "-inf", "1.5", "e\u{301} vs é", "\u{FEFF}bom"
    ]

    static let oddDoubles: [Double] = [
        0, -0.0, 1, -1, 2, 0.1, 0.1 + 0.2, 1e-5, 1e-7, 123456789.0, 1e15, 1e16, 1e17, 1e20, 1e21, 1e22, -1e300,
        1.7976931348623157e308, 2.2250738585072014e-308, Double.leastNonzeroMagnitude,
        Double.leastNonzeroMagnitude * 2024, .pi, -.pi,
        9_007_199_254_740_992, Double(1 << 53).nextUp, 0.5, 100, 1_795_976_100.125, .nan, .infinity, -.infinity,
        -.nan, Double.ulpOfOne, 3.0e-300
    ]

    static func randomDoubles(count: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<count).map { index in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let bits = state ^ (state >> 29)
            switch index % 4 {
            case 0: return Double(bitPattern: bits)  // any bit pattern: subnormals, NaN payloads, infinities
            case 1: return Double(Int64(bitPattern: bits) >> 20)  // integral values
            case 2: return Double(bits >> 11) / Double(1 << 53) * 2 - 1  // like the benchmark's parameters
            default: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))  // short decimal forms
            }
        }
    }

    static let key = TrialKey(trial: TrialID(7), attempt: 2)

    static var results: [TrialResult] {
        var results = [
            TrialResult(status: .completed, metrics: ["objective": 0.25], durationSeconds: 9.5e-05),
            TrialResult(status: .completed, metrics: [:], durationSeconds: 0),
            TrialResult(
                status: .failed, metrics: ["loss": .nan, "acc": 0.5, "up": .infinity, "down": -.infinity],
                reason: "exit code 1", exitCode: 1, stderrTail: "Traceback:\n  boom \"x\" \\ /tmp/y",
                durationSeconds: 1.25),
            TrialResult(
                status: .pruned, metrics: ["val_loss": 0.41], reason: "asha: rung 3", exitCode: Int32.min,
                stderrTail: "", durationSeconds: 1e21, step: 9, slotIdleSeconds: 0.000123),
            TrialResult(
                status: .completed, metrics: ["objective": -0.0], durationSeconds: 2, step: -1, slotIdleSeconds: 0),
            TrialResult(
                status: .failed, metrics: [:], reason: nil, exitCode: Int32.max, durationSeconds: -0.0,
                slotIdleSeconds: .nan)
        ]
        for (index, text) in oddStrings.enumerated() {
            results.append(
                TrialResult(
                    status: .failed, metrics: [text: Double(index), "m\(index)": 1], reason: text, stderrTail: text,
                    durationSeconds: 0.5))
        }
        let numbers = oddDoubles + randomDoubles(count: 400, seed: 9)
        for index in stride(from: 0, to: numbers.count, by: 3) {
            let a = numbers[index]
            let b = numbers[min(index + 1, numbers.count - 1)]
            let c = numbers[min(index + 2, numbers.count - 1)]
            results.append(
                TrialResult(
                    status: .completed, metrics: ["objective": a, "other": b], durationSeconds: c, slotIdleSeconds: b))
        }
        return results
    }

    static var specs: [TrialSpec] {
        [
            TrialSpec(program: .builtin("sphere")),
            TrialSpec(program: .builtin("branin"), timeoutSeconds: 60, retries: 2, sleepSeconds: 0.25),
            TrialSpec(
                program: .command(["python3", "train.py", "--lr", "{learning_rate}", "a/b \"c\"", ""]),
                timeoutSeconds: .infinity,
                retries: 0, sleepSeconds: nil,
                environment: ["PATH": "/usr/bin:/bin", "Ü": "\u{1}\\", "B": "", "a": "x"],
                workingDirectory: "/tmp/work dir/ü"),
            TrialSpec(
                program: .command([]), timeoutSeconds: 1e-3, retries: Int.max, environment: [:], workingDirectory: "")
        ]
    }

    static var parameterSets: [Parameters] {
        var sets: [Parameters] = [
            [:],
            ["x0": .double(0.1234567890123456), "x1": .double(-0.9876543210987654)],
            [
                "lr": .double(0.01), "units": .int(64), "act": .string("relu"), "mode": .string("nan"),
                "s": .string("1.5")
            ],
            ["x10": .int(1), "x9": .int(2), "B": .int(3), "a": .int(4), "é": .int(5), "_": .int(7), "": .int(8)],
            [
                "int": .int(Int.min), "max": .int(Int.max), "zero": .int(0), "neg": .int(-7), "whole": .double(2),
                "negzero": .double(-0.0)
            ],
            [
                "big": .double(1e300), "tiny": .double(Double.leastNonzeroMagnitude), "nan": .double(.nan),
                "inf": .double(.infinity)
            ]
        ]
        for (index, text) in oddStrings.enumerated() {
            sets.append([text: .string(text), "i\(index)": .int(index)])
        }
        let numbers = oddDoubles + randomDoubles(count: 200, seed: 4)
        for index in stride(from: 0, to: numbers.count, by: 2) {
            sets.append(["x0": .double(numbers[index]), "x1": .double(numbers[min(index + 1, numbers.count - 1)])])
        }
        return sets
    }

    static var coordinatorMessages: [CoordinatorMessage] {
        var messages: [CoordinatorMessage] = [
            .heartbeat, .ack(key), .ack(TrialKey(trial: TrialID(0), attempt: -1)),
            .ack(TrialKey(trial: TrialID(Int.max), attempt: Int.min))
        ]
        for spec in specs {
            messages.append(
                .assign(Assignment(key: key, parameters: ["x": .double(0.5)], spec: spec, objectiveMetric: "objective"))
            )
        }
        for (index, parameters) in parameterSets.enumerated() {
            let metric = oddStrings[index % oddStrings.count]
            messages.append(
                .assign(
                    Assignment(
                        key: TrialKey(trial: TrialID(index), attempt: 1), parameters: parameters,
                        spec: specs[index % specs.count],
                        objectiveMetric: metric)))
        }
        return messages
    }

    static var workerMessages: [WorkerMessage] {
        [.heartbeat]
            + results.enumerated().map { index, result in
                .result(ResultMessage(key: TrialKey(trial: TrialID(index + 1), attempt: index % 3 + 1), result: result))
            }
    }

    // MARK: Encoding

    @Test("the hot coordinator messages are written byte for byte as JSONEncoder writes them")
    func coordinatorBytes() {
        for message in Self.coordinatorMessages {
            #expect(WireFastPath.encode(message) != nil)
            let fast = WireCodec.encode(message)
            let codable = WireCodec.encodeWithCodable(message)
            #expect(fast == codable, "\(text(fast)) vs \(text(codable))")
        }
    }

    @Test("the hot worker messages are written byte for byte as JSONEncoder writes them")
    func workerBytes() {
        for message in Self.workerMessages {
            #expect(WireFastPath.encode(message) != nil)
            let fast = WireCodec.encode(message)
            let codable = WireCodec.encodeWithCodable(message)
            #expect(fast == codable, "\(text(fast)) vs \(text(codable))")
        }
    }

    @Test("other messages still go to JSONEncoder")
    func othersAreCodable() {
        #expect(WireFastPath.encode(WorkerMessage.bye(reason: "x")) == nil)
        #expect(WireFastPath.encode(CoordinatorMessage.shutdown(reason: "x")) == nil)
        #expect(
            WireFastPath.encode(WorkerMessage.hello(Hello(name: "n", host: "h", pid: 1, slots: 1, software: "s")))
                == nil)
    }

    /// A guard for later fields: a field added to one of these types must be added to the fast
    /// path (and to the values above) before this test is updated.
    @Test("the fast path knows every stored property of the hot types")
    func fieldCounts() {
        let key = TrialKey(trial: TrialID(1), attempt: 1)
        #expect(Mirror(reflecting: key).children.count == 2)
        #expect(
            Mirror(reflecting: TrialResult(status: .completed, metrics: [:], durationSeconds: 0)).children.count == 8)
        #expect(Mirror(reflecting: ResultMessage(key: key, result: Self.results[0])).children.count == 2)
        // 7: `resources` is the seventh, left to the Codable path on purpose (see `ResourceWireTests`).
        #expect(Mirror(reflecting: TrialSpec(program: .builtin("x"))).children.count == 7)
        #expect(
            Mirror(
                reflecting: Assignment(
                    key: key, parameters: [:], spec: TrialSpec(program: .builtin("x")), objectiveMetric: "o")
            )
            .children.count == 4)
    }

    // MARK: Decoding

    @Test("the hot coordinator messages decode to the values JSONDecoder makes")
    func coordinatorValues() throws {
        // Keys out of WireLimits (0, negative, Int.max) are written like any other but refused
        // on decoding: both paths must refuse them with the same error.
        for message in Self.coordinatorMessages {
            let frames = WireCodec.encodeWithCodable(message)
            let fast = Result { () throws(WireError) in try WireCodec.decodeCoordinatorMessage(frames) }
            let codable = Result { () throws(WireError) in try WireCodec.decodeCoordinatorMessageWithCodable(frames) }
            #expect(sameOutcome(fast, codable, sameCoordinator), "\(text(frames))")
        }
    }

    @Test("the hot worker messages decode to the values JSONDecoder makes")
    func workerValues() throws {
        for message in Self.workerMessages {
            let frames = WireCodec.encodeWithCodable(message)
            let fast = try WireCodec.decodeWorkerMessage(frames)
            let codable = try WireCodec.decodeWorkerMessageWithCodable(frames)
            #expect(sameWorker(fast, codable), "\(text(frames))")
        }
    }

    /// Bodies written by other hands: whitespace, other key orders, unknown fields, escapes,
    /// numbers in every form, `null`s, repeats, wrong types, bad JSON. Whatever the fast path
    /// does, the outcome (value or error text) must be JSONDecoder's.
    static let oddWorkerBodies: [String] = [
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{"objective":1},"duration_s":0}}"#,
        #" { "type" : "result" , "key" : { "attempt" : 1 , "trial" : 1 } , "result" : { "status" : "completed" , "metrics" : { } , "duration_s" : 1E2 } } "#,
        #"{"type":"result","extra":[1,{"a":null},"x",true,false,-0.5e-3],"key":{"trial":1,"attempt":1,"x":"y"},"result":{"status":"completed","metrics":{"a":"nan","b":"inf","c":"-inf"},"duration_s":"inf","more":{}}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{"a":"NaN"},"duration_s":0}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0,"reason":null}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0,"step":2.0}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0,"step":1e1}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0,"exit_code":4294967296}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"done","metrics":{},"duration_s":0}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":1e400}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":1e-400}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":-0}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0.1000000000000000055511151231257827}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{"a":1,"a":2},"duration_s":0}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0},"result":{}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0,"reason":"a\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\"}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0,"reason":"lone \ud83d"}}"#,
        "{\"type\":\"result\",\"key\":{\"trial\":1,\"attempt\":1},\"result\":{\"status\":\"completed\",\"metrics\":{},\"duration_s\":0,\"reason\":\"raw\ttab\"}}",
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0}} x"#,
        #"{"type":"result","key":{"trial":"1","attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0}}"#,
        #"{"type":"result","key":{"trial":1},"result":{"status":"completed","metrics":{},"duration_s":0}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"metrics":{},"duration_s":0}}"#,
        #"{"type":"result","key":{"trial":1,"attempt":1}}"#,
        #"{"type":"result"}"#,
        #"{"type":"heartbeat"}"#,
        #"{"type":"heartbeat","key":"not a key","whatever":[1,2]}"#,
        #"{"type":"heartbeat","type":"heartbeat"}"#,
        #"{"type":null}"#,
        #"{"type":7}"#,
        #"{"type":"unknown"}"#,
        #"{"key":{"trial":1,"attempt":1}}"#,
        #"[]"#, #""#, #"null"#, #"{"#, "{\"type\":\"heartbeat\"}\u{0}",
        #"{"type":"bye","reason":"done"}"#,
        #"{"type":"hello","name":"n","host":"h","pid":1,"slots":1,"software":"s","running":[]}"#
    ]

    static let oddCoordinatorBodies: [String] = [
        #"{"type":"ack","trial":3,"attempt":1}"#,
        #"{"attempt":1 ,"trial":3, "type":"ack","extra":null}"#,
        #"{"type":"ack","trial":3.0,"attempt":1}"#,
        #"{"type":"ack","trial":-0,"attempt":-1}"#,
        #"{"type":"ack","trial":99999999999999999999,"attempt":1}"#,
        #"{"type":"ack","trial":3}"#,
        #"{"type":"heartbeat"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{"x":2.0,"y":1e2,"z":-0.0,"s":"nan","t":0.5},"spec":{"program":{"builtin":"sphere"},"retries":0,"env":{}},"objective_metric":"objective"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{"x":1.5},"spec":{"program":{"builtin":"sphere","command":["a"]},"retries":0,"env":{}},"objective_metric":"o"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{"x":1.5},"spec":{"program":{"command":["a","\/b"]},"retries":0,"env":{"A":"1"},"timeout_s":"inf","sleep_s":2,"workdir":"\u00fc"},"objective_metric":"o"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{"x":1.5},"spec":{"program":{"command":null,"builtin":"b"},"retries":0,"env":{}},"objective_metric":"o"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{"x":1.5},"spec":{"program":{},"retries":0,"env":{}},"objective_metric":"o"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{"x":1.5},"spec":{"program":{"builtin":"b"},"retries":0},"objective_metric":"o"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{"x":1.5},"spec":{"program":{"builtin":"b"},"retries":0,"env":{},"timeout_s":null},"objective_metric":"o"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{"x":[1]},"spec":{"program":{"builtin":"b"},"retries":0,"env":{}},"objective_metric":"o"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"params":{"x":true},"spec":{"program":{"builtin":"b"},"retries":0,"env":{}},"objective_metric":"o"}"#,
        #"{"type":"assign","key":{"trial":1,"attempt":1},"spec":{"program":{"builtin":"b"},"retries":0,"env":{}},"objective_metric":"o"}"#,
        #"{"type":"stop","key":{"trial":1,"attempt":1},"reason":"r"}"#,
        #"{"type":"shutdown","reason":"done"}"#,
        #"{"type":"welcome","worker":"w","study":"s","heartbeat_ms":1000,"liveness":5}"#
    ]

    @Test("odd worker bodies: the same value or the same error as JSONDecoder", arguments: oddWorkerBodies)
    func oddWorker(body: String) {
        let frames: Frames = [WireCodec.header, Array(body.utf8)]
        let fast = Result { () throws(WireError) in try WireCodec.decodeWorkerMessage(frames) }
        let codable = Result { () throws(WireError) in try WireCodec.decodeWorkerMessageWithCodable(frames) }
        #expect(sameOutcome(fast, codable, sameWorker), "\(body)")
    }

    @Test("odd coordinator bodies: the same value or the same error as JSONDecoder", arguments: oddCoordinatorBodies)
    func oddCoordinator(body: String) {
        let frames: Frames = [WireCodec.header, Array(body.utf8)]
        let fast = Result { () throws(WireError) in try WireCodec.decodeCoordinatorMessage(frames) }
        let codable = Result { () throws(WireError) in try WireCodec.decodeCoordinatorMessageWithCodable(frames) }
        #expect(sameOutcome(fast, codable, sameCoordinator), "\(body)")
    }

    /// The fast path declines only the unusual (subnormal numbers, integral reals among the
    /// parameters, `Int.min`, …); the messages of a study take it.
    @Test("the messages of a study take the fast path")
    func typicalMessagesAreFast() {
        let spec = TrialSpec(
            program: .command(["python3", "t.py"]), timeoutSeconds: 60, retries: 1, environment: ["A": "/b"])
        let typicalCoordinator: [CoordinatorMessage] = [
            .heartbeat, .ack(Self.key),
            .assign(
                Assignment(
                    key: Self.key, parameters: ["x0": .double(-0.123456789), "units": .int(64), "act": .string("relu")],
                    spec: spec, objectiveMetric: "val_loss"))
        ]
        let typicalWorker: [WorkerMessage] =
            [.heartbeat] + Self.results.prefix(6).map { .result(ResultMessage(key: Self.key, result: $0)) }
        for message in typicalCoordinator {
            #expect(WireFastPath.decodeCoordinatorMessage(WireCodec.encode(message)[1]) != nil, "\(message)")
        }
        for message in typicalWorker {
            #expect(WireFastPath.decodeWorkerMessage(WireCodec.encode(message)[1]) != nil, "\(message)")
        }
    }

    @Test("the common bodies take the fast path")
    func commonBodiesAreFast() {
        #expect(WireFastPath.decodeWorkerMessage(Array(Self.oddWorkerBodies[0].utf8)) != nil)
        #expect(WireFastPath.decodeWorkerMessage(Array(Self.oddWorkerBodies[2].utf8)) != nil)
        #expect(WireFastPath.decodeCoordinatorMessage(Array(Self.oddCoordinatorBodies[0].utf8)) != nil)
        #expect(WireFastPath.decodeCoordinatorMessage(Array(Self.oddCoordinatorBodies[9].utf8)) != nil)
    }

    @Test("mutated messages: the same value or the same error as JSONDecoder")
    func mutations() {
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet = Array(#"{}[]":,\ 0123456789.-+eEtrufalsn"#.utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        let workerBodies = Self.workerMessages.prefix(40).map { WireCodec.encodeWithCodable($0)[1] }
        let coordinatorBodies = Self.coordinatorMessages.prefix(30).map { WireCodec.encodeWithCodable($0)[1] }
        for round in 0..<3000 {
            let worker = round % 2 == 0
            var body =
                worker ? workerBodies[next(workerBodies.count)] : coordinatorBodies[next(coordinatorBodies.count)]
            for _ in 0...next(3) {
                guard !body.isEmpty else { break }
                let at = next(body.count)
                switch next(4) {
                case 0: body[at] = alphabet[next(alphabet.count)]
                case 1: body.remove(at: at)
                case 2: body.insert(alphabet[next(alphabet.count)], at: at)
                default: body.removeLast(next(min(body.count, 8)) + 1)
                }
            }
            let frames: Frames = [WireCodec.header, body]
            if worker {
                let fast = Result { () throws(WireError) in try WireCodec.decodeWorkerMessage(frames) }
                let codable = Result { () throws(WireError) in try WireCodec.decodeWorkerMessageWithCodable(frames) }
                #expect(sameOutcome(fast, codable, sameWorker), "\(String(decoding: body, as: UTF8.self))")
            } else {
                let fast = Result { () throws(WireError) in try WireCodec.decodeCoordinatorMessage(frames) }
                let codable = Result { () throws(WireError) in try WireCodec.decodeCoordinatorMessageWithCodable(frames)
                }
                #expect(sameOutcome(fast, codable, sameCoordinator), "\(String(decoding: body, as: UTF8.self))")
            }
        }
    }

    // MARK: Helpers

    private func text(_ frames: Frames) -> String {
        frames.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " | ")
    }
    private func text(_ body: [UInt8]?) -> String { body.map { String(decoding: $0, as: UTF8.self) } ?? "nil" }

    /// The same message: the same bytes on the Codable path, and the same doubles bit for bit
    /// (NaN is never `==` to itself; `.int(2)` and `.double(2)` write the same bytes).
    private func sameWorker(_ a: WorkerMessage, _ b: WorkerMessage) -> Bool {
        WireCodec.encodeWithCodable(a) == WireCodec.encodeWithCodable(b) && doublesBits(a) == doublesBits(b)
    }

    private func sameCoordinator(_ a: CoordinatorMessage, _ b: CoordinatorMessage) -> Bool {
        WireCodec.encodeWithCodable(a) == WireCodec.encodeWithCodable(b) && doublesBits(a) == doublesBits(b)
    }

    /// Every double inside a value, in a stable order; an integer parameter counts as a marker.
    private func doublesBits(_ value: Any) -> [UInt64] {
        if let double = value as? Double { return [double.bitPattern] }
        if let parameter = value as? ParameterValue {
            if case .double(let double) = parameter { return [double.bitPattern] }
            return [1]
        }
        if let dictionary = value as? [String: Double] {
            return dictionary.keys.sorted().flatMap { doublesBits(dictionary[$0]!) }
        }
        if let parameters = value as? Parameters {
            return parameters.keys.sorted().flatMap { doublesBits(parameters[$0]!) }
        }
        return Mirror(reflecting: value).children.flatMap { doublesBits($0.value) }
    }

    private func sameOutcome<T>(
        _ a: Result<T, WireError>, _ b: Result<T, WireError>, _ same: (T, T) -> Bool
    ) -> Bool {
        switch (a, b) {
        case (.success(let x), .success(let y)): same(x, y)
        case (.failure(let x), .failure(let y)): x == y
        default: false
        }
    }
}
