import HPOCore
import Yams

/// The `trial` section: what a worker runs for each trial, checked against the space.
extension StudyFile {
    private static let commonTrialKeys = ["timeout", "retries"] + resourceTrialKeys
    private static let builtinTrialKeys = ["builtin"] + commonTrialKeys + ["sleep"]
    private static let commandTrialKeys = ["command"] + commonTrialKeys + ["env", "workdir"]

    static func readTrial(
        _ field: YAMLField, space: SearchSpace, spaceField: YAMLField, builtins: [String: Int?],
        namedBuiltins: [String: [String]] = [:]
    ) throws -> TrialSpec {
        let mapping = try field.mapping()
        try mapping.checkKeys(allowed: ["builtin", "command"] + commonTrialKeys + ["sleep", "env", "workdir"])

        var trial: TrialSpec
        switch (mapping.optional("builtin"), mapping.optional("command")) {
        case (let builtin?, nil):
            try mapping.checkKeys(
                allowed: builtinTrialKeys,
                misplaced: [
                    "env": "'env' applies only to command trials",
                    "workdir": "'workdir' applies only to command trials"
                ])
            let name = try readBuiltin(
                builtin, space: space, spaceField: spaceField, builtins: builtins, namedBuiltins: namedBuiltins)
            trial = TrialSpec(program: .builtin(name))
            trial.sleepSeconds = try mapping.optional("sleep")?.duration(positive: false)
        case (nil, let command?):
            try mapping.checkKeys(
                allowed: commandTrialKeys,
                misplaced: [
                    "sleep": "'sleep' applies only to builtin trials"
                ])
            trial = TrialSpec(program: .command(try readCommand(command, space: space)))
            trial.environment = try mapping.optional("env").map(readEnvironment) ?? [:]
            trial.workingDirectory = try mapping.optional("workdir")?.nonEmptyString()
        case (nil, nil):
            throw field.error("expected one of 'builtin' or 'command', found neither")
        case (_?, _?):
            throw field.error("expected one of 'builtin' or 'command', found both")
        }

        trial.timeoutSeconds = try mapping.optional("timeout")?.duration(positive: true)
        if let retriesField = mapping.optional("retries") {
            trial.retries = try retriesField.int()
            guard trial.retries >= 0 else { throw retriesField.expected("an integer of at least 0") }
        }
        trial.resources = try readResources(mapping)
        return trial
    }

    /// A known built-in: a function whose inputs are exactly the space's parameters `x0`, `x1`, …,
    /// or a trainer with named hyperparameters of which the space tunes any subset.
    private static func readBuiltin(
        _ field: YAMLField, space: SearchSpace, spaceField: YAMLField, builtins: [String: Int?],
        namedBuiltins: [String: [String]]
    ) throws -> String {
        let name = try field.nonEmptyString()
        if let known = namedBuiltins[name] {
            let spaceMapping = try spaceField.mapping()
            for entry in spaceMapping.entries where !known.contains(entry.key) {
                throw entry.value.keyError(
                    "builtin '\(name)' has no hyperparameter '\(entry.key)'; it takes \(list(known.sorted()))")
            }
            return name
        }
        guard let dimension = builtins[name] else {
            let all = (Array(builtins.keys) + Array(namedBuiltins.keys)).sorted()
            throw field.expected("a built-in function (\(all.joined(separator: ", ")))")
        }
        let expected = (0..<(dimension ?? space.parameters.count)).map { "x\($0)" }
        let missing = expected.filter { !space.names.contains($0) }
        let extra = space.names.filter { !expected.contains($0) }
        if !missing.isEmpty || !extra.isEmpty {
            var message =
                dimension == nil
                ? """
                builtin '\(name)' takes parameters x0, x1, … without gaps; with \(expected.count) they are \
                \(list(expected))
                """
                : "builtin '\(name)' takes exactly the parameters \(list(expected))"
            if !missing.isEmpty { message += "; missing: \(list(missing))" }
            if !extra.isEmpty { message += "; not taken: \(list(extra))" }
            throw spaceField.keyError(message)
        }
        let spaceMapping = try spaceField.mapping()
        for entry in spaceMapping.entries {
            if space.parameters.contains(where: { $0.name == entry.key && !$0.when.isEmpty }) {
                throw entry.value.keyError("builtin '\(name)' reads every one of its inputs, so none can have 'when'")
            }
            if case .choice = space.parameters.first(where: { $0.name == entry.key })?.domain {
                throw entry.value.keyError("builtin '\(name)' needs numeric parameters (float or int), not a choice")
            }
        }
        return name
    }

    /// A non-empty list of arguments whose `{name}` placeholders all name parameters.
    private static func readCommand(_ field: YAMLField, space: SearchSpace) throws -> [String] {
        let elements = try field.list()
        guard !elements.isEmpty else { throw field.expected("a non-empty list of arguments") }
        return try elements.map { element in
            if case .mapping = element.node {
                throw element.expected("a string (quote arguments that start with '{', like \"{lr}\")")
            }
            let argument = try element.string()
            let names: [String]
            do throws(CommandTemplate.SyntaxError) {
                names = try CommandTemplate.placeholders(in: argument)
            } catch {
                throw element.error(error.message)
            }
            for placeholder in names {
                let (name, optional) = placeholderParameter(placeholder)
                if !space.names.contains(name) && !CommandTemplate.reservedNames.contains(name) {
                    throw element.error(
                        "placeholder '{\(placeholder)}' names no parameter of the space (parameters: "
                            + "\(list(space.names)); also {trial} and {attempt})")
                }
                if !optional, space.parameters.contains(where: { $0.name == name && !$0.when.isEmpty }) {
                    throw element.error(
                        "'\(name)' is conditional (it has 'when'), so some trials do not have it: write "
                            + "'{\(name)?}' to leave this argument out of those trials")
                }
            }
            return argument
        }
    }

    /// A mapping from variable names to strings.
    private static func readEnvironment(_ field: YAMLField) throws -> [String: String] {
        var environment: [String: String] = [:]
        for entry in try field.mapping().entries {
            guard !entry.key.isEmpty, !entry.key.contains("=") else {
                throw entry.value.keyError("expected an environment variable name, found '\(entry.key)'")
            }
            environment[entry.key] = try entry.value.string()
        }
        return environment
    }

    private static func list(_ names: [String]) -> String {
        names.joined(separator: ", ")
    }
}
