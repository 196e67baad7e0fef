import Foundation
import HPOCore
import HPOGaussianProcess

/// Maximises log expected improvement over the unit cube: a space-filling candidate set plus
/// perturbations of the best observed points, all snapped to valid configurations and scored in
/// one batched prediction; then bounded L-BFGS from the best few, on the coordinates that may move
/// continuously (one-hot blocks stay as the candidate had them).
struct AcquisitionOptimizer: Sendable {
    /// Space-filling candidates (randomly shifted R_d sequence), while the model has at most 100
    /// points; then half of (100/n)² of it, down to 5 % (the other kinds as (100/n)², down to 15 %):
    /// at 300 points about 100 + 75 + 45 candidates.
    var spaceFillingCount = 2000
    /// Perturbed candidates per incumbent.
    var perturbationsPerIncumbent = 100
    /// How many of the best observed points are perturbed.
    var incumbentCount = 5
    /// Candidates that copy one of the best three points and redraw one or two of its
    /// coordinates uniformly: long moves along the axes, which find a better basin of one
    /// parameter while keeping the others (separable or nearly separable objectives).
    var axisMoves = 300
    /// Local refinements, started from the best distinct candidates (at most 3 once the model
    /// holds more than 200 points).
    var refinementStarts = 5
    var refinementIterations = 25
    /// Points within this distance (largest coordinate difference) of a taken one are duplicates.
    var duplicateTolerance = 1e-6

    /// The best point found (snapped, not within tolerance of `taken`) and its log EI; nil only if
    /// every candidate duplicates a taken point.
    func maximize(
        model: GaussianProcess, best: Double, encoding: UnitCubeEncoding, incumbents: [[Double]], taken: [[Double]],
        seed: UInt64
    ) -> (point: [Double], logEI: Double)? {
        let d = encoding.dimension
        var generator = SplitMix64(seed: seed, stream: 0xACC)
        // Scoring costs O(candidates · n²): fewer candidates of every kind once n is large; the
        // space-filling ones most (with hundreds of results, EI lives near the best points).
        let shrink = min(1, Foundation.pow(100 / Double(max(model.count, 1)), 2))
        let scale = max(0.15, shrink)
        let spaceFilling = Int(Double(spaceFillingCount) * max(0.05, shrink < 1 ? shrink / 2 : 1))
        let perturbations = Int(Double(perturbationsPerIncumbent) * scale)
        let axisMoves = Int(Double(self.axisMoves) * scale)
        var flat = SpaceFillingDesign.kronecker(count: spaceFilling, dimension: d, seed: generator.next())
        let lengthScales = model.kernel.lengthScales
        let meanLogScale = lengthScales.reduce(0) { $0 + Foundation.log($1) } / Double(d)
        let relative = lengthScales.map { min(max(Foundation.exp(Foundation.log($0) - meanLogScale), 0.1), 10) }
        let perturbProbability = min(1, 20 / Double(d))
        let scales = [0.2, 0.05, 0.0125, 0.003]
        for incumbent in incumbents.prefix(incumbentCount) {
            for i in 0..<perturbations {
                let scale = scales[i % scales.count]
                var point = incumbent
                for k in 0..<d where generator.nextUnit() < perturbProbability {
                    point[k] = min(max(point[k] + scale * relative[k] * gaussian(&generator), 0), 1)
                }
                flat += point
            }
        }
        let axisSources = Array(incumbents.prefix(3))
        if !axisSources.isEmpty {
            for i in 0..<axisMoves {
                var point = axisSources[i % axisSources.count]
                let moved = 1 + Int(generator.next() % 2)
                for _ in 0..<moved { point[Int(generator.next() % UInt64(d))] = generator.nextUnit() }
                flat += point
            }
        }
        let count = flat.count / d
        var candidates = (0..<count).map { encoding.snap(Array(flat[($0 * d)..<(($0 + 1) * d)])) }
        candidates = candidates.filter { !isDuplicate($0, of: taken) && encoding.allows($0) }
        guard !candidates.isEmpty else { return nil }

        let scores = score(candidates, model: model, best: best)
        let order = candidates.indices.sorted { scores[$0] > scores[$1] }
        var result = (point: candidates[order[0]], logEI: scores[order[0]])

        // Refine the best distinct candidates.
        var starts: [[Double]] = []
        // Past 200 points a refinement step costs as much as scoring a dozen candidates: fewer starts.
        let startCount = model.count > 200 ? min(refinementStarts, 3) : refinementStarts
        for index in order where starts.count < startCount {
            if !isDuplicate(candidates[index], of: starts, tolerance: 1e-3) { starts.append(candidates[index]) }
        }
        let optimiser = BoundedLBFGS(
            maxIterations: refinementIterations, gradientTolerance: 1e-9, relativeTolerance: 1e-10)
        for start in starts {
            let free = encoding.freeCoordinates(at: start)
            guard !free.isEmpty else { continue }
            func full(_ sub: [Double]) -> [Double] {
                var x = start
                for (i, k) in free.enumerated() { x[k] = sub[i] }
                return x
            }
            let refined = optimiser.minimize(
                start: free.map { start[$0] }, lower: free.map { _ in 0 }, upper: free.map { _ in 1 }
            ) { sub in
                let (value, gradient) = LogExpectedImprovement.valueAndGradient(
                    model.predictWithGradient(at: full(sub)), best: best)
                guard value.isFinite else { return nil }
                return (-value, free.map { -gradient[$0] })
            }
            guard let refined else { continue }
            let point = encoding.snap(full(refined.x))
            guard !isDuplicate(point, of: taken), encoding.allows(point) else { continue }
            let value = score([point], model: model, best: best)[0]
            if value > result.logEI { result = (point, value) }
        }
        return result
    }

    /// log EI at each point, predicted in batches.
    private func score(_ points: [[Double]], model: GaussianProcess, best: Double) -> [Double] {
        var scores: [Double] = []
        scores.reserveCapacity(points.count)
        let (mean, variance) =
            points.count > 64
            ? model.predictMany(Array(points.joined()), rows: points.count)
            : model.predict(Array(points.joined()), rows: points.count)
        for i in points.indices {
            let value = LogExpectedImprovement.value(mean: mean[i], variance: variance[i], best: best)
            scores.append(value.isNaN ? -.infinity : value)
        }
        return scores
    }

    func isDuplicate(_ point: [Double], of others: [[Double]], tolerance: Double? = nil) -> Bool {
        let tolerance = tolerance ?? duplicateTolerance
        return others.contains { other in
            for k in point.indices where abs(point[k] - other[k]) > tolerance { return false }
            return true
        }
    }

    private func gaussian(_ generator: inout SplitMix64) -> Double {
        let u = max(generator.nextUnit(), 1e-300)
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * generator.nextUnit())
    }
}
