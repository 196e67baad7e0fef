/// A learning-rate range test's record: the learning rate and the (raw) loss at each step.
public struct LRSeries: Sendable, Equatable {
    public var learningRates: [Double]
    public var losses: [Double]

    public init(learningRates: [Double], losses: [Double]) {
        precondition(learningRates.count == losses.count, "one loss per learning rate")
        self.learningRates = learningRates
        self.losses = losses
    }

    public var count: Int { losses.count }
}
