import Foundation
import HPOCore
import HPOStudyFile
import Testing

/// Malformed `pruner` sections, each on line 8 of the base study (after `trial`) unless it spans lines.
let invalidPrunerCases: [InvalidCase] = [
    InvalidCase(
        label: "unknown kind", yaml: base(inserting: "pruner: {kind: hyperband}", at: 8),
        field: "pruner.kind", line: 8, fragment: "expected one of asha, median, found 'hyperband'"),
    InvalidCase(
        label: "unknown pruner name", yaml: base(inserting: "pruner: successive-halving", at: 8),
        field: "pruner", line: 8, fragment: "expected one of asha, median, found 'successive-halving'"),
    InvalidCase(
        label: "a list", yaml: base(inserting: "pruner: [asha]", at: 8),
        field: "pruner", line: 8, fragment: "expected a pruner name or a mapping with 'kind', found a list"),
    InvalidCase(
        label: "missing kind", yaml: base(inserting: "pruner: {min_resource: 2}", at: 8),
        field: "pruner.kind", line: 8, fragment: "missing required key 'kind'"),
    InvalidCase(
        label: "typo in kind's key", yaml: base(inserting: "pruner: {knid: asha}", at: 8),
        field: "pruner.knid", line: 8, fragment: "unknown key 'knid' (did you mean 'kind'?)"),
    InvalidCase(
        label: "typo in an asha key", yaml: base(inserting: "pruner: {kind: asha, reduction_facter: 3}", at: 8),
        field: "pruner.reduction_facter", line: 8,
        fragment:
            """
            unknown key 'reduction_facter' for an asha pruner (did you mean 'reduction_factor'?); allowed keys: \
            kind, metric, resource, min_resource, reduction_factor, max_resource
            """
    ),
    InvalidCase(
        label: "a median key on asha", yaml: base(inserting: "pruner: {kind: asha, warmup_steps: 5}", at: 8),
        field: "pruner.warmup_steps", line: 8, fragment: "'warmup_steps' applies only to kind: median"),
    InvalidCase(
        label: "an asha key on median", yaml: base(inserting: "pruner:\n  kind: median\n  reduction_factor: 3", at: 8),
        field: "pruner.reduction_factor", line: 10, fragment: "'reduction_factor' applies only to kind: asha"),
    InvalidCase(
        label: "reduction_factor 1", yaml: base(inserting: "pruner: {kind: asha, reduction_factor: 1}", at: 8),
        field: "pruner.reduction_factor", line: 8, fragment: "expected an integer of at least 2, found '1'"),
    InvalidCase(
        label: "reduction_factor not an integer",
        yaml: base(inserting: "pruner: {kind: asha, reduction_factor: 2.5}", at: 8),
        field: "pruner.reduction_factor", line: 8, fragment: "expected an integer, found '2.5'"),
    InvalidCase(
        label: "min_resource 0", yaml: base(inserting: "pruner: {kind: asha, min_resource: 0}", at: 8),
        field: "pruner.min_resource", line: 8, fragment: "expected a number greater than 0, found '0'"),
    InvalidCase(
        label: "min_resource quoted", yaml: base(inserting: "pruner: {kind: asha, min_resource: \"2\"}", at: 8),
        field: "pruner.min_resource", line: 8, fragment: "remove the quotes"),
    InvalidCase(
        label: "max_resource not above min_resource",
        yaml: base(inserting: "pruner: {kind: asha, min_resource: 4, max_resource: 4}", at: 8),
        field: "pruner.max_resource", line: 8, fragment: "expected a number greater than min_resource (4), found '4'"),
    InvalidCase(
        label: "empty resource", yaml: base(inserting: "pruner: {kind: asha, resource: ''}", at: 8),
        field: "pruner.resource", line: 8, fragment: "expected a non-empty string"),
    InvalidCase(
        label: "empty metric", yaml: base(inserting: "pruner: {kind: median, metric: }", at: 8),
        field: "pruner.metric", line: 8, fragment: "expected a string, found nothing"),
    InvalidCase(
        label: "negative warmup", yaml: base(inserting: "pruner: {kind: median, warmup_steps: -1}", at: 8),
        field: "pruner.warmup_steps", line: 8, fragment: "expected a non-negative integer, found '-1'"),
    InvalidCase(
        label: "min_trials 0", yaml: base(inserting: "pruner:\n  kind: median\n  min_trials: 0", at: 8),
        field: "pruner.min_trials", line: 10, fragment: "expected a positive integer, found '0'"),
    InvalidCase(
        label: "typo at the top level suggests pruner", yaml: base(inserting: "prunner: asha", at: 8),
        field: "prunner", line: 8, fragment: "unknown key 'prunner' (did you mean 'pruner'?)")
]

