import Foundation
import HPORuntime
import HPOCore

/// The built-in trainer (`trial: {builtin: mlp}`): trains an `MLPNetwork` on a stratified split
/// of the bundled digits and reports per epoch. docs/trainer.md describes it for users.
public struct MLPTrainer: Sendable {
    /// The floating-point precision of the network.
    public enum Precision: String, Sendable, CaseIterable {
        /// 32-bit (`Float`, single-precision BLAS): the default, 1.5–3× faster.
        case single
        /// 64-bit (`Double`).
        case double
    }

    public let dataset: DigitsDataset
    public let precision: Precision

    /// The training loss may not rise above this multiple of the first mini-batch's loss (about
    /// ln 10 = 2.3 for a fresh network) or the run counts as diverged.
    public static let explosionFactor = 4.0

    public init(dataset: DigitsDataset = .bundled, precision: Precision = .single) {
        self.dataset = dataset
        self.precision = precision
    }

    /// Trains with `hyperparameters` from the random seed `seed` (the same seed gives the same
    /// metrics). After each epoch it calls `report` with `train_loss`, `val_loss` and
    /// `val_accuracy` at step = epoch (from 1); when `report` returns false, training stops
    /// (status `.stopped`). `isCancelled` is polled before every mini-batch, for a prompt stop
    /// in the middle of a long epoch (a worker's timeout or shutdown). Never traps on a diverging
    /// run: a NaN, infinite or exploding loss ends it with status `.diverged` and a reason.
    public func train(
        _ hyperparameters: TrainerHyperparameters, seed: UInt64 = 0,
        report: (TrialReport) -> Bool = { _ in true }, isCancelled: () -> Bool = { false }
    ) throws(HyperparameterError) -> TrainingOutcome {
        try hyperparameters.validate()
        BLASThreads.configure()
        switch precision {
        case .single: return train(Float.self, hyperparameters, seed: seed, isCancelled: isCancelled, report: report)
        case .double: return train(Double.self, hyperparameters, seed: seed, isCancelled: isCancelled, report: report)
        }
    }

    private func train<S: TrainingScalar>(
        _: S.Type, _ hyperparameters: TrainerHyperparameters, seed: UInt64, isCancelled: () -> Bool,
        report: (TrialReport) -> Bool
    ) -> TrainingOutcome {
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

        for epoch in 1...hyperparameters.epochs {
            let start = clock.now
            var lossSum = 0.0
            for _ in 0..<run.batchesPerEpoch {
                if isCancelled() { return outcome(.stopped, "stopped during epoch \(epoch) of \(hyperparameters.epochs)") }
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
                return outcome(.diverged, String(format: "diverged at epoch %d: train_loss %.4g > %g × the initial loss %.4g",
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
            if !report(TrialReport(step: epoch, metrics: record.metrics)) {
                return outcome(.stopped, "stopped after epoch \(epoch) of \(hyperparameters.epochs)")
            }
        }
        return outcome(.completed, nil)
    }

    /// Reads the hyperparameters from a trial's parameters (strictly, see
    /// `TrainerHyperparameters.init(_:)`) and trains.
    public func train(
        parameters: Parameters, seed: UInt64 = 0,
        report: (TrialReport) -> Bool = { _ in true }, isCancelled: () -> Bool = { false }
    ) throws(HyperparameterError) -> TrainingOutcome {
        try train(TrainerHyperparameters(parameters), seed: seed, report: report, isCancelled: isCancelled)
    }

    static func describe(_ value: Double) -> String {
        value.isNaN ? "NaN" : value > 0 ? "+infinity" : "-infinity"
    }
}

extension Schedule {
    init(_ hyperparameters: TrainerHyperparameters, batchesPerEpoch: Int) {
        let momentum = hyperparameters.momentum
        let cycles = hyperparameters.schedule == .oneCycle && hyperparameters.optimizer == .sgd
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
