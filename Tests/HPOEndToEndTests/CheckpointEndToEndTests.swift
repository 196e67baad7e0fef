import Foundation
import HPOCore
import HPOJournal
import Testing

/// Checkpoints with real processes: a plain-Python trainer (`examples/checkpointing/train.py`)
/// that checkpoints every step and resumes from `HPO_RESUME_DIR`; its worker killed, preempted,
/// its coordinator killed. Each test asserts on the results log and compares the result with an
/// uninterrupted run of the same trainer.
@Suite(.serialized) struct CheckpointEndToEndTests {
    static let trainer = Binaries.packageRoot.appendingPathComponent("examples/checkpointing/train.py").path
    static let steps = 60

    /// One trial of the trainer; `checkpointEvery` 1000: it checkpoints only when told to stop;
    /// `ballast` bytes more in each checkpoint make it several chunks long.
    func study(name: String, checkpointEvery: Int = 1, stepSeconds: Double = 0.1, ballast: Int = 0) -> String {
        """
        name: \(name)
        objective: {metric: val_loss, direction: minimize}
        budget: {trials: 1}
        strategy: random
        seed: 3
        space:
          lr: {type: float, low: 0.05, high: 0.15}
        trial:
          command: ["python3", \(jsonString(Self.trainer)), "--lr={lr}", "--steps=\(Self.steps)",
                    "--step-seconds=\(stepSeconds)", "--checkpoint-every=\(checkpointEvery)",
                    "--ballast-bytes=\(ballast)"]
          retries: 0
          timeout: 5m
        """
    }

