/// A multi-layer perceptron: dense layers with an activation between them and raw class scores
/// (logits) out; the softmax lives in the loss.
///
/// Parameters are kept as a list of tensors, two per layer: the weights of layer `l` at `2l`
/// (fan-in × fan-out, row-major, so a layer computes `inputs · W + b`) and its biases at `2l + 1`.
public struct MLPNetwork: Sendable {
    /// The width of each layer, inputs first and classes last: `[64, 128, 128, 10]`.
    public let sizes: [Int]
    public let activation: Activation
    public var tensors: [[Double]]

    public var layerCount: Int { sizes.count - 1 }
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// A network with seeded random weights (He for relu, Xavier for tanh, Xavier for the output
    /// layer, all normal) and zero biases.
    public init(sizes: [Int], activation: Activation, generator: inout SeededGenerator) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 })
        self.sizes = sizes
        self.activation = activation
        var tensors: [[Double]] = []
        for l in 0..<(sizes.count - 1) {
            let (fanIn, fanOut) = (sizes[l], sizes[l + 1])
            let isOutput = l == sizes.count - 2
            let scale = (isOutput ? Activation.tanh : activation).initialScale(fanIn: fanIn, fanOut: fanOut)
            tensors.append((0..<(fanIn * fanOut)).map { _ in generator.normal() * scale })
            tensors.append(Array(repeating: 0, count: fanOut))
        }
        self.tensors = tensors
    }

    /// What a forward pass keeps for the backward pass.
    struct ForwardPass {
        let rows: Int
        /// The input of each layer: the batch, then each hidden layer's output after dropout.
        var layerInputs: [[Double]]
        /// Each hidden layer's activation outputs (before dropout), for the derivative.
        var activated: [[Double]]
        /// Each hidden layer's dropout mask, or nil when not dropping.
        var masks: [[Double]?]
        var logits: [Double]
    }

    /// Runs the batch `x` (rows × sizes[0], row-major) through the network; with `dropout`,
    /// hidden outputs are masked (training).
    func forward(_ x: [Double], rows: Int, dropout: inout Dropout?) -> ForwardPass {
        var pass = ForwardPass(rows: rows, layerInputs: [x], activated: [], masks: [], logits: [])
        for l in 0..<layerCount {
            let (fanIn, fanOut) = (sizes[l], sizes[l + 1])
            var z = Self.repeatedRows(tensors[2 * l + 1], count: rows)
            BLAS.gemm(m: rows, n: fanOut, k: fanIn, a: pass.layerInputs[l], lda: fanIn,
                      b: tensors[2 * l], ldb: fanOut, beta: 1, c: &z, ldc: fanOut)
            if l == layerCount - 1 {
                pass.logits = z
                break
            }
            activation.apply(&z, count: z.count)
            pass.activated.append(z)
            let mask = dropout?.mask(count: z.count)
            if let mask { Self.multiply(&z, by: mask) }
            pass.masks.append(mask)
            pass.layerInputs.append(z)
        }
        return pass
    }

    /// The mean loss and correct count on `data` (no dropout, no gradient).
    public func evaluate(_ data: LabelledData) -> (loss: Double, accuracy: Double) {
        var noDropout: Dropout? = nil
        let pass = forward(data.features.values, rows: data.count, dropout: &noDropout)
        let result = SoftmaxCrossEntropy.evaluate(
            logits: pass.logits, rows: data.count, classes: sizes[layerCount], labels: data.labels)
        return (result.loss, Double(result.correct) / Double(data.count))
    }

    /// The mean cross-entropy of the batch (without the weight-decay term), and in `gradient`
    /// (one array per tensor, overwritten) the gradient of
    /// `mean cross-entropy + weightDecay / 2 · Σ ‖W‖²` (weights only, not biases).
    func lossAndGradient(
        _ x: [Double], labels: [Int], weightDecay: Double, dropout: inout Dropout?, gradient: inout [[Double]]
    ) -> SoftmaxCrossEntropy.Evaluation {
        let rows = labels.count
        let pass = forward(x, rows: rows, dropout: &dropout)
        var delta = [Double](repeating: 0, count: rows * sizes[layerCount])
        let result = SoftmaxCrossEntropy.evaluate(
            logits: pass.logits, rows: rows, classes: sizes[layerCount], labels: labels, gradient: &delta)
        let ones = [Double](repeating: 1, count: rows)
        for l in stride(from: layerCount - 1, through: 0, by: -1) {
            let (fanIn, fanOut) = (sizes[l], sizes[l + 1])
            // dW = inputsᵀ · delta + λ·W
            gradient[2 * l] = tensors[2 * l]
            BLAS.gemm(transposeA: true, m: fanIn, n: fanOut, k: rows, a: pass.layerInputs[l], lda: fanIn,
                      b: delta, ldb: fanOut, beta: weightDecay, c: &gradient[2 * l], ldc: fanOut)
            // db = column sums of delta
            BLAS.gemvTransposed(m: rows, n: fanOut, a: delta, x: ones, beta: 0, y: &gradient[2 * l + 1])
            guard l > 0 else { break }
            // delta of the layer below = (delta · Wᵀ) ⊙ mask ⊙ activation'
            var below = [Double](repeating: 0, count: rows * fanIn)
            BLAS.gemm(transposeB: true, m: rows, n: fanIn, k: fanOut, a: delta, lda: fanOut,
                      b: tensors[2 * l], ldb: fanOut, beta: 0, c: &below, ldc: fanIn)
            if let mask = pass.masks[l - 1] { Self.multiply(&below, by: mask) }
            activation.backward(gradient: &below, outputs: pass.activated[l - 1], count: below.count)
            delta = below
        }
        return result
    }

    /// `rows` copies of `row`, one after the other (the biases of a batch).
    static func repeatedRows(_ row: [Double], count rows: Int) -> [Double] {
        let width = row.count
        return [Double](unsafeUninitializedCapacity: rows * width) { buffer, initialized in
            row.withUnsafeBufferPointer { row in
                for r in 0..<rows {
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[(r * width)..<((r + 1) * width)]).initialize(from: row)
                }
            }
            initialized = rows * width
        }
    }

    /// `values[i] *= factors[i]` for every i.
    static func multiply(_ values: inout [Double], by factors: [Double]) {
        precondition(values.count == factors.count)
        values.withUnsafeMutableBufferPointer { values in
            factors.withUnsafeBufferPointer { factors in
                for i in 0..<values.count { values[i] *= factors[i] }
            }
        }
    }

    /// `weightDecay / 2 · Σ ‖W‖²` over the weight matrices: the regularisation term of the loss.
    func penalty(weightDecay: Double) -> Double {
        guard weightDecay > 0 else { return 0 }
        var sum = 0.0
        for l in 0..<layerCount { sum += BLAS.sumOfSquares(tensors[2 * l], count: tensors[2 * l].count) }
        return weightDecay / 2 * sum
    }
}
