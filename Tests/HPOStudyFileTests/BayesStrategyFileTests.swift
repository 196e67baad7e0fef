import Foundation
import HPOCore
import HPOStudyFile
import Testing

let invalidBayesCases: [InvalidCase] = [
    InvalidCase(
        label: "unknown batch heuristic", yaml: base(inserting: "strategy: {kind: bayes, batch: fantasies}", at: 4),
        field: "strategy.batch", line: 4, fragment: "expected one of constant-liar, kriging-believer, found 'fantasies'"
    ),
    InvalidCase(
        label: "unknown lie",
        yaml: base(inserting: "strategy: {kind: bayes, batch: constant-liar, lie: median}", at: 4),
        field: "strategy.lie", line: 4, fragment: "expected one of min, mean, max, found 'median'"),
    InvalidCase(
        label: "a lie for the kriging believer",
        yaml: base(inserting: "strategy: {kind: bayes, batch: kriging-believer, lie: max}", at: 4),
        field: "strategy.lie", line: 4, fragment: "'lie' applies only to batch: constant-liar"),
    InvalidCase(
        label: "a lie with the default batch (kriging believer)",
        yaml: base(inserting: "strategy: {kind: bayes, lie: max}", at: 4),
        field: "strategy.lie", line: 4, fragment: "'lie' applies only to batch: constant-liar"),
    InvalidCase(
        label: "initial: 0", yaml: base(inserting: "strategy: {kind: bayes, initial: 0}", at: 4),
        field: "strategy.initial", line: 4, fragment: "expected a positive integer, found '0'"),
    InvalidCase(
        label: "initial not an integer", yaml: base(inserting: "strategy: {kind: bayes, initial: 2.5}", at: 4),
        field: "strategy.initial", line: 4, fragment: "expected an integer, found '2.5'"),
    InvalidCase(
        label: "unknown output transform", yaml: base(inserting: "strategy:\n  kind: bayes\n  output: sqrt", at: 4),
        field: "strategy.output", line: 6, fragment: "expected one of auto, none, log, rank-gaussian, found 'sqrt'"),
    InvalidCase(
        label: "typo in a bayes key", yaml: base(inserting: "strategy: {kind: bayes, initail: 5}", at: 4),
        field: "strategy.initail", line: 4,
        fragment:
            """
            unknown key 'initail' for a bayes strategy (did you mean 'initial'?); allowed keys: kind, batch, lie, \
            initial, output
            """
    ),
    InvalidCase(
        label: "bayes options on a random strategy",
        yaml: base(inserting: "strategy: {kind: random, initial: 5}", at: 4),
        field: "strategy.initial", line: 4, fragment: "unknown key 'initial'; allowed keys: kind"),
    InvalidCase(
        label: "bayes options without a kind", yaml: base(inserting: "strategy: {batch: constant-liar}", at: 4),
        field: "strategy.batch", line: 4, fragment: "unknown key 'batch'; allowed keys: kind"),
    InvalidCase(
        label: "unknown kind lists bayes", yaml: base(inserting: "strategy: {kind: bayesian}", at: 4),
        field: "strategy.kind", line: 4, fragment: "expected one of grid, random, bayes, found 'bayesian'")
]

@Suite struct BayesStrategyFileTests {
    func parse(_ strategyLine: String) throws -> StudyConfig {
        try StudyFile.parse(base(inserting: strategyLine, at: 4), file: "bayes.yaml", builtins: testBuiltins)
    }

    @Test("strategy: bayes takes every default")
    func bayesByName() throws {
        let study = try parse("strategy: bayes")
        #expect(study.strategy == StrategyConfig(kind: .bayes))
        #expect(study.strategy.bayes == BayesOptions(batch: .krigingBeliever, lie: .min, initial: nil, output: .auto))
    }

    @Test("every bayes option is read")
    func allOptions() throws {
        let study = try parse("strategy: {kind: bayes, batch: constant-liar, lie: max, initial: 12, output: log}")
        #expect(study.strategy.kind == .bayes)
        #expect(study.strategy.bayes == BayesOptions(batch: .constantLiar, lie: .max, initial: 12, output: .log))
    }

    @Test("block style, kriging believer, rank-gaussian output")
    func blockStyle() throws {
        let study = try parse("strategy:\n  kind: bayes\n  batch: kriging-believer\n  output: rank-gaussian")
        #expect(study.strategy.bayes == BayesOptions(batch: .krigingBeliever, initial: nil, output: .rankGaussian))
    }

    @Test("the strategy configuration survives JSON, and old JSON without options decodes to the defaults")
    func codable() throws {
        let config = StrategyConfig(
            kind: .bayes, bayes: BayesOptions(batch: .constantLiar, lie: .mean, initial: 9, output: .none))
        let data = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(StrategyConfig.self, from: data) == config)
        let old = try JSONDecoder().decode(StrategyConfig.self, from: Data(#"{"kind":"random"}"#.utf8))
        #expect(old == StrategyConfig(kind: .random))
    }

    @Test("a bad bayes option names the field, the line and the problem", arguments: invalidBayesCases)
    func invalid(_ testCase: InvalidCase) throws {
        let error = try #require(throws: StudyFileError.self) {
            try StudyFile.parse(testCase.yaml, file: "bad.yaml", builtins: testBuiltins)
        }
        #expect(error.field == testCase.field)
        #expect(error.line == testCase.line)
        #expect(error.message.contains(testCase.fragment), "message: \(error.message)")
    }
}
