import HPOCore
import Testing

@testable import HPOTrials

@Suite struct TrialOutputParserTests {
    @Test(
        "lines are read as reports, final results or ignored",
        arguments: [
            (#"{"val_loss": 0.21}"#, TrialOutputLine.final(["val_loss": 0.21])),
            (
                #"{"step": 3, "loss": 0.5, "val_loss": 0.75}"#,
                .report(TrialReport(step: 3, metrics: ["loss": 0.5, "val_loss": 0.75]))
            ),
            (#"hpo: {"step": 1, "loss": 2}"#, .report(TrialReport(step: 1, metrics: ["loss": 2]))),
            (#"hpo:{"val_loss": 1}"#, .final(["val_loss": 1])),
            (#"  {"val_loss": 1e-3, "n": -2}  "#, .final(["val_loss": 0.001, "n": -2])),
            (#"{"step": 4.0, "x": -2.5E+1}"#, .report(TrialReport(step: 4, metrics: ["x": -25]))),
            (#"{"step": 2}"#, .report(TrialReport(step: 2, metrics: [:]))),
            (#"{"val_loss": 0.2, "note": "x", "ok": true, "cfg": {"a": [1, {"b": "}"}]}}"#, .final(["val_loss": 0.2])),
            (#"{"a\u00e9\"b\ud83d\ude00": 1}"#, .final(["aé\"b😀": 1])),
            ("progress 50% {epoch 3}\r" + #"{"val_loss": 0.5}"#, .final(["val_loss": 0.5])),
            (#"{"val_loss": 0.1, "val_loss": 0.3}"#, .final(["val_loss": 0.3])),
            // Python's json.dumps writes bare NaN and Infinity inside nested values too.
            (#"{"val_loss": 0.2, "history": [NaN, {"x": -Infinity}, Infinity]}"#, .final(["val_loss": 0.2])),
            (#"{"val_loss": 1e-400, "big": 1e400}"#, .final(["val_loss": 0, "big": .infinity])),
            (#"{"val_loss": 01}"#, .other),
            ("epoch 3 done", .other),
            ("", .other),
            (#"{"step": 1.5, "loss": 1}"#, .other),
            (#"{"step": "3", "loss": 1}"#, .other),
            (#"{"msg": "hello", "level": "info"}"#, .other),
            ("{}", .other),
            ("[1, 2]", .other),
            ("42", .other),
            (#"{"val_loss": 0.2} and more"#, .other),
            (#"{"val_loss": 0.2,}"#, .other),
            (#"{"val_loss": .2}"#, .other),
            (#"{"val_loss": 0.2"#, .other),
            (#"{val_loss: 0.2}"#, .other),
            (#"{"cfg": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "x": 1}"#, .other)
        ]
    )
    func classifies(line: String, expected: TrialOutputLine) {
        #expect(TrialOutputParser.parse(line).line == expected)
    }

    @Test(
        "null, NaN and infinities are non-finite metrics",
        arguments: [
            (#"{"val_loss": NaN}"#, Double.nan),
            (#"{"val_loss": null}"#, .nan),
            (#"{"val_loss": "NaN"}"#, .nan),
            (#"{"val_loss": "nan"}"#, .nan),
            (#"{"val_loss": Infinity}"#, .infinity),
            (#"{"val_loss": -Infinity}"#, -.infinity),
            (#"{"val_loss": "inf"}"#, .infinity),
            (#"{"val_loss": "-Infinity"}"#, -.infinity)
        ]
    )
    func nonFinite(line: String, expected: Double) throws {
        guard case .final(let metrics) = TrialOutputParser.parse(line).line else {
            Issue.record("not a final line: \(line)")
            return
        }
        let value = try #require(metrics["val_loss"])
        #expect(value.isNaN == expected.isNaN)
        if !expected.isNaN { #expect(value == expected) }
    }

    @Test("the prefix is recognised and reported")
    func prefix() {
        #expect(TrialOutputParser.parse(#"hpo: {"val_loss": 1}"#).prefixed)
        #expect(TrialOutputParser.parse("hpo: starting").prefixed)
        #expect(!TrialOutputParser.parse(#"{"val_loss": 1}"#).prefixed)
    }

    @Test("the collector passes reports on in order and keeps the last final line")
    func collector() {
        var collector = TrialOutputCollector()
        var reports: [TrialReport] = []
        for line in [
            #"{"step": 1, "loss": 3}"#, "text", #"{"val_loss": 9}"#, #"{"step": 2, "loss": 2}"#,
            #"{"val_loss": 1, "acc": 0.5}"#
        ] {
            if let report = collector.consume(line) { reports.append(report) }
        }
        #expect(reports == [TrialReport(step: 1, metrics: ["loss": 3]), TrialReport(step: 2, metrics: ["loss": 2])])
        #expect(collector.resultMetrics == ["val_loss": 1, "acc": 0.5])
    }

    @Test("without a final line the last report's metrics are the result")
    func lastReportIsResult() {
        var collector = TrialOutputCollector()
        _ = collector.consume(#"{"step": 1, "val_loss": 3}"#)
        _ = collector.consume(#"{"step": 2, "val_loss": 2}"#)
        #expect(collector.finalMetrics == nil)
        #expect(collector.resultMetrics == ["val_loss": 2])
        #expect(TrialOutputCollector().resultMetrics == nil)
    }

    @Test("once a prefixed line is seen, unprefixed JSON is ignored")
    func prefixMode() {
        var collector = TrialOutputCollector()
        _ = collector.consume(#"{"step": 1, "loss": 3}"#)
        _ = collector.consume(#"hpo: {"step": 2, "loss": 2}"#)
        #expect(collector.consume(#"{"step": 3, "loss": 1}"#) == nil)
        _ = collector.consume(#"hpo: {"val_loss": 0.5}"#)
        _ = collector.consume(#"{"val_loss": 99}"#)
        #expect(collector.lastReport?.step == 2)
        #expect(collector.resultMetrics == ["val_loss": 0.5])
    }
}

@Suite struct OutputBufferTests {
    private func lines(of chunks: [String], maximumLineLength: Int = 1 << 20) -> [String] {
        var splitter = LineSplitter()
        splitter.maximumLineLength = maximumLineLength
        var lines: [String] = []
        for chunk in chunks {
            Array(chunk.utf8).withUnsafeBytes { splitter.append($0) { lines.append($0) } }
        }
        splitter.finish { lines.append($0) }
        return lines
    }

    @Test("lines are cut across chunk boundaries, CRLF is trimmed, a last partial line is kept")
    func splitting() {
        #expect(lines(of: ["ab", "c\nde", "f\r\n\ng", "h"]) == ["abc", "def", "", "gh"])
        #expect(lines(of: ["one\n"]) == ["one"])
        #expect(lines(of: []) == [])
    }

    @Test("an overlong line is dropped whole, the next one is kept")
    func overlong() {
        #expect(
            lines(
                of: ["short\n", String(repeating: "x", count: 30), String(repeating: "y", count: 30), "\nnext\n"],
                maximumLineLength: 40
            ) == ["short", "next"]
        )
    }

    @Test("the tail keeps the last 20 lines, collapses progress bars and caps its size")
    func tail() {
        var tail = OutputTail()
        let text = (1...30).map { "line \($0)" }.joined(separator: "\n") + "\n10%\r50%\r100%\n"
        Array(text.utf8).withUnsafeBytes { tail.append($0) }
        let lines = tail.text.split(separator: "\n")
        #expect(lines.count == 20)
        #expect(lines.first == "line 12")
        #expect(lines.last == "100%")

        var big = OutputTail()
        for _ in 0..<100 { Array(String(repeating: "z", count: 1000).utf8).withUnsafeBytes { big.append($0) } }
        #expect(big.text.utf8.count == 4096)
        #expect(OutputTail().isEmpty)
    }
}

@Suite struct CheckpointLineTests {
    @Test("a checkpoint line is a checkpoint, never a final result; metrics riding along are a report at its step")
    func checkpointLines() {
        #expect(TrialOutputParser.parse(#"{"checkpoint": 12}"#).line == .checkpoint(step: 12, report: nil))
        #expect(
            TrialOutputParser.parse(#"{"checkpoint": 3, "loss": 0.5}"#).line
                == .checkpoint(step: 3, report: TrialReport(step: 3, metrics: ["loss": 0.5])))
        #expect(TrialOutputParser.parse(#"{"checkpoint": 1.5}"#).line == .other)
        #expect(TrialOutputParser.parse(#"{"checkpoint": -1}"#).line == .other)
        #expect(TrialOutputParser.parse(#"{"checkpoint": "7"}"#).line == .other)
        var collector = TrialOutputCollector()
        _ = collector.consume(#"{"step": 1, "loss": 2}"#)
        #expect(collector.takeCheckpoint() == nil)
        _ = collector.consume(#"{"checkpoint": 1}"#)
        #expect(collector.takeCheckpoint() == 1)
        #expect(collector.takeCheckpoint() == nil, "taken once")
        #expect(collector.resultMetrics == ["loss": 2], "a checkpoint line is not the result")
    }
}
