import HPOCore
import HPOWire
import Testing

/// `WireLimits` as the codec applies them: refused, dropped or cut, in both directions.
@Suite struct WireBoundsTests {
    func worker(_ body: String) -> Result<WorkerMessage, WireError> {
        Result { () throws(WireError) in try WireCodec.decodeWorkerMessage([WireCodec.header, Array(body.utf8)]) }
    }

    func coordinator(_ body: String) -> Result<CoordinatorMessage, WireError> {
        Result { () throws(WireError) in try WireCodec.decodeCoordinatorMessage([WireCodec.header, Array(body.utf8)]) }
    }

    func outOfBounds<T>(_ result: Result<T, WireError>, _ type: String, mentioning text: String) -> Bool {
        guard case .failure(.outOfBounds(let actual, let reason)) = result else { return false }
        return actual == type && reason.contains(text)
    }

    func hello(slots: String, prefetch: String = "0", running: String = "[]", name: String = "w") -> String {
        #"{"type":"hello","name":"\#(name)","host":"h","pid":1,"slots":\#(slots),"software":"s","running":\#(running),"prefetch":\#(prefetch)}"#
    }

    @Test("a hello with absurd or negative numbers is out of bounds, with a reason that names the field")
    func helloBounds() {
        #expect(
            outOfBounds(worker(hello(slots: "9223372036854775807")), "hello", mentioning: "slots 9223372036854775807"))
        #expect(outOfBounds(worker(hello(slots: "100000000")), "hello", mentioning: "not in 1...1024"))
        #expect(outOfBounds(worker(hello(slots: "0")), "hello", mentioning: "slots 0"))
        #expect(outOfBounds(worker(hello(slots: "-3")), "hello", mentioning: "slots -3"))
        #expect(outOfBounds(worker(hello(slots: "2", prefetch: "-1")), "hello", mentioning: "prefetch -1"))
        #expect(outOfBounds(worker(hello(slots: "1", name: "")), "hello", mentioning: "name is empty"))
        #expect(
            outOfBounds(
                worker(hello(slots: "1", name: String(repeating: "n", count: 300))), "hello", mentioning: "300 bytes"))
        let keys = (1...9).map { #"{"trial":\#($0),"attempt":1}"# }.joined(separator: ",")
        #expect(outOfBounds(worker(hello(slots: "1", running: "[\(keys)]")), "hello", mentioning: "running lists 9"))
        #expect(
            outOfBounds(
                worker(hello(slots: "1", running: #"[{"trial":-1,"attempt":1}]"#)), "hello",
                mentioning: "running: trial key"))
        // The largest values within bounds pass; a prefetch above 16 is served as 16, not refused.
        #expect((try? worker(hello(slots: "1024", prefetch: "1000")).get()) != nil)
        // The error says what to fix, for the refuse the coordinator sends.
        #expect(
            "\(WireError.outOfBounds(type: "hello", "slots 0 is not in 1...1024"))"
                == #""hello" message out of bounds: slots 0 is not in 1...1024"#)
    }

    @Test("reports and results with out-of-range keys, steps or metrics are dropped or fail the attempt")
    func reportAndResultBounds() throws {
        #expect(
            outOfBounds(
                worker(#"{"type":"report","key":{"trial":1,"attempt":1},"report":{"step":-1,"metrics":{}}}"#), "report",
                mentioning: "step -1"))
        #expect(
            outOfBounds(
                worker(
                    #"{"type":"result","key":{"trial":0,"attempt":1},"result":{"status":"completed","metrics":{},"duration_s":0}}"#
                ), "result", mentioning: "trial key"))
        let many = (0..<300).map { #""m\#($0)":1"# }.joined(separator: ",")
        #expect(
            outOfBounds(
                worker(#"{"type":"report","key":{"trial":1,"attempt":1},"report":{"step":1,"metrics":{\#(many)}}}"#),
                "report", mentioning: "300 metrics"))

        // A result out of bounds still ends its attempt: failed, saying why (so it is acked, not resent for ever).
        let result = try worker(
            #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{\#(many)},"duration_s":1}}"#
        ).get()
        guard case .result(let message) = result else {
            Issue.record("not a result: \(result)")
            return
        }
        #expect(message.result.status == .failed)
        #expect(message.result.metrics.isEmpty)
        #expect(message.result.reason == "result out of bounds: 300 metrics, more than 256")
        for duration in [#""nan""#, #""inf""#, "-1", "1e12"] {
            let decoded = try worker(
                #"{"type":"result","key":{"trial":1,"attempt":1},"result":{"status":"completed","metrics":{"objective":1},"duration_s":\#(duration)}}"#
            ).get()
            guard case .result(let bounded) = decoded else { continue }
            #expect(bounded.result.status == .failed, "duration_s \(duration)")
            #expect(bounded.result.durationSeconds == 0)
        }
    }

    @Test("free text from a peer is cut to its bound, at a character boundary, on both paths")
    func textIsCut() throws {
        let huge = String(repeating: "é", count: 1 << 19)  // 1 MiB of two-byte characters
        let frames = WireCodec.encode(
            WorkerMessage.result(
                ResultMessage(
                    key: TrialKey(trial: TrialID(1), attempt: 1),
                    result: TrialResult(
                        status: .failed, metrics: [:], reason: huge, stderrTail: huge + "END", durationSeconds: 1))))
        guard case .result(let message) = try WireCodec.decodeWorkerMessage(frames) else {
            Issue.record("not a result")
            return
        }
        let reason = try #require(message.result.reason)
        let tail = try #require(message.result.stderrTail)
        #expect(reason.utf8.count <= WireLimits.maxReasonBytes)
        #expect(reason.hasSuffix("bytes cut]"))
        #expect(tail.utf8.count <= WireLimits.maxStderrTailBytes)
        #expect(tail.hasSuffix("éEND"), "a tail keeps its end")
        #expect(!reason.unicodeScalars.contains("\u{FFFD}") && !tail.unicodeScalars.contains("\u{FFFD}"))

        guard case .bye(let bye) = try WireCodec.decodeWorkerMessage(WireCodec.encode(WorkerMessage.bye(reason: huge)))
        else {
            Issue.record("not a bye")
            return
        }
        #expect(bye.utf8.count <= WireLimits.maxReasonBytes)
        #expect(WireBounds.truncated("short", maxBytes: 10) == "short")
    }

    @Test("a worker drops a hostile welcome, assign, ack or stop; reasons from the coordinator are cut")
    func coordinatorBounds() throws {
        #expect(
            outOfBounds(
                coordinator(#"{"type":"welcome","worker":"w","study":"s","heartbeat_ms":0,"liveness":5}"#), "welcome",
                mentioning: "heartbeat_ms 0"))
        #expect(
            outOfBounds(
                coordinator(#"{"type":"welcome","worker":"w","study":"s","heartbeat_ms":1000,"liveness":-5}"#),
                "welcome", mentioning: "liveness -5"))
        #expect(
            outOfBounds(
                coordinator(#"{"type":"welcome","worker":"","study":"s","heartbeat_ms":1000,"liveness":5}"#), "welcome",
                mentioning: "worker is empty"))
        func assign(
            key: String = #"{"trial":1,"attempt":1}"#, params: String = #"{"x":1}"#, spec: String,
            metric: String = "objective"
        ) -> String {
            #"{"type":"assign","key":\#(key),"params":\#(params),"spec":\#(spec),"objective_metric":"\#(metric)"}"#
        }
        let builtin = #"{"program":{"builtin":"branin"},"retries":0,"env":{}}"#
        #expect((try? coordinator(assign(spec: builtin)).get()) != nil)
        #expect(
            outOfBounds(
                coordinator(assign(key: #"{"trial":1,"attempt":0}"#, spec: builtin)), "assign", mentioning: "trial key")
        )
        let longValue = String(repeating: "v", count: 5000)
        #expect(
            outOfBounds(
                coordinator(assign(params: #"{"x":"\#(longValue)"}"#, spec: builtin)), "assign",
                mentioning: "parameter \"x\" is 5000 bytes"))
        #expect(outOfBounds(coordinator(assign(spec: builtin, metric: "")), "assign", mentioning: "objective_metric"))
        #expect(
            outOfBounds(
                coordinator(assign(spec: #"{"program":{"command":[]},"retries":0,"env":{}}"#)), "assign",
                mentioning: "command is empty"))
        #expect(
            outOfBounds(
                coordinator(assign(spec: #"{"program":{"builtin":"b"},"retries":-1,"env":{}}"#)), "assign",
                mentioning: "retries -1"))
        #expect(
            outOfBounds(
                coordinator(assign(spec: #"{"program":{"builtin":"b"},"retries":0,"env":{},"timeout_s":-1}"#)),
                "assign", mentioning: "timeout_s -1"))
        #expect(
            outOfBounds(
                coordinator(assign(spec: #"{"program":{"builtin":"b"},"retries":0,"env":{},"sleep_s":"inf"}"#)),
                "assign", mentioning: "sleep_s inf"))
        let args = Array(repeating: #""a""#, count: 5000).joined(separator: ",")
        #expect(
            outOfBounds(
                coordinator(assign(spec: #"{"program":{"command":[\#(args)]},"retries":0,"env":{}}"#)), "assign",
                mentioning: "5000 arguments"))
        #expect(outOfBounds(coordinator(#"{"type":"ack","trial":-4,"attempt":1}"#), "ack", mentioning: "trial key"))
        #expect(
            outOfBounds(
                coordinator(#"{"type":"stop","key":{"trial":1,"attempt":99999999999},"reason":"r"}"#), "stop",
                mentioning: "trial key"))
        let long = String(repeating: "r", count: 10_000)
        guard case .shutdown(let reason) = try coordinator(#"{"type":"shutdown","reason":"\#(long)"}"#).get() else {
            Issue.record("not a shutdown")
            return
        }
        #expect(reason.utf8.count <= WireLimits.maxReasonBytes)
    }

    @Test("a body past the size bound is not parsed")
    func bodySize() {
        let frames: Frames = [WireCodec.header, [UInt8](repeating: 0x20, count: WireLimits.maxBodyBytes + 1)]
        #expect(throws: WireError.self) { try WireCodec.decodeWorkerMessage(frames) }
        #expect(throws: WireError.self) { try WireCodec.decodeCoordinatorMessage(frames) }
    }
}
