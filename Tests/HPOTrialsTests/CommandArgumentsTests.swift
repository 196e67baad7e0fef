import Foundation
import HPOCore
import HPOTrials
import Testing

@Suite struct CommandArgumentsTests {
    private let parameters: Parameters = [
        "lr": .double(1e-5), "units": .int(64), "act": .string("relu"), "m": .double(0.9)
    ]

    private func substitute(_ arguments: [String]) throws -> [String] {
        try CommandArguments.substitute(arguments, parameters: parameters, trial: TrialID(12), attempt: 3)
    }

    @Test("placeholders become the parameters' values, trial and attempt")
    func placeholders() throws {
        #expect(
            try substitute(["train", "--lr={lr}", "--units", "{units}", "{act}-{m}", "run-{trial}.{attempt}", "plain"])
                == ["train", "--lr=1e-05", "--units", "64", "relu-0.9", "run-12.3", "plain"]
        )
    }

    @Test("doubled braces are literal braces, a lone closing brace is kept")
    func braces() throws {
        #expect(try substitute([#"{{"lr": {lr}}}"#, "a}b", "{{}}"]) == [#"{"lr": 1e-05}"#, "a}b", "{}"])
    }

    @Test("an argument with {name?} is left out, whole, when the parameter is absent (inactive)")
    func optionalPlaceholders() throws {
        #expect(
            try substitute(["train", "--lr={lr?}", "--momentum={momentum?}", "--m={m}", "{{momentum?}}"])
                == ["train", "--lr=1e-05", "--m=0.9", "{momentum?}"])
    }

    @Test("an unknown placeholder or an unclosed brace is an error naming the argument")
    func errors() {
        #expect(throws: TrialSetupError(description: "unknown placeholder '{depth}' in argument '--depth={depth}'")) {
            try substitute(["--depth={depth}"])
        }
        #expect(throws: TrialSetupError.self) { try substitute(["{lr"]) }
    }

    @Test("parameter names become HPO_PARAM_ variables")
    func variableNames() {
        #expect(TrialEnvironment.variableName(forParameter: "learning-rate") == "HPO_PARAM_LEARNING_RATE")
        #expect(TrialEnvironment.variableName(forParameter: "x0") == "HPO_PARAM_X0")
        #expect(TrialEnvironment.variableName(forParameter: "über.rate") == "HPO_PARAM__BER_RATE")
    }

    @Test("the study's env overrides the defaults, and the HPO_ variables override the study's env")
    func environmentOrder() {
        let spec = TrialSpec(
            program: .command(["x"]),
            environment: ["PYTHONUNBUFFERED": "0", "HPO_TRIAL_ID": "bogus", "MINE": "1"]
        )
        let environment = TrialEnvironment.variables(
            base: ["PATH": "/bin", "OPENBLAS_NUM_THREADS": "4"],
            spec: spec,
            trial: TrialID(5),
            attempt: 1,
            parameters: ["lr": .double(0.5)],
            paramsFile: "/tmp/p.json"
        )
        #expect(environment["PATH"] == "/bin")
        #expect(environment["OPENBLAS_NUM_THREADS"] == "4")
        #expect(environment["PYTHONUNBUFFERED"] == "0")
        #expect(environment["MINE"] == "1")
        #expect(environment["HPO_TRIAL_ID"] == "5")
        #expect(environment["HPO_ATTEMPT"] == "1")
        #expect(environment["HPO_PARAMS_FILE"] == "/tmp/p.json")
        #expect(environment["HPO_PARAM_LR"] == "0.5")
        let defaults = TrialEnvironment.variables(
            base: [:],
            spec: TrialSpec(program: .command(["x"])),
            trial: TrialID(5),
            attempt: 1,
            parameters: [:],
            paramsFile: ""
        )
        #expect(defaults["OPENBLAS_NUM_THREADS"] == "1")
        #expect(defaults["PYTHONUNBUFFERED"] == "1")
    }

    @Test("the parameters file holds trial, attempt and params")
    func paramsFile() throws {
        let data = try TrialEnvironment.paramsJSON(
            trial: TrialID(3),
            attempt: 1,
            parameters: ["lr": .double(0.01), "act": .string("relu")]
        )
        #expect(String(decoding: data, as: UTF8.self) == #"{"attempt":1,"params":{"act":"relu","lr":0.01},"trial":3}"#)
    }
}
