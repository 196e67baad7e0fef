import Foundation
import HPOCore
import HPOJournal
import Testing

/// Real processes on loopback, things going wrong on purpose; each test asserts on the results log.
@Suite(.serialized) struct FaultInjectionTests {
    func study(name: String, trials: Int, sleep: Double) -> String {
        braninStudy(name: name, trials: trials, seed: 5, trial: "{builtin: branin, sleep: \(sleep)}")
    }

    let fastLiveness = ["--heartbeat", "0.2", "--liveness", "4"]

    func completedCount(_ log: String) -> Int { (try? LogSummary(path: log).completed.count) ?? 0 }

    @Test(
        """
        the coordinator killed mid-study and restarted on the same log: earlier results intact, budget exact, \
        workers reconnect by themselves
        """
    )
    func coordinatorCrash() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "crash", trials: 16, sleep: 0.25))
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let arguments = [studyPath, "--bind", endpoint, "--log", log] + fastLiveness
        let first = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator1")
        let workers = try (0..<2).map {
            try RunningProcess(
                "hpo-worker", ["--connect", endpoint, "--log-level", "warning"], scratch: scratch, label: "worker\($0)")
        }
        #expect(waitUntil(within: 60) { completedCount(log) >= 4 }, "four trials completed before the crash")
        kill(first.pid, SIGKILL)
        first.waitForExit(within: 10)
        let before = try LogSummary(path: log)
        let linesBefore = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")

        let second = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator2")
        #expect(second.waitForExit(within: 90) == 0, "stderr:\n\(second.stderr)")
        for worker in workers {
            #expect(
                worker.waitForExit(within: 20) == 0,
                "the worker reconnected and was shut down at the end: \(worker.stderr)")
        }
        let after = try LogSummary(path: log)
        let linesAfter = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(Array(linesAfter.prefix(linesBefore.count)) == linesBefore, "the log before the crash is untouched")
        #expect(after.completed.count == 16)
        #expect(Set(after.completed.map(\.trial)).count == 16, "no trial counted twice")
        for trial in before.completed {
            #expect(after.completed.first { $0.trial == trial.trial } == trial, "trial \(trial.trial) kept as it was")
        }
        #expect(after.records.contains { $0.event.name == "study_resumed" })
        #expect(second.stderr.contains("resuming crash"))
    }

    @Test("a worker frozen past its liveness window, then thawed: its late result is counted once")
    func frozenWorker() throws {
        let scratch = try Scratch()
        var frozenPid: Int32 = 0
        let (_, log) = try runWithWorkers(
            study(name: "frozen", trials: 6, sleep: 1.0), workers: 2, scratch: scratch,
            coordinatorArguments: fastLiveness
        ) { workers, log in
            let victim = workers[0]
            frozenPid = victim.pid
            #expect(waitUntil(within: 30) { dispatched(to: victim.pid, in: log) })
            kill(victim.pid, SIGSTOP)
            #expect(
                waitUntil(within: 30) { ((try? LogSummary(path: log))?.workersLeft.count ?? 0) >= 1 }, "declared lost")
            kill(victim.pid, SIGCONT)
            return []
        }
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 6)
        #expect(Set(summary.completed.map(\.trial)).count == 6, "no trial counted twice")
        let lost = try #require(summary.workersLeft.first)
        #expect(lost.reason.hasPrefix("lost"))
        #expect(lost.worker.rawValue.hasSuffix(":\(frozenPid)"))
    }

    @Test("SIGTERM on a worker hands its trials back as preempted (drain, then bye), and they finish elsewhere")
    func terminatedWorker() throws {
        let scratch = try Scratch()
        let (_, log) = try runWithWorkers(
            study(name: "sigterm", trials: 6, sleep: 0.5), workers: 2, scratch: scratch,
            coordinatorArguments: ["--heartbeat", "5", "--liveness", "10"]
        ) { workers, log in
            let victim = workers[0]
            #expect(waitUntil(within: 30) { dispatched(to: victim.pid, in: log) })
            kill(victim.pid, SIGTERM)
            #expect(victim.waitForExit(within: 10) == 0, "a worker stops cleanly on SIGTERM")
            return [victim.pid]
        }
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 6)
        let left = try #require(summary.workersLeft.first)
        #expect(left.reason == "bye: SIGTERM")
        #expect(left.abandoned.isEmpty, "handed back, not abandoned")
        let preempted = summary.records.filter { $0.event.name == "trial_preempted" }
        #expect(!preempted.isEmpty)
        #expect(summary.failed.isEmpty)
    }

    @Test("SIGINT on the coordinator stops the study (study_stopped); a restart on the log finishes it")
    func interruptedAndResumed() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "sigint", trials: 10, sleep: 0.2))
        let log = scratch.path("results.jsonl")
        let first = try RunningProcess(
            "hpo-coordinator", [studyPath, "--log", log, "--local-workers", "2"], scratch: scratch, label: "c1")
        #expect(waitUntil(within: 60) { completedCount(log) >= 2 })
        kill(first.pid, SIGINT)
        #expect(first.waitForExit(within: 20) == 130)
        let stopped = try LogSummary(path: log)
        #expect(stopped.records.last?.event.name == "study_stopped")
        #expect(stopped.completed.count < 10)

        let second = try RunningProcess(
            "hpo-coordinator", [studyPath, "--log", log, "--local-workers", "2"], scratch: scratch, label: "c2")
        #expect(second.waitForExit(within: 60) == 0, "\(second.stderr)")
        let finished = try LogSummary(path: log)
        #expect(finished.completed.count == 10)
        #expect(Set(finished.completed.map(\.trial)).count == 10)
        #expect(finished.finished?.reason == "budget spent")

        // A third start on a finished log does nothing and says so.
        let third = try RunningProcess("hpo-coordinator", [studyPath, "--log", log], scratch: scratch, label: "c3")
        #expect(third.waitForExit(within: 20) == 0)
        #expect(third.stdout.contains("already finished"))
    }

    @Test("a log of another study is refused with a clear message")
    func mismatchedLog() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "one", trials: 2, sleep: 0))
        let log = scratch.path("results.jsonl")
        let first = try RunningProcess(
            "hpo-coordinator", [studyPath, "--log", log, "--local-workers", "1"], scratch: scratch, label: "c1")
        #expect(first.waitForExit(within: 30) == 0)
        let other = try scratch.write("other.yaml", study(name: "two", trials: 2, sleep: 0))
        let second = try RunningProcess("hpo-coordinator", [other, "--log", log], scratch: scratch, label: "c2")
        #expect(second.waitForExit(within: 20) == 2)
        #expect(second.stderr.contains("different configuration"))
        #expect(second.stderr.contains("name"))
    }

    /// Whether the log shows a dispatch to the worker process `pid`.
    func dispatched(to pid: Int32, in log: String) -> Bool {
        guard let summary = try? LogSummary(path: log) else { return false }
        return summary.dispatched.contains { $0.worker.rawValue.hasSuffix(":\(pid)") }
    }

    func runWithWorkers(
        _ text: String, workers: Int, scratch: Scratch, coordinatorArguments: [String],
        whileRunning: (_ workers: [RunningProcess], _ log: String) throws -> Set<Int32>
    ) throws -> (RunningProcess, String) {
        let studyPath = try scratch.write("study.yaml", text)
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [studyPath, "--bind", endpoint, "--log", log] + coordinatorArguments, scratch: scratch,
            label: "coordinator")
        let processes = try (0..<workers).map {
            try RunningProcess(
                "hpo-worker", ["--connect", endpoint, "--log-level", "warning"], scratch: scratch, label: "worker\($0)")
        }
        let done = try whileRunning(processes, log)
        #expect(coordinator.waitForExit(within: 90) == 0, "coordinator stderr:\n\(coordinator.stderr)")
        for worker in processes where !done.contains(worker.pid) {
            #expect(worker.waitForExit(within: 20) == 0, "worker stderr:\n\(worker.stderr)")
        }
        return (coordinator, log)
    }
}
