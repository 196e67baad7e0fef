import Foundation
import HPOCore
import HPOStudyFile
import Testing

/// `objective:` as a list and `constraints:`; each bad case on line 2 (the objective) or 8 (added).
let invalidOutcomeCases: [InvalidCase] = [
    InvalidCase(
        label: "empty objective list", yaml: base(replacing: 2, with: "objective: []"),
        field: "objective", line: 2, fragment: "expected a non-empty list of objectives"),
    InvalidCase(
        label: "a scalar in the objective list", yaml: base(replacing: 2, with: "objective: [val_loss]"),
        field: "objective[0]", line: 2, fragment: "expected a mapping with 'metric' (and 'direction'), or a list"),
    InvalidCase(
        label: "the same metric twice",
        yaml: base(replacing: 2, with: "objective: [{metric: loss}, {metric: loss, direction: maximize}]"),
        field: "objective[1]", line: 2, fragment: "metric 'loss' is already an objective"),
    InvalidCase(
        label: "a typo in a listed objective",
        yaml: base(replacing: 2, with: "objective: [{metric: a}, {metric: b, direciton: maximize}]"),
        field: "objective[1].direciton", line: 2, fragment: "unknown key 'direciton' (did you mean 'direction'?)"),
    InvalidCase(
        label: "reference not a number",
        yaml: base(replacing: 2, with: "objective: [{metric: a, reference: far}, {metric: b}]"),
        field: "objective[0].reference", line: 2, fragment: "expected a number, found 'far'"),
    InvalidCase(
        label: "reference on a single objective",
        yaml: base(replacing: 2, with: "objective: {metric: a, reference: 3}"),
        field: "objective.reference", line: 2, fragment: "unknown key 'reference'"),
    InvalidCase(
        label: "constraints not a list", yaml: base(inserting: "constraints: {metric: mem, max: 16}", at: 8),
        field: "constraints", line: 8, fragment: "expected a list of {metric, min, max} mappings"),
    InvalidCase(
        label: "a constraint without bounds", yaml: base(inserting: "constraints: [{metric: mem}]", at: 8),
        field: "constraints[0]", line: 8, fragment: "expected 'min', 'max' or both"),
    InvalidCase(
        label: "a constraint without a metric", yaml: base(inserting: "constraints: [{max: 16}]", at: 8),
        field: "constraints[0].metric", line: 8, fragment: "missing required key 'metric'"),
    InvalidCase(
        label: "min above max", yaml: base(inserting: "constraints: [{metric: mem, min: 4, max: 2}]", at: 8),
        field: "constraints[0].max", line: 8, fragment: "expected a number >= min (4.0)"),
    InvalidCase(
        label: "a typo in a constraint", yaml: base(inserting: "constraints: [{metric: mem, mx: 2}]", at: 8),
        field: "constraints[0].mx", line: 8, fragment: "unknown key 'mx' (did you mean 'max'?)"),
    InvalidCase(
        label: "a pruner with several objectives",
        yaml: base(replacing: 2, with: "objective: [{metric: a}, {metric: b}]") + "\npruner: asha",
        field: "pruner", line: 8, fragment: "pruning needs one objective"),
    InvalidCase(
        label: "a warm start with several objectives",
        yaml: base(replacing: 2, with: "objective: [{metric: a}, {metric: b}]") + "\nwarm_start: [old.jsonl]",
        field: "warm_start", line: 8, fragment: "warm_start works with one objective and no constraints")
]

@Suite struct OutcomesStudyFileTests {
    @Test("a list of objectives and constraints parse; the first objective is `objective`")
    func valid() throws {
        let text = base(
            replacing: 2,
            with: """
                objective:
                  - {metric: val_loss, direction: minimize}
                  - {metric: accuracy, direction: maximize, reference: 0.5}
                constraints:
                  - {metric: memory_gb, max: 16}
                  - {metric: latency_ms, min: 1, max: 20}
                """)
        let config = try StudyFile.parse(text, file: "mo.yaml", builtins: testBuiltins)
        #expect(config.objective == Objective(metric: "val_loss", direction: .minimize))
        #expect(
            config.objectives == [
                Objective(metric: "val_loss", direction: .minimize),
                Objective(metric: "accuracy", direction: .maximize, reference: 0.5)
            ])
        #expect(config.isMultiObjective)
        #expect(
            config.constraints == [
                OutcomeConstraint(metric: "memory_gb", max: 16),
                OutcomeConstraint(metric: "latency_ms", min: 1, max: 20)
            ])
        // The JSON of the log's first line round-trips, and a one-objective study keeps its old form.
        let decoded = try JSONDecoder().decode(StudyConfig.self, from: JSONEncoder().encode(config))
        #expect(decoded == config)
        let single = try StudyFile.parse(
            base(replacing: 2, with: "objective: [{metric: loss}]"), file: "s.yaml", builtins: testBuiltins)
        #expect(!single.isMultiObjective && single.paretoObjectives == nil && single.constraints == nil)
        let json = String(decoding: try JSONEncoder().encode(single), as: UTF8.self)
        #expect(!json.contains("objectives") && !json.contains("constraints"))
    }

    @Test(
        "a bad objective list or constraint names the field, the line and the problem", arguments: invalidOutcomeCases)
    func invalid(_ testCase: InvalidCase) throws {
        let error = try #require(throws: StudyFileError.self) {
            try StudyFile.parse(testCase.yaml, file: "bad.yaml", builtins: testBuiltins)
        }
        #expect(error.field == testCase.field, "\(error)")
        #expect(error.line == testCase.line, "\(error)")
        #expect(error.message.contains(testCase.fragment), "message: \(error.message)")
        #expect(error.description.hasPrefix("bad.yaml:\(testCase.line ?? 0):"))
    }
}
