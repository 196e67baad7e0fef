import Foundation
import HPOStudyFile
import Testing

/// One malformed study file and the error it must produce.
struct InvalidCase: Sendable, CustomTestStringConvertible {
    var label: String
    var yaml: String
    var field: String
    var line: Int?
    var fragment: String

    var testDescription: String { label }
}

/// A valid study, line by line; the cases below replace or add lines.
///
///     1 name: t
///     2 objective: {metric: objective}
///     3 budget: {trials: 10}
///     4 space:
///     5   x0: {type: float, low: -5, high: 10}
///     6   x1: {type: float, low: 0, high: 15}
///     7 trial: {builtin: branin}
let baseLines = [
    "name: t",
    "objective: {metric: objective}",
    "budget: {trials: 10}",
    "space:",
    "  x0: {type: float, low: -5, high: 10}",
    "  x1: {type: float, low: 0, high: 15}",
    "trial: {builtin: branin}"
]

/// The base study with line `number` (1-based) replaced by `text`, or removed when `text` is nil.
func base(replacing number: Int, with text: String?) -> String {
    var lines = baseLines
    if let text { lines[number - 1] = text } else { lines.remove(at: number - 1) }
    return lines.joined(separator: "\n")
}

/// The base study with `text` added as line `number`, moving the rest down.
func base(inserting text: String, at number: Int) -> String {
    var lines = baseLines
    lines.insert(text, at: number - 1)
    return lines.joined(separator: "\n")
}

