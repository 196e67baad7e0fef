/// A learning-rate range test's record: the learning rate and the (raw) loss at each step.
package struct LRSeries: Sendable, Equatable {
    package var learningRates: [Double]
    package var losses: [Double]

    package init(learningRates: [Double], losses: [Double]) {
        precondition(learningRates.count == losses.count, "one loss per learning rate")
        self.learningRates = learningRates
        self.losses = losses
    }

    package var count: Int { losses.count }
}
