/// The buffers of one mini-batch's forward and backward pass, allocated once per training run
/// and reused by every batch: the batch itself, each hidden layer's activations (and dropout mask
/// and masked output), the logits and the two deltas of the backward pass. Before it, each batch
/// allocated about ten arrays of up to 32 KB and copied the activations once more (see
/// docs/performance.md).
///
/// A class with manually allocated storage, so that writing through it never triggers a
/// copy-on-write check; it is not shared between threads (each training run has its own).
final class BatchWorkspace<S: TrainingScalar> {
    /// The most rows a batch may have.
    let capacity: Int
    let sizes: [Int]
    /// The batch's features, capacity × sizes[0], row-major.
    let x: UnsafeMutablePointer<S>
    /// The batch's labels.
    var labels: [Int]
    /// Each hidden layer's activation outputs (before dropout), capacity × sizes[l + 1].
    let activated: [UnsafeMutablePointer<S>]
    /// Each hidden layer's dropout mask and masked output (used only with dropout).
    let masks: [UnsafeMutablePointer<S>]
    let dropped: [UnsafeMutablePointer<S>]
    /// capacity × classes.
    let logits: UnsafeMutablePointer<S>
    /// Two buffers of capacity × the widest layer, for delta and the delta of the layer below.
    var delta: UnsafeMutablePointer<S>
    var below: UnsafeMutablePointer<S>
    /// capacity ones (the column sums of delta are a product with them).
    let ones: UnsafeMutablePointer<S>

    init(sizes: [Int], capacity: Int, dropout: Bool) {
        precondition(sizes.count >= 2 && capacity > 0)
        self.capacity = capacity
        self.sizes = sizes
        func buffer(_ count: Int) -> UnsafeMutablePointer<S> {
            let pointer = UnsafeMutablePointer<S>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            return pointer
        }
        let hidden = sizes.dropFirst().dropLast()
        x = buffer(capacity * sizes[0])
        labels = Array(repeating: 0, count: capacity)
        activated = hidden.map { buffer(capacity * $0) }
        masks = dropout ? hidden.map { buffer(capacity * $0) } : []
        dropped = dropout ? hidden.map { buffer(capacity * $0) } : []
        logits = buffer(capacity * sizes[sizes.count - 1])
        let widest = sizes.max() ?? 1
        delta = buffer(capacity * widest)
        below = buffer(capacity * widest)
        ones = buffer(capacity)
        ones.update(repeating: 1, count: capacity)
    }

    deinit {
        for pointer in [x, logits, delta, below, ones] + activated + masks + dropped { pointer.deallocate() }
    }

    /// The input of layer `l` in the current pass: the batch, or the previous hidden layer's output
    /// (masked when dropping).
    func input(ofLayer l: Int, dropping: Bool) -> UnsafeMutablePointer<S> {
        l == 0 ? x : dropping ? dropped[l - 1] : activated[l - 1]
    }
}
