/// The `{name}` placeholders of a command argument; `{{` and `}}` stand for literal braces.
///
/// The same rules as the worker's substitution (HPOTrials `CommandArguments`), which also keeps a
/// lone `}` as it is and fills `{trial}` and `{attempt}`.
enum CommandTemplate {
    /// Placeholders the worker fills besides the parameters (a parameter of the same name wins).
    static let reservedNames = ["trial", "attempt"]

    struct SyntaxError: Error {
        var message: String
    }

    /// The placeholder names in `argument`, in order.
    static func placeholders(in argument: String) throws(SyntaxError) -> [String] {
        var names: [String] = []
        var rest = Substring(argument)
        while let character = rest.first {
            rest = rest.dropFirst()
            switch character {
            case "{" where rest.first == "{", "}" where rest.first == "}":
                rest = rest.dropFirst()
            case "{":
                guard let close = rest.firstIndex(of: "}"), !rest[..<close].contains("{") else {
                    throw SyntaxError(
                        message: "'{' without a closing '}' in '\(argument)' (write '{{' for a literal brace)")
                }
                let name = String(rest[..<close])
                guard !name.isEmpty else { throw SyntaxError(message: "empty placeholder '{}' in '\(argument)'") }
                names.append(name)
                rest = rest[rest.index(after: close)...]
            default:  // other characters, and a lone `}`, are kept as they are
                break
            }
        }
        return names
    }
}
