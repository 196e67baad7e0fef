import Foundation

/// Softmax cross-entropy over the rows of a logits matrix (one row per example, one column per
/// class), computed with the log-sum-exp shift so large logits cannot overflow.
enum SoftmaxCrossEntropy {
    struct Evaluation {
        /// The mean loss over the rows.
        var loss: Double
        /// How many rows have their largest logit at the label.
        var correct: Int
    }

    /// The mean loss and the number of correct predictions. If `gradient` is given (same shape as
    /// the logits), it receives ∂loss/∂logits = (softmax − one-hot) / rows.
    static func evaluate(
        logits: UnsafePointer<Double>, rows: Int, classes: Int, labels: [Int],
        gradient: UnsafeMutablePointer<Double>? = nil
    ) -> Evaluation {
        var total = 0.0
        var correct = 0
        let scale = 1 / Double(rows)
        for row in 0..<rows {
            let z = logits + row * classes
            var largest = z[0]
            var predicted = 0
            for c in 1..<classes where z[c] > largest {
                largest = z[c]
                predicted = c
            }
            var sum = 0.0
            for c in 0..<classes { sum += exp(z[c] - largest) }
            let label = labels[row]
            total += log(sum) + largest - z[label]
            if predicted == label, z[label].isFinite { correct += 1 }
            if let gradient {
                let g = gradient + row * classes
                for c in 0..<classes { g[c] = exp(z[c] - largest) / sum * scale }
                g[label] -= scale
            }
        }
        return Evaluation(loss: total * scale, correct: correct)
    }
}
