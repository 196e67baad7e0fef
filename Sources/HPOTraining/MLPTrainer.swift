import Foundation
import HPOCore
import HPORuntime

/// The built-in trainer (`trial: {builtin: mlp}`): trains an `MLPNetwork` on a stratified split
/// of the bundled digits and reports per epoch. docs/trainer.md describes it for users.
package struct MLPTrainer: Sendable {
    /// The floating-point precision of the network.
    package enum Precision: String, Sendable, CaseIterable {
        /// 32-bit (`Float`, single-precision BLAS): the default, 1.5–3× faster.
        case single
        /// 64-bit (`Double`).
        case double
    }

    package let dataset: DigitsDataset
    package let precision: Precision

    /// The training loss may not rise above this multiple of the first mini-batch's loss (about
    /// ln 10 = 2.3 for a fresh network) or the run counts as diverged.
    package static let explosionFactor = 4.0

    package init(dataset: DigitsDataset = .bundled, precision: Precision = .single) {
        self.dataset = dataset
        self.precision = precision
    }

    /// Trains with `hyperparameters` from the random seed `seed` (the same seed gives the same
    /// metrics). After each epoch it calls `report` with `train_loss`, `val_loss` and
    /// `val_accuracy` at step = epoch (from 1); when `report` returns false, training stops
    /// (status `.stopped`). `isCancelled` is polled before every mini-batch, for a prompt stop
    /// in the middle of a long epoch (a worker's timeout or shutdown). Never traps on a diverging
    /// run: a NaN, infinite or exploding loss ends it with status `.diverged` and a reason.
    ///
    /// Checkpoints (`checkpointing`): after every `every`-th epoch short of the last (once
    /// `minimumSeconds` have passed since the last checkpoint or the start), and after the
    /// epoch in which `preempt` first returns true (which then stops the run, status `.stopped`),
    /// `save` gets the run's whole state. With `resume`, the run restores such a state and goes on
    /// from the epoch after it, exactly as if it had never stopped; a checkpoint that does not fit
    /// (another architecture, hyperparameters, precision or seed) ends it at once with status
    /// `.rejectedCheckpoint` and the mismatch as reason.
    package func train(
        _ hyperparameters: TrainerHyperparameters, seed: UInt64 = 0, resume: TrainerCheckpoint? = nil,
        checkpointing: Checkpointing? = nil,
        report: (TrialReport) -> Bool = { _ in true }, isCancelled: () -> Bool = { false }
    ) throws(HyperparameterError) -> TrainingOutcome {
        try hyperparameters.validate()
        BLASThreads.configure()
        let plan = Plan(seed: seed, resume: resume, checkpointing: checkpointing)
        switch precision {
        case .single: return train(Float.self, hyperparameters, plan, isCancelled: isCancelled, report: report)
        case .double: return train(Double.self, hyperparameters, plan, isCancelled: isCancelled, report: report)
        }
    }

    /// When and where the trainer hands its state over (see `train`).
    package struct Checkpointing {
        /// Checkpoint after every `every`-th epoch (at least 1)...
        package var every: Int
        /// ... once at least this many seconds have passed since the last checkpoint (or the start).
        package var minimumSeconds: Double
        /// Polled at each epoch's end: true asks for a last checkpoint and a stop (preemption).
        package var preempt: () -> Bool
        /// Receives each checkpoint (and writes it: `TrainerCheckpoint.write(to:)`).
        package var save: (TrainerCheckpoint) -> Void

        package init(
            every: Int = 1, minimumSeconds: Double = 0, preempt: @escaping () -> Bool = { false },
            save: @escaping (TrainerCheckpoint) -> Void
        ) {
            self.every = max(1, every)
            self.minimumSeconds = max(0, minimumSeconds)
            self.preempt = preempt
            self.save = save
        }
    }

    private struct Plan {
        var seed: UInt64
        var resume: TrainerCheckpoint?
        var checkpointing: Checkpointing?
    }

    private func train<S: TrainingScalar>(
        _: S.Type, _ hyperparameters: TrainerHyperparameters, _ plan: Plan, isCancelled: () -> Bool,
        report: (TrialReport) -> Bool
    ) -> TrainingOutcome {
        let seed = plan.seed
        let split = dataset.split(seed: UInt64(hyperparameters.splitSeed))
        var run = TrainingRun<S>(hyperparameters, data: split.training, seed: seed)
        let validationFeatures = split.validation.features.values.map { S($0) }
        let schedule = Schedule(hyperparameters, batchesPerEpoch: run.batchesPerEpoch)
        var history: [EpochRecord] = []
        var initialLoss: Double?
        var step = 0
        let clock = ContinuousClock()
        func outcome(_ status: TrainingStatus, _ reason: String?) -> TrainingOutcome {
            TrainingOutcome(status: status, history: history, failureReason: reason)
        }
        var firstEpoch = 1
        if let resume = plan.resume {
            do {
                run.restore(try resume.state(for: run, seed: seed))
            } catch {
                return outcome(.rejectedCheckpoint, error.description)
            }
            history = resume.history
            initialLoss = resume.document.initialLoss
            step = resume.document.step
            firstEpoch = resume.epoch + 1
        }
        var preempted = false
        var lastCheckpoint = clock.now

        for epoch in firstEpoch..<(hyperparameters.epochs + 1) {
            let start = clock.now
            var lossSum = 0.0
            for _ in 0..<run.batchesPerEpoch {
                if isCancelled() {
                    return outcome(.stopped, "stopped during epoch \(epoch) of \(hyperparameters.epochs)")
                }
                let (lr, momentum) = schedule.at(step: step)
                let batch = run.step(lr: lr, momentum: momentum)
                step += 1
                guard batch.loss.isFinite else {
                    return outcome(.diverged, "diverged at epoch \(epoch): train_loss is \(Self.describe(batch.loss))")
                }
                initialLoss = initialLoss ?? batch.loss
                lossSum += batch.loss * Double(batch.rows)
            }
            let trainSeconds = (clock.now - start).seconds
            let trainLoss = lossSum / Double(split.training.count)
            if let initialLoss, trainLoss > Self.explosionFactor * initialLoss {
                return outcome(
                    .diverged,
                    String(
                        format: "diverged at epoch %d: train_loss %.4g > %g × the initial loss %.4g",
                        epoch, trainLoss, Self.explosionFactor, initialLoss))
            }
            let validation = run.network.evaluate(validationFeatures, labels: split.validation.labels)
            guard validation.loss.isFinite else {
                return outcome(.diverged, "diverged at epoch \(epoch): val_loss is \(Self.describe(validation.loss))")
            }
            let record = EpochRecord(
                epoch: epoch, trainLoss: trainLoss, validationLoss: validation.loss,
                validationAccuracy: validation.accuracy, trainSeconds: trainSeconds)
            history.append(record)
            if let checkpointing = plan.checkpointing, epoch < hyperparameters.epochs {
                preempted = preempted || checkpointing.preempt()
                let due =
                    epoch % checkpointing.every == 0
                    && (clock.now - lastCheckpoint).seconds >= checkpointing.minimumSeconds
                if preempted || due {
                    lastCheckpoint = clock.now
                    checkpointing.save(
                        TrainerCheckpoint(
                            run: run, seed: seed, epoch: epoch, step: step, initialLoss: initialLoss, history: history))
                }
            }
            if !report(TrialReport(step: epoch, metrics: record.metrics)) {
                return outcome(.stopped, "stopped after epoch \(epoch) of \(hyperparameters.epochs)")
            }
            if preempted {
                return outcome(.stopped, "preempted after epoch \(epoch) of \(hyperparameters.epochs), checkpointed")
            }
        }
        return outcome(.completed, nil)
    }

    /// Reads the hyperparameters from a trial's parameters (strictly, see
    /// `TrainerHyperparameters.init(_:)`) and trains.
    package func train(
        parameters: Parameters, seed: UInt64 = 0,
        resume: TrainerCheckpoint? = nil, checkpointing: Checkpointing? = nil,
        report: (TrialReport) -> Bool = { _ in true }, isCancelled: () -> Bool = { false }
    ) throws(HyperparameterError) -> TrainingOutcome {
        try train(
            TrainerHyperparameters(parameters), seed: seed, resume: resume, checkpointing: checkpointing,
            report: report,
            isCancelled: isCancelled)
    }

    static func describe(_ value: Double) -> String {
        value.isNaN ? "NaN" : value > 0 ? "+infinity" : "-infinity"
    }
}

extension Schedule {
    init(_ hyperparameters: TrainerHyperparameters, batchesPerEpoch: Int) {
        let momentum = hyperparameters.momentum
        let cycles =
            hyperparameters.schedule == .oneCycle && hyperparameters.optimizer == .sgd
            && hyperparameters.cycleMomentum
        self.init(
            kind: hyperparameters.schedule, maxRate: hyperparameters.learningRate,
            minRate: hyperparameters.effectiveLRMin,
            cycleSteps: max(2, Int((hyperparameters.cycleEpochs * Double(batchesPerEpoch)).rounded())),
            totalSteps: hyperparameters.epochs * batchesPerEpoch, momentum: momentum,
            lowMomentum: cycles ? max(0, momentum - 0.1) : momentum)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
