import Foundation
import HPOCore
import HPOJournal
import Testing

/// Shared checkpoints (`hpo-coordinator --checkpoints shared:FOLDER`) with real processes: a
/// temporary folder stands for the filesystem every worker mounts.
extension CheckpointEndToEndTests {
    @Test(
        """
        shared checkpoints: a worker killed (SIGKILL) mid-trial; the trial completes on another worker from the \
        checkpoint in the shared folder, with the result of an uninterrupted run
        """
    )
    func killedWorkerResumesFromSharedFolder() throws {
        let scratch = try Scratch()
        let shared = scratch.path("shared")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        // 700 kB of ballast, as in the upload test: a checkpoint of several files' worth.
        let studyPath = try scratch.write("study.yaml", study(name: "ckpt-shared", ballast: 700_000))
        let log = scratch.path("results.jsonl")
        let (summary, second) = try runKilledWorkerScenario(
            studyPath: studyPath, log: log, scratch: scratch, checkpointAtLeast: 5,
            coordinatorArguments: ["--checkpoints", "shared:\(shared)"])
        let resumed = try #require(summary.resumed.first, "the trial resumed: \(second.stderr)")
        let lastBeforeKill = try #require(
            summary.checkpoints.filter { $0.attempt == 1 }.last, "attempt 1 stored checkpoints")
        #expect(resumed.attempt == 2)
        #expect(resumed.step > 0 && resumed.step == lastBeforeKill.step, "resumed from the last durable checkpoint")
        #expect(resumed.sha256 == lastBeforeKill.sha256)
        #expect(lastBeforeKill.file == "step-\(lastBeforeKill.step)-\(lastBeforeKill.sha256.prefix(16))")
        #expect(second.stderr.contains("shared checkpoint to resume from verified"), "\(second.stderr)")
        let completed = try #require(summary.completed.first)
        #expect(completed.attempt == 2)
        #expect(
            completed.metrics["first_step"] == Double(resumed.step + 1),
            "the trainer started after the checkpoint's step")
        #expect(
            completed.objective == Self.uninterrupted(lr: completed.params["lr"]),
            "the same result as an uninterrupted run")
        #expect(summary.failed.isEmpty)
        // Nothing went through the coordinator's own store; the shared folder keeps the best
        // trial's last checkpoint (keep: best), and the attempts' folders (the killed one's too) are gone.
        #expect(!FileManager.default.fileExists(atPath: log + ".checkpoints"))
        let kept = (try? FileManager.default.contentsOfDirectory(atPath: "\(shared)/trial-1")) ?? []
        #expect(kept == [summary.checkpoints.last?.file ?? "?"], "\(kept)")
    }

    @Test(
        """
        shared checkpoints: the coordinator killed (SIGKILL) with its worker, restarted on its log: the trial \
        resumes from the folder the log names
        """
    )
    func restartedCoordinatorResumesFromSharedFolder() throws {
        let scratch = try Scratch()
        let shared = scratch.path("shared")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        let studyPath = try scratch.write("study.yaml", study(name: "ckpt-shared-crash"))
        let (summary, stored, secondCoordinator) = try runRestartedCoordinatorScenario(
            studyPath: studyPath, log: scratch.path("results.jsonl"), scratch: scratch,
            coordinatorArguments: ["--checkpoints", "shared:\(shared)"])
        let resumed = try #require(summary.resumed.first, "\(secondCoordinator.stderr)")
        #expect(resumed.step == stored.step && resumed.sha256 == stored.sha256, "from the folder the log named")
        let completed = try #require(summary.completed.first)
        #expect(completed.metrics["first_step"] == Double(stored.step + 1))
        #expect(completed.objective == Self.uninterrupted(lr: completed.params["lr"]))
    }

    @Test(
        """
        shared checkpoints: a worker on which the shared folder is missing fails the attempt with that reason \
        instead of training without checkpoints
        """
    )
    func sharedFolderMissingOnWorker() throws {
        let scratch = try Scratch()
        let shared = scratch.path("shared")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        let studyPath = try scratch.write("study.yaml", study(name: "ckpt-shared-unmounted"))
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [studyPath, "--bind", endpoint, "--log", log, "--checkpoints", "shared:\(shared)"] + checkpointTestLiveness,
            scratch: scratch, label: "coordinator")
        #expect(waitUntil(within: 30) { FileManager.default.fileExists(atPath: log) }, "\(coordinator.stderr)")
        // The coordinator checked the folder; this worker's host does not have it (not mounted).
        try FileManager.default.removeItem(atPath: shared)
        let worker = try checkpointTestWorker(endpoint, "worker", scratch: scratch)
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")
        #expect(worker.waitForExit(within: 20) == 0)
        let failed = try #require(try LogSummary(path: log).failed.first, "the attempt failed")
        #expect(
            failed.reason.contains(
                "cannot use the shared checkpoint folder \(shared) on this worker: it does not exist here"),
            "\(failed.reason)")
    }

    @Test("shared checkpoints: a missing shared folder stops the coordinator at once, saying which and why")
    func missingSharedFolder() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "ckpt-shared-missing"))
        let missing = scratch.path("not-mounted")
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [studyPath, "--log", scratch.path("results.jsonl"), "--checkpoints", "shared:\(missing)"],
            scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 20) == 2)
        #expect(
            coordinator.stderr.contains("shared checkpoint folder \(missing): No such file or directory"),
            "\(coordinator.stderr)")
    }
}
