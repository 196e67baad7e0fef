import Foundation
import HPOCore
import HPOTrials
import Testing

@Suite struct BuiltinTrialTests {
    private func parameters(_ x: [Double]) -> Parameters {
        Dictionary(uniqueKeysWithValues: x.enumerated().map { ("x\($0.offset)", ParameterValue.double($0.element)) })
    }

    private func evaluate(_ name: String, _ x: [Double]) async throws -> Double {
        let run = await runTrial(.builtin(name), parameters: parameters(x), objective: "objective")
        #expect(run.result.status == .completed, "\(run.result)")
        return try #require(run.result.metrics["objective"])
    }

    @Test(
        "branin is 0.397887 at each of its three minima",
        arguments: [(-Double.pi, 12.275), (Double.pi, 2.275), (9.42478, 2.475)]
    )
    func branin(x0: Double, x1: Double) async throws {
        #expect(abs(try await evaluate("branin", [x0, x1]) - 0.397887) < 1e-5)
    }

    @Test("jenatton reads only its active branch: 0.1 at its optimum, each branch's own formula")
    func jenatton() async throws {
        func value(_ parameters: Parameters) async throws -> Double {
            let run = await runTrial(.builtin("jenatton"), parameters: parameters, objective: "objective")
            #expect(run.result.status == .completed, "\(run.result)")
            return try #require(run.result.metrics["objective"])
        }
        #expect(try await value(["x1": .int(0), "x2": .int(0), "x4": .double(0), "r8": .double(0)]) == 0.1)
        #expect(try await value(["x1": .int(0), "x2": .int(1), "x5": .double(0.5), "r8": .double(0.1)]) == 0.55)
        #expect(try await value(["x1": .int(1), "x3": .int(0), "x6": .double(1), "r9": .double(0)]) == 1.3)
        #expect(
            abs(try await value(["x1": .int(1), "x3": .int(1), "x7": .double(0.5), "r9": .double(0.25)]) - 0.9) < 1e-12)
        let missing = await runTrial(
            .builtin("jenatton"), parameters: ["x1": .int(0), "x2": .int(0), "r8": .double(0)], objective: "objective")
        #expect(missing.result.reason == "jenatton reads parameter 'x4' here, and it is missing")
    }

    @Test("hartmann6 is -3.32237 at its optimum")
    func hartmann6() async throws {
        let optimum = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
        #expect(abs(try await evaluate("hartmann6", optimum) - (-3.32237)) < 1e-5)
    }

    @Test("rosenbrock(1, 1, 1), ackley(0, 0) and levy(1, 1, 1) are 0")
    func zeros() async throws {
        #expect(try await evaluate("rosenbrock", [1, 1, 1]) == 0)
        #expect(abs(try await evaluate("ackley", [0, 0])) < 1e-12)
        #expect(try await evaluate("sphere", [3, 4]) == 25)
        #expect(abs(try await evaluate("levy", [1, 1, 1])) < 1e-12)
    }

    @Test("styblinski_tang is -39.16617 per dimension at its optimum")
    func styblinskiTang() async throws {
        #expect(abs(try await evaluate("styblinski_tang", [-2.903534, -2.903534]) - 2 * -39.16617) < 1e-4)
    }

    @Test("integer parameters are numbers too")
    func integers() async {
        let run = await runTrial(
            .builtin("sphere"),
            parameters: ["x0": .int(2), "x1": .double(1)],
            objective: "objective"
        )
        #expect(run.result.metrics == ["objective": 5])
    }

    @Test(
        "bad inputs fail with a clear reason",
        arguments: [
            ("branin", ["x0": ParameterValue.double(1)], "parameter 'x1' missing (branin reads x0…x1)"),
            ("sphere", ["x0": .double(1), "x2": .double(1)], "parameter 'x1' missing (sphere reads x0…x2)"),
            ("branin", ["x0": .double(1), "x1": .string("abc")], "parameter 'x1' is not numeric ('abc')"),
            ("rosenbrock", ["x0": .double(1)], "rosenbrock needs at least 2 parameter(s) x0, x1, … but got 1"),
            ("sphere", ["lr": .double(1)], "sphere needs at least 1 parameter(s) x0, x1, … but got 0"),
            (
                "nosuch", [:],
                "unknown built-in function 'nosuch' (known: "
                    + (BuiltinFunction.allNames + ["jenatton"]).joined(separator: ", ") + ")"
            ),
            ("sphere", ["x0": .double(.nan)], "objective is NaN"),
            ("rosenbrock", ["x0": .double(1e300), "x1": .double(1)], "objective is infinite")
        ]
    )
    func badInputs(name: String, parameters: Parameters, reason: String) async {
        let run = await runTrial(.builtin(name), parameters: parameters, objective: "objective")
        #expect(run.result.status == .failed)
        #expect(run.result.reason == reason)
    }

    @Test("the sleep imitates training time and the timeout cuts it short")
    func sleepAndTimeout() async {
        let slept = await runTrial(
            .builtin("sphere"),
            parameters: ["x0": .double(1)],
            objective: "objective",
            sleep: 0.2
        )
        #expect(slept.result.status == .completed)
        #expect(slept.result.durationSeconds >= 0.2)
        let timedOut = await runTrial(
            .builtin("sphere"),
            parameters: ["x0": .double(1)],
            objective: "objective",
            timeout: 0.25,
            sleep: 30
        )
        #expect(timedOut.result.reason == "timeout after 0.25 s")
        #expect(timedOut.result.durationSeconds >= 0.25)
        // Well short of the 30 s sleep, with room for a loaded machine.
        #expect(timedOut.result.durationSeconds < 10)
    }

    @Test("absurd timeouts and sleeps mean none, not a crash")
    func absurdDurations() async {
        for (timeout, sleep) in [(Double.infinity, Double.nan), (.nan, -5), (1e300, 0)] {
            let run = await runTrial(
                .builtin("sphere"),
                parameters: ["x0": .double(1)],
                objective: "objective",
                timeout: timeout,
                sleep: sleep
            )
            #expect(run.result.status == .completed)
        }
    }

    @Test("cancellation ends the sleep, not the 30 s it asked for")
    func cancellation() async {
        let cancellation = TrialCancellation()
        Thread {
            Thread.sleep(forTimeInterval: 0.2)
            cancellation.cancel(reason: "pruned")
        }.start()
        let run = await runTrial(
            .builtin("sphere"),
            parameters: ["x0": .double(1)],
            objective: "objective",
            sleep: 30,
            cancellation: cancellation
        )
        #expect(run.result.reason == "pruned")
        // Cancelled 0.2 s after the start and seen within one 20 ms slice; the bound only says
        // "not the 30 s sleep", so that a loaded machine cannot break it.
        #expect(run.result.durationSeconds < 10)
    }
}
