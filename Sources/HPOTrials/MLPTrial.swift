import HPOCore
import HPOTraining

/// Runs a `builtin: mlp` trial: the built-in network trained on the bundled digits, reporting
/// `train_loss`, `val_loss` and `val_accuracy` per epoch (docs/trainer.md).
enum MLPTrial {
    /// The name study files use.
    static let name = "mlp"

    static func run(
        _ context: TrialContext, cancellation: TrialCancellation, report: @escaping @Sendable (TrialReport) -> Void
    ) -> TrialResult {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = Duration.studySeconds(context.spec.timeoutSeconds).map { start + $0 }
        var timedOut = false
        let outcome: TrainingOutcome
        do {
            // One seed per trial: a trial is reproducible on its own, and trials differ.
            outcome = try MLPTrainer().train(
                parameters: context.parameters, seed: UInt64(context.trial.rawValue),
                report: { epoch in
                    report(epoch)
                    return true
                },
                isCancelled: {
                    if let deadline, clock.now >= deadline { timedOut = true }
                    return timedOut || cancellation.reason != nil
                })
        } catch {
            return TrialResult(
                status: .failed, metrics: [:], reason: error.description, durationSeconds: (clock.now - start).seconds)
        }
        let duration = (clock.now - start).seconds
        switch outcome.status {
        case .completed:
            return TrialResult(status: .completed, metrics: outcome.metrics, durationSeconds: duration)
        case .diverged:
            return TrialResult(
                status: .failed, metrics: outcome.metrics.filter { $0.value.isFinite },
                reason: outcome.failureReason ?? "diverged", durationSeconds: duration)
        case .stopped:
            let reason = timedOut
                ? "timeout after \(formatSeconds(context.spec.timeoutSeconds ?? 0)) s"
                : cancellation.reason ?? outcome.failureReason ?? "stopped"
            return TrialResult(
                status: .failed, metrics: outcome.metrics.filter { $0.value.isFinite }, reason: reason,
                durationSeconds: duration)
        }
    }
}
