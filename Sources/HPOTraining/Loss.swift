import Foundation

/// Softmax cross-entropy over the rows of a logits matrix (one row per example, one column per
/// class), computed in double precision with the log-sum-exp shift, so large logits cannot
/// overflow.
enum SoftmaxCrossEntropy {
    struct Evaluation {
        /// The mean loss over the rows.
        var loss: Double
        /// How many rows have their largest logit at the label.
        var correct: Int
    }

    /// The mean loss and the number of correct predictions. If `gradient` is given (same shape as
    /// the logits), it receives ∂loss/∂logits = (softmax − one-hot) / rows.
    static func evaluate<S: TrainingScalar>(
        logits: UnsafePointer<S>, rows: Int, classes: Int, labels: [Int], gradient: UnsafeMutablePointer<S>? = nil
    ) -> Evaluation {
        var total = 0.0
        var correct = 0
        let scale = 1 / Double(rows)
        var z = [Double](repeating: 0, count: classes)
        for row in 0..<rows {
            var largest = -Double.infinity
            var predicted = 0
            for c in 0..<classes {
                z[c] = Double(logits[row * classes + c])
                if z[c] > largest {
                    largest = z[c]
                    predicted = c
                }
            }
            var sum = 0.0
            for c in 0..<classes {
                z[c] = exp(z[c] - largest)  // from here on z holds the exponentials
                sum += z[c]
            }
            let label = labels[row]
            total += log(sum) + largest - Double(logits[row * classes + label])
            if predicted == label { correct += 1 }
            if let gradient {
                for c in 0..<classes {
                    gradient[row * classes + c] = S((z[c] / sum - (c == label ? 1 : 0)) * scale)
                }
            }
        }
        return Evaluation(loss: total * scale, correct: correct)
    }
}
