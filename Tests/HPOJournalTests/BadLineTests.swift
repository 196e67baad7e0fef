import Foundation
import HPOCore
import Testing

@testable import HPOJournal

/// A bad line fails as it did before the fast path: the same line number and the same words.
@Suite struct BadLineTests {
    static let good = #"{"event":"worker_left","time":1,"worker":"w","reason":"bye","abandoned":[]}"#

    /// A bad line of a frequent kind, and the message naming it (as JSONDecoder's errors word it).
    static let badLines: [(String, String)] = [
        (#"{"event":"trial_dispatched","time":1,"trial":1,"attempt":1,"params":{}}"#, #"missing field "worker""#),
        (
            #"{"event":"trial_dispatched","time":1,"trial":"1","attempt":1,"worker":"w","params":{}}"#,
            #"field "trial": expected Int"#
        ),
        (
            #"{"event":"trial_dispatched","time":1,"trial":null,"attempt":1,"worker":"w","params":{}}"#,
            #"field "trial": expected Int"#
        ),
        (
            #"{"event":"trial_dispatched","time":1,"trial":1.5,"attempt":1,"worker":"w","params":{}}"#,
            "The given data was not valid JSON."
        ),
        (
            #"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{"loss":"abc"}}"#,
            #"field "metrics.loss": expected Double"#
        ),
        (
            #"{"event":"trial_completed","time":1,"trial":2,"attempt":1,"params":{},"metrics":{},"worker":"w","duration_s":1}"#,
            #"missing field "objective""#
        ),
        (
            #"{"event":"trial_failed","time":1,"trial":1,"attempt":1,"params":{},"worker":"w","reason":"r","metrics":{},"duration_s":1,"will_retry":"no"}"#,
            #"field "will_retry": expected Bool"#
        ),
        (
            #"{"event":"worker_joined","time":1,"worker":"w","host":"h","pid":2147483648,"slots":1}"#,
            "The given data was not valid JSON."
        ),
        (#"{"event":"worker_left","worker":"w","reason":"bye","abandoned":[]}"#, #"missing field "time""#),
        (
            #"{"event":"worker_left","time":1,"worker":"w","reason":"bye","abandoned":[]"#,
            "The given data was not valid JSON."
        ),
        ("not json", "The given data was not valid JSON.")
    ]

    @Test("a bad line in the middle names its file, line and field, as before", arguments: badLines)
    func badLine(line: String, reason: String) throws {
        let log = Data([Self.good, line, Self.good, ""].joined(separator: "\n").utf8)
        #expect(throws: JournalError.corruptLine(path: "r.jsonl", line: 2, reason: reason)) {
            try JournalReader.parse(log, path: "r.jsonl")
        }
        // The same words as JSONDecoder's own error for the line.
        #expect(Paths.fast(line) == nil)
        #expect(throws: (any Error).self) { try Paths.slow(line).get() }
    }

    @Test("the first bad line is the one named, whichever parallel chunk it is in")
    func firstBadLine() {
        var lines = Array(repeating: Self.good, count: 5000)
        lines[3210] = Self.badLines[0].0
        lines[4321] = "not json"
        let log = Data((lines.joined(separator: "\n") + "\n").utf8)
        #expect(throws: JournalError.corruptLine(path: "r.jsonl", line: 3211, reason: #"missing field "worker""#)) {
            try JournalReader.parse(log, path: "r.jsonl")
        }
    }

    @Test("an unterminated bad last line is a torn write: skipped; terminated, it is an error")
    func tornTail() throws {
        let lines = Array(repeating: Self.good, count: 3000) + [String(Self.good.prefix(30))]
        let torn = try JournalReader.parse(Data(lines.joined(separator: "\n").utf8), path: "r.jsonl")
        #expect(torn.tornTail)
        #expect(torn.records.count == 3000)
        #expect(
            throws: JournalError.corruptLine(path: "r.jsonl", line: 3001, reason: "The given data was not valid JSON.")
        ) {
            try JournalReader.parse(Data((lines.joined(separator: "\n") + "\n").utf8), path: "r.jsonl")
        }
    }
}
