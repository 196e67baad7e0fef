extension TrainerHyperparameters {
    /// The number of weights and biases of the network these hyperparameters build on the digits
    /// (64 inputs, `layers` hidden layers of `units`, 10 classes): the model's size, reported by the
    /// built-in trainer as the metric `weights`.
    package var weightCount: Int {
        let sizes = [DigitsDataset.featureCount] + Array(repeating: units, count: layers) + [DigitsDataset.classCount]
        return zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
    }
}
