/// One value of one hyperparameter: an integer, a real number or a string (for categoricals).
///
/// Encodes as a bare JSON number or string, so parameters read naturally in the results log.
package enum ParameterValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // A JSON string first: decoders that map "nan"/"inf" strings to non-finite doubles (as the
        // wire and the log do for metrics) must not turn a choice value "nan" into a number.
        if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let int = try? container.decode(Int.self) {
            self = .int(int)
        } else {
            self = .double(try container.decode(Double.self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    /// The value as a real number, if it is numeric.
    package var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        case .string: nil
        }
    }

    /// How the value is written into a command line or an environment variable.
    package var description: String {
        switch self {
        case .int(let value): String(value)
        case .double(let value): Self.format(value)
        case .string(let value): value
        }
    }

    /// Shortest round-tripping text of a double (`0.1`, `1e-05`), without a trailing `.0` for integers.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }
}

/// A configuration: one value per parameter of the search space, by name.
package typealias Parameters = [String: ParameterValue]
