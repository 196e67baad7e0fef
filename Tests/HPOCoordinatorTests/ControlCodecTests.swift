import Foundation
import HPOControl
import HPOCore
import Testing

/// Control requests as bytes, hostile ones included: each is an error with a reason, never a crash.
@Suite struct ControlCodecTests {
    func frames(_ json: String) -> [[UInt8]] { [ControlCodec.tag, Array(json.utf8)] }

    @Test("every action survives encoding and decoding, with its id and origin")
    func roundTrip() throws {
        let actions: [ControlAction] = [
            .stopTrial(trial: TrialID(12)), .stopStudy, .addBudget(trials: 5),
            .enqueue(parameters: ["lr": .double(0.01), "layers": .int(3), "opt": .string("sgd")])
        ]
        for action in actions {
            let request = ControlRequest(action: action, origin: "hpo serve 127.0.0.1:8080 ann@lab")
            let decoded = try ControlCodec.decodeRequest(ControlCodec.encode(request, id: "abc"))
            #expect(decoded.id == "abc" && decoded.request == request)
        }
        let reply = ControlReply(accepted: false, message: "no trial 99")
        let back = try ControlCodec.decodeReply(ControlCodec.encode(reply, id: "abc"))
        #expect(back.id == "abc" && back.reply == reply)
    }

    @Test("hostile requests: wrong types, huge or negative numbers, NaN, unknown actions, bad frames, oversize")
    func hostile() {
        let cases: [([[UInt8]], String)] = [
            (frames(#"{"action":"stop_trial","trial":"12"}"#), "field \"trial\""),
            (frames(#"{"action":"stop_trial","trial":1e300}"#), "trial 1e+300 is not a whole number in 1..."),
            (frames(#"{"action":"stop_trial","trial":0}"#), "trial 0.0 is not a whole number in 1..."),
            (frames(#"{"action":"stop_trial","trial":99999999999}"#), "is not a whole number in 1..."),
            (frames(#"{"action":"stop_trial"}"#), "stop_trial needs \"trial\""),
            (frames(#"{"action":"add_budget","trials":-3}"#), "trials -3.0 is not a whole number in 1...1000000"),
            (frames(#"{"action":"add_budget","trials":9223372036854775807}"#), "is not a whole number in 1...1000000"),
            (frames(#"{"action":"add_budget","trials":2.5}"#), "trials 2.5 is not a whole number"),
            (frames(#"{"action":"add_budget","trials":"nan"}"#), "trials nan is not a whole number"),
            (frames(#"{"action":"enqueue","params":{"x":1e999}}"#), "malformed request"),
            (frames(#"{"action":"enqueue","params":{"x":[1,2]}}"#), "params"),
            (frames(#"{"action":"enqueue","params":[1]}"#), "params"),
            (frames(#"{"action":"enqueue","params":{"":1}}"#), "a parameter name of 0 bytes"),
            (frames(#"{"action":"enqueue"}"#), "enqueue needs \"params\""),
            (frames(#"{"action":"reboot"}"#), "unknown action \"reboot\""),
            (frames(#"{"trial":1}"#), "missing field \"action\""),
            (frames(#"{"action":"stop_study","id":"\#(String(repeating: "x", count: 65))"}"#), "id of 65 bytes"),
            (frames("not json"), "malformed request"),
            (frames("[]"), "malformed request"),
            ([Array("hpo/1".utf8), Array("{}".utf8)], "not a control request"),
            ([ControlCodec.tag], "expected 2 frames"),
            (
                [ControlCodec.tag, Array(repeating: UInt8(ascii: " "), count: ControlLimits.maxMessageBytes + 1)],
                "more than"
            )
        ]
        for (message, expected) in cases {
            do {
                let decoded = try ControlCodec.decodeRequest(message)
                Issue.record("accepted \(String(decoding: message.last ?? [], as: UTF8.self)): \(decoded)")
            } catch {
                #expect(error.description.contains(expected), "\(error.description)")
            }
        }
    }

    @Test("a long origin is cut to its bound; a missing one is named")
    func origin() throws {
        let long = String(repeating: "é", count: 1000)
        let decoded = try ControlCodec.decodeRequest(frames(#"{"action":"stop_study","origin":"\#(long)"}"#))
        #expect(decoded.request.origin.utf8.count <= ControlLimits.maxOriginBytes + 64)
        let unnamed = try ControlCodec.decodeRequest(frames(#"{"action":"stop_study"}"#))
        #expect(unnamed.request.origin == "unnamed client")
    }

    @Test("random bytes never crash the decoder")
    func randomBytes() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let count = Int(generator.next() % 200)
            let body = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? ControlCodec.decodeRequest([ControlCodec.tag, body])
            _ = ControlCodec.requestID([ControlCodec.tag, body])
        }
    }
}

/// An enqueued configuration checked against the space, in words a person can act on.
@Suite struct ConfigurationValidationTests {
    let space = SearchSpace([
        ParameterSpec(name: "lr", domain: .float(low: 1e-5, high: 0.1, log: true)),
        ParameterSpec(name: "layers", domain: .int(low: 1, high: 4, log: false)),
        ParameterSpec(name: "opt", domain: .choice([.string("sgd"), .string("adam")])),
        ParameterSpec(name: "batch", domain: .choice([.int(32), .int(64)]))
    ])

    @Test("values are normalised to their parameter's type")
    func normalised() {
        let result = space.validated(["lr": .int(0), "layers": .double(2), "opt": .string("sgd"), "batch": .double(64)])
        #expect(
            result
                == .failure(ConfigurationProblem(parameter: "lr", message: "\"lr\" = 0 is out of range [1e-05, 0.1]")))
        let ok = space.validated([
            "lr": .double(0.01), "layers": .double(2), "opt": .string("sgd"), "batch": .double(64)
        ])
        #expect(ok == .success(["lr": .double(0.01), "layers": .int(2), "opt": .string("sgd"), "batch": .int(64)]))
    }

    @Test("each problem named: unknown, missing, out of range, wrong type, not a choice, not finite")
    func problems() {
        let base: Parameters = ["lr": .double(0.01), "layers": .int(2), "opt": .string("sgd"), "batch": .int(32)]
        func problem(_ change: (inout Parameters) -> Void) -> String {
            var parameters = base
            change(&parameters)
            if case .failure(let problem) = space.validated(parameters) { return problem.message }
            return "accepted"
        }
        #expect(problem { $0["momentum"] = .double(0.9) }.hasPrefix("unknown parameter \"momentum\""))
        #expect(problem { $0["opt"] = nil } == "missing parameter \"opt\"")
        #expect(problem { $0["layers"] = .int(9) } == "\"layers\" = 9 is out of range [1, 4]")
        #expect(problem { $0["layers"] = .double(2.5) } == "\"layers\" must be an integer, not 2.5")
        #expect(problem { $0["layers"] = .string("two") } == "\"layers\" must be an integer, not \"two\"")
        #expect(problem { $0["opt"] = .string("rms") } == "\"opt\" must be one of \"sgd\", \"adam\", not \"rms\"")
        #expect(problem { $0["lr"] = .double(.nan) } == "\"lr\" must be a finite number, not nan")
        #expect(problem { $0["lr"] = .string("nan") } == "\"lr\" must be a number, not \"nan\"")
    }
}
