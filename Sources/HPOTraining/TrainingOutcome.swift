/// How a training run ended.
package enum TrainingStatus: String, Sendable, Equatable {
    /// All epochs ran.
    case completed
    /// The loss became NaN or infinite, or exploded (see `MLPTrainer.explosionFactor`).
    case diverged
    /// The report callback returned false or `isCancelled` returned true (cancellation, timeout).
    case stopped
    /// The checkpoint to resume from does not fit the run (`TrainerCheckpointError`); nothing ran.
    case rejectedCheckpoint
}

/// The metrics of one epoch.
package struct EpochRecord: Sendable, Equatable {
    /// From 1.
    package var epoch: Int
    /// The mean cross-entropy of the epoch's mini-batches (with dropout, before each update,
    /// without the weight-decay term).
    package var trainLoss: Double
    package var validationLoss: Double
    package var validationAccuracy: Double
    /// Wall-clock seconds of the epoch's training pass (not the validation).
    package var trainSeconds: Double

    /// As reported per epoch: `train_loss`, `val_loss`, `val_accuracy`.
    package var metrics: [String: Double] {
        ["train_loss": trainLoss, "val_loss": validationLoss, "val_accuracy": validationAccuracy]
    }
}

/// The end of a training run: its status, its history, and the final metrics.
package struct TrainingOutcome: Sendable, Equatable {
    package var status: TrainingStatus
    /// One record per completed epoch.
    package var history: [EpochRecord]
    /// Why the run did not complete (`diverged at epoch 3: train_loss is NaN`); nil when completed.
    package var failureReason: String?

    /// The epochs that ran to the end.
    package var epochsRun: Int { history.count }

    /// The final metrics: those of the last epoch (`train_loss`, `val_loss`, `val_accuracy`), the
    /// best over the epochs (`best_val_loss`, `best_val_accuracy`), and `epochs` (epochs run).
    /// Only `epochs` when no epoch completed.
    package var metrics: [String: Double] {
        var metrics = history.last?.metrics ?? [:]
        metrics["epochs"] = Double(history.count)
        if let best = history.map(\.validationLoss).min() { metrics["best_val_loss"] = best }
        if let best = history.map(\.validationAccuracy).max() { metrics["best_val_accuracy"] = best }
        return metrics
    }
}
