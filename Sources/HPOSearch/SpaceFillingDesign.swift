import Foundation
import HPOCore

/// Space-filling point sets in [0, 1)^d, reproducible from a seed.
enum SpaceFillingDesign {
    /// A Latin hypercube of `count` points (each coordinate hits each of the `count` strata once),
    /// the best of `tries` random ones by the smallest pairwise distance (maximin).
    static func latinHypercube(count: Int, dimension d: Int, seed: UInt64, tries: Int = 32) -> [[Double]] {
        guard count > 0, d > 0 else { return [] }
        var best: [[Double]] = []
        var bestDistance = -Double.infinity
        for attempt in 0..<max(tries, 1) {
            var generator = SplitMix64(seed: seed, stream: 0x4C48_5300 &+ UInt64(attempt))
            var points = [[Double]](repeating: [Double](repeating: 0, count: d), count: count)
            for k in 0..<d {
                var strata = Array(0..<count)
                strata.shuffle(using: &generator)
                for i in 0..<count { points[i][k] = (Double(strata[i]) + generator.nextUnit()) / Double(count) }
            }
            var smallest = Double.infinity
            for i in 0..<count {
                for j in 0..<i {
                    var squared = 0.0
                    for k in 0..<d { squared += (points[i][k] - points[j][k]) * (points[i][k] - points[j][k]) }
                    smallest = min(smallest, squared)
                }
            }
            if smallest > bestDistance {
                best = points
                bestDistance = smallest
            }
        }
        return best
    }

    /// The first `count` points of the additive recurrence x_n = frac(shift + n·α) with Roberts'
    /// R_d generator (α_k = φ_d^−(k+1), φ_d the root of x^(d+1) = x + 1): a low-discrepancy
    /// sequence in any dimension, randomised by the seeded shift (Cranley–Patterson rotation).
    static func kronecker(count: Int, dimension d: Int, seed: UInt64, start: Int = 0) -> [Double] {
        guard count > 0, d > 0 else { return [] }
        var phi = 2.0
        for _ in 0..<40 { phi = Foundation.pow(1 + phi, 1 / Double(d + 1)) }
        var alpha = [Double](repeating: 0, count: d)
        var power = 1.0
        for k in 0..<d {
            power /= phi
            alpha[k] = power
        }
        var generator = SplitMix64(seed: seed, stream: 0x5244)
        let shift = (0..<d).map { _ in generator.nextUnit() }
        var points = [Double](repeating: 0, count: count * d)
        for i in 0..<count {
            let n = Double(start + i + 1)
            for k in 0..<d {
                let v = shift[k] + n * alpha[k]
                points[i * d + k] = v - v.rounded(.down)
            }
        }
        return points
    }
}
