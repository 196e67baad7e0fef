import HPOCore

/// Typed reading of one hyperparameter from `Parameters`, with errors that name it.
struct ParameterReader {
    let parameters: Parameters

    func double(_ name: String, default value: Double) throws(HyperparameterError) -> Double {
        guard let given = parameters[name] else { return value }
        guard let number = given.doubleValue else {
            throw HyperparameterError(name, "hyperparameter '\(name)' must be a number, got '\(given)'")
        }
        guard number.isFinite else {
            throw HyperparameterError(name, "hyperparameter '\(name)' must be finite, got \(number)")
        }
        return number
    }

    func int(_ name: String, default value: Int) throws(HyperparameterError) -> Int {
        guard let given = parameters[name] else { return value }
        switch given {
        case .int(let int): return int
        case .double(let double) where double == double.rounded() && abs(double) < 1e15: return Int(double)
        default: throw HyperparameterError(name, "hyperparameter '\(name)' must be an integer, got '\(given)'")
        }
    }

    /// `true`/`false` (strings, as a study file's choice gives them) or the integers 1/0.
    func bool(_ name: String, default value: Bool) throws(HyperparameterError) -> Bool {
        guard let given = parameters[name] else { return value }
        switch given {
        case .int(1): return true
        case .int(0): return false
        case .string(let text) where ["true", "false"].contains(text.lowercased()): return text.lowercased() == "true"
        default: throw HyperparameterError(name, "hyperparameter '\(name)' must be true or false, got '\(given)'")
        }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String, default value: T) throws(HyperparameterError) -> T
    where T.RawValue == String {
        guard let given = parameters[name] else { return value }
        if case .string(let text) = given, let choice = T(rawValue: text) { return choice }
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        throw HyperparameterError(name, "hyperparameter '\(name)' must be one of \(allowed), got '\(given)'")
    }
}

/// An allowed interval, each end open or closed, described the mathematical way (`(0, 1]`).
struct ValueRange<T: Comparable & RangeBound & Sendable>: Sendable {
    var low: T?
    var lowOpen = false
    var high: T?
    var highOpen = false

    static func closed(_ low: T, _ high: T) -> Self { Self(low: low, high: high) }
    static func atLeast(_ low: T) -> Self { Self(low: low) }

    func contains(_ value: T) -> Bool {
        // Written as "not inside" so that a NaN is never contained.
        if let low, !(lowOpen ? value > low : value >= low) { return false }
        if let high, !(highOpen ? value < high : value <= high) { return false }
        return true
    }

    var text: String {
        let left = low.map { (lowOpen ? "(" : "[") + $0.boundText } ?? "(-∞"
        let right = high.map { $0.boundText + (highOpen ? ")" : "]") } ?? "∞)"
        return "\(left), \(right)"
    }

    func check(_ value: T, _ name: String) throws(HyperparameterError) {
        guard contains(value) else {
            throw HyperparameterError(name, "hyperparameter '\(name)' must be in \(text), got \(value.boundText)")
        }
    }
}

/// How a bound or value is written in an error message (`0`, `0.99`, `1e-05`).
protocol RangeBound {
    var boundText: String { get }
}

extension Double: RangeBound {
    var boundText: String { ParameterValue.double(self).description }
}

extension Int: RangeBound {
    var boundText: String { String(self) }
}
