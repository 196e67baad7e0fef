import Foundation
import HPOCore
import HPOJSON
import Testing

@testable import HPOJournal

/// The hand-written writer of the `trial_dispatched` and `trial_completed` lines against
/// JSONEncoder: the same bytes for every value, and every other kind unchanged.
@Suite struct FastEncodingTests {
    static let oddStrings: [String] = [
        "", "plain", "slash / and // stay", "quote \" backslash \\", "tab\there\nnewline\rreturn",
        String((0..<0x20).map { Character(Unicode.Scalar($0)!) }), "del \u{7f}", "ünïcödé 日本語 😀",
        "sep \u{2028}\u{2029}", "nan", "inf", "e\u{301} é"
    ]

    static let doubles: [Double] = {
        var values: [Double] = [
            0, -0.0, 1, -1, 2, 0.1, 0.1 + 0.2, 1e-5, 1e-7, 1e15, 1e16, 1e17, 1e21, 1e22, -1e300, 1.7976931348623157e308,
            2.2250738585072014e-308, Double.leastNonzeroMagnitude, Double.leastNonzeroMagnitude * 2024, .pi,
            Double(1 << 53).nextUp, 1_795_976_100.125, .nan, .infinity,
            -.infinity
        ]
        var state: UInt64 = 77
        for index in 0..<300 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let bits = state ^ (state >> 29)
            switch index % 3 {
            case 0: values.append(Double(bitPattern: bits))
            case 1: values.append(Double(Int64(bitPattern: bits) >> 20))
            default: values.append(Double(bits >> 11) / Double(1 << 53) * 2 - 1)
            }
        }
        return values
    }()

    static var events: [JournalEvent] {
        var events: [JournalEvent] = EveryKind.frequent.filter {
            if case .trialDispatched = $0 { return true }
            if case .trialCompleted = $0 { return true }
            return false
        }
        let worker = WorkerID("host:12/3")
        events.append(
            .trialDispatched(
                TrialDispatched(trial: TrialID(1), attempt: 1, worker: worker, params: [:], fallback: true)))
        events.append(
            .trialDispatched(
                TrialDispatched(
                    trial: TrialID(2), attempt: 1, worker: worker, params: ["x": .double(-0.5)], slotIdleSeconds: 0.02,
                    proposalLag: 3)))
        events.append(
            .trialDispatched(
                TrialDispatched(
                    trial: TrialID(2), attempt: 3, worker: worker,
                    params: ["x10": .int(1), "x9": .int(2), "B": .int(3), "a": .int(4)],
                    slotIdleSeconds: 0, fallback: false)))
        events.append(
            .trialCompleted(
                TrialCompleted(
                    trial: TrialID(3), attempt: 1, params: [:], objective: -0.0, metrics: [:], worker: worker,
                    durationSeconds: -0.0,
                    slotIdleSeconds: 0.5)))
        for (index, text) in oddStrings.enumerated() {
            events.append(
                .trialDispatched(
                    TrialDispatched(
                        trial: TrialID(index), attempt: 1, worker: WorkerID(text), params: [text: .string(text)],
                        slotIdleSeconds: Double(index))))
            events.append(
                .trialCompleted(
                    TrialCompleted(
                        trial: TrialID(index), attempt: 2, params: [text: .int(index)], objective: 1,
                        metrics: [text: 2, "objective": 1],
                        worker: WorkerID(text), durationSeconds: 0.25)))
        }
        for index in stride(from: 0, to: doubles.count - 2, by: 3) {
            let (a, b, c) = (doubles[index], doubles[index + 1], doubles[index + 2])
            events.append(
                .trialDispatched(
                    TrialDispatched(
                        trial: TrialID(index), attempt: 1, worker: worker, params: ["x0": .double(a), "x1": .double(b)],
                        slotIdleSeconds: c)))
            events.append(
                .trialCompleted(
                    TrialCompleted(
                        trial: TrialID(index), attempt: 1, params: ["x0": .double(a)], objective: b,
                        metrics: ["objective": b, "m": c],
                        worker: worker, durationSeconds: c, slotIdleSeconds: a)))
        }
        return events
    }

    static let times: [Double] = [0, 12, 1_795_976_100.125, 1_795_976_100.1234567, 1_795_976_100, -1.5, 1e-4]

    @Test("trial_dispatched and trial_completed lines are JSONEncoder's bytes")
    func sameBytes() throws {
        for (index, event) in Self.events.enumerated() {
            let record = JournalRecord(event: event, time: Self.times[index % Self.times.count])
            var buffer: [UInt8] = []
            try JournalCoding.append(record, to: &buffer)
            let codable = try JournalCoding.encodeWithCodable(record)
            #expect(
                Data(buffer) == codable,
                "\(String(decoding: buffer, as: UTF8.self)) vs \(String(decoding: codable, as: UTF8.self))")
            var json = JSONWriter(escapesSlashes: false)
            #expect(JournalFastEncoding.appendBody(of: event, to: &json))
        }
    }

    @Test("every other kind is written as before, by JSONEncoder")
    func otherKinds() throws {
        for event in EveryKind.frequent + EveryKind.others {
            let record = JournalRecord(event: event, time: 1_795_976_100.125)
            #expect(try JournalCoding.encode(record) == JournalCoding.encodeWithCodable(record))
        }
    }

    @Test("a batch is the lines one after another, each with its newline")
    func batch() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fast-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let events = Array(Self.events.prefix(20)) + EveryKind.others
        try JournalWriter(path: path).append(events, time: 5.5)
        var expected = Data()
        for event in events {
            expected.append(try JournalCoding.encodeWithCodable(JournalRecord(event: event, time: 5.5)))
            expected.append(0x0A)
        }
        #expect(FileManager.default.contents(atPath: path) == expected)
    }

    /// A guard for later fields: one added to these events must be added to the fast writer (and
    /// to the values above) before this test is updated.
    @Test("the fast writer knows every stored property of the two events")
    func fieldCounts() {
        let dispatched = TrialDispatched(trial: TrialID(1), attempt: 1, worker: WorkerID("w"), params: [:])
        let completed = TrialCompleted(
            trial: TrialID(1), attempt: 1, params: [:], objective: 0, metrics: [:], worker: WorkerID("w"),
            durationSeconds: 0)
        #expect(Mirror(reflecting: dispatched).children.count == 8)
        #expect(Mirror(reflecting: completed).children.count == 8)
    }
}
