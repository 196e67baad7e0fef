/// A hyperparameter the trainer cannot use: unknown (probably a typo), of the wrong type, or out
/// of range. The description names the parameter and says what was expected.
public struct HyperparameterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name of the offending hyperparameter.
    public let parameter: String
    public let description: String

    init(_ parameter: String, _ description: String) {
        self.parameter = parameter
        self.description = description
    }

    static func unknown(_ name: String, known: [String]) -> HyperparameterError {
        let close = known.min { editDistance(name, $0) < editDistance(name, $1) }
        let hint = close.flatMap { editDistance(name, $0) <= max(2, name.count / 3) ? " (did you mean '\($0)'?)" : nil } ?? ""
        return HyperparameterError(
            name, "unknown hyperparameter '\(name)'\(hint); the mlp trainer knows: \(known.joined(separator: ", "))")
    }

    /// Levenshtein distance, for "did you mean".
    static func editDistance(_ a: String, _ b: String) -> Int {
        let (a, b) = (Array(a), Array(b))
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
