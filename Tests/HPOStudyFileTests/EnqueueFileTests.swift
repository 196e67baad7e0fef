import Foundation
import HPOCore
import HPOStudyFile
import Testing

/// `enqueue:` in the study file and `--enqueue FILE`: every entry checked against the space, every
/// bad one an error naming the file, the line and the parameter.
@Suite struct EnqueueFileTests {
    let builtins: [String: Int?] = ["branin": 2]

    /// A folder removed when the test ends.
    final class Folder {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hpo-enqueue-\(UUID())")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
        func write(_ text: String, name: String) throws -> String {
            let path = url.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    var space: SearchSpace {
        SearchSpace([
            ParameterSpec(name: "x0", domain: .float(low: -5, high: 10, log: false)),
            ParameterSpec(name: "x1", domain: .float(low: 0, high: 15, log: false))
        ])
    }

    @Test("the study file's enqueue: list is read in order, each entry with its line as origin")
    func studyFile() throws {
        let folder = try Folder()
        let text = baseLines.joined(separator: "\n") + "\nenqueue:\n  - {x0: 1, x1: 2}\n  - x0: 3.5\n    x1: 4\n"
        let path = try folder.write(text, name: "study.yaml")
        let config = try StudyFile.load(path: path, builtins: builtins)
        let entries = try EnqueueFile.fromStudyFile(path: path, space: config.space)
        #expect(
            entries.map(\.parameters) == [["x0": .double(1), "x1": .double(2)], ["x0": .double(3.5), "x1": .double(4)]])
        #expect(entries.map(\.origin) == ["study file \(path):9", "study file \(path):10"])
    }

    @Test("a bad entry in the study file fails the load with file:line and the parameter")
    func studyFileErrors() throws {
        let cases: [(String, String)] = [
            ("  - {x0: 1, x1: 2, lr: 3}", "unknown parameter \"lr\""),
            ("  - {x0: 1}", "missing parameter \"x1\""),
            ("  - {x0: 11, x1: 2}", "\"x0\" = 11 is out of range [-5, 10]"),
            ("  - {x0: abc, x1: 2}", "\"x0\" must be a number, not \"abc\""),
            ("  - {x0: [1], x1: 2}", "expected a number or a string")
        ]
        for (entry, expected) in cases {
            let text = baseLines.joined(separator: "\n") + "\nenqueue:\n  - {x0: 0, x1: 0}\n" + entry + "\n"
            do {
                _ = try StudyFile.parse(text, file: "s.yaml", builtins: builtins)
                Issue.record("accepted \(entry)")
            } catch let error as StudyFileError {
                #expect(error.line == 10 && error.description.contains(expected), "\(error)")
                #expect(error.description.hasPrefix("s.yaml:10:"), "\(error)")
            }
        }
    }

    @Test("--enqueue FILE: JSON Lines, blank lines skipped, errors at their line")
    func jsonLines() throws {
        let folder = try Folder()
        let path = try folder.write("{\"x0\": 1, \"x1\": 2}\n\n{\"x0\": 2, \"x1\": 3}\n", name: "e.jsonl")
        let entries = try EnqueueFile.load(path: path, space: space)
        #expect(entries.count == 2)
        #expect(entries.last?.origin.hasSuffix("e.jsonl:3") == true)
        #expect(entries.last?.origin.hasPrefix("--enqueue /") == true, "an absolute path")
        let bad = try folder.write("{\"x0\": 1, \"x1\": 2}\n{\"x0\": 1, \"x1\": 99}\n{\"x0\": \n", name: "bad.jsonl")
        do {
            _ = try EnqueueFile.load(path: bad, space: space)
            Issue.record("accepted")
        } catch let error as StudyFileError {
            #expect(error.line == 2 && error.field == "x1" && error.message.contains("out of range"), "\(error)")
        }
        let broken = try folder.write("{\"x0\": 1, \"x1\": 2}\n{\"x0\": \n", name: "broken.jsonl")
        #expect(throws: StudyFileError.self) { try EnqueueFile.load(path: broken, space: space) }
    }

    @Test("--enqueue FILE: a YAML list of mappings")
    func yamlList() throws {
        let folder = try Folder()
        let path = try folder.write("- {x0: 1, x1: 2}\n- {x0: 0, x1: 16}\n", name: "e.yaml")
        do {
            _ = try EnqueueFile.load(path: path, space: space)
            Issue.record("accepted")
        } catch let error as StudyFileError {
            #expect(error.line == 2 && error.message.contains("\"x1\" = 16 is out of range"), "\(error)")
        }
        let good = try folder.write("- {x0: 1, x1: 2}\n", name: "good.yaml")
        #expect(try EnqueueFile.load(path: good, space: space).count == 1)
    }
}
