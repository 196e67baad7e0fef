import HPOCore

/// Test functions over spaces with conditional parameters, which read their inputs by name (the
/// `BuiltinFunction`s read `x0`, `x1`, … and need all of them). Evaluated in the worker process
/// like those; they report `objective`, to minimise (docs/trials.md, "Built-in functions").
package struct NamedFunction: Sendable {
    package var name: String
    /// Every parameter the function may read; a study's space has exactly these.
    package var parameterNames: [String]
    /// The global minimum, for tests and for regret in benchmarks.
    package var minimum: Double
    package var summary: String
    let evaluate: @Sendable (Inputs) throws(TrialSetupError) -> Double

    /// The value at a configuration (only its active parameters).
    package func callAsFunction(_ parameters: Parameters) throws(TrialSetupError) -> Double {
        try evaluate(Inputs(function: name, parameters: parameters))
    }

    package static func named(_ name: String) -> NamedFunction? { all.first { $0.name == name } }

    package static let all: [NamedFunction] = [jenatton]

    /// The parameters of one evaluation, read by name.
    struct Inputs {
        var function: String
        var parameters: Parameters

        func callAsFunction(_ name: String) throws(TrialSetupError) -> Double {
            guard let value = parameters[name] else {
                throw TrialSetupError(description: "\(function) reads parameter '\(name)' here, and it is missing")
            }
            guard let number = value.doubleValue else {
                throw TrialSetupError(description: "parameter '\(name)' is not numeric ('\(value)')")
            }
            return number
        }
    }

    /// The tree-structured function of Jenatton, Archambeau, González and Seeger (ICML 2017),
    /// as Ax defines it: x1, x2, x3 ∈ {0, 1}; x2 and r8 exist when x1 = 0, x3 and r9 when x1 = 1;
    /// x4 when x2 = 0, x5 when x2 = 1, x6 when x3 = 0, x7 when x3 = 1; the reals in [0, 1].
    /// f = x4² + 0.1 + r8, x5² + 0.2 + r8, x6² + 0.3 + r9 or x7² + 0.4 + r9 along the four
    /// branches; minimum 0.1 at x1 = x2 = 0, x4 = r8 = 0.
    package static let jenatton = NamedFunction(
        name: "jenatton", parameterNames: ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "r8", "r9"], minimum: 0.1,
        summary: "Jenatton et al. 2017, a tree of 4 branches over 9 conditional parameters, minimum 0.1"
    ) { (x: Inputs) throws(TrialSetupError) -> Double in
        if try x("x1") == 0 {
            return try x("x2") == 0 ? x("x4") * x("x4") + 0.1 + x("r8") : x("x5") * x("x5") + 0.2 + x("r8")
        }
        return try x("x3") == 0 ? x("x6") * x("x6") + 0.3 + x("r9") : x("x7") * x("x7") + 0.4 + x("r9")
    }
}

extension NamedFunction {
    /// The functions by name with their parameters, as the study file reader takes them.
    package static var parameterLists: [String: [String]] {
        Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0.parameterNames) })
    }
}
