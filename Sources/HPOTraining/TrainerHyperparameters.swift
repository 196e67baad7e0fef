import HPOCore

/// Everything the built-in trainer can be told, each with a default, so a study can tune any
/// subset. Read from a trial's `Parameters` with `init(_:)`, which is strict: an unknown name
/// (probably a typo), a value of the wrong type or out of range is an error naming the parameter.
/// docs/trainer.md describes every field.
package struct TrainerHyperparameters: Sendable, Equatable {
    package var learningRate = 0.05
    package var momentum = 0.9
    package var nesterov = false
    package var dropout = 0.1
    package var layers = 2
    package var units = 128
    package var activation = Activation.relu
    package var batchSize = 64
    package var epochs = 30
    package var weightDecay = 1e-4
    package var optimizer = OptimizerKind.sgd
    package var beta1 = 0.9
    package var beta2 = 0.999
    package var schedule = ScheduleKind.constant
    /// The low end of a triangular or one-cycle schedule; nil means `learningRate / 10`.
    package var lrMin: Double? = nil
    /// The length of one triangular cycle (up and down), in epochs.
    package var cycleEpochs = 4.0
    /// One-cycle with SGD: move momentum against the learning rate.
    package var cycleMomentum = true
    /// Which stratified train/validation split of the digits (keep it fixed within a study).
    package var splitSeed = Int(DigitsDataset.standardSplitSeed)
    /// Trials on a worker: checkpoint after every this many epochs. Not part of what a
    /// checkpoint must match to resume.
    package var checkpointEvery = 1
    /// Trials on a worker: ... and not sooner than this many seconds after the last checkpoint (or
    /// the start), so that short epochs do not spend their time checkpointing; 0: every
    /// `checkpointEvery`-th epoch. A preemption checkpoints whatever these say. Not part of what a
    /// checkpoint must match to resume.
    package var checkpointSeconds = 30.0

    /// The defaults.
    package init() {}

    /// The names `init(_:)` accepts, in the order of docs/trainer.md.
    package static let knownNames = [
        "learning_rate", "momentum", "nesterov", "dropout", "layers", "units", "activation", "batch_size",
        "epochs", "weight_decay", "optimizer", "beta1", "beta2", "schedule", "lr_min", "cycle_epochs",
        "cycle_momentum", "split_seed", "checkpoint_every", "checkpoint_seconds"
    ]

    /// Reads and checks hyperparameters; the ones not given keep their defaults.
    package init(_ parameters: Parameters) throws(HyperparameterError) {
        for name in parameters.keys.sorted() where !Self.knownNames.contains(name) {
            throw HyperparameterError.unknown(name, known: Self.knownNames)
        }
        let read = ParameterReader(parameters: parameters)
        learningRate = try read.double("learning_rate", default: learningRate)
        momentum = try read.double("momentum", default: momentum)
        nesterov = try read.bool("nesterov", default: nesterov)
        dropout = try read.double("dropout", default: dropout)
        layers = try read.int("layers", default: layers)
        units = try read.int("units", default: units)
        activation = try read.choice("activation", default: activation)
        batchSize = try read.int("batch_size", default: batchSize)
        epochs = try read.int("epochs", default: epochs)
        weightDecay = try read.double("weight_decay", default: weightDecay)
        optimizer = try read.choice("optimizer", default: optimizer)
        beta1 = try read.double("beta1", default: beta1)
        beta2 = try read.double("beta2", default: beta2)
        schedule = try read.choice("schedule", default: schedule)
        if parameters["lr_min"] != nil { lrMin = try read.double("lr_min", default: 0) }
        cycleEpochs = try read.double("cycle_epochs", default: cycleEpochs)
        cycleMomentum = try read.bool("cycle_momentum", default: cycleMomentum)
        splitSeed = try read.int("split_seed", default: splitSeed)
        checkpointEvery = try read.int("checkpoint_every", default: checkpointEvery)
        checkpointSeconds = try read.double("checkpoint_seconds", default: checkpointSeconds)
        try validate()
    }

    /// The allowed ranges.
    enum Range {
        static let learningRate = ValueRange<Double>(low: 0, lowOpen: true, high: 1000)
        static let unit = ValueRange<Double>(low: 0, high: 1, highOpen: true)
        static let dropout = ValueRange<Double>.closed(0, 0.95)
        static let layers = ValueRange<Int>.closed(0, 16)
        static let units = ValueRange<Int>.closed(1, 4096)
        static let batchSize = ValueRange<Int>.closed(1, 65536)
        static let epochs = ValueRange<Int>.closed(1, 100_000)
        static let weightDecay = ValueRange<Double>.closed(0, 1)
        static let cycleEpochs = ValueRange<Double>(low: 0, lowOpen: true, high: 10_000)
        static let splitSeed = ValueRange<Int>.atLeast(0)
        static let checkpointEvery = ValueRange<Int>.closed(1, 100_000)
        static let checkpointSeconds = ValueRange<Double>(low: 0, high: 86_400)
    }

    /// Checks the ranges (and that a cyclical schedule's `lr_min` is below `learning_rate`); for
    /// values set in code. `init(_:)` and the trainer call it.
    package func validate() throws(HyperparameterError) {
        try Range.learningRate.check(learningRate, "learning_rate")
        try Range.unit.check(momentum, "momentum")
        try Range.dropout.check(dropout, "dropout")
        try Range.layers.check(layers, "layers")
        try Range.units.check(units, "units")
        try Range.batchSize.check(batchSize, "batch_size")
        try Range.epochs.check(epochs, "epochs")
        try Range.weightDecay.check(weightDecay, "weight_decay")
        try Range.unit.check(beta1, "beta1")
        try Range.unit.check(beta2, "beta2")
        try Range.cycleEpochs.check(cycleEpochs, "cycle_epochs")
        try Range.splitSeed.check(splitSeed, "split_seed")
        try Range.checkpointEvery.check(checkpointEvery, "checkpoint_every")
        try Range.checkpointSeconds.check(checkpointSeconds, "checkpoint_seconds")
        if let lrMin { try Range.learningRate.check(lrMin, "lr_min") }
        if schedule != .constant, effectiveLRMin >= learningRate {
            throw HyperparameterError(
                "lr_min",
                "hyperparameter 'lr_min' (\(effectiveLRMin.boundText)) must be below 'learning_rate' "
                    + "(\(learningRate.boundText)) for the \(schedule.rawValue) schedule")
        }
    }

    /// The low end of a cyclical schedule.
    package var effectiveLRMin: Double { lrMin ?? learningRate / 10 }

    /// The values as `Parameters`, every field spelled out (for logs and the LR finder's JSON).
    package var parameters: Parameters {
        var values: Parameters = [
            "learning_rate": .double(learningRate), "momentum": .double(momentum),
            "nesterov": .string(String(nesterov)), "dropout": .double(dropout), "layers": .int(layers),
            "units": .int(units), "activation": .string(activation.rawValue), "batch_size": .int(batchSize),
            "epochs": .int(epochs), "weight_decay": .double(weightDecay), "optimizer": .string(optimizer.rawValue),
            "beta1": .double(beta1), "beta2": .double(beta2), "schedule": .string(schedule.rawValue),
            "cycle_epochs": .double(cycleEpochs), "cycle_momentum": .string(String(cycleMomentum)),
            "split_seed": .int(splitSeed), "checkpoint_every": .int(checkpointEvery),
            "checkpoint_seconds": .double(checkpointSeconds)
        ]
        if let lrMin { values["lr_min"] = .double(lrMin) }
        return values
    }
}
