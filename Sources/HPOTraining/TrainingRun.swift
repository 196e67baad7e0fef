/// The state of one training run on a data split: the network, the optimizer, the shuffled order
/// of the training rows and the dropout stream. The trainer and the LR range test both drive it
/// one mini-batch at a time, in the precision `S`.
struct TrainingRun<S: TrainingScalar> {
    let hyperparameters: TrainerHyperparameters
    let data: LabelledData
    /// The training features in the network's precision.
    private let features: [S]
    private(set) var network: MLPNetwork<S>
    private var optimizer: Optimizer<S>
    private var dropout: Dropout?
    private var shuffler: SeededGenerator
    private var order: [Int]
    private var position: Int
    private var gradient: [[S]]
    /// The buffers of a batch's passes (shared by copies of this value: step one copy only).
    private let workspace: BatchWorkspace<S>
    /// Rows per mini-batch (the batch size, at most the training set).
    let batchSize: Int

    /// Mini-batches per pass over the training rows (the last one may be smaller).
    var batchesPerEpoch: Int { (data.count + batchSize - 1) / batchSize }

    /// Everything random is drawn from `seed`, on separate streams: initial weights (1), the order
    /// of the rows (2), dropout masks (3).
    init(_ hyperparameters: TrainerHyperparameters, data: LabelledData, seed: UInt64) {
        self.hyperparameters = hyperparameters
        self.data = data
        features = data.features.values.map { S($0) }
        let sizes =
            [data.features.columns] + Array(repeating: hyperparameters.units, count: hyperparameters.layers)
            + [DigitsDataset.classCount]
        var initial = SeededGenerator(seed: seed, stream: 1)
        network = MLPNetwork(sizes: sizes, activation: hyperparameters.activation, generator: &initial)
        optimizer = Optimizer(
            kind: hyperparameters.optimizer, nesterov: hyperparameters.nesterov, beta1: hyperparameters.beta1,
            beta2: hyperparameters.beta2, shapes: network.tensors)
        if hyperparameters.dropout > 0 {
            dropout = Dropout(rate: hyperparameters.dropout, generator: SeededGenerator(seed: seed, stream: 3))
        }
        shuffler = SeededGenerator(seed: seed, stream: 2)
        order = Array(0..<data.count)
        position = data.count  // shuffle before the first batch
        gradient = network.tensors.map { Array(repeating: 0, count: $0.count) }
        batchSize = min(hyperparameters.batchSize, data.count)
        workspace = BatchWorkspace(sizes: sizes, capacity: batchSize, dropout: dropout != nil)
    }

    /// Whether the next batch starts a new pass over the data.
    var atEpochStart: Bool { position >= data.count }

    /// Trains on the next mini-batch with the given learning rate and momentum; returns the
    /// batch's mean cross-entropy (before the update) and how many rows it had. The order is
    /// reshuffled at the start of every pass.
    mutating func step(lr: Double, momentum: Double) -> (loss: Double, rows: Int) {
        if atEpochStart {
            shuffler.shuffle(&order)
            position = 0
        }
        let rows = min(batchSize, data.count - position)
        let columns = data.features.columns
        features.withUnsafeBufferPointer { source in
            for r in 0..<rows {
                let index = order[position + r]
                workspace.labels[r] = data.labels[index]
                let (row, from) = (workspace.x + r * columns, source.baseAddress! + index * columns)
                for c in 0..<columns { row[c] = from[c] }
            }
        }
        position += rows
        let result = network.lossAndGradient(
            rows: rows, workspace: workspace, weightDecay: hyperparameters.weightDecay, dropout: &dropout,
            gradient: &gradient)
        optimizer.step(&network.tensors, gradients: gradient, lr: lr, momentum: momentum)
        return (result.loss, rows)
    }
}

extension TrainingRun {
    /// Everything that changes as the run trains, taken between mini-batches: restoring it into a
    /// fresh run with the same hyperparameters, data and seed continues the exact same stream of
    /// updates, shuffles and dropout masks.
    struct State {
        var tensors: [[S]]
        var velocities: [[S]]
        var secondMoments: [[S]]
        var optimizerSteps: Int
        var shuffler: [UInt64]
        var dropout: [UInt64]?
        /// The current order of the training rows: each pass shuffles the previous pass's order.
        var order: [Int]
        var position: Int
    }

    var state: State {
        State(
            tensors: network.tensors, velocities: optimizer.first, secondMoments: optimizer.second,
            optimizerSteps: optimizer.steps, shuffler: shuffler.rawState, dropout: dropout?.generator.rawState,
            order: order, position: position)
    }

    /// Takes `state` over; the caller has checked it fits (`TrainerCheckpoint.restore`).
    mutating func restore(_ state: State) {
        network.tensors = state.tensors
        optimizer.first = state.velocities
        optimizer.second = state.secondMoments
        optimizer.steps = state.optimizerSteps
        if let words = state.shuffler as [UInt64]?, let generator = SeededGenerator(rawState: words) {
            shuffler = generator
        }
        if let words = state.dropout, let generator = SeededGenerator(rawState: words) {
            dropout?.generator = generator
        }
        order = state.order
        position = state.position
    }

    /// The shapes a state must have to fit this run.
    var tensorCounts: [Int] { network.tensors.map(\.count) }
    var hasDropout: Bool { dropout != nil }
    var rowCount: Int { data.count }
}