@Suite struct PrunerStudyFileTests {
    func parse(_ prunerLines: String) throws -> StudyConfig {
        try StudyFile.parse(base(inserting: prunerLines, at: 8), file: "pruner.yaml", builtins: testBuiltins)
    }

    @Test("no pruner section: no pruning")
    func offByDefault() throws {
        let study = try StudyFile.parse(baseLines.joined(separator: "\n"), file: "p.yaml", builtins: testBuiltins)
        #expect(study.pruner == nil)
    }

    @Test("pruner: asha and pruner: median take every default")
    func byName() throws {
        #expect(try parse("pruner: asha").pruner == PrunerConfig(rule: .asha(ASHASettings())))
        #expect(try parse("pruner: median").pruner == PrunerConfig(rule: .median(MedianSettings())))
        let asha = ASHASettings()
        #expect(asha.resource == .step && asha.minResource == 1 && asha.reductionFactor == 3 && asha.maxResource == nil)
        let median = MedianSettings()
        #expect(median.warmupSteps == 0 && median.minTrials == 5)
    }

    @Test("every asha setting is read")
    func ashaSettings() throws {
        let study = try parse(
            """
            pruner: {kind: asha, metric: loss, resource: epoch, min_resource: 0.5, reduction_factor: 4, \
            max_resource: 64}
            """
        )
        #expect(
            study.pruner
                == PrunerConfig(
                    metric: "loss",
                    rule: .asha(
                        ASHASettings(resource: .metric("epoch"), minResource: 0.5, reductionFactor: 4, maxResource: 64))
                ))
        #expect(
            try parse("pruner: {kind: asha, resource: step}").pruner
                == PrunerConfig(rule: .asha(ASHASettings(resource: .step))))
    }

    @Test("every median setting is read, in block style")
    func medianSettings() throws {
        let study = try parse("pruner:\n  kind: median\n  metric: val_accuracy\n  warmup_steps: 5\n  min_trials: 3")
        #expect(
            study.pruner
                == PrunerConfig(metric: "val_accuracy", rule: .median(MedianSettings(warmupSteps: 5, minTrials: 3))))
    }

    @Test("the judged metric defaults to the objective's")
    func metricDefault() throws {
        let study = try parse("pruner: asha")
        #expect(study.pruner?.metric(for: study.objective) == "objective")
        #expect(try parse("pruner: {kind: asha, metric: loss}").pruner?.metric(for: study.objective) == "loss")
    }

    @Test("the configuration survives JSON flat, and a config without a pruner encodes and decodes as before")
    func codable() throws {
        let config = PrunerConfig(
            metric: "val_loss",
            rule: .asha(ASHASettings(resource: .metric("epoch"), minResource: 2, reductionFactor: 3)))
        let data = try JSONEncoder().encode(config)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["kind"] as? String == "asha")
        #expect(object?["resource"] as? String == "epoch")
        #expect(object?["min_resource"] as? Double == 2)
        #expect(try JSONDecoder().decode(PrunerConfig.self, from: data) == config)
        let median = try JSONDecoder().decode(PrunerConfig.self, from: Data(#"{"kind":"median"}"#.utf8))
        #expect(median == PrunerConfig(rule: .median(MedianSettings())))

        let study = try StudyFile.parse(baseLines.joined(separator: "\n"), file: "p.yaml", builtins: testBuiltins)
        let encoded = try JSONEncoder().encode(study)
        #expect(
            !String(decoding: encoded, as: UTF8.self).contains("pruner"), "an old log's config stays byte-identical")
        #expect(try JSONDecoder().decode(StudyConfig.self, from: encoded) == study)
        var pruned = study
        pruned.pruner = config
        #expect(try JSONDecoder().decode(StudyConfig.self, from: JSONEncoder().encode(pruned)) == pruned)
    }

    @Test("a bad pruner section names the field, the line and the problem", arguments: invalidPrunerCases)
    func invalid(_ testCase: InvalidCase) throws {
        let error = try #require(throws: StudyFileError.self) {
            try StudyFile.parse(testCase.yaml, file: "bad.yaml", builtins: testBuiltins)
        }
        #expect(error.field == testCase.field)
        #expect(error.line == testCase.line)
        #expect(error.message.contains(testCase.fragment), "message: \(error.message)")
    }
}
