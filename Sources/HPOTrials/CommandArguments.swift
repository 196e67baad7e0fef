import HPOCore

/// Fills the placeholders in a command trial's arguments.
///
/// `{name}` becomes the value of parameter `name` (`ParameterValue.description`: `0.001`, `64`,
/// `relu`); `{trial}` and `{attempt}` the trial number and attempt (a parameter of that name wins);
/// `{{` and `}}` are literal braces; a lone `}` is kept as it is. `{name?}` is a parameter that
/// some trials do not have (a conditional one): an argument with such a placeholder is left out,
/// whole, of a trial without that parameter.
package enum CommandArguments {
    package static func substitute(
        _ arguments: [String],
        parameters: Parameters,
        trial: TrialID,
        attempt: Attempt
    ) throws(TrialSetupError) -> [String] {
        var values = ["trial": String(trial.rawValue), "attempt": String(attempt)]
        for (name, value) in parameters { values[name] = value.description }
        var result: [String] = []
        for argument in arguments {
            if let substituted = try substitute(argument, values: values) { result.append(substituted) }
        }
        return result
    }

    /// The argument with its placeholders filled; nil when a `{name?}` names an absent parameter.
    static func substitute(_ argument: String, values: [String: String]) throws(TrialSetupError) -> String? {
        var output = ""
        var rest = Substring(argument)
        while let brace = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            output += rest[..<brace]
            let next = rest.index(after: brace)
            if rest[brace] == "}" {
                // `}}` is one literal brace; a lone `}` is kept.
                output += "}"
                rest = next < rest.endIndex && rest[next] == "}" ? rest[rest.index(after: next)...] : rest[next...]
                continue
            }
            if next < rest.endIndex && rest[next] == "{" {
                output += "{"
                rest = rest[rest.index(after: next)...]
                continue
            }
            guard let close = rest[next...].firstIndex(of: "}") else {
                throw TrialSetupError(
                    description: "unclosed '{' in argument '\(argument)' (write '{{' for a literal brace)"
                )
            }
            let name = String(rest[next..<close])
            if name.hasSuffix("?"), name.count > 1 {
                guard let value = values[String(name.dropLast())] else { return nil }
                output += value
                rest = rest[rest.index(after: close)...]
                continue
            }
            guard let value = values[name] else {
                throw TrialSetupError(description: "unknown placeholder '{\(name)}' in argument '\(argument)'")
            }
            output += value
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        if output.utf8.contains(0) {
            throw TrialSetupError(description: "argument '\(argument)' contains a NUL byte after substitution")
        }
        return output
    }
}
