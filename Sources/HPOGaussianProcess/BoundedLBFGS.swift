/// A compact projected L-BFGS minimiser for smooth functions on a box (in the spirit of
/// L-BFGS-B, without its Cauchy-point subspace step).
///
/// Each iteration: variables at a bound whose gradient pushes outward are held fixed; the two-loop
/// recursion gives a quasi-Newton direction on the others; a backtracking line search along the
/// projected path x(t) = P(x + t·d) accepts the first t meeting the Armijo condition. When the
/// direction is not a descent direction the memory is cleared and the projected steepest descent
/// is used instead.
package struct BoundedLBFGS: Sendable {
    package var maxIterations: Int
    package var memory: Int
    /// Stop when the projected gradient's largest component is below this.
    package var gradientTolerance: Double
    /// Stop when an iteration lowers f by less than this, relative to max(|f|, 1).
    package var relativeTolerance: Double

    package init(
        maxIterations: Int = 50, memory: Int = 8, gradientTolerance: Double = 1e-6, relativeTolerance: Double = 1e-9
    ) {
        self.maxIterations = maxIterations
        self.memory = memory
        self.gradientTolerance = gradientTolerance
        self.relativeTolerance = relativeTolerance
    }

    package struct Result: Sendable {
        package var x: [Double]
        package var value: Double
        package var iterations: Int
        package var evaluations: Int
    }

    /// Minimises `f` (value and gradient, or nil where it cannot be evaluated) from `start`
    /// within `lower`…`upper`. Returns nil only if `f` fails at the (projected) start.
    package func minimize(
        start: [Double], lower: [Double], upper: [Double], _ f: ([Double]) -> (value: Double, gradient: [Double])?
    ) -> Result? {
        // Variables whose bounds coincide are constants: optimise the others.
        let fixed = start.indices.filter { lower[$0] == upper[$0] }
        guard fixed.isEmpty else {
            let free = start.indices.filter { lower[$0] != upper[$0] }
            func full(_ sub: [Double]) -> [Double] {
                var x = lower
                for (i, k) in free.enumerated() { x[k] = sub[i] }
                return x
            }
            guard
                var result = minimize(
                    start: free.map { start[$0] }, lower: free.map { lower[$0] }, upper: free.map { upper[$0] },
                    { sub in
                        f(full(sub)).map { evaluation in (evaluation.value, free.map { evaluation.gradient[$0] }) }
                    })
            else { return nil }
            result.x = full(result.x)
            return result
        }
        let n = start.count
        precondition(lower.count == n && upper.count == n)
        func project(_ x: [Double]) -> [Double] { (0..<n).map { min(max(x[$0], lower[$0]), upper[$0]) } }

        var x = project(start)
        guard var (fx, g) = f(x) else { return nil }
        var evaluations = 1
        var sHistory: [[Double]] = []
        var yHistory: [[Double]] = []
        var iteration = 0

        while iteration < maxIterations {
            iteration += 1
            // Free variables: not at a bound with the gradient pushing outwards.
            let free = (0..<n).map { i in !((x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0)) }
            var projectedGradientNorm = 0.0
            for i in 0..<n where free[i] { projectedGradientNorm = max(projectedGradientNorm, abs(g[i])) }
            if projectedGradientNorm < gradientTolerance { break }

            var direction = twoLoop(gradient: (0..<n).map { free[$0] ? g[$0] : 0 }, s: sHistory, y: yHistory)
            for i in 0..<n where !free[i] { direction[i] = 0 }
            var slope = zip(direction, g).reduce(0) { $0 + $1.0 * $1.1 }
            if !(slope < 0) {
                sHistory.removeAll()
                yHistory.removeAll()
                direction = (0..<n).map { free[$0] ? -g[$0] : 0 }
                slope = zip(direction, g).reduce(0) { $0 + $1.0 * $1.1 }
                if !(slope < 0) { break }
            }
            // The first step of steepest descent is scaled to move about one unit.
            var t = sHistory.isEmpty ? min(1, 1 / max(direction.map(abs).max() ?? 1, 1e-12)) : 1
            var accepted: (x: [Double], value: Double, gradient: [Double])?
            for _ in 0..<30 {
                let candidate = project((0..<n).map { x[$0] + t * direction[$0] })
                var decrease = 0.0
                for i in 0..<n { decrease += g[i] * (candidate[i] - x[i]) }
                if let (fc, gc) = f(candidate) {
                    evaluations += 1
                    if fc <= fx + 1e-4 * decrease, fc.isFinite {
                        accepted = (candidate, fc, gc)
                        break
                    }
                } else {
                    evaluations += 1
                }
                t *= 0.5
            }
            guard let step = accepted else { break }
            let s = (0..<n).map { step.x[$0] - x[$0] }
            let yv = (0..<n).map { step.gradient[$0] - g[$0] }
            let sy = zip(s, yv).reduce(0) { $0 + $1.0 * $1.1 }
            let yy = yv.reduce(0) { $0 + $1 * $1 }
            if sy > 1e-10 * yy, sy > 0 {
                sHistory.append(s)
                yHistory.append(yv)
                if sHistory.count > memory {
                    sHistory.removeFirst()
                    yHistory.removeFirst()
                }
            }
            let improvement = fx - step.value
            x = step.x
            fx = step.value
            g = step.gradient
            if improvement <= relativeTolerance * max(abs(fx), 1) { break }
        }
        return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations)
    }

    /// −H·g by the L-BFGS two-loop recursion.
    private func twoLoop(gradient: [Double], s: [[Double]], y: [[Double]]) -> [Double] {
        var q = gradient
        let m = s.count
        var alphas = [Double](repeating: 0, count: m)
        var rhos = [Double](repeating: 0, count: m)
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for i in stride(from: m - 1, through: 0, by: -1) {
            rhos[i] = 1 / dot(y[i], s[i])
            alphas[i] = rhos[i] * dot(s[i], q)
            for k in q.indices { q[k] -= alphas[i] * y[i][k] }
        }
        if let sLast = s.last, let yLast = y.last {
            let gamma = dot(sLast, yLast) / dot(yLast, yLast)
            for k in q.indices { q[k] *= gamma }
        }
        for i in 0..<m {
            let beta = rhos[i] * dot(y[i], q)
            for k in q.indices { q[k] += (alphas[i] - beta) * s[i][k] }
        }
        return q.map { -$0 }
    }
}
