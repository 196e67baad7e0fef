import Foundation
import HPOCore
import HPOJournal
import Testing

/// Conditional parameters and forbidden combinations through real processes: a grid over a
/// conditional space with rules, shared by 4 worker processes, with a command trial (a shell
/// script) that writes down what it was given in each channel.
extension StudyEndToEndTests {
    /// optimizer; momentum with sgd; layers 1…3; units_3 with 3 layers; units; two rules.
    static let conditionalStudy = """
        name: e2e-conditional
        objective: {metric: loss, direction: minimize}
        budget: {trials: 100}
        strategy: grid
        space:
          optimizer: {type: choice, values: [sgd, adam]}
          momentum: {type: float, low: 0, high: 0.99, values: [0.5, 0.9], when: {optimizer: sgd}}
          layers: {type: int, low: 1, high: 3}
          units_3: {type: choice, values: [64, 128], when: {layers: 3}}
          units: {type: choice, values: [32, 64]}
        forbid:
          - {layers: 3, units: 64}
          - {optimizer: adam, layers: [1]}
        trial:
          command: ["/bin/sh", "SCRIPT", "OUT/trial-{trial}.txt", "--optimizer={optimizer}", "--momentum={momentum?}",
                    "--layers={layers}", "--units_3={units_3?}", "--units={units}"]
          timeout: 60
        """

    /// Prints its arguments, its HPO_PARAM_ variables and its parameters file into $1, then waits
    /// (at most 30 s) until a second trial has written its file: the first trial holds its worker's
    /// slot until another worker runs one, so the work is shared however late the other workers
    /// connect on a loaded machine (with instant trials one worker once ran all 16).
    static let recordingScript = """
        out=$1; shift
        {
          echo "args: $*"
          env | grep '^HPO_PARAM_' | sort
          echo "file: $(cat "$HPO_PARAMS_FILE")"
        } > "$out"
        i=0
        while [ "$(ls "$(dirname "$out")" | wc -l)" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
        echo '{"loss": 1}'
        """

    /// The valid configurations, by brute force over the full product.
    static var conditionalGrid: Set<Parameters> {
        var result = Set<Parameters>()
        for optimizer in ["sgd", "adam"] {
            for momentum in [0.5, 0.9] {
                for layers in 1...3 {
                    for units3 in [64, 128] {
                        for units in [32, 64] {
                            var c: Parameters = [
                                "optimizer": .string(optimizer), "layers": .int(layers), "units": .int(units)
                            ]
                            if optimizer == "sgd" { c["momentum"] = .double(momentum) }
                            if layers == 3 { c["units_3"] = .int(units3) }
                            if (layers == 3 && units == 64) || (optimizer == "adam" && layers == 1) { continue }
                            result.insert(c)
                        }
                    }
                }
            }
        }
        return result
    }

