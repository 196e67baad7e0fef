extension TrainerHyperparameters {
    /// The number of weights and biases of the network these hyperparameters build on the digits
    /// (64 inputs, `layers` hidden layers of `units`, 10 classes): the model's size, reported by the
    /// built-in trainer as the metric `weights`.
    package var weightCount: Int {
        let sizes = [DigitsDataset.featureCount] + Array(repeating: units, count: layers) + [DigitsDataset.classCount]
        return zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
    }
}

extension TrainerHyperparameters {
    /// The trainer's working memory for this network in MiB, computed, not measured: the weights,
    /// their gradients and the optimizer's state (one buffer for sgd, two for adam), plus one
    /// mini-batch's activations (inputs; each hidden layer's values, derivatives and dropout mask;
    /// the outputs and their gradient), in single precision. The data set and the process itself
    /// are left out. Reported by the built-in trainer as `memory_mb`, for studies that constrain
    /// memory (`constraints: [{metric: memory_mb, max: …}]`).
    package var memoryEstimateMB: Double {
        let optimizerBuffers = optimizer == .adam ? 2 : 1
        let parameters = weightCount * (2 + optimizerBuffers)
        let activations = batchSize * (DigitsDataset.featureCount + 3 * units * layers + 2 * DigitsDataset.classCount)
        return Double((parameters + activations) * MemoryLayout<Float>.size) / 1_048_576
    }
}
