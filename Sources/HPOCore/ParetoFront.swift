/// The Pareto front of points to *minimise* in every coordinate, and its hypervolume.
///
/// A point dominates another when it is no worse in every coordinate and better in one; the front
/// is the points nothing dominates. The hypervolume of a set against a reference point is the
/// volume of the region dominated by the set and bounded by the reference (points not better than
/// the reference in every coordinate add nothing). Exact, by slicing along the last coordinate:
/// O(n log n) in 2-d, O(n² log n) in 3-d, enough for the hundreds of trials of a study.
package enum ParetoFront {
    /// Whether `a` dominates `b` (both to minimise).
    package static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        var strictly = false
        for k in a.indices {
            if a[k] > b[k] { return false }
            if a[k] < b[k] { strictly = true }
        }
        return strictly
    }

    /// The indices of the points no other point dominates, in their order (equal points all stay).
    package static func nonDominated(_ points: [[Double]]) -> [Int] {
        points.indices.filter { i in !points.indices.contains { j in j != i && dominates(points[j], points[i]) } }
    }

    /// The hypervolume dominated by `points` and bounded by `reference`.
    package static func hypervolume(_ points: [[Double]], reference: [Double]) -> Double {
        let inside = points.filter { point in point.indices.allSatisfy { point[$0] < reference[$0] } }
        guard !inside.isEmpty else { return 0 }
        return sliced(inside, reference: reference, dimension: reference.count)
    }

    /// Hypervolume in the first `d` coordinates: sweep the points by their last coordinate; each
    /// slab between consecutive values is the (d−1)-volume of the points below it times its depth.
    private static func sliced(_ points: [[Double]], reference: [Double], dimension d: Int) -> Double {
        if d == 1 { return reference[0] - points.map { $0[0] }.min()! }
        if d == 2 {
            // Sort by the first coordinate; each point adds the strip below the lowest second coordinate so far.
            var volume = 0.0
            var lowest = reference[1]
            for point in points.sorted(by: { ($0[0], $0[1]) < ($1[0], $1[1]) }) where point[1] < lowest {
                volume += (reference[0] - point[0]) * (lowest - point[1])
                lowest = point[1]
            }
            return volume
        }
        let sorted = points.sorted { $0[d - 1] < $1[d - 1] }
        var volume = 0.0
        for i in sorted.indices {
            let top = i + 1 < sorted.count ? sorted[i + 1][d - 1] : reference[d - 1]
            let depth = top - sorted[i][d - 1]
            guard depth > 0 else { continue }
            volume += sliced(Array(sorted[...i]), reference: reference, dimension: d - 1) * depth
        }
        return volume
    }

    /// A reference point when none is given: per coordinate, the worst value plus a tenth of the
    /// range (or of the value's magnitude, at least 1, when all values are equal), so that every
    /// point of the front, extremes included, adds volume. Empty for no points.
    package static func defaultReference(_ points: [[Double]]) -> [Double] {
        guard let first = points.first else { return [] }
        return first.indices.map { k in
            let values = points.map { $0[k] }
            let low = values.min()!
            let high = values.max()!
            let span = high > low ? high - low : Swift.max(abs(high), 1)
            return high + 0.1 * span
        }
    }
}

extension StudyConfig {
    /// The hypervolume reference point in loss space (maximised objectives negated): each
    /// objective's `reference` where given, else `ParetoFront.defaultReference` of `losses`.
    package func hypervolumeReference(losses: [[Double]]) -> [Double] {
        let fallback = ParetoFront.defaultReference(losses)
        return objectives.enumerated().map { k, objective in
            if let reference = objective.reference { return objective.direction == .minimize ? reference : -reference }
            return k < fallback.count ? fallback[k] : 0
        }
    }
}

/// The Pareto front of the points inserted so far (to minimise), kept as points arrive: a point
/// another one dominates is not kept, and a new point drops the ones it dominates. Equal points
/// all stay, as in `ParetoFront.nonDominated`.
package struct ParetoArchive: Sendable {
    package private(set) var points: [[Double]] = []

    package init() {}

    package mutating func insert(_ point: [Double]) {
        guard !points.contains(where: { ParetoFront.dominates($0, point) }) else { return }
        points.removeAll { ParetoFront.dominates(point, $0) }
        points.append(point)
    }
}