let invalidCases: [InvalidCase] = [
    InvalidCase(
        label: "missing name", yaml: base(replacing: 1, with: nil),
        field: "name", line: 1, fragment: "missing required key 'name'"),
    InvalidCase(
        label: "empty name", yaml: base(replacing: 1, with: "name: ''"),
        field: "name", line: 1, fragment: "expected a non-empty string, found ''"),
    InvalidCase(
        label: "trials: 0", yaml: base(replacing: 3, with: "budget: {trials: 0}"),
        field: "budget.trials", line: 3, fragment: "expected a positive integer, found '0'"),
    InvalidCase(
        label: "trials: \"ten\"", yaml: base(replacing: 3, with: "budget: {trials: \"ten\"}"),
        field: "budget.trials", line: 3, fragment: "expected an integer, found 'ten'"),
    InvalidCase(
        label: "trials quoted number", yaml: base(replacing: 3, with: "budget: {trials: \"10\"}"),
        field: "budget.trials", line: 3, fragment: "remove the quotes"),
    InvalidCase(
        label: "missing trials, reported at the budget mapping",
        yaml: base(replacing: 3, with: "budget:\n  wall_time: 2h"),
        field: "budget.trials", line: 4, fragment: "missing required key 'trials'"),
    InvalidCase(
        label: "unknown top-level key", yaml: base(inserting: "seeed: 3", at: 4),
        field: "seeed", line: 4, fragment: "unknown key 'seeed' (did you mean 'seed'?); allowed keys: name, objective"),
    InvalidCase(
        label: "typo in a parameter key", yaml: base(replacing: 5, with: "  x0: {type: float, low: -5, hihg: 10}"),
        field: "space.x0.hihg", line: 5, fragment: "unknown key 'hihg' (did you mean 'high'?)"),
    InvalidCase(
        label: "low >= high", yaml: base(replacing: 6, with: "  x1: {type: float, low: 15, high: 15}"),
        field: "space.x1.high", line: 6, fragment: "expected a number greater than low (15), found '15'"),
    InvalidCase(
        label: "int low > high", yaml: base(replacing: 6, with: "  x1: {type: int, low: 4, high: 3}"),
        field: "space.x1.high", line: 6, fragment: "expected an integer of at least low (4), found '3'"),
    InvalidCase(
        label: "log with low <= 0", yaml: base(replacing: 5, with: "  x0: {type: float, low: 0, high: 10, log: true}"),
        field: "space.x0.low", line: 5, fragment: "expected a number above 0, as the scale is log, found '0'"),
    InvalidCase(
        label: "int parameter with a fractional bound",
        yaml: base(replacing: 6, with: "  x1: {type: int, low: 1.5, high: 3}"),
        field: "space.x1.low", line: 6, fragment: "expected an integer, found '1.5'"),
    InvalidCase(
        label: "low is not a number", yaml: base(replacing: 5, with: "  x0: {type: float, low: abc, high: 10}"),
        field: "space.x0.low", line: 5, fragment: "expected a number, found 'abc'"),
    InvalidCase(
        label: "empty choice", yaml: base(inserting: "  c: {type: choice, values: []}", at: 7),
        field: "space.c.values", line: 7, fragment: "expected a non-empty list, found an empty list"),
    InvalidCase(
        label: "duplicate choice values",
        yaml: base(inserting: "  c: {type: choice, values: [relu, tanh, relu]}", at: 7),
        field: "space.c.values[2]", line: 7, fragment: "duplicate value 'relu'"),
    InvalidCase(
        label: "steps on a choice", yaml: base(inserting: "  c: {type: choice, values: [a, b], steps: 2}", at: 7),
        field: "space.c.steps", line: 7, fragment: "'steps' applies only to float and int parameters"),
    InvalidCase(
        label: "grid value outside the range",
        yaml: base(replacing: 6, with: "  x1: {type: float, low: 0, high: 15, values: [0, 20]}"),
        field: "space.x1.values[1]", line: 6, fragment: "expected a number in [0, 15], found '20'"),
    InvalidCase(
        label: "unknown type", yaml: base(replacing: 5, with: "  x0: {type: double, low: -5, high: 10}"),
        field: "space.x0.type", line: 5, fragment: "expected one of float, int, choice, found 'double'"),
    InvalidCase(
        label: "missing type", yaml: base(replacing: 5, with: "  x0: {low: -5, high: 10}"),
        field: "space.x0.type", line: 5, fragment: "missing required key 'type'"),
    InvalidCase(
        label: "empty space",
        yaml: base(replacing: 4, with: "space: {}").replacingOccurrences(
            of: "\n  x0: {type: float, low: -5, high: 10}\n  x1: {type: float, low: 0, high: 15}", with: ""),
        field: "space", line: 4, fragment: "expected a non-empty mapping of parameters, found an empty mapping"),
    InvalidCase(
        label: "unknown strategy", yaml: base(inserting: "strategy: annealing", at: 4),
        field: "strategy", line: 4, fragment: "found 'annealing'"),
    InvalidCase(
        label: "extra key in the strategy mapping", yaml: base(inserting: "strategy: {kind: random, batch: 4}", at: 4),
        field: "strategy.batch", line: 4, fragment: "unknown key 'batch'; allowed keys: kind"),
    InvalidCase(
        label: "negative seed", yaml: base(inserting: "seed: -1", at: 4),
        field: "seed", line: 4, fragment: "expected a non-negative integer, found '-1'"),
    InvalidCase(
        label: "unknown direction", yaml: base(replacing: 2, with: "objective: {metric: objective, direction: down}"),
        field: "objective.direction", line: 2, fragment: "expected one of minimize, maximize, found 'down'"),
    InvalidCase(
        label: "both builtin and command", yaml: base(replacing: 7, with: "trial: {builtin: branin, command: [echo]}"),
        field: "trial", line: 7, fragment: "expected one of 'builtin' or 'command', found both"),
    InvalidCase(
        label: "neither builtin nor command", yaml: base(replacing: 7, with: "trial: {retries: 1}"),
        field: "trial", line: 7, fragment: "found neither"),
    InvalidCase(
        label: "placeholder naming an unknown parameter",
        yaml: base(replacing: 7, with: "trial:\n  command: [python3, train.py, \"--lr={lr}\"]"),
        field: "trial.command[2]", line: 8,
        fragment:
            "placeholder '{lr}' names no parameter of the space (parameters: x0, x1; also {trial} and {attempt})"),
    InvalidCase(
        label: "unquoted placeholder is a YAML mapping",
        yaml: base(replacing: 7, with: "trial: {command: [train, {x0}]}"),
        field: "trial.command[1]", line: 7, fragment: "quote arguments that start with '{'"),
    InvalidCase(
        label: "unbalanced brace in a command",
        yaml: base(replacing: 7, with: "trial: {command: [train, \"--x={x0\"]}"),
        field: "trial.command[1]", line: 7, fragment: "'{' without a closing '}'"),
    InvalidCase(
        label: "unknown builtin", yaml: base(replacing: 7, with: "trial: {builtin: branni}"),
        field: "trial.builtin", line: 7,
        fragment: "expected a built-in function (branin, hartmann6, rosenbrock, sphere), found 'branni'"),
    InvalidCase(
        label: "builtin with wrong parameter names",
        yaml: base(replacing: 6, with: "  y: {type: float, low: 0, high: 15}"),
        field: "space", line: 4,
        fragment: "builtin 'branin' takes exactly the parameters x0, x1; missing: x1; not taken: y"),
    InvalidCase(
        label: "builtin of any dimension with a gap",
        yaml: base(replacing: 6, with: "  x2: {type: float, low: 0, high: 15}").replacingOccurrences(
            of: "branin", with: "sphere"),
        field: "space", line: 4, fragment: "missing: x1; not taken: x2"),
    InvalidCase(
        label: "builtin with a choice parameter",
        yaml: base(replacing: 6, with: "  x1: {type: choice, values: [1, 2]}"),
        field: "space.x1", line: 6, fragment: "needs numeric parameters"),
    InvalidCase(
        label: "sleep on a command trial", yaml: base(replacing: 7, with: "trial: {command: [train], sleep: 1}"),
        field: "trial.sleep", line: 7, fragment: "'sleep' applies only to builtin trials"),
    InvalidCase(
        label: "negative retries", yaml: base(replacing: 7, with: "trial: {builtin: branin, retries: -1}"),
        field: "trial.retries", line: 7, fragment: "expected an integer of at least 0, found '-1'"),
    InvalidCase(
        label: "bad duration string", yaml: base(replacing: 3, with: "budget: {trials: 10, wall_time: 2 hours}"),
        field: "budget.wall_time", line: 3, fragment: "expected a duration (seconds as a number, or a string like '90s'"
    ),
    InvalidCase(
        label: "units out of order", yaml: base(replacing: 7, with: "trial: {builtin: branin, timeout: 30s1m}"),
        field: "trial.timeout", line: 7, fragment: "found '30s1m'"),
    InvalidCase(
        label: "zero timeout", yaml: base(replacing: 7, with: "trial: {builtin: branin, timeout: 0}"),
        field: "trial.timeout", line: 7, fragment: "expected a duration above zero, found '0'"),
    InvalidCase(
        label: "YAML syntax error", yaml: base(replacing: 3, with: "  budget: {trials: 10}"),
        field: "", line: 3, fragment: "YAML syntax error"),
    InvalidCase(
        label: "duplicate key", yaml: base(replacing: 6, with: "  x0: {type: float, low: 0, high: 15}"),
        field: "", line: 5, fragment: "duplicate key 'x0'"),
    InvalidCase(
        label: "top level is a list", yaml: "- name: t\n- budget: 3",
        field: "", line: 1, fragment: "at the top level, found a list")
]

