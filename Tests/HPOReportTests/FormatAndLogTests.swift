import Foundation
import HPOCore
import HPOJournal
import Testing

@testable import HPOReport

@Suite struct FormatAndLogTests {
    @Test("numbers for people: scientific when tiny or huge, grouped thousands, trimmed zeros")
    func numbers() {
        #expect(HumanFormat.number(0.00012) == "1.2e-4")
        #expect(HumanFormat.number(0.0123) == "0.0123")
        #expect(HumanFormat.number(1234) == "1,234")
        #expect(HumanFormat.number(1234.5678) == "1,235")
        #expect(HumanFormat.number(0.5) == "0.5")
        #expect(HumanFormat.number(-2.5e7) == "-2.5e7")
        #expect(HumanFormat.number(0) == "0")
        #expect(HumanFormat.count(1_234_567) == "1,234,567")
        #expect(HumanFormat.duration(0.05) == "50 ms")
        #expect(HumanFormat.duration(4.21) == "4.2 s")
        #expect(HumanFormat.duration(245) == "4m 05s")
        #expect(HumanFormat.duration(7380) == "2h 03m")
        #expect(HumanFormat.percent(0.834) == "83%")
        #expect(HumanFormat.percent(0.042) == "4.2%")
        #expect(HumanFormat.rate(perHour: 7200) == "2 trials/s")
        #expect(HumanFormat.rate(perHour: 12.5) == "12.5 trials/h")
        #expect(HumanFormat.timestamp(0) == "1970-01-01 00:00:00 UTC")
    }

    @Test("linear ticks are 1, 2 or 5 times a power of ten, labelled with the decimals they need")
    func linearTicks() {
        let ticks = Scale.linear([0, 1], padding: 0).ticks(maxCount: 6)
        #expect(ticks.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let big = Scale.linear([0, 12000], padding: 0).ticks(maxCount: 4)
        #expect(big.map(\.label) == ["0", "5,000", "10,000"])
        let integers = Scale.linear([1, 4], padding: 0).withIntegerTicks().ticks(maxCount: 10)
        #expect(integers.map(\.value) == [1, 2, 3, 4])
    }

    @Test("log ticks are powers of ten with unlabelled minor ticks, thinned to fit")
    func logTicks() {
        let ticks = Scale.log([1e-4, 1], padding: 0).ticks(maxCount: 6)
        #expect(ticks.filter(\.isMajor).map(\.label) == ["1e-4", "0.001", "0.01", "0.1", "1"])
        #expect(ticks.filter { !$0.isMajor }.count == 4 * 8)
        let thinned = Scale.log([1e-6, 1e2], padding: 0).ticks(maxCount: 4)
        #expect(thinned.filter(\.isMajor).map(\.label) == ["1e-6", "0.001", "1"])
        let twoDecades = Scale.log([0.05, 3], padding: 0).ticks(maxCount: 8)
        #expect(twoDecades.filter(\.isMajor).map(\.label) == ["0.05", "0.1", "0.2", "0.5", "1", "2"])
        let short = Scale.log([2, 60], padding: 0).ticks(maxCount: 8)
        #expect(short.map(\.label) == ["2", "5", "10", "20", "50"])
    }

    @Test("text and attribute values are escaped; characters XML forbids are dropped")
    func escaping() {
        let element = Markup("text", [("title", "a \"b\" <c> & 'd'\n")], text: "x < y & z > \u{1}w")
        #expect(
            element.render()
                == "<text title=\"a &quot;b&quot; &lt;c&gt; &amp; &#39;d&#39;&#10;\">x &lt; y &amp; z &gt; w</text>")
        #expect(Markup("circle", [("r", "3")]).render() == "<circle r=\"3\"/>")
        #expect(Markup("div").render() == "<div></div>")
    }

    @Test("a log still being written (torn last line) is read; unknown kinds are counted")
    func tornTail() throws {
        let path = try KnownLog.write(extraLines: [KnownLog.unknownLine])
        defer { unlink(path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"event":"trial_completed","time":1010,"tri"#.utf8))
        try handle.close()
        let log = try StudyLog.load(path: path)
        #expect(log.tornTail)
        #expect(log.unknownEvents == 1)
        #expect(log.records.count == KnownLog.timeline.count)
        #expect(StudySummary(records: log.records).counts.completed == 4)
    }

    @Test("bad input gets an error naming the file")
    func badInput() throws {
        let missing = NSTemporaryDirectory() + "no-such-\(UUID().uuidString).jsonl"
        #expect(throws: ReportError.self) { try StudyLog.load(path: missing) }
        do {
            _ = try StudyLog.load(path: missing)
        } catch {
            #expect(error.description.hasPrefix(missing))
        }

        let yaml = NSTemporaryDirectory() + "study-\(UUID().uuidString).yaml"
        try "name: x\nobjective: {metric: y}\n".write(toFile: yaml, atomically: true, encoding: .utf8)
        defer { unlink(yaml) }
        do {
            _ = try StudyLog.load(path: yaml)
            Issue.record("a YAML file was read as a results log")
        } catch {
            #expect(error.description.hasPrefix("\(yaml) is not a results log: line 1"))
        }

        let empty = NSTemporaryDirectory() + "empty-\(UUID().uuidString).jsonl"
        FileManager.default.createFile(atPath: empty, contents: Data())
        defer { unlink(empty) }
        #expect(throws: ReportError.empty(path: empty)) { try StudyLog.load(path: empty) }

        // A log that does not start with study_started.
        let headless = NSTemporaryDirectory() + "headless-\(UUID().uuidString).jsonl"
        defer { unlink(headless) }
        let path = try KnownLog.write(Array(KnownLog.timeline.dropFirst()), extraLines: [])
        defer { unlink(path) }
        try FileManager.default.copyItem(atPath: path, toPath: headless)
        do {
            _ = try StudyLog.load(path: headless)
            Issue.record("a log without study_started was accepted")
        } catch {
            #expect(
                error.description
                    == "\(headless) is not a results log: the first event is worker_joined, not study_started")
        }
    }

    @Test("lr_range_test lines are read by the journal for the report (NaN losses allowed); undrawable ones left out")
    func rangeTestLines() throws {
        let path = try KnownLog.write(extraLines: [
            KnownLog.rangeTestLine,
            #"{"event":"lr_range_test","time":1,"lrs":[1,2],"losses":[1]}"#  // lengths differ
        ])
        defer { unlink(path) }
        let log = try StudyLog.load(path: path)
        #expect(log.rangeTests.count == 1)
        let test = log.rangeTests.first
        #expect(test?.lrs.count == 6)
        #expect(test?.losses.last?.isNaN == true)
        #expect(test?.suggestion == 0.001)
        #expect(test?.suggestions["minimum"] == 0.01)
        #expect(test?.trial == 1)
    }
}
