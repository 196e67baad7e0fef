import Foundation
import HPOCore
import HPOStudyFile
import Testing

/// A command study with conditional parameters, line by line (the cases replace lines):
///
///     1 name: c
///     2 objective: {metric: loss}
///     3 budget: {trials: 10}
///     4 space:
///     5   optimizer: {type: choice, values: [sgd, adam]}
///     6   momentum: {type: float, low: 0, high: 0.99, when: {optimizer: sgd}}
///     7   layers: {type: int, low: 1, high: 3}
///     8   units_3: {type: choice, values: [64, 512], when: {layers: [3]}}
///     9   units: {type: choice, values: [64, 512]}
///    10 trial: {command: [python3, train.py, "--optimizer={optimizer}", "--momentum={momentum?}"]}
private let conditionalLines = [
    "name: c",
    "objective: {metric: loss}",
    "budget: {trials: 10}",
    "space:",
    "  optimizer: {type: choice, values: [sgd, adam]}",
    "  momentum: {type: float, low: 0, high: 0.99, when: {optimizer: sgd}}",
    "  layers: {type: int, low: 1, high: 3}",
    "  units_3: {type: choice, values: [64, 512], when: {layers: [3]}}",
    "  units: {type: choice, values: [64, 512]}",
    #"trial: {command: [python3, train.py, "--optimizer={optimizer}", "--momentum={momentum?}"]}"#
]

private func conditional(replacing line: Int? = nil, with text: String = "", adding extra: [String] = []) -> String {
    var lines = conditionalLines
    if let line { lines[line - 1] = text }
    return (lines + extra).joined(separator: "\n")
}

private let conditionalCases: [InvalidCase] = [
    InvalidCase(
        label: "condition on an unknown parameter, with a suggestion",
        yaml: conditional(replacing: 6, with: "  momentum: {type: float, low: 0, high: 1, when: {optimiser: sgd}}"),
        field: "space.momentum.when.optimiser", line: 6,
        fragment: "names 'optimiser', which is no parameter of the space (did you mean 'optimizer'?)"),
    InvalidCase(
        label: "condition on an unknown value, with a suggestion",
        yaml: conditional(replacing: 6, with: "  momentum: {type: float, low: 0, high: 1, when: {optimizer: sdg}}"),
        field: "space.momentum.when.optimizer", line: 6,
        fragment: "'sdg' is not a value of 'optimizer' (values: sgd, adam); did you mean 'sgd'?"),
    InvalidCase(
        label: "condition on an int value out of range",
        yaml: conditional(replacing: 8, with: "  units_3: {type: choice, values: [64, 512], when: {layers: [3, 4]}}"),
        field: "space.units_3.when.layers[1]", line: 8,
        fragment: "expected a value of 'layers', an integer in [1, 3], found '4'"),
    InvalidCase(
        label: "condition on a float parameter",
        yaml: conditional(replacing: 9, with: "  units: {type: choice, values: [64, 512], when: {momentum: 0.9}}"),
        field: "space.units.when.momentum", line: 9,
        fragment: "'momentum' is a float parameter"),
    InvalidCase(
        label: "condition on itself",
        yaml: conditional(replacing: 9, with: "  units: {type: choice, values: [64, 512], when: {units: 64}}"),
        field: "space.units.when.units", line: 9, fragment: "cannot name the parameter itself"),
    InvalidCase(
        label: "a cycle of conditions",
        yaml: conditional(replacing: 7, with: "  layers: {type: int, low: 1, high: 3, when: {units_3: 64}}"),
        field: "space.layers.when", line: 7,
        fragment: "the conditions form a cycle (layers → units_3 → layers)"),
    InvalidCase(
        label: "an empty condition",
        yaml: conditional(replacing: 9, with: "  units: {type: choice, values: [64, 512], when: {}}"),
        field: "space.units.when", line: 9, fragment: "expected at least one parameter"),
    InvalidCase(
        label: "a conditional parameter in a placeholder without '?'",
        yaml: conditional(replacing: 10, with: #"trial: {command: [python3, train.py, "--momentum={momentum}"]}"#),
        field: "trial.command[2]", line: 10, fragment: "write '{momentum?}' to leave this argument out"),
    InvalidCase(
        label: "a rule on an unknown parameter",
        yaml: conditional(adding: ["forbid: [{layers: 3, unit: 512}]"]),
        field: "forbid[0].unit", line: 11, fragment: "(did you mean 'units'?)"),
    InvalidCase(
        label: "a rule with a value the parameter does not have",
        yaml: conditional(adding: ["forbid:", "  - {layers: 3, units: 256}"]),
        field: "forbid[0].units", line: 12, fragment: "'256' is not a value of 'units' (values: 64, 512)"),
    InvalidCase(
        label: "rules that forbid everything",
        yaml: conditional(adding: ["forbid: [{optimizer: sgd}, {optimizer: adam}]"]),
        field: "forbid", line: 11, fragment: "forbid every configuration of the space"),
    InvalidCase(
        label: "rules that forbid everything through conditions",
        yaml: conditional(adding: ["forbid: [{layers: [1, 2]}, {units_3: [64, 512]}]"]),
        field: "forbid", line: 11, fragment: "forbid every configuration of the space"),
    InvalidCase(
        label: "forbid is not a list",
        yaml: conditional(adding: ["forbid: {layers: 3}"]),
        field: "forbid", line: 11, fragment: "expected a list"),
    InvalidCase(
        label: "a conditional input of a built-in function",
        yaml: [
            "name: b", "objective: {metric: objective}", "budget: {trials: 3}", "space:",
            "  x0: {type: float, low: 0, high: 1}", "  x1: {type: int, low: 0, high: 1}",
            "  x2: {type: float, low: 0, high: 1, when: {x1: 1}}", "trial: {builtin: sphere}"
        ].joined(separator: "\n"),
        field: "space.x2", line: 7, fragment: "none can have 'when'")
]

@Suite struct ConditionalStudyFileTests {
    @Test("conditions and rules are read with the parameters' own values")
    func valid() throws {
        let text = conditional(adding: ["forbid: [{layers: 3, units: 512}, {optimizer: adam, units_3: [64]}]"])
        let study = try StudyFile.parse(text, file: "c.yaml", builtins: testBuiltins)
        let momentum = try #require(study.space.parameters.first { $0.name == "momentum" })
        #expect(momentum.when == [ParameterMatch(name: "optimizer", values: [.string("sgd")])])
        let units3 = try #require(study.space.parameters.first { $0.name == "units_3" })
        #expect(units3.when == [ParameterMatch(name: "layers", values: [.int(3)])])
        #expect(
            study.space.forbidden == [
                ForbiddenCombination([
                    ParameterMatch(name: "layers", values: [.int(3)]),
                    ParameterMatch(name: "units", values: [.int(512)])
                ]),
                ForbiddenCombination([
                    ParameterMatch(name: "optimizer", values: [.string("adam")]),
                    ParameterMatch(name: "units_3", values: [.int(64)])
                ])
            ])
        #expect(study.space.parameters.first { $0.name == "units" }?.when == [])
    }

    @Test("a condition may name a parameter listed after it")
    func forwardReference() throws {
        let text = conditional(replacing: 8, with: "  units_3: {type: choice, values: [64, 512], when: {units: 512}}")
        let study = try StudyFile.parse(text, file: "c.yaml", builtins: testBuiltins)
        #expect(study.space.activeNames(in: ["units": .int(64), "units_3": .int(64)]).contains("units_3") == false)
        #expect(study.space.activeNames(in: ["units": .int(512), "units_3": .int(64)]).contains("units_3"))
    }

    @Test("a bad condition or rule names the field, the line and the problem", arguments: conditionalCases)
    func invalid(_ testCase: InvalidCase) throws {
        let error = try #require(throws: StudyFileError.self) {
            try StudyFile.parse(testCase.yaml, file: "bad.yaml", builtins: testBuiltins)
        }
        #expect(error.field == testCase.field)
        #expect(error.line == testCase.line)
        #expect(error.message.contains(testCase.fragment), "message: \(error.message)")
    }
}

