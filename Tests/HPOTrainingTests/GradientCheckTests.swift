import Testing

@testable import HPOTraining

/// The backward pass against central finite differences, in double precision.
@Suite struct GradientCheckTests {
    /// The worst relative error over every parameter of a small network, |a − n| / max(|a| + |n|, 1e-4):
    /// the floor keeps the rounding noise of the differences (about 1e-11 with h = 1e-5) from
    /// inflating the error of near-zero components, while any real mistake stays visible.
    func check(activation: Activation, sizes: [Int], weightDecay: Double, dropout rate: Double = 0) -> Double {
        var generator = SeededGenerator(seed: 42)
        var network = MLPNetwork<Double>(sizes: sizes, activation: activation, generator: &generator)
        // Non-zero biases, so that their gradients are exercised from a generic point.
        for t in stride(from: 1, to: network.tensors.count, by: 2) {
            network.tensors[t] = network.tensors[t].map { _ in generator.normal() * 0.1 }
        }
        let rows = 7
        let x = (0..<(rows * sizes[0])).map { _ in generator.normal() }
        let labels = (0..<rows).map { $0 % sizes[sizes.count - 1] }
        // The same dropout mask every time: a generator restarted from the same seed.
        func freshDropout() -> Dropout? { rate > 0 ? Dropout(rate: rate, generator: SeededGenerator(seed: 9)) : nil }
        func loss(_ network: MLPNetwork<Double>) -> Double {
            var dropout = freshDropout()
            var ignored = network.tensors.map { [Double](repeating: 0, count: $0.count) }
            return network.lossAndGradient(
                x, labels: labels, weightDecay: weightDecay, dropout: &dropout, gradient: &ignored
            ).loss
                + network.penalty(weightDecay: weightDecay)
        }
        var gradient = network.tensors.map { [Double](repeating: 0, count: $0.count) }
        var dropout = freshDropout()
        _ = network.lossAndGradient(x, labels: labels, weightDecay: weightDecay, dropout: &dropout, gradient: &gradient)

        var worst = 0.0
        let h = 1e-5
        for t in network.tensors.indices {
            for i in network.tensors[t].indices {
                var plus = network
                plus.tensors[t][i] += h
                var minus = network
                minus.tensors[t][i] -= h
                let numeric = (loss(plus) - loss(minus)) / (2 * h)
                let analytic = gradient[t][i]
                worst = max(worst, abs(analytic - numeric) / max(abs(analytic) + abs(numeric), 1e-4))
            }
        }
        return worst
    }

    @Test("tanh network, two hidden layers, with weight decay", arguments: [0.0, 0.01])
    func tanh(weightDecay: Double) {
        #expect(check(activation: .tanh, sizes: [5, 6, 4, 3], weightDecay: weightDecay) < 1e-6)
    }

    @Test("relu network, three hidden layers, with weight decay", arguments: [0.0, 0.05])
    func relu(weightDecay: Double) {
        #expect(check(activation: .relu, sizes: [6, 8, 7, 5, 4], weightDecay: weightDecay) < 1e-5)
    }

    @Test("no hidden layer (softmax regression), and a network with a fixed dropout mask")
    func edges() {
        #expect(check(activation: .relu, sizes: [4, 3], weightDecay: 0.01) < 1e-6)
        #expect(check(activation: .tanh, sizes: [5, 6, 6, 3], weightDecay: 0.01, dropout: 0.3) < 1e-6)
    }
}
