/// A multi-layer perceptron: dense layers with an activation between them and raw class scores
/// (logits) out; the softmax lives in the loss. `S` is the precision it computes in.
///
/// Parameters are kept as a list of tensors, two per layer: the weights of layer `l` at `2l`
/// (fan-in × fan-out, row-major, so a layer computes `inputs · W + b`) and its biases at `2l + 1`.
struct MLPNetwork<S: TrainingScalar> {
    /// The width of each layer, inputs first and classes last: `[64, 128, 128, 10]`.
    let sizes: [Int]
    let activation: Activation
    var tensors: [[S]]

    var layerCount: Int { sizes.count - 1 }
    var classes: Int { sizes[layerCount] }

    /// A network with seeded random weights (normal; He for relu, Xavier for tanh and for the
    /// output layer) and zero biases.
    init(sizes: [Int], activation: Activation, generator: inout SeededGenerator) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 })
        self.sizes = sizes
        self.activation = activation
        var tensors: [[S]] = []
        for l in 0..<(sizes.count - 1) {
            let (fanIn, fanOut) = (sizes[l], sizes[l + 1])
            let isOutput = l == sizes.count - 2
            let scale = (isOutput ? Activation.tanh : activation).initialScale(fanIn: fanIn, fanOut: fanOut)
            tensors.append((0..<(fanIn * fanOut)).map { _ in S(generator.normal() * scale) })
            tensors.append(Array(repeating: 0, count: fanOut))
        }
        self.tensors = tensors
    }

    /// What a forward pass keeps for the backward pass.
    struct ForwardPass {
        /// The input of each layer: the batch, then each hidden layer's output after dropout.
        var layerInputs: [[S]]
        /// Each hidden layer's activation outputs (before dropout), for the derivative.
        var activated: [[S]] = []
        /// Each hidden layer's dropout mask, or nil when not dropping.
        var masks: [[S]?] = []
        var logits: [S] = []
    }

    /// Runs the batch `x` (rows × sizes[0], row-major) through the network; with `dropout`,
    /// hidden outputs are masked (training).
    func forward(_ x: [S], rows: Int, dropout: inout Dropout?) -> ForwardPass {
        var pass = ForwardPass(layerInputs: [x])
        for l in 0..<layerCount {
            let (fanIn, fanOut) = (sizes[l], sizes[l + 1])
            var z = Self.repeatedRows(tensors[2 * l + 1], count: rows)
            S.multiply(
                m: rows, n: fanOut, k: fanIn, a: pass.layerInputs[l], lda: fanIn,
                b: tensors[2 * l], ldb: fanOut, beta: 1, c: &z, ldc: fanOut)
            if l == layerCount - 1 {
                pass.logits = z
                break
            }
            activation.apply(&z, count: z.count)
            pass.activated.append(z)
            let mask: [S]? = dropout?.mask(count: z.count)
            if let mask { Self.multiply(&z, by: mask) }
            pass.masks.append(mask)
            pass.layerInputs.append(z)
        }
        return pass
    }

    /// The mean loss and the accuracy on `features` (rows × sizes[0]) and `labels`, without
    /// dropout or gradient.
    func evaluate(_ features: [S], labels: [Int]) -> (loss: Double, accuracy: Double) {
        var noDropout: Dropout? = nil
        let pass = forward(features, rows: labels.count, dropout: &noDropout)
        let result = SoftmaxCrossEntropy.evaluate(
            logits: pass.logits, rows: labels.count, classes: classes, labels: labels)
        return (result.loss, Double(result.correct) / Double(labels.count))
    }

    /// The mean cross-entropy of the batch (without the weight-decay term), and in `gradient`
    /// (one array per tensor, overwritten) the gradient of
    /// `mean cross-entropy + weightDecay / 2 · Σ ‖W‖²` (weights only, not biases). Allocates its
    /// buffers; training uses the workspace form below.
    func lossAndGradient(
        _ x: [S], labels: [Int], weightDecay: Double, dropout: inout Dropout?, gradient: inout [[S]]
    ) -> SoftmaxCrossEntropy.Evaluation {
        let workspace = BatchWorkspace<S>(sizes: sizes, capacity: labels.count, dropout: dropout != nil)
        x.withUnsafeBufferPointer { workspace.x.update(from: $0.baseAddress!, count: x.count) }
        workspace.labels = labels
        return lossAndGradient(
            rows: labels.count, workspace: workspace, weightDecay: weightDecay, dropout: &dropout, gradient: &gradient)
    }

    /// The same on the first `rows` rows of `workspace.x` and `workspace.labels`, with no
    /// allocation: the forward pass writes the workspace's activations, the backward pass its
    /// deltas. The same BLAS calls in the same order as the allocating form, so the same numbers.
    func lossAndGradient(
        rows: Int, workspace w: BatchWorkspace<S>, weightDecay: Double, dropout: inout Dropout?, gradient: inout [[S]]
    ) -> SoftmaxCrossEntropy.Evaluation {
        precondition(rows <= w.capacity && w.sizes == sizes && (dropout == nil || w.masks.count == layerCount - 1))
        let dropping = dropout != nil
        // Forward.
        for l in 0..<layerCount {
            let (fanIn, fanOut) = (sizes[l], sizes[l + 1])
            let out = l == layerCount - 1 ? w.logits : w.activated[l]
            tensors[2 * l + 1].withUnsafeBufferPointer { bias in  // a loop: a memmove call per row cost more
                for r in 0..<rows {
                    let row = out + r * fanOut
                    for c in 0..<fanOut { row[c] = bias[c] }
                }
            }
            S.multiply(
                m: rows, n: fanOut, k: fanIn, a: w.input(ofLayer: l, dropping: dropping), lda: fanIn,
                b: tensors[2 * l], ldb: fanOut, beta: 1, c: out, ldc: fanOut)
            guard l < layerCount - 1 else { break }
            activation.apply(out, count: rows * fanOut)
            if dropout != nil {
                let (mask, dropped) = (w.masks[l], w.dropped[l])
                dropout!.fill(mask, count: rows * fanOut)
                for i in 0..<(rows * fanOut) { dropped[i] = out[i] * mask[i] }
            }
        }
        // Backward.
        let result = SoftmaxCrossEntropy.evaluate(
            logits: w.logits, rows: rows, classes: classes, labels: w.labels, gradient: w.delta)
        for l in stride(from: layerCount - 1, through: 0, by: -1) {
            let (fanIn, fanOut) = (sizes[l], sizes[l + 1])
            // dW = inputsᵀ · delta + λ·W
            if weightDecay > 0 {  // copied element by element: assigning the array would share it and copy on write
                tensors[2 * l].withUnsafeBufferPointer { weights in
                    gradient[2 * l].withUnsafeMutableBufferPointer {
                        $0.baseAddress!.update(from: weights.baseAddress!, count: weights.count)
                    }
                }
            }
            S.multiply(
                transposeA: true, m: fanIn, n: fanOut, k: rows, a: w.input(ofLayer: l, dropping: dropping), lda: fanIn,
                b: w.delta, ldb: fanOut, beta: S(weightDecay), c: &gradient[2 * l], ldc: fanOut)
            // db = column sums of delta
            S.gemvTransposed(m: rows, n: fanOut, a: w.delta, x: w.ones, beta: 0, y: &gradient[2 * l + 1])
            guard l > 0 else { break }
            // delta of the layer below = (delta · Wᵀ) ⊙ mask ⊙ activation′
            S.multiply(
                transposeB: true, m: rows, n: fanIn, k: fanOut, a: w.delta, lda: fanOut,
                b: tensors[2 * l], ldb: fanOut, beta: 0, c: w.below, ldc: fanIn)
            if dropping {
                let mask = w.masks[l - 1]
                for i in 0..<(rows * fanIn) { w.below[i] *= mask[i] }
            }
            activation.backward(gradient: w.below, outputs: w.activated[l - 1], count: rows * fanIn)
            (w.delta, w.below) = (w.below, w.delta)
        }
        return result
    }

    /// `weightDecay / 2 · Σ ‖W‖²` over the weight matrices: the regularisation term of the loss.
    func penalty(weightDecay: Double) -> Double {
        guard weightDecay > 0 else { return 0 }
        var sum = 0.0
        for l in 0..<layerCount { sum += Double(S.sumOfSquares(tensors[2 * l], count: tensors[2 * l].count)) }
        return weightDecay / 2 * sum
    }

    /// `rows` copies of `row`, one after the other (the biases of a batch).
    static func repeatedRows(_ row: [S], count rows: Int) -> [S] {
        let width = row.count
        return [S](unsafeUninitializedCapacity: rows * width) { buffer, initialized in
            row.withUnsafeBufferPointer { row in
                for r in 0..<rows {
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[(r * width)..<((r + 1) * width)]).initialize(
                        from: row)
                }
            }
            initialized = rows * width
        }
    }

    /// `values[i] *= factors[i]` for every i.
    static func multiply(_ values: inout [S], by factors: [S]) {
        precondition(values.count == factors.count)
        values.withUnsafeMutableBufferPointer { values in
            factors.withUnsafeBufferPointer { factors in
                for i in 0..<values.count { values[i] *= factors[i] }
            }
        }
    }
}
