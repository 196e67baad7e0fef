import Foundation

/// Test problems with outcome constraints (docs/trials.md): each reports `objective` (to
/// minimise) and one metric per constraint, `c1`, `c2`, …, feasible where every one is ≤ 0
/// (a study says `constraints: [{metric: c1, max: 0}, …]`). `minimum` is the best feasible value.
extension BuiltinFunction {
    package static let constrainedFunctions: [BuiltinFunction] = [gramacy, gardner]

    init(
        constrained name: String, dimension: Int, minimum: Double, summary: String,
        metrics: @escaping @Sendable ([Double]) -> (objective: Double, constraints: [Double])
    ) {
        self.init(name: name, dimension: dimension, minimum: minimum, summary: summary) { metrics($0).objective }
        evaluateMetrics = { x in
            let (objective, constraints) = metrics(x)
            var reported = ["objective": objective]
            for (index, value) in constraints.enumerated() { reported["c\(index + 1)"] = value }
            return reported
        }
    }

    /// Gramacy et al. 2016's toy problem on [0, 1]²: minimise x0 + x1 subject to
    /// c1 = 1.5 − x0 − 2·x1 − 0.5·sin(2π(x0² − 2·x1)) ≤ 0 and c2 = x0² + x1² − 1.5 ≤ 0; about
    /// 46 % of the square is feasible, in disconnected bands; best feasible 0.599788 at (0.19512, 0.40467).
    package static let gramacy = BuiltinFunction(
        constrained: "gramacy", dimension: 2, minimum: 0.599788,
        summary: "Gramacy et al. 2016, x0, x1 in [0, 1], objective x0 + x1, constraints c1, c2 <= 0, best 0.5998"
    ) { x in
        let c1 = 1.5 - x[0] - 2 * x[1] - 0.5 * sin(2 * Double.pi * (x[0] * x[0] - 2 * x[1]))
        let c2 = x[0] * x[0] + x[1] * x[1] - 1.5
        return (x[0] + x[1], [c1, c2])
    }

    /// A small feasible region, after Gardner et al. 2014's simulated problem: on [0, 6]²,
    /// minimise sin(x0) + x1 subject to c1 = sin(x0)·sin(x1) + 0.95 ≤ 0. Two discs of radius about
    /// 0.3 around (π/2, 3π/2) and (3π/2, π/2), 1.8 % of the square, are feasible; best feasible
    /// asin(0.95) − 1 = 0.253236 at (3π/2, asin(0.95)). Finding the feasible region takes a while.
    package static let gardner = BuiltinFunction(
        constrained: "gardner", dimension: 2, minimum: 0.253236,
        summary:
            "after Gardner et al. 2014, x0, x1 in [0, 6], objective sin(x0) + x1, constraint c1 <= 0, best 0.253236"
    ) { x in
        (sin(x[0]) + x[1], [sin(x[0]) * sin(x[1]) + 0.95])
    }
}
