import Foundation
import HPOCore
import HPOStudyFile
import Testing

/// The built-in functions the tests pretend to have (the real list lives in HPOTrials).
let testBuiltins: [String: Int?] = ["branin": 2, "hartmann6": 6, "sphere": nil, "rosenbrock": nil]

@Suite struct ValidStudyFileTests {
    @Test("a file using every field parses to the expected StudyConfig")
    func fullFile() throws {
        let text = """
            # Everything the format has.
            name: mlp-grid
            objective: {metric: val_loss, direction: maximize}
            budget: {trials: 30, wall_time: 1h30m}
            strategy: {kind: grid}
            seed: 42
            space:
              lr: {type: float, low: 1e-5, high: 1, log: true, steps: 4}
              x0: {type: float, low: -5, high: 10}
              layers: {type: int, low: 1, high: 4}
              units: {type: choice, values: [32, 64, 128]}
              act: {type: choice, values: [relu, tanh, "32", 0.5]}
              momentum: {type: float, low: 0, high: 0.99, values: [0, 0.9, 0.99]}
              width: {type: int, low: 8, high: 512, log: true, values: [8, 64, 512]}
            trial:
              command: ["python3", "train.py", "--lr={lr}", "--layers", "{layers}", "{{literal}}", "--out=run-{trial}"]
              timeout: 10m
              retries: 2
              env: {CUDA_VISIBLE_DEVICES: "0", MODE: fast}
              workdir: /tmp/x
            """
        let study = try StudyFile.parse(text, file: "full.yaml", builtins: testBuiltins)

        let expected = StudyConfig(
            name: "mlp-grid",
            objective: Objective(metric: "val_loss", direction: .maximize),
            budget: Budget(trials: 30, wallTimeSeconds: 5400),
            strategy: StrategyConfig(kind: .grid),
            seed: 42,
            space: SearchSpace([
                ParameterSpec(name: "lr", domain: .float(low: 1e-5, high: 1, log: true), gridSteps: 4),
                ParameterSpec(name: "x0", domain: .float(low: -5, high: 10, log: false)),
                ParameterSpec(name: "layers", domain: .int(low: 1, high: 4, log: false)),
                ParameterSpec(name: "units", domain: .choice([.int(32), .int(64), .int(128)])),
                ParameterSpec(
                    name: "act", domain: .choice([.string("relu"), .string("tanh"), .string("32"), .double(0.5)])),
                ParameterSpec(
                    name: "momentum", domain: .float(low: 0, high: 0.99, log: false),
                    gridValues: [.double(0), .double(0.9), .double(0.99)]),
                ParameterSpec(
                    name: "width", domain: .int(low: 8, high: 512, log: true),
                    gridValues: [.int(8), .int(64), .int(512)])
            ]),
            trial: TrialSpec(
                program: .command([
                    "python3", "train.py", "--lr={lr}", "--layers", "{layers}", "{{literal}}", "--out=run-{trial}"
                ]),
                timeoutSeconds: 600, retries: 2, environment: ["CUDA_VISIBLE_DEVICES": "0", "MODE": "fast"],
                workingDirectory: "/tmp/x"))

        #expect(study.space.names == ["lr", "x0", "layers", "units", "act", "momentum", "width"])
        #expect(study.space.parameters == expected.space.parameters)
        #expect(study.trial == expected.trial)
        #expect(study == expected)
    }

    @Test("defaults: direction minimize, strategy random, seed 0, no wall time, no retries")
    func defaults() throws {
        let text = """
            name: branin-random
            objective: {metric: objective}
            budget: {trials: 5}
            space:
              x1: {type: float, low: 0, high: 15}
              x0: {type: float, low: -5, high: 10}
            trial: {builtin: branin, sleep: 250ms}
            """
        let study = try StudyFile.parse(text, file: "d.yaml", builtins: testBuiltins)
        #expect(study.objective == Objective(metric: "objective", direction: .minimize))
        #expect(study.strategy == StrategyConfig(kind: .random))
        #expect(study.seed == 0)
        #expect(study.budget == Budget(trials: 5, wallTimeSeconds: nil))
        #expect(study.space.names == ["x1", "x0"])
        #expect(study.trial == TrialSpec(program: .builtin("branin"), sleepSeconds: 0.25))
    }

