import Foundation

/// The optimizers the trainer offers.
package enum OptimizerKind: String, Sendable, CaseIterable {
    /// Stochastic gradient descent with (optionally Nesterov) momentum.
    case sgd
    /// Adam (Kingma & Ba, 2015), with bias-corrected moment estimates.
    case adam
}

/// Updates the network's tensors from their gradients, keeping per-tensor state.
///
/// SGD with momentum μ, in the form PyTorch uses: `v ← μ·v + g`, then `θ ← θ − lr·v`, or with
/// Nesterov `θ ← θ − lr·(g + μ·v)`. Adam: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `θ ← θ − lr·m̂ / (√v̂ + ε)` with the bias-corrected m̂, v̂ and ε = 1e-8.
struct Optimizer<S: TrainingScalar> {
    let kind: OptimizerKind
    let nesterov: Bool
    let beta1: Double
    let beta2: Double
    let epsilon = 1e-8
    /// SGD's velocities or Adam's first moments, one per tensor (internal for checkpoints).
    var first: [[S]]
    /// Adam's second moments (empty for SGD).
    var second: [[S]]
    /// Updates made so far (Adam's bias correction depends on it).
    var steps = 0

    init(kind: OptimizerKind, nesterov: Bool, beta1: Double, beta2: Double, shapes: [[S]]) {
        self.kind = kind
        self.nesterov = nesterov
        self.beta1 = beta1
        self.beta2 = beta2
        first = shapes.map { Array(repeating: 0, count: $0.count) }
        second = kind == .adam ? first : []
    }

    /// One step with learning rate `lr` and (SGD only) momentum `momentum`.
    mutating func step(_ tensors: inout [[S]], gradients: [[S]], lr: Double, momentum: Double) {
        steps += 1
        switch kind {
        // The updates are static functions: calling a method of `self` while passing `&first[t]`
        // made Swift copy `self` for the call, so every step copied each velocity buffer
        // (copy on write) before updating it.
        case .sgd:
            for t in tensors.indices {
                Self.sgd(&tensors[t], gradients[t], &first[t], lr: S(lr), momentum: S(momentum), nesterov: nesterov)
            }
        case .adam:
            let correction1 = S(1 - pow(beta1, Double(steps)))
            let correction2 = S(1 - pow(beta2, Double(steps)))
            let (beta1, beta2, epsilon) = (S(beta1), S(beta2), S(epsilon))
            for t in tensors.indices {
                Self.adam(
                    &tensors[t], gradients[t], &first[t], &second[t], lr: S(lr), beta1: beta1, beta2: beta2,
                    epsilon: epsilon, correction1: correction1, correction2: correction2)
            }
        }
    }

    private static func sgd(_ theta: inout [S], _ g: [S], _ v: inout [S], lr: S, momentum: S, nesterov: Bool) {
        let count = theta.count
        theta.withUnsafeMutableBufferPointer { theta in
            g.withUnsafeBufferPointer { g in
                v.withUnsafeMutableBufferPointer { v in
                    if momentum == 0 {
                        for i in 0..<count { theta[i] -= lr * g[i] }
                    } else if nesterov {
                        for i in 0..<count {
                            v[i] = momentum * v[i] + g[i]
                            theta[i] -= lr * (g[i] + momentum * v[i])
                        }
                    } else {
                        for i in 0..<count {
                            v[i] = momentum * v[i] + g[i]
                            theta[i] -= lr * v[i]
                        }
                    }
                }
            }
        }
    }

    private static func adam(
        _ theta: inout [S], _ g: [S], _ m: inout [S], _ v: inout [S],
        lr: S, beta1: S, beta2: S, epsilon: S, correction1: S, correction2: S
    ) {
        let count = theta.count
        theta.withUnsafeMutableBufferPointer { theta in
            g.withUnsafeBufferPointer { g in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        for i in 0..<count {
                            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                            theta[i] -= lr * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                        }
                    }
                }
            }
        }
    }
}
