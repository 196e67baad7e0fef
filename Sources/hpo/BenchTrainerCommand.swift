import ArgumentParser
import Foundation
import HPOCore
import HPOTraining

/// `hpo bench-trainer`: seconds per training epoch of the built-in trainer on the standard split,
/// in the configuration benchmarks/mlp-vs-sklearn.sh compares with scikit-learn.
struct BenchTrainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-trainer",
        abstract: "Benchmark the built-in trainer: median seconds per epoch and validation accuracy.",
        discussion: """
            Trains a 2×128 relu network at batch size 64 with SGD (momentum 0.9, no Nesterov, no \
            dropout, no weight decay, constant learning rate) on the standard split of the digits \
            and reports the median wall-clock time of an epoch's training pass (validation excluded) \
            and the final validation accuracy. benchmarks/mlp-vs-sklearn.sh runs it side by side with \
            scikit-learn's MLPClassifier on the same rows (--export-split); see docs/performance.md.
            """)

    @Option(help: "Epochs to train (and time).") var epochs: Int = 20
    @Option(help: "The (constant) learning rate.") var learningRate: Double = 0.05
    @Option(help: "Seed of the initial weights and batch order.") var seed: UInt64 = 0
    @Option(help: "The network's floating-point precision: single or double.") var precision: String = "single"
    @Option(help: "Write the figures as JSON to this file.") var json: String?
    @Option(help: "Write the standard split's row indices (into data/digits.csv.gz, from 0) as JSON to this file.")
    var exportSplit: String?

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
        guard MLPTrainer.Precision(rawValue: precision) != nil else {
            throw ValidationError("--precision must be single or double, got '\(precision)'")
        }
    }

    /// The benchmarked configuration.
    var hyperparameters: TrainerHyperparameters {
        var h = TrainerHyperparameters()
        h.layers = 2
        h.units = 128
        h.activation = .relu
        h.batchSize = 64
        h.optimizer = .sgd
        h.momentum = 0.9
        h.nesterov = false
        h.dropout = 0
        h.weightDecay = 0
        h.schedule = .constant
        h.learningRate = learningRate
        h.epochs = epochs
        return h
    }

    func run() throws {
        let trainer = MLPTrainer(precision: MLPTrainer.Precision(rawValue: precision) ?? .single)
        if let exportSplit {
            let split = trainer.dataset.split(seed: UInt64(hyperparameters.splitSeed))
            let object: [String: Any] = [
                "seed": Int(split.seed), "validation_fraction": 0.2,
                "scaling": "per pixel (x - mean) / max(sd, 1), mean and population sd of the training rows",
                "train": split.trainingIndices, "validation": split.validationIndices
            ]
            try write(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), to: exportSplit)
        }
        let started = Date()
        let outcome = try trainer.train(hyperparameters, seed: seed)
        let total = Date().timeIntervalSince(started)
        guard outcome.status == .completed, let last = outcome.history.last else {
            throw LRFindCommand.Failure(
                "training did not complete: \(outcome.failureReason ?? outcome.status.rawValue)")
        }
        let times = outcome.history.map(\.trainSeconds).sorted()
        let median =
            times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        let environment = ProcessInfo.processInfo.environment
        let seconds = { (value: Double) in String(format: "%.5f", value) }
        print(
            """
            built-in trainer: 2×128 relu, batch 64, sgd momentum 0.9, lr \(learningRate), \(epochs) epochs, \
            seed \(seed), \(precision) precision
              median s/epoch      \(seconds(median))  (min \(seconds(times[0])), max \(seconds(times[times.count - 1])))
              val_accuracy        \(String(format: "%.4f", last.validationAccuracy))
              val_loss            \(String(format: "%.4f", last.validationLoss))
              total               \(String(format: "%.2f", total)) s (with validation after each epoch)
              OpenBLAS kernels    \(BLASKernel.description)
            """)
        if let json {
            let object: [String: Any] = [
                "implementation": "swift-hpo (\(precision) precision)", "epochs": epochs, "learning_rate": learningRate,
                "seed": Int(seed),
                "median_seconds_per_epoch": median, "seconds_per_epoch": outcome.history.map(\.trainSeconds),
                "val_accuracy": last.validationAccuracy, "val_loss": last.validationLoss, "total_seconds": total,
                "openblas_num_threads": environment["OPENBLAS_NUM_THREADS"] ?? "1 (set by the trainer)",
                "openblas_coretype": environment["OPENBLAS_CORETYPE"] ?? "(autodetected)",
                "openblas_kernel": BLASKernel.description
            ]
            try write(
                try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), to: json)
        }
    }

    private func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw LRFindCommand.Failure("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