@Suite struct InvalidStudyFileTests {
    @Test("an invalid file names the field, the line and the problem", arguments: invalidCases)
    func invalid(_ testCase: InvalidCase) throws {
        let error = try #require(throws: StudyFileError.self) {
            try StudyFile.parse(testCase.yaml, file: "bad.yaml", builtins: testBuiltins)
        }
        #expect(error.file == "bad.yaml")
        #expect(error.field == testCase.field)
        #expect(error.line == testCase.line)
        #expect(error.message.contains(testCase.fragment), "message: \(error.message)")
    }

    @Test("load of a missing file is a StudyFileError naming the file")
    func missingFile() throws {
        let path = "/nonexistent-\(UUID().uuidString)/study.yaml"
        let error = try #require(throws: StudyFileError.self) {
            try StudyFile.load(path: path, builtins: testBuiltins)
        }
        #expect(error.file == path)
        #expect(error.line == nil)
        #expect(error.message.contains("no such file"))
    }

    @Test("an empty file is an error")
    func emptyFile() throws {
        let error = try #require(throws: StudyFileError.self) {
            try StudyFile.parse("# only a comment\n", file: "empty.yaml", builtins: testBuiltins)
        }
        #expect(error.message.contains("empty"))
    }

    @Test("description reads file:line:column: field: message")
    func description() {
        let error = StudyFileError(
            file: "examples/x.yaml", line: 12, column: 7, field: "space.learning_rate.low",
            message: "expected a number, found 'abc'")
        #expect(error.description == "examples/x.yaml:12:7: space.learning_rate.low: expected a number, found 'abc'")
        let unplaced = StudyFileError(file: "x.yaml", field: "", message: "cannot read the study file: no such file")
        #expect(unplaced.description == "x.yaml: cannot read the study file: no such file")
    }

    @Test("the column of the offending node is reported")
    func column() throws {
        let error = try #require(throws: StudyFileError.self) {
            try StudyFile.parse(base(replacing: 3, with: "budget: {trials: 0}"), file: "c.yaml", builtins: testBuiltins)
        }
        #expect(error.column == 18)
        #expect(error.description == "c.yaml:3:18: budget.trials: expected a positive integer, found '0'")
    }
}