@Suite struct ConditionalExampleTests {
    @Test("examples/digits-conditional.yaml reads: momentum with sgd, beta1 with adam, one rule")
    func example() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let trainer = ["optimizer", "learning_rate", "momentum", "beta1", "dropout", "layers", "units", "epochs"]
        let study = try StudyFile.load(
            path: root.appendingPathComponent("examples/digits-conditional.yaml").path, builtins: testBuiltins,
            namedBuiltins: ["mlp": trainer])
        let space = study.space
        #expect(space.activeNames(in: ["optimizer": .string("adam")]).contains("beta1"))
        #expect(!space.activeNames(in: ["optimizer": .string("adam")]).contains("momentum"))
        #expect(space.isForbidden(["layers": .int(3), "units": .int(256)]))
    }
}

@Suite struct WarmStartStudyFileTests {
    let study = [
        "name: w", "objective: {metric: objective}", "budget: {trials: 5}", "strategy: bayes", "space:",
        "  x0: {type: float, low: 0, high: 1}", "trial: {builtin: sphere}"
    ]

    @Test("warm_start takes logs relative to the study file's folder; only with bayes; a missing log is an error")
    func warmStart() throws {
        let folder = NSTemporaryDirectory() + "warm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        FileManager.default.createFile(atPath: folder + "/old.jsonl", contents: Data())
        let file = folder + "/study.yaml"
        let config = try StudyFile.parse(
            (study + ["warm_start: [old.jsonl]"]).joined(separator: "\n"), file: file, builtins: testBuiltins)
        #expect(config.warmStart == [WarmStartSource(file: folder + "/old.jsonl")])
        let missing = try #require(throws: StudyFileError.self) {
            try StudyFile.parse(
                (study + ["warm_start: [old.jsonl, gone.jsonl]"]).joined(separator: "\n"), file: file,
                builtins: testBuiltins)
        }
        #expect(missing.field == "warm_start[1]" && missing.line == 8)
        #expect(missing.message.contains("no such results log: \(folder)/gone.jsonl"))
        var random = study
        random[3] = "strategy: random"
        let notBayes = try #require(throws: StudyFileError.self) {
            try StudyFile.parse(
                (random + ["warm_start: [old.jsonl]"]).joined(separator: "\n"), file: file, builtins: testBuiltins)
        }
        #expect(notBayes.field == "warm_start" && notBayes.message.contains("needs strategy bayes"))
    }
}
