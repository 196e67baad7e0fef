import Foundation
import HPOCore
import Testing

@testable import HPOJournal

/// The hand-written decoder yields exactly JSONDecoder's records, or declines the line.
@Suite struct FastPathTests {
    @Test("the test log has every event kind")
    func coversEveryKind() {
        #expect(Set((EveryKind.frequent + EveryKind.others).map(\.name)).count == 15)
    }

    @Test("every frequent kind, as written, decodes on the fast path to JSONDecoder's record")
    func frequentKinds() throws {
        for event in EveryKind.frequent {
            let line = try Paths.line(event)
            let slow = try Paths.slow(line).get()
            let fast = Paths.fast(line)
            #expect(fast != nil, "declined: \(line)")
            #expect(Paths.same(fast, slow), "\(line)")
            #expect(Paths.same(slow, JournalRecord(event: event, time: 1_795_976_100.125)), "\(line)")
        }
    }

    @Test("the other kinds go to JSONDecoder, and read as before")
    func otherKinds() throws {
        for event in EveryKind.others {
            let line = try Paths.line(event)
            #expect(Paths.fast(line) == nil, "\(line)")
            #expect(Paths.same(try Paths.reader(line).get(), try Paths.slow(line).get()), "\(line)")
        }
    }

    @Test("a log with every kind reads the same through the reader as line by line through JSONDecoder")
    func wholeLog() throws {
        let events = EveryKind.others.prefix(1) + EveryKind.frequent + EveryKind.others.dropFirst()
        // Enough lines for several parallel chunks.
        let lines = try (0..<300).flatMap { round in try events.map { try Paths.line($0, time: Double(round)) } }
        let contents = try JournalReader.parse(Data((lines.joined(separator: "\n") + "\n").utf8), path: "every.jsonl")
        let expected = try lines.map { try Paths.slow($0).get() }
        #expect(contents.records.count == expected.count)
        #expect(zip(contents.records, expected).allSatisfy { Paths.same($0, $1) })
        #expect(!contents.tornTail && contents.unknownEvents == 0)
    }

    /// Lines the writer would not write. For each: does the fast path take it (false: declines)?
    static let oddLines: [(String, Bool)] = [
        (
            #"  { "event" : "trial_report" , "time" : 1 , "trial" : 2 , "attempt" : 1 , "step" : 3 , "metrics" : { "a" : 1 } }  "#,
            true
        ),
        (#"{"metrics":{"a":1},"step":3,"attempt":1,"trial":2,"time":1,"event":"trial_report"}"#, true),
        ("{\"event\":\"trial_report\",\"time\":1,\"trial\":2,\"attempt\":1,\"step\":3,\"metrics\":{}}\r", true),
        (
            #"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{},"new":{"x":[1,-2.5e3,"s",true,null,{}]}}"#,
            true
        ),
        (#"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{},"host":"h"}"#, true),
        (
            #"{"event":"trial_re\u0070ort","time":1,"tri\u0061l":2,"attempt":1,"step":3,"metrics":{"\ud83d\ude00\/":0.5}}"#,
            true
        ),
        (#"{"event":"worker_left","time":1,"worker":"w\u0000\u00e9","reason":"\b\f\n\r\t","abandoned":[]}"#, true),
        (
            #"{"event":"trial_dispatched","time":1,"trial":1,"attempt":1,"worker":"w","params":{"a":2.0,"b":1e2}}"#,
            false
        ),
        (#"{"event":"trial_dispatched","time":1,"trial":1,"attempt":1,"worker":"w","params":{"a":-0,"b":-0.5}}"#, true),
        (
            #"{"event":"trial_dispatched","time":1,"trial":1,"attempt":1,"worker":"w","params":{"a":99999999999999999999}}"#,
            false
        ),
        (#"{"event":"trial_dispatched","time":1,"trial":1.0,"attempt":1,"worker":"w","params":{}}"#, false),
        (#"{"event":"trial_dispatched","time":1,"trial":1e0,"attempt":1,"worker":"w","params":{}}"#, false),
        (
            #"{"event":"trial_dispatched","time":1,"trial":1,"attempt":1,"worker":"w","params":{},"slot_idle_s":null}"#,
            false
        ),
        (#"{"event":"trial_dispatched","time":1,"trial":1,"trial":2,"attempt":1,"worker":"w","params":{}}"#, false),
        (#"{"event":"trial_dispatched","time":1,"trial":1,"attempt":1,"worker":"w","params":{"a":1,"a":2}}"#, false),
        (#"{"event":"trial_dispatched","time":1,"trial":1,"attempt":1,"worker":"w","params":{},}"#, false),
        (#"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{"a":1e400}}"#, false),
        (#"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{"a":1e-400}}"#, false),
        (#"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{"a":0e-400}}"#, true),
        (#"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{"a":4.9e-324}}"#, false),
        (#"{"event":"trial_report","time":"nan","trial":2,"attempt":1,"step":3,"metrics":{"a":"-inf"}}"#, true),
        (#"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{"a":"NaN"}}"#, false),
        (#"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{},"x":"\ud83d"}"#, false),
        (#"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{},"x":01}"#, false),
        (#"{"event":"trial_report","time":1,"trial":2,"attempt":1,"step":3,"metrics":{},"x":tru}"#, false),
        (#"{"event":"worker_joined","time":1,"worker":"w","host":"h","pid":2147483648,"slots":1}"#, false),
        (
            #"{"event":"trial_failed","time":1,"trial":1,"attempt":1,"params":{},"worker":"w","reason":"r","metrics":{},"duration_s":1,"will_retry":1}"#,
            false
        ),
        ("\u{FEFF}{\"event\":\"worker_left\",\"time\":1,\"worker\":\"w\",\"reason\":\"r\",\"abandoned\":[]}", false),
        (#"{"event":"worker_left","time":1,"worker":"w","reason":"r","abandoned":[]} {}"#, false),
        (#"{"event":"from_the_future","time":1,"trial":1}"#, false)
    ]

    @Test("odd but valid lines: the fast path reads what JSONDecoder reads, or declines", arguments: oddLines)
    func oddLine(line: String, taken: Bool) throws {
        let slow = Paths.slow(line)
        let fast = Paths.fast(line)
        #expect((fast != nil) == taken)
        if let fast { #expect(Paths.same(fast, try slow.get())) }
        switch (Paths.reader(line), slow) {
        case (.success(let a), .success(let b)): #expect(Paths.same(a, b))
        case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)")
        default: Issue.record("the reader and JSONDecoder disagree on \(line)")
        }
    }
}