    @Test(
        "a conditional grid with rules: each valid point exactly once across 4 workers, inactive ones absent everywhere"
    )
    func conditionalGridStudy() throws {
        let scratch = try Scratch()
        let script = try scratch.write("record.sh", Self.recordingScript)
        let out = scratch.path("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let study = Self.conditionalStudy.replacingOccurrences(of: "SCRIPT", with: script)
            .replacingOccurrences(of: "OUT", with: out)
        // No prefetch: the waiting first trial must not hold a second one queued on its worker.
        let (_, log) = try runStudy(
            study, workers: 4, scratch: scratch, coordinatorArguments: ["--worker-prefetch", "0"])
        let summary = try LogSummary(path: log)
        let expected = Self.conditionalGrid
        #expect(expected.count == 16)
        let points = summary.completed.map(\.params)
        #expect(points.count == expected.count, "failures: \(summary.failed.map(\.reason))")
        #expect(Set(points) == expected, "every valid point, each once")
        #expect(Set(summary.completed.map(\.worker)).count >= 2, "the work was shared between workers")
        #expect(summary.finished?.reason == "grid exhausted")
        // Nothing forbidden or with an inactive parameter was ever dispatched.
        for dispatch in summary.dispatched { #expect(expected.contains(dispatch.params), "\(dispatch.params)") }

        // The results log's own lines: no inactive name in a trial's line.
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        for trial in summary.completed {
            let params = trial.params
            let text = try String(contentsOfFile: "\(out)/trial-\(trial.trial.rawValue).txt", encoding: .utf8)
            let logLines = lines.filter {
                $0.contains("\"trial\":\(trial.trial.rawValue),") && $0.contains("\"params\"")
            }
            #expect(!logLines.isEmpty)
            for (name, variable) in [("momentum", "HPO_PARAM_MOMENTUM"), ("units_3", "HPO_PARAM_UNITS_3")] {
                let active = params[name] != nil
                #expect(text.contains("--\(name)=") == active, "argument of \(name) in trial \(trial.trial): \(text)")
                #expect(text.contains("\(variable)=") == active, "variable of \(name) in trial \(trial.trial): \(text)")
                #expect(
                    text.contains("\"\(name)\"") == active, "file entry of \(name) in trial \(trial.trial): \(text)")
                for line in logLines { #expect(line.contains("\"\(name)\"") == active, "log line: \(line)") }
            }
            if let momentum = params["momentum"] {
                #expect(text.contains("--momentum=\(momentum) ") && text.contains("HPO_PARAM_MOMENTUM=\(momentum)\n"))
            }
            #expect(text.contains("--optimizer=\(params["optimizer"]!) "))
        }
    }

    @Test("random and bayes over the same space never dispatch a forbidden or ill-formed configuration")
    func conditionalRandomAndBayes() throws {
        for strategy in ["random", "{kind: bayes, initial: 6}"] {
            let scratch = try Scratch()
            let study = """
                name: e2e-conditional-search
                objective: {metric: objective, direction: minimize}
                budget: {trials: 24}
                strategy: \(strategy)
                seed: 4
                space:
                  x1: {type: int, low: 0, high: 1}
                  x2: {type: int, low: 0, high: 1, when: {x1: 0}}
                  x3: {type: int, low: 0, high: 1, when: {x1: 1}}
                  x4: {type: float, low: 0, high: 1, when: {x2: 0}}
                  x5: {type: float, low: 0, high: 1, when: {x2: 1}}
                  x6: {type: float, low: 0, high: 1, when: {x3: 0}}
                  x7: {type: float, low: 0, high: 1, when: {x3: 1}}
                  r8: {type: float, low: 0, high: 1, when: {x1: 0}}
                  r9: {type: float, low: 0, high: 1, when: {x1: 1}}
                forbid: [{x1: 1, x3: 1}]
                trial: {builtin: jenatton}
                """
            let (_, log) = try runStudy(study, workers: 4, scratch: scratch)
            let summary = try LogSummary(path: log)
            #expect(summary.completed.count == 24, "\(strategy): failures \(summary.failed.map(\.reason))")
            let space = try #require(summary.started?.config.space)
            for dispatch in summary.dispatched {
                #expect(space.contains(dispatch.params), "\(strategy): \(dispatch.params)")
                #expect(!space.isForbidden(dispatch.params), "\(strategy): forbidden \(dispatch.params)")
                #expect(dispatch.params["x7"] == nil, "\(strategy): x7 needs x3 = 1, which is forbidden")
            }
            for trial in summary.completed {
                let p = trial.params.mapValues { $0.doubleValue ?? .nan }
                let expected =
                    p["x1"] == 0
                    ? (p["x2"] == 0 ? p["x4"]! * p["x4"]! + 0.1 : p["x5"]! * p["x5"]! + 0.2) + p["r8"]!
                    : p["x6"]! * p["x6"]! + 0.3 + p["r9"]!
                #expect(abs(trial.objective - expected) < 1e-12, "\(strategy): jenatton at \(trial.params)")
            }
        }
    }
}

extension StudyEndToEndTests {
    @Test("warm_start: a second study starts from the first one's log and records what it took")
    func warmStartStudy() throws {
        let scratch = try Scratch()
        let first = braninStudy(trials: 8, strategy: "bayes")
        _ = try runStudy(first, workers: 2, scratch: scratch)
        let earlier = scratch.path("earlier.jsonl")
        try FileManager.default.moveItem(atPath: scratch.path("results.jsonl"), toPath: earlier)
        // A narrower x0 range: the earlier points outside it are dropped.
        let second =
            braninStudy(trials: 4, strategy: "bayes")
            .replacingOccurrences(
                of: "x0: {type: float, low: -5, high: 10, steps: 5}", with: "x0: {type: float, low: 0, high: 10}")
            + "\nwarm_start: [earlier.jsonl]\n"
        let (coordinator, log) = try runStudy(second, workers: 2, scratch: scratch)
        let before = try LogSummary(path: earlier).completed
        let inRange = before.count { ($0.params["x0"]?.doubleValue ?? -1) >= 0 }
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 4)
        #expect(
            summary.started?.config.warmStart == [
                WarmStartSource(file: earlier, used: inRange, dropped: before.count - inRange)
            ])
        #expect(coordinator.stderr.contains("warm start: \(inRange) results from \(earlier)"))
    }
}
