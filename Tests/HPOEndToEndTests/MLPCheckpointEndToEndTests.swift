import Foundation
import HPOCore
import HPOJournal
import Testing

/// Checkpoints of the built-in trainer (`builtin: mlp`, in the worker's process) with real
/// processes: its worker killed or preempted mid-trial, the trial resumed on another worker from
/// the last durable checkpoint, ending with the val_loss of an uninterrupted run, bit for bit.
@Suite(.serialized) struct MLPCheckpointEndToEndTests {
    /// Small batches and enough epochs that the trial is still running when the test strikes
    /// (about 0.1–0.3 s an epoch in a debug build), small enough to end in seconds.
    static let epochs = 40

    func study(name: String) -> String {
        """
        name: \(name)
        objective: {metric: val_loss, direction: minimize}
        budget: {trials: 1}
        strategy: random
        seed: 5
        space:
          learning_rate: {type: float, low: 0.02, high: 0.08}
          dropout: {type: choice, values: [0.1]}
          layers: {type: choice, values: [2]}
          units: {type: choice, values: [64]}
          batch_size: {type: choice, values: [16]}
          epochs: {type: choice, values: [\(Self.epochs)]}
          checkpoint_seconds: {type: choice, values: [0]}
        trial:
          builtin: mlp
          retries: 0
          timeout: 5m
        """
    }

    @Test(
        """
        builtin mlp, its worker killed (SIGKILL) after a checkpoint: the trial resumes on another worker and ends \
        with an uninterrupted run's val_loss
        """
    )
    func killedWorkerResumes() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "mlp-kill"))
        let log = scratch.path("results.jsonl")
        let (summary, second) = try runKilledWorkerScenario(
            studyPath: studyPath, log: log, scratch: scratch, checkpointAtLeast: 2)
        let resumed = try #require(summary.resumed.first, "the trial resumed: \(second.stderr)")
        let lastBeforeKill = try #require(summary.checkpoints.filter { $0.attempt == 1 }.last)
        #expect(resumed.attempt == 2)
        #expect(resumed.step > 0 && resumed.step == lastBeforeKill.step, "resumed from the last durable checkpoint")
        #expect(resumed.step < Self.epochs, "killed mid-trial")
        let completed = try #require(summary.completed.first)
        #expect(completed.attempt == 2)
        #expect(
            Self.reportSteps(summary, attempt: 2).first == resumed.step + 1,
            "attempt 2 started after the checkpoint's epoch")
        let straight = try uninterrupted(scratch: scratch)
        #expect(completed.params == straight?.params)
        #expect(
            completed.objective.bitPattern == straight?.objective.bitPattern,
            "the same val_loss as an uninterrupted run")
        #expect(summary.failed.isEmpty)
    }

    @Test(
        """
        builtin mlp, its worker preempted (SIGTERM): the trial checkpoints at its epoch's end within the grace \
        and resumes elsewhere
        """
    )
    func preemptedWorkerResumes() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "mlp-term"))
        let log = scratch.path("results.jsonl")
        let (summary, first) = try runPreemptedWorkerScenario(
            studyPath: studyPath, log: log, scratch: scratch, reportsAtLeast: 3)
        let preempted = try #require(summary.preempted.first, "\(first.stderr)")
        let step = try #require(preempted.checkpointStep, "a checkpoint written within the grace")
        #expect(step >= 3 && step < Self.epochs)
        let resumed = try #require(summary.resumed.first)
        #expect(resumed.attempt == 2 && resumed.step == step)
        let completed = try #require(summary.completed.first, "completed despite retries: 0")
        let straight = try uninterrupted(scratch: scratch)
        #expect(completed.params == straight?.params)
        #expect(
            completed.objective.bitPattern == straight?.objective.bitPattern,
            "the same val_loss as an uninterrupted run")
        #expect(summary.failed.isEmpty, "a preemption is not a failure")
    }

    // MARK: Helpers

    static func reportSteps(_ summary: LogSummary, attempt: Int) -> [Int] {
        summary.records.compactMap {
            if case .trialReport(let e) = $0.event, e.attempt == attempt { e.step } else { nil }
        }
    }

    /// The same study (same seed: the same parameters and trial number) run by one worker that
    /// nothing interrupts. A worker process, not this one: the worker picks OpenBLAS's kernels
    /// before the library loads (docs/trainer.md), and other kernels round differently.
    func uninterrupted(scratch: Scratch) throws -> (params: Parameters, objective: Double)? {
        let studyPath = try scratch.write("straight.yaml", study(name: "mlp-straight"))
        let log = scratch.path("straight.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [studyPath, "--bind", endpoint, "--log", log] + checkpointTestLiveness, scratch: scratch,
            label: "straight-coordinator")
        let only = try checkpointTestWorker(endpoint, "straight-worker", scratch: scratch)
        #expect(coordinator.waitForExit(within: 120) == 0, "\(coordinator.stderr)")
        #expect(only.waitForExit(within: 20) == 0)
        let summary = try LogSummary(path: log)
        #expect(summary.resumed.isEmpty && summary.completed.first?.attempt == 1)
        return summary.completed.first.map { ($0.params, $0.objective) }
    }
}
