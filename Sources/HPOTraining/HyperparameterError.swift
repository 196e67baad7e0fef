import HPOCore

/// A hyperparameter the trainer cannot use: unknown (probably a typo), of the wrong type, or out
/// of range. The description names the parameter and says what was expected.
package struct HyperparameterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name of the offending hyperparameter.
    package let parameter: String
    package let description: String

    init(_ parameter: String, _ description: String) {
        self.parameter = parameter
        self.description = description
    }

    static func unknown(_ name: String, known: [String]) -> HyperparameterError {
        let hint =
            Spelling.closest(to: name, in: known, maxDistance: max(2, name.count / 3)).map {
                " (did you mean '\($0)'?)"
            } ?? ""
        return HyperparameterError(
            name, "unknown hyperparameter '\(name)'\(hint); the mlp trainer knows: \(known.joined(separator: ", "))")
    }
}
