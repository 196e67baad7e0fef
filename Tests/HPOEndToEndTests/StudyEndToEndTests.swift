import Foundation
import HPOCore
import HPOJournal
import Testing

/// Real coordinator and worker processes on tcp://127.0.0.1, real results logs.
@Suite(.serialized) struct StudyEndToEndTests {
    func braninStudy(trials: Int, strategy: String = "random", sleep: Double = 0, extraSpace: String = "") -> String {
        """
        name: e2e-\(strategy.filter(\.isLetter))
        objective: {metric: objective, direction: minimize}
        budget: {trials: \(trials)}
        strategy: \(strategy)
        seed: 11
        space:
          x0: {type: float, low: -5, high: 10, steps: 5}
          x1: {type: float, low: 0, high: 15, steps: 4}
        trial:
          builtin: branin
          sleep: \(sleep)
        """
    }

    /// Runs a coordinator on a fixed loopback port with `workers` separate worker processes.
    func runStudy(
        _ text: String, workers: Int, scratch: Scratch, coordinatorArguments: [String] = [],
        workerArguments: [String] = [],
        whileRunning: ((_ workers: [RunningProcess], _ log: String) throws -> Set<Int32>)? = nil
    ) throws -> (coordinator: RunningProcess, log: String) {
        let study = try scratch.write("study.yaml", text)
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--bind", endpoint, "--log", log] + coordinatorArguments, scratch: scratch,
            label: "coordinator")
        let workerProcesses = try (0..<workers).map {
            try RunningProcess(
                "hpo-worker", ["--connect", endpoint, "--log-level", "warning"] + workerArguments, scratch: scratch,
                label: "worker\($0)")
        }
        // The pids the test killed on purpose: they do not exit cleanly.
        let killed = try whileRunning?(workerProcesses, log) ?? []
        let status = coordinator.waitForExit(within: 90)
        #expect(status == 0, "coordinator stderr:\n\(coordinator.stderr)")
        for worker in workerProcesses where !killed.contains(worker.pid) {
            #expect(worker.waitForExit(within: 15) == 0, "worker stderr:\n\(worker.stderr)")
        }
        return (coordinator, log)
    }

    @Test("a 30-trial random study on Branin completes across three worker processes")
    func randomStudy() throws {
        let scratch = try Scratch()
        // 0.3 s trials: one worker alone would need 9 s, far longer than the others take to connect
        // on a loaded machine, so "shared" below cannot fail for that (with 0.05 s it had 1.5 s).
        let (coordinator, log) = try runStudy(braninStudy(trials: 30, sleep: 0.3), workers: 3, scratch: scratch)
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 30)
        #expect(Set(summary.completed.map(\.trial)).count == 30)
        #expect(summary.failed.isEmpty)
        #expect(Set(summary.completed.map(\.worker)).count >= 2, "the work was shared between workers")
        let space = try #require(summary.started?.config.space)
        for trial in summary.completed {
            #expect(space.contains(trial.params), "\(trial.params)")
            let x0 = trial.params["x0"]?.doubleValue ?? .nan
            let x1 = trial.params["x1"]?.doubleValue ?? .nan
            #expect(
                abs(BraninReference.value(x0, x1) - trial.objective) < 1e-9, "the objective is Branin at the params")
        }
        let finished = try #require(summary.finished)
        #expect(finished.reason == "budget spent")
        #expect(finished.completed == 30)
        #expect(finished.bestObjective == summary.completed.map(\.objective).min())
        #expect(coordinator.stdout.contains("best: trial #\(finished.bestTrial?.rawValue ?? -1)"))
    }

    @Test("a grid study visits every grid point exactly once across three workers")
    func gridStudy() throws {
        let scratch = try Scratch()
        let (_, log) = try runStudy(braninStudy(trials: 100, strategy: "grid"), workers: 3, scratch: scratch)
        let summary = try LogSummary(path: log)
        let points = summary.completed.map(\.params)
        #expect(points.count == 20)
        #expect(Set(points).count == 20)
        let x0s = Set(points.compactMap { $0["x0"]?.doubleValue })
        let x1s = Set(points.compactMap { $0["x1"]?.doubleValue })
        #expect(x0s == [-5, -1.25, 2.5, 6.25, 10])
        #expect(x1s == [0, 5, 10, 15])
        #expect(summary.finished?.reason == "grid exhausted")
    }

    @Test("a worker killed mid-trial loses its trial to another worker; nothing is lost or counted twice")
    func killedWorker() throws {
        let scratch = try Scratch()
        let (_, log) = try runStudy(
            braninStudy(trials: 8, sleep: 0.4), workers: 2, scratch: scratch,
            coordinatorArguments: ["--heartbeat", "0.2", "--liveness", "3"]
        ) { workers, log in
            // Wait until the first worker is running a trial, then kill it without warning.
            let victim = workers[0]
            let running = waitUntil(within: 30) {
                guard let summary = try? LogSummary(path: log) else { return false }
                return summary.dispatched.contains { $0.worker.rawValue.hasSuffix(":\(victim.pid)") }
            }
            #expect(running, "the first worker got a trial")
            kill(victim.pid, SIGKILL)
            return [victim.pid]
        }
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 8)
        #expect(Set(summary.completed.map(\.trial)).count == 8)
        let lost = try #require(summary.workersLeft.first)
        #expect(lost.reason.hasPrefix("lost"))
        #expect(!lost.abandoned.isEmpty)
        for trial in lost.abandoned {
            let attempts = summary.dispatched.filter { $0.trial.rawValue == trial }.map(\.attempt)
            #expect(attempts == [1, 2], "trial \(trial) was dispatched again as attempt 2")
            #expect(summary.completed.first { $0.trial.rawValue == trial }?.attempt == 2)
        }
    }

    @Test("a command trial runs a real Python script through --local-workers")
    func pythonCommandTrial() throws {
        let scratch = try Scratch()
        let script = Binaries.packageRoot.appendingPathComponent("examples/train.py").path
        let study = try scratch.write(
            "study.yaml",
            """
            name: e2e-python
            objective: {metric: val_loss, direction: minimize}
            budget: {trials: 4}
            strategy: random
            seed: 3
            space:
              lr: {type: float, low: 1.0e-3, high: 1.0, log: true}
              momentum: {type: float, low: 0.0, high: 0.9}
            trial:
              command: ["python3", "\(script)", "--lr", "{lr}", "--momentum", "{momentum}"]
              timeout: 60
            """)
        let log = scratch.path("results.jsonl")
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--log", log, "--local-workers", "2"], scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 90) == 0, "stderr:\n\(coordinator.stderr)")
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 4, "failures: \(summary.failed.map(\.reason))")
        for trial in summary.completed {
            #expect(trial.metrics["val_loss"] == trial.objective)
            #expect(trial.objective.isFinite)
        }
        let reports = summary.records.filter { $0.event.name == "trial_report" }
        #expect(reports.count >= 4, "the script's per-epoch lines arrive as intermediate reports")
    }

    @Test("`--local-workers 4` on the README's Branin example logs one completion per trial, inside the bounds")
    func localWorkersExample() throws {
        let scratch = try Scratch()
        let example = Binaries.packageRoot.appendingPathComponent("examples/branin.yaml").path
        let log = scratch.path("results.jsonl")
        let coordinator = try RunningProcess(
            "hpo-coordinator", [example, "--log", log, "--local-workers", "4"], scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 90) == 0, "stderr:\n\(coordinator.stderr)")
        let summary = try LogSummary(path: log)
        let budget = try #require(summary.started?.config.budget.trials)
        #expect(summary.completed.count == budget)
        #expect(Set(summary.completed.map(\.trial)).count == budget)
        let space = try #require(summary.started?.config.space)
        #expect(summary.completed.allSatisfy { space.contains($0.params) })
        // Four workers were started and only they worked. Whether every one of them got a trial
        // depends on how fast each started on a loaded machine, so that is not asserted.
        let joined = Set(
            summary.records.compactMap { if case .workerJoined(let e) = $0.event { e.worker } else { nil } })
        #expect((1...4).contains(joined.count), "\(joined)")
        #expect(Set(summary.completed.map(\.worker)).isSubset(of: joined))
    }

    @Test("a study file error names the file, line and field, and nothing starts")
    func studyFileError() throws {
        let scratch = try Scratch()
        let study = try scratch.write("bad.yaml", braninStudy(trials: 0))
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--local-workers", "1"], scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 30) == 2)
        #expect(coordinator.stderr.contains("bad.yaml:3:"), "\(coordinator.stderr)")
        #expect(coordinator.stderr.contains("budget.trials"))
    }

    @Test("--lr-find narrows the learning rate before a built-in trainer study, and a resume keeps the narrowed range")
    func learningRateStep() throws {
        let scratch = try Scratch()
        func study(trials: Int) -> String {
            """
            name: e2e-lr
            objective: {metric: val_loss, direction: minimize}
            budget: {trials: \(trials)}
            seed: 4
            space:
              learning_rate: {type: float, low: 1.0e-6, high: 10, log: true}
              epochs: {type: choice, values: [2]}
            trial: {builtin: mlp}
            """
        }
        let log = scratch.path("results.jsonl")
        let first = try RunningProcess(
            "hpo-coordinator",
            [try scratch.write("s.yaml", study(trials: 3)), "--lr-find", "--log", log, "--local-workers", "1"],
            scratch: scratch, label: "c1")
        #expect(first.waitForExit(within: 120) == 0, "\(first.stderr)")
        let summary = try LogSummary(path: log)
        let test = try #require(
            summary.records.lazy.compactMap { if case .lrRangeTest(let e) = $0.event { e } else { nil } }.first)
        #expect(test.lrs.count == test.losses.count && test.lrs.count > 10)
        let (low, high, suggestion) = (try #require(test.low), try #require(test.high), try #require(test.suggestion))
        #expect(low > 1e-6 && high < 10 && low < suggestion && suggestion < high)
        let logged = try #require(summary.started?.config.space.parameters.first { $0.name == "learning_rate" })
        #expect(logged.domain == .float(low: low, high: high, log: true))
        #expect(summary.completed.count == 3)
        #expect(
            summary.completed.allSatisfy {
                ($0.params["learning_rate"]?.doubleValue).map { $0 >= low && $0 <= high } ?? false
            })
        #expect(
            summary.completed.allSatisfy { $0.metrics["val_accuracy"] != nil }, "the trainer's metrics are recorded")

        // A longer budget resumes the same study: the range comes from the log, not a new test.
        let second = try RunningProcess(
            "hpo-coordinator",
            [try scratch.write("s2.yaml", study(trials: 4)), "--lr-find", "--log", log, "--local-workers", "1"],
            scratch: scratch, label: "c2")
        #expect(second.waitForExit(within: 120) == 0, "\(second.stderr)")
        let resumed = try LogSummary(path: log)
        #expect(resumed.completed.count == 4)
        #expect(resumed.records.filter { $0.event.name == "lr_range_test" }.count == 1)
    }

    @Test("a bayes study runs its proposals off the loop and finds Branin's valley with three workers")
    func bayesStudy() throws {
        let scratch = try Scratch()
        // A long patience and no prefetch: this test is about the model's proposals, not the
        // fallback for a model that cannot keep up (ComputeAheadTests) or trials chosen a trial
        // ahead (PrefetchTests), which with 24 trials of 50 ms on 3 workers left it at random
        // search's level in some runs.
        let (_, log) = try runStudy(
            braninStudy(trials: 36, strategy: "{kind: bayes}", sleep: 0.05), workers: 3, scratch: scratch,
            coordinatorArguments: ["--model-patience", "30"], workerArguments: ["--prefetch", "0"])
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 36)
        #expect(Set(summary.completed.map(\.params)).count == 36, "no configuration proposed twice")
        let space = try #require(summary.started?.config.space)
        #expect(summary.completed.allSatisfy { space.contains($0.params) })
        // Random search's median best after 24 Branin trials is about 1.5; the model should do far
        // better. With 24 trials 1 run in 100 stayed above 1.0 (hpo bench --functions branin
        // --budget 24 --q 3 --prefetch 0 --compute-time zero, seeds 0-99), a flake; with 36 none
        // of 300 went above 0.48 (the same with --budget 36 --seeds 0-299).
        let best = try #require(summary.completed.map(\.objective).min())
        #expect(best < 1.0, "best \(best)")
    }

    @Test("workers prefetch: each slot starts its next trial as the last ends, and says how long it stood idle")
    func prefetchKeepsSlotsBusy() throws {
        let scratch = try Scratch()
        let (_, log) = try runStudy(braninStudy(trials: 30, sleep: 0.1), workers: 2, scratch: scratch)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let completed = try lines.compactMap { line -> [String: Any]? in
            let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return event?["event"] as? String == "trial_completed" ? event : nil
        }
        #expect(completed.count == 30)
        // Every trial but each worker's first says how long its slot stood idle before it.
        let idle = completed.compactMap { $0["slot_idle_s"] as? Double }.sorted()
        #expect(idle.count == 28)
        let median = idle.isEmpty ? .infinity : idle[idle.count / 2]
        print(
            "prefetch e2e: slot idle before a trial, median \(median * 1000) ms, max \((idle.last ?? .nan) * 1000) ms")
        // A queued trial starts in the very turn its predecessor's result goes out: the worker
        // notes both at the same instant, so its idle time is exactly 0, however loaded the
        // machine. Without prefetch every slot would wait for the coordinator's fsync and a round
        // trip (> 0). Most trials must have come from the queue; the milliseconds themselves are
        // benchmarks/utilisation.sh's business.
        let fromQueue = idle.filter { $0 == 0 }.count
        #expect(
            fromQueue * 2 >= idle.count,
            "\(fromQueue) of \(idle.count) trials started from the queue; median idle \(median) s")
    }

    @Test("bayes with 4 workers: proposals computed ahead keep each slot's wait between trials small")
    func bayesKeepsWorkersBusy() throws {
        let scratch = try Scratch()
        let (_, log) = try runStudy(
            braninStudy(trials: 32, strategy: "{kind: bayes}", sleep: 0.2), workers: 4, scratch: scratch)
        let events = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let completed = events.filter { $0["event"] as? String == "trial_completed" }
        #expect(completed.count == 32)
        let waits = completed.compactMap { $0["slot_idle_s"] as? Double }.sorted()
        #expect(waits.count == 28, "every trial but each worker's first")
        let p90 = waits.isEmpty ? .infinity : waits[waits.count * 9 / 10]
        let fallback = events.filter { $0["event"] as? String == "trial_dispatched" && $0["fallback"] as? Bool == true }
            .count
        print(
            """
            bayes e2e: slot wait between trials p50 \((waits.isEmpty ? .nan : waits[waits.count / 2]) * 1000) ms, \
            p90 \(p90 * 1000) ms, max \((waits.last ?? .nan) * 1000) ms; \(fallback) of 32 from the fallback
            """
        )
        // About 5-10 ms typically (benchmarks/utilisation.sh measures it in a release build).
        // The bound, 50 times that, holds on a loaded machine in a debug build; what it catches
        // is slots that wait for model fits on the loop (a fit per trial, each longer than a trial).
        #expect(p90 < 0.5, "slot wait p90 \(p90) s")
    }

    @Test("`hpo version` prints the software and protocol versions")
    func version() throws {
        let scratch = try Scratch()
        let hpo = try RunningProcess("hpo", ["version"], scratch: scratch, label: "hpo")
        #expect(hpo.waitForExit(within: 10) == 0)
        #expect(hpo.stdout.contains("swift-hpo \(HPOVersion.current)"))
        #expect(hpo.stdout.contains("hpo/1"))
    }
}

/// Branin, written out again here so the test checks the worker's arithmetic independently.
enum BraninReference {
    static func value(_ x0: Double, _ x1: Double) -> Double {
        let b = 5.1 / (4 * Double.pi * Double.pi)
        let c = 5 / Double.pi
        let t = 1 / (8 * Double.pi)
        let u = x1 - b * x0 * x0 + c * x0 - 6
        return u * u + 10 * (1 - t) * cos(x0) + 10
    }
}
