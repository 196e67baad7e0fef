import Foundation

/// Two-objective test problems (both objectives to minimise), reporting the metrics `f1` and
/// `f2`: ZDT1 and ZDT2 (Zitzler, Deb and Thiele 2000) and DTLZ2 with two objectives (Deb,
/// Thiele, Laumanns and Zitzler 2002), on [0, 1]^d for any d ≥ 2.
extension BuiltinFunction {
    package static let paretoFunctions: [BuiltinFunction] = [zdt1, zdt2, dtlz2]

    /// The metric names of the two-objective functions.
    package static let paretoMetrics = ["f1", "f2"]

    init(
        pareto name: String, summary: String, metrics: @escaping @Sendable ([Double]) -> (Double, Double)
    ) {
        self.init(name: name, dimension: nil, minimumDimension: 2, minimum: 0, summary: summary) { metrics($0).0 }
        evaluateMetrics = { x in
            let (f1, f2) = metrics(x)
            return ["f1": f1, "f2": f2]
        }
    }

    /// g(x) = 1 + 9/(d−1) Σ_{i≥1} x_i, the distance term of ZDT1 and ZDT2 (1 on the front).
    private static func zdtDistance(_ x: [Double]) -> Double {
        1 + 9 * x.dropFirst().reduce(0, +) / Double(x.count - 1)
    }

    /// ZDT1: f1 = x0, f2 = g·(1 − √(f1/g)); a convex front f2 = 1 − √f1 where x1… = 0.
    package static let zdt1 = BuiltinFunction(
        pareto: "zdt1", summary: "ZDT1, two objectives f1 and f2, x0..x(d-1) in [0, 1], convex front f2 = 1 - sqrt(f1)"
    ) { x in
        let g = zdtDistance(x)
        return (x[0], g * (1 - (x[0] / g).squareRoot()))
    }

    /// ZDT2: f1 = x0, f2 = g·(1 − (f1/g)²); a concave front f2 = 1 − f1² where x1… = 0.
    package static let zdt2 = BuiltinFunction(
        pareto: "zdt2", summary: "ZDT2, two objectives f1 and f2, x0..x(d-1) in [0, 1], concave front f2 = 1 - f1^2"
    ) { x in
        let g = zdtDistance(x)
        return (x[0], g * (1 - (x[0] / g) * (x[0] / g)))
    }

    /// DTLZ2 with two objectives: g = Σ_{i≥1} (x_i − ½)², f1 = (1+g)·cos(x0·π/2),
    /// f2 = (1+g)·sin(x0·π/2); the front is the quarter circle f1² + f2² = 1 where x1… = ½.
    package static let dtlz2 = BuiltinFunction(
        pareto: "dtlz2",
        summary: "DTLZ2 with two objectives f1 and f2, x0..x(d-1) in [0, 1], front the unit quarter circle"
    ) { x in
        let g = x.dropFirst().reduce(0) { $0 + ($1 - 0.5) * ($1 - 0.5) }
        let angle = x[0] * Double.pi / 2
        return ((1 + g) * cos(angle), (1 + g) * sin(angle))
    }
}
