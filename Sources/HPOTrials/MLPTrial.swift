import Foundation
import HPOCore
import HPOTraining

/// Runs a `builtin: mlp` trial: the built-in network trained on the bundled digits, reporting
/// `train_loss`, `val_loss` and `val_accuracy` per epoch (docs/trainer.md).
///
/// Checkpoints follow the command-trial contract (docs/trials.md): after every
/// `checkpoint_every`-th epoch it waits for its empty checkpoint folder, writes
/// `mlp-checkpoint.json` there and calls `checkpoint(epoch)`, the hook a command trial's
/// `{"checkpoint": STEP}` line calls. Given a resume folder it restores the trainer and goes on
/// from the next epoch; a checkpoint it cannot use fails the attempt with the reason. Preempted
/// (`TrialCancellation.preempt`), it stops at the end of the current epoch, within the grace,
/// and checkpoints first.
enum MLPTrial {
    /// The name study files use.
    static let name = "mlp"

    static func run(
        _ context: TrialContext, cancellation: TrialCancellation, report: @escaping @Sendable (TrialReport) -> Void,
        checkpoint: (@Sendable (Int) -> Void)? = nil
    ) -> TrialResult {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = Duration.studySeconds(context.spec.timeoutSeconds).map { start + $0 }
        func failed(_ reason: String, _ metrics: [String: Double] = [:]) -> TrialResult {
            TrialResult(status: .failed, metrics: metrics, reason: reason, durationSeconds: (clock.now - start).seconds)
        }
        let hyperparameters: TrainerHyperparameters
        do { hyperparameters = try TrainerHyperparameters(context.parameters) } catch {
            return failed(error.description)
        }
        var resume: TrainerCheckpoint?
        if let from = context.resume {
            do { resume = try TrainerCheckpoint.read(from: from.directory) } catch { return failed(error.description) }
            if let resume, resume.epoch != from.step {
                return failed(
                    """
                    cannot resume the mlp trainer: HPO_RESUME_STEP is \(from.step) but its checkpoint is of epoch \
                    \(resume.epoch)
                    """
                )
            }
        }
        var timedOut = false
        let preemption = Preemption(cancellation: cancellation, clock: clock)
        let checkpointing = context.checkpointDirectory.flatMap { folder in
            checkpoint.map { announce in
                MLPTrainer.Checkpointing(
                    every: hyperparameters.checkpointEvery, minimumSeconds: hyperparameters.checkpointSeconds,
                    preempt: { preemption.requested },
                    save: { state in
                        // The folder is empty again once the worker has taken the last checkpoint.
                        // Given up when the attempt must end now (a kill, plain cancellation, the timeout).
                        let mustEnd = {
                            cancellation.killRequested || (cancellation.reason != nil && !preemption.mayFinishEpoch)
                                || deadline.map { clock.now >= $0 } ?? false
                        }
                        guard CheckpointFolder.waitUntilEmpty(folder, giveUp: mustEnd),
                            (try? state.write(to: folder)) != nil
                        else { return }
                        announce(state.epoch)
                    })
            }
        }
        let outcome: TrainingOutcome
        do {
            // One seed per trial: a trial is reproducible on its own, and trials differ.
            outcome = try MLPTrainer().train(
                hyperparameters, seed: UInt64(context.trial.rawValue), resume: resume, checkpointing: checkpointing,
                report: { epoch in
                    report(epoch)
                    return true
                },
                isCancelled: {
                    if let deadline, clock.now >= deadline { timedOut = true }
                    return timedOut || (cancellation.reason != nil && !preemption.mayFinishEpoch)
                })
        } catch {
            return failed(error.description)
        }
        let duration = (clock.now - start).seconds
        let finite = outcome.metrics.filter { $0.value.isFinite }
        switch outcome.status {
        case .completed:
            var metrics = outcome.metrics
            // The model's size, for studies that trade accuracy for it (several objectives, or a constraint).
            metrics["weights"] = Double(hyperparameters.weightCount)
            metrics["memory_mb"] = hyperparameters.memoryEstimateMB
            // Measured, so it differs from run to run (unlike every other metric of the trainer).
            let epochSeconds = outcome.history.map(\.trainSeconds).sorted()
            if !epochSeconds.isEmpty { metrics["epoch_seconds"] = epochSeconds[epochSeconds.count / 2] }
            return TrialResult(status: .completed, metrics: metrics, durationSeconds: duration)
        case .diverged:
            return failed(outcome.failureReason ?? "diverged", finite)
        case .rejectedCheckpoint:
            return failed(outcome.failureReason ?? "cannot resume from the checkpoint")
        case .stopped:
            let reason =
                timedOut
                ? "timeout after \(formatSeconds(context.spec.timeoutSeconds ?? 0)) s"
                : cancellation.reason ?? outcome.failureReason ?? "stopped"
            return failed(reason, finite)
        }
    }
}

/// What a preemption allows the in-process trainer: to finish its epoch and checkpoint, while
/// the grace lasts. Plain cancellation (shutdown, pruning) stops it at the next mini-batch.
final class Preemption: @unchecked Sendable {
    // @unchecked: `since` is only touched from the trial's own thread.
    private let cancellation: TrialCancellation
    private let clock: ContinuousClock
    private var since: ContinuousClock.Instant?

    init(cancellation: TrialCancellation, clock: ContinuousClock) {
        self.cancellation = cancellation
        self.clock = clock
    }

    /// Whether the worker preempted the trial (it then checkpoints at the epoch's end and stops).
    var requested: Bool { cancellation.reason != nil && cancellation.graceSeconds != nil }

    /// Preempted, and the grace (less a margin for writing the checkpoint) has not run out.
    var mayFinishEpoch: Bool {
        guard requested, !cancellation.killRequested, let grace = cancellation.graceSeconds else { return false }
        let started = since ?? clock.now
        since = started
        return clock.now - started < .seconds(grace * 0.8)
    }
}
