/// Checking a configuration a person wrote (an enqueued one) against the space.
extension SearchSpace {
    /// `configuration` with each value in its parameter's own type (an integer given for a
    /// real parameter becomes a real number; a number given for a choice becomes the choice's
    /// value), or the first problem in words: `unknown parameter "lr2" (the space has lr, layers)`,
    /// `missing parameter "layers"`, `"lr" = 5 is out of range [1e-05, 0.1]`,
    /// `"layers" must be an integer, not 2.5`, `"optimizer" must be one of "sgd", "adam", not "rms"`.
    package func validated(_ configuration: Parameters) -> Result<Parameters, ConfigurationProblem> {
        let known = Set(names)
        if let unknown = configuration.keys.sorted().first(where: { !known.contains($0) }) {
            return .failure(
                ConfigurationProblem(
                    parameter: unknown,
                    message: "unknown parameter \"\(unknown)\" (the space has \(names.joined(separator: ", ")))"))
        }
        var result = Parameters()
        for spec in parameters {
            guard let value = configuration[spec.name] else {
                return .failure(
                    ConfigurationProblem(parameter: spec.name, message: "missing parameter \"\(spec.name)\""))
            }
            switch spec.normalized(value) {
            case .success(let value): result[spec.name] = value
            case .failure(let problem): return .failure(problem)
            }
        }
        return .success(result)
    }
}

/// What is wrong with one value of a configuration.
package struct ConfigurationProblem: Error, Equatable, CustomStringConvertible, Sendable {
    /// The parameter concerned.
    package var parameter: String
    package var message: String
    package init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }
    package var description: String { message }
}

extension ParameterSpec {
    /// `value` in this parameter's type, or why it is not one of its values.
    func normalized(_ value: ParameterValue) -> Result<ParameterValue, ConfigurationProblem> {
        func problem(_ text: String) -> Result<ParameterValue, ConfigurationProblem> {
            .failure(ConfigurationProblem(parameter: name, message: "\"\(name)\" \(text)"))
        }
        switch domain {
        case .float(let low, let high, _):
            guard let x = value.doubleValue else { return problem("must be a number, not \"\(value)\"") }
            guard x.isFinite else { return problem("must be a finite number, not \(x)") }
            guard x >= low && x <= high else {
                return problem(
                    "= \(value) is out of range [\(ParameterValue.double(low)), \(ParameterValue.double(high))]")
            }
            return .success(.double(x))
        case .int(let low, let high, _):
            let integer: Int
            switch value {
            case .int(let x): integer = x
            case .double(let x) where x.isFinite && x == x.rounded() && abs(x) < 1e15: integer = Int(x)
            case .double(let x): return problem("must be an integer, not \(x)")
            case .string(let text): return problem("must be an integer, not \"\(text)\"")
            }
            guard integer >= low && integer <= high else {
                return problem("= \(integer) is out of range [\(low), \(high)]")
            }
            return .success(.int(integer))
        case .choice(let values):
            if values.contains(value) { return .success(value) }
            if let x = value.doubleValue, let match = values.first(where: { $0.doubleValue == x }) {
                return .success(match)
            }
            let listed = values.prefix(20).map { if case .string(let s) = $0 { "\"\(s)\"" } else { "\($0)" } }
            let shown = if case .string(let s) = value { "\"\(s)\"" } else { "\(value)" }
            return problem("must be one of \(listed.joined(separator: ", ")), not \(shown)")
        }
    }
}