    @Test("JSON is accepted, since JSON is YAML")
    func json() throws {
        let text = """
            {
              "name": "sphere-json",
              "objective": {"metric": "objective", "direction": "minimize"},
              "budget": {"trials": 12, "wall_time": 90},
              "strategy": "grid",
              "seed": 7,
              "space": {
                "x0": {"type": "float", "low": -1, "high": 1, "steps": 3},
                "x1": {"type": "int", "low": -2, "high": 2},
                "x2": {"type": "float", "low": 1e-3, "high": 1e2, "log": true}
              },
              "trial": {"builtin": "sphere", "timeout": "30s", "retries": 1, "sleep": 0.5}
            }
            """
        let study = try StudyFile.parse(text, file: "s.json", builtins: testBuiltins)
        #expect(study.name == "sphere-json")
        #expect(study.budget == Budget(trials: 12, wallTimeSeconds: 90))
        #expect(study.strategy.kind == .grid)
        #expect(study.seed == 7)
        #expect(
            study.space.parameters == [
                ParameterSpec(name: "x0", domain: .float(low: -1, high: 1, log: false), gridSteps: 3),
                ParameterSpec(name: "x1", domain: .int(low: -2, high: 2, log: false)),
                ParameterSpec(name: "x2", domain: .float(low: 0.001, high: 100, log: true))
            ])
        #expect(
            study.trial == TrialSpec(program: .builtin("sphere"), timeoutSeconds: 30, retries: 1, sleepSeconds: 0.5))
    }

    @Test("load reads the file from disk")
    func load() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("study-\(UUID().uuidString).yaml").path
        let text = """
            name: disk
            objective: {metric: loss}
            budget: {trials: 3}
            space: {x0: {type: float, low: 0, high: 1}, x1: {type: int, low: 0, high: 5}}
            trial: {command: [./train, "{x0}", "{x1}"]}
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let study = try StudyFile.load(path: path, builtins: testBuiltins)
        #expect(study.name == "disk")
        #expect(study.trial.program == .command(["./train", "{x0}", "{x1}"]))
    }

    @Test(
        "durations: numbers are seconds, strings take units",
        arguments: [
            ("90", 90.0), ("0.5", 0.5), ("90s", 90), ("10m", 600), ("2h", 7200), ("1h30m", 5400),
            ("1.5h", 5400), ("500ms", 0.5), ("1d", 86400), ("1m30s", 90), ("\"45\"", 45)
        ])
    func durations(written: String, seconds: Double) throws {
        let text = """
            name: t
            objective: {metric: objective}
            budget: {trials: 1, wall_time: \(written)}
            space: {x0: {type: float, low: 0, high: 1}}
            trial: {builtin: sphere}
            """
        let study = try StudyFile.parse(text, file: "t.yaml", builtins: testBuiltins)
        #expect(study.budget.wallTimeSeconds == seconds)
    }

    @Test("builtins of any dimension take x0 … x(n-1); integer parameters count as numeric")
    func anyDimensionBuiltin() throws {
        let text = """
            name: rosen
            objective: {metric: objective}
            budget: {trials: 1}
            space:
              x2: {type: int, low: -5, high: 10}
              x0: {type: float, low: -5, high: 10}
              x1: {type: float, low: -5, high: 10}
            trial: {builtin: rosenbrock}
            """
        let study = try StudyFile.parse(text, file: "r.yaml", builtins: testBuiltins)
        #expect(study.space.names == ["x2", "x0", "x1"])
        #expect(study.trial.program == .builtin("rosenbrock"))
    }
}
