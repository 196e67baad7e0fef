import Foundation

/// Standard test functions for optimisation, evaluated in the worker process.
///
/// They take parameters named `x0`, `x1`, … and report one metric, `objective` (to minimise).
/// They make demos, tests and benchmarks work with nothing installed.
package struct BuiltinFunction: Sendable {
    package var name: String
    /// The number of inputs the function takes, or `nil` for any number (at least 1).
    package var dimension: Int?
    /// The fewest inputs the function is defined for, when `dimension` is `nil`.
    package var minimumDimension: Int = 1
    /// The global minimum, for tests and for regret in benchmarks.
    package var minimum: Double
    /// A short description with the usual domain.
    package var summary: String
    let evaluate: @Sendable ([Double]) -> Double
    /// Functions of several objectives (`BuiltinFunction+Pareto.swift`): every metric they report;
    /// nil for the others, which report `objective`.
    var evaluateMetrics: (@Sendable ([Double]) -> [String: Double])? = nil

    /// The value at `x` (which must have `dimension` coordinates).
    package func callAsFunction(_ x: [Double]) -> Double { evaluate(x) }

    /// The metrics a trial reports at `x`: `objective`, or each objective of a multi-objective function.
    package func metrics(at x: [Double]) -> [String: Double] { evaluateMetrics?(x) ?? ["objective": evaluate(x)] }

    package static func named(_ name: String) -> BuiltinFunction? { all.first { $0.name == name } }

    package static var allNames: [String] { all.map(\.name) }

    /// The parameter names the function reads, for a space of `dimension` inputs.
    package static func parameterNames(dimension: Int) -> [String] { (0..<dimension).map { "x\($0)" } }

    package static let all: [BuiltinFunction] =
        [branin, hartmann6, rosenbrock, ackley, levy, styblinskiTang, sphere] + paretoFunctions
        + constrainedFunctions

    /// Branin-Hoo on x0 ∈ [-5, 10], x1 ∈ [0, 15]; three global minima of 0.397887.
    package static let branin = BuiltinFunction(
        name: "branin", dimension: 2, minimum: 0.397887,
        summary: "Branin-Hoo, x0 in [-5, 10], x1 in [0, 15], minimum 0.397887"
    ) { x in
        let a = 1.0
        let b = 5.1 / (4 * Double.pi * Double.pi)
        let c = 5 / Double.pi
        let r = 6.0
        let s = 10.0
        let t = 1 / (8 * Double.pi)
        let u = x[1] - b * x[0] * x[0] + c * x[0] - r
        return a * u * u + s * (1 - t) * cos(x[0]) + s
    }

    /// Hartmann-6 on [0, 1]^6; global minimum -3.32237.
    package static let hartmann6 = BuiltinFunction(
        name: "hartmann6", dimension: 6, minimum: -3.32237,
        summary: "Hartmann-6, x0..x5 in [0, 1], minimum -3.32237"
    ) { x in
        let alpha = [1.0, 1.2, 3.0, 3.2]
        let a: [[Double]] = [
            [10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
            [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]
        ]
        let p: [[Double]] = [
            [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
            [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]
        ]
        var total = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<6 { inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]) }
            total -= alpha[i] * exp(-inner)
        }
        return total
    }

    /// Rosenbrock's valley in any dimension ≥ 2, usually on [-5, 10]^d; minimum 0 at (1, …, 1).
    package static let rosenbrock = BuiltinFunction(
        name: "rosenbrock", dimension: nil, minimumDimension: 2, minimum: 0,
        summary: "Rosenbrock, any dimension >= 2, usually in [-5, 10], minimum 0 at (1, ..., 1)"
    ) { x in
        var total = 0.0
        for i in 0..<max(x.count - 1, 0) {
            total += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(1 - x[i], 2)
        }
        return total
    }

    /// Ackley in any dimension, usually on [-32.768, 32.768]^d; minimum 0 at the origin.
    package static let ackley = BuiltinFunction(
        name: "ackley", dimension: nil, minimum: 0,
        summary: "Ackley, any dimension, usually in [-32.768, 32.768], minimum 0 at the origin"
    ) { x in
        let d = Double(x.count)
        let sumSquares = x.reduce(0) { $0 + $1 * $1 }
        let sumCosines = x.reduce(0) { $0 + cos(2 * Double.pi * $1) }
        return -20 * exp(-0.2 * sqrt(sumSquares / d)) - exp(sumCosines / d) + 20 + M_E
    }

    /// Levy in any dimension, usually on [-10, 10]^d; minimum 0 at (1, …, 1). Many local minima
    /// on a broad bowl.
    package static let levy = BuiltinFunction(
        name: "levy", dimension: nil, minimum: 0,
        summary: "Levy, any dimension, usually in [-10, 10], minimum 0 at (1, ..., 1)"
    ) { x in
        let w = x.map { 1 + ($0 - 1) / 4 }
        guard let first = w.first, let last = w.last else { return 0 }
        var total = pow(sin(Double.pi * first), 2)
        for i in 0..<(w.count - 1) {
            total += pow(w[i] - 1, 2) * (1 + 10 * pow(sin(Double.pi * w[i] + 1), 2))
        }
        return total + pow(last - 1, 2) * (1 + pow(sin(2 * Double.pi * last), 2))
    }

    /// Styblinski–Tang in any dimension, usually on [-5, 5]^d: ½ Σ (x⁴ − 16x² + 5x). Its minimum
    /// grows with the dimension: −39.16617·d at x_i = −2.903534, so `minimum` here is the value
    /// *per dimension* (multiply by d). A local minimum per coordinate at x_i ≈ 2.7468.
    package static let styblinskiTang = BuiltinFunction(
        name: "styblinski_tang", dimension: nil, minimum: -39.16617,
        summary: "Styblinski-Tang, any dimension, usually in [-5, 5], minimum -39.16617 * d at x_i = -2.903534"
    ) { x in
        0.5 * x.reduce(0) { $0 + $1 * $1 * $1 * $1 - 16 * $1 * $1 + 5 * $1 }
    }

    /// The sum of squares in any dimension; minimum 0 at the origin. Cheap: used for no-op trials.
    package static let sphere = BuiltinFunction(
        name: "sphere", dimension: nil, minimum: 0,
        summary: "sum of squares, any dimension, minimum 0 at the origin"
    ) { x in x.reduce(0) { $0 + $1 * $1 } }
}