    @Test(
        """
        a worker killed (SIGKILL) mid-trial: the trial completes on another worker from its last durable \
        checkpoint, with the result of an uninterrupted run
        """
    )
    func killedWorkerResumes() throws {
        let scratch = try Scratch()
        // 700 kB of ballast: each checkpoint is 3 chunks, and a new one is taken every step while
        // the last is still going up (the newest waits, older ones are dropped).
        let studyPath = try scratch.write("study.yaml", study(name: "ckpt-kill", ballast: 700_000))
        let log = scratch.path("results.jsonl")
        let (summary, second) = try runKilledWorkerScenario(
            studyPath: studyPath, log: log, scratch: scratch, checkpointAtLeast: 5)
        let resumed = try #require(summary.resumed.first, "the trial resumed: \(second.stderr)")
        let lastBeforeKill = try #require(
            summary.checkpoints.filter { $0.attempt == 1 }.last, "attempt 1 stored checkpoints")
        #expect(resumed.attempt == 2)
        #expect(resumed.step > 0 && resumed.step == lastBeforeKill.step, "resumed from the last durable checkpoint")
        #expect(resumed.sha256 == lastBeforeKill.sha256)
        #expect(lastBeforeKill.size > 2 * 256 * 1024, "a checkpoint of several chunks")
        let completed = try #require(summary.completed.first)
        #expect(completed.attempt == 2)
        #expect(
            completed.metrics["first_step"] == Double(resumed.step + 1),
            "the trainer started after the checkpoint's step")
        #expect(
            completed.objective == Self.uninterrupted(lr: completed.params["lr"]),
            "the same result as an uninterrupted run")
        #expect(summary.failed.isEmpty)
        // The trial ended and was the best: its last checkpoint is kept (keep: best), the rest are gone.
        let kept = (try? FileManager.default.contentsOfDirectory(atPath: log + ".checkpoints/trial-1")) ?? []
        #expect(kept.count == 1 && kept.first?.hasSuffix(".ckpt") == true, "\(kept)")
    }

    @Test(
        """
        SIGTERM on a worker: its trial writes a checkpoint within the grace, is handed back as preempted, and \
        resumes elsewhere although retries is 0
        """
    )
    func preemptedWorkerResumes() throws {
        let scratch = try Scratch()
        // Only the SIGTERM makes the trainer checkpoint.
        let studyPath = try scratch.write("study.yaml", study(name: "ckpt-term", checkpointEvery: 1000))
        let log = scratch.path("results.jsonl")
        let (summary, first) = try runPreemptedWorkerScenario(
            studyPath: studyPath, log: log, scratch: scratch, reportsAtLeast: 5)
        let preempted = try #require(summary.preempted.first, "\(first.stderr)")
        let step = try #require(preempted.checkpointStep, "a checkpoint written within the grace")
        #expect(step > 0 && step < Self.steps)
        #expect(preempted.attempt == 1)
        let resumed = try #require(summary.resumed.first)
        #expect(resumed.attempt == 2 && resumed.step == step)
        let completed = try #require(summary.completed.first, "completed despite retries: 0")
        #expect(completed.metrics["first_step"] == Double(step + 1))
        #expect(completed.objective == Self.uninterrupted(lr: completed.params["lr"]))
        #expect(summary.failed.isEmpty, "a preemption is not a failure")
        #expect(summary.workersLeft.first?.abandoned == [], "the trial was handed back, not abandoned")
    }

    @Test(
        """
        the coordinator killed (SIGKILL) with its worker, restarted on its log: the trial resumes from its stored \
        checkpoint
        """
    )
    func restartedCoordinatorResumes() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "ckpt-crash"))
        let (summary, stored, secondCoordinator) = try runRestartedCoordinatorScenario(
            studyPath: studyPath, log: scratch.path("results.jsonl"), scratch: scratch)
        #expect(summary.records.contains { $0.event.name == "study_resumed" })
        let resumed = try #require(summary.resumed.first, "\(secondCoordinator.stderr)")
        #expect(
            resumed.step == stored.step && resumed.sha256 == stored.sha256,
            "from the checkpoint stored before the crash")
        let completed = try #require(summary.completed.first)
        #expect(completed.metrics["first_step"] == Double(stored.step + 1))
        #expect(completed.objective == Self.uninterrupted(lr: completed.params["lr"]))
    }

    @Test(
        """
        the coordinator killed (SIGKILL) while its worker lives: the worker reconnects, its trial goes on, and \
        its uploads go to the new coordinator
        """
    )
    func uploadsSurviveCoordinatorRestart() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "ckpt-live", ballast: 700_000))
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let arguments = [studyPath, "--bind", endpoint, "--log", log] + checkpointTestLiveness
        let firstCoordinator = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator1")
        let worker = try checkpointTestWorker(endpoint, "worker", scratch: scratch)
        #expect(
            waitUntil(within: 60) { checkpointsIn(log).contains { $0.step >= 3 } },
            "checkpoints arrive: \(firstCoordinator.stderr)")
        kill(firstCoordinator.pid, SIGKILL)
        firstCoordinator.waitForExit(within: 10)
        let before = (try LogSummary(path: log)).checkpoints.count

        let secondCoordinator = try RunningProcess(
            "hpo-coordinator", arguments, scratch: scratch, label: "coordinator2")
        #expect(
            secondCoordinator.waitForExit(within: 120) == 0,
            "coordinator:\n\(secondCoordinator.stderr)\nworker:\n\(worker.stderr)")
        #expect(worker.waitForExit(within: 20) == 0)
        let summary = try LogSummary(path: log)
        let completed = try #require(summary.completed.first, "\(worker.stderr)")
        #expect(completed.attempt == 1, "the same attempt went on through the restart")
        #expect(completed.objective == Self.uninterrupted(lr: completed.params["lr"]))
        let resumedAt = try #require(summary.records.firstIndex { $0.event.name == "study_resumed" })
        let after = summary.records[resumedAt...].compactMap {
            if case .trialCheckpoint(let e) = $0.event { e } else { nil }
        }
        #expect(
            !after.isEmpty, "the new coordinator stored checkpoints of the running attempt (\(before) before the crash)"
        )
        #expect(
            after.allSatisfy { $0.attempt == 1 && $0.size > 2 * 256 * 1024 },
            "\(after)\n\(secondCoordinator.stderr)\n\(worker.stderr)")
    }

    @Test(
        """
        a checkpoint past --max-checkpoint-size is refused with a clear message on both sides; the trial goes on \
        and completes
        """
    )
    func tooLarge() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "ckpt-big", stepSeconds: 0.02, ballast: 200_000))
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [studyPath, "--bind", endpoint, "--log", log, "--max-checkpoint-size", "100K", "--log-level", "warning"],
            scratch: scratch, label: "coordinator")
        let worker = try checkpointTestWorker(endpoint, "worker", scratch: scratch)
        #expect(coordinator.waitForExit(within: 120) == 0, "\(coordinator.stderr)")
        #expect(worker.waitForExit(within: 20) == 0)
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 1)
        #expect(summary.checkpoints.isEmpty)
        let message = "larger than the coordinator's limit of 102400 bytes (--max-checkpoint-size)"
        #expect(worker.stderr.contains(message), "\(worker.stderr)")
        #expect(coordinator.stderr.contains(message))

        let bad = try RunningProcess(
            "hpo-coordinator", [studyPath, "--log", scratch.path("other.jsonl"), "--max-checkpoint-size", "lots"],
            scratch: scratch,
            label: "bad")
        #expect(bad.waitForExit(within: 20) != 0)
        #expect(bad.stderr.contains("--max-checkpoint-size must be a number of bytes"))
    }

    // MARK: Helpers

    func jsonString(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        return String(String(decoding: data ?? Data(), as: UTF8.self).dropFirst().dropLast())
    }

    /// The trainer's objective when nothing interrupts it (no checkpoint folder at all).
    static func uninterrupted(lr: ParameterValue?, steps: Int = steps) -> Double? {
        guard let lr = lr?.doubleValue else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", trainer, "--lr=\(lr)", "--steps=\(steps)"]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HPO_") }
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // The number's text read with Double(_:), which rounds correctly: JSONSerialization can be
        // one unit in the last place off (0.004033789227110376 read as …377).
        guard let last = String(decoding: output, as: UTF8.self).split(separator: "\n").last,
            let start = last.range(of: #""val_loss": "#)?.upperBound
        else { return nil }
        return Double(last[start...].prefix { !",} ".contains($0) })
    }
}
