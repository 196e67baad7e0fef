/// The nonlinearity of the hidden layers.
package enum Activation: String, Sendable, CaseIterable {
    case relu
    case tanh

    /// Replaces each of `count` values by its activation.
    func apply<S: TrainingScalar>(_ values: UnsafeMutablePointer<S>, count: Int) {
        switch self {
        case .relu:
            for i in 0..<count { values[i] = max(values[i], 0) }
        case .tanh:
            for i in 0..<count { values[i] = S.tanh(values[i]) }
        }
    }

    /// Multiplies each gradient by the activation's derivative, given the activation's *outputs*
    /// (relu: 1 where the output is positive; tanh: 1 − output²).
    func backward<S: TrainingScalar>(gradient: UnsafeMutablePointer<S>, outputs: UnsafePointer<S>, count: Int) {
        switch self {
        case .relu:
            S.maskNonPositive(gradient, where: outputs, count: count)
        case .tanh:
            for i in 0..<count { gradient[i] *= 1 - outputs[i] * outputs[i] }
        }
    }

    /// The standard deviation of the initial weights of a layer feeding this activation: He for
    /// relu (√(2 / fan-in)), Xavier/Glorot for tanh (√(2 / (fan-in + fan-out))).
    func initialScale(fanIn: Int, fanOut: Int) -> Double {
        switch self {
        case .relu: (2 / Double(fanIn)).squareRoot()
        case .tanh: (2 / Double(fanIn + fanOut)).squareRoot()
        }
    }
}
