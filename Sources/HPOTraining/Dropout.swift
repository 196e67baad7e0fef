/// Inverted dropout: during training each hidden unit is kept with probability 1 − rate and
/// scaled by 1 / (1 − rate), so nothing changes at evaluation time.
struct Dropout {
    let rate: Double
    var generator: SeededGenerator

    /// A mask of `count` factors, each 0 or 1 / (1 − rate).
    mutating func mask<S: TrainingScalar>(count: Int) -> [S] {
        let kept = S(1 / (1 - rate))
        var mask = [S](repeating: 0, count: count)
        mask.withUnsafeMutableBufferPointer { mask in
            for i in 0..<count where generator.uniform() >= rate { mask[i] = kept }
        }
        return mask
    }

    /// The same factors as `mask(count:)`, drawn in the same order, written into `mask`.
    mutating func fill<S: TrainingScalar>(_ mask: UnsafeMutablePointer<S>, count: Int) {
        let kept = S(1 / (1 - rate))
        for i in 0..<count { mask[i] = generator.uniform() >= rate ? kept : 0 }
    }
}
