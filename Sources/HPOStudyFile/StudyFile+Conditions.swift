import HPOCore
import Yams

/// `when:` on a parameter and the top-level `forbid:` rules (docs/study-file.md, "Conditional
/// parameters and forbidden combinations").
extension StudyFile {
    /// Reads each parameter's `when:` against the whole space (a condition may name a parameter
    /// listed after it), then rejects cycles.
    static func readConditions(_ space: YAMLMapping, parameters: [ParameterSpec]) throws -> [ParameterSpec] {
        var result = parameters
        var fields: [String: YAMLField] = [:]
        for (index, entry) in space.entries.enumerated() {
            guard let field = try entry.value.mapping().optional("when") else { continue }
            result[index].when = try readTerms(field, parameters: parameters, owner: entry.key, what: "a condition")
            fields[entry.key] = field
        }
        if let cycle = firstCycle(result), let field = fields[cycle[0]] {
            throw field.error(
                "the conditions form a cycle (\(cycle.joined(separator: " → "))): "
                    + "a parameter cannot depend on itself, directly or through others")
        }
        return result
    }

    /// `forbid:`: a non-empty list of rules, each a mapping from parameter names to a value or a
    /// list of values; a space where every configuration is forbidden is an error.
    static func readForbidden(_ field: YAMLField, space: SearchSpace) throws -> [ForbiddenCombination] {
        let elements = try field.list()
        guard !elements.isEmpty else {
            throw field.expected("a non-empty list of rules such as {layers: 3, units: 512}")
        }
        let rules = try elements.map {
            ForbiddenCombination(try readTerms($0, parameters: space.parameters, owner: nil, what: "a rule"))
        }
        var restricted = space
        restricted.forbidden = rules
        if restricted.hasAllowedConfiguration() == false {
            throw field.error("these rules forbid every configuration of the space: no trial could ever run")
        }
        return rules
    }

    /// `{name: value, other: [value, value]}`: each name a parameter (not `owner`, the parameter
    /// whose condition this is), int or choice, each value one of its values.
    private static func readTerms(
        _ field: YAMLField, parameters: [ParameterSpec], owner: String?, what: String
    ) throws -> [ParameterMatch] {
        guard case .mapping = field.node else {
            throw field.expected("a mapping from parameter names to a value or a list of values, such as {layers: 3}")
        }
        let mapping = try field.mapping()
        guard !mapping.entries.isEmpty else { throw field.expected("at least one parameter, such as {layers: 3}") }
        return try mapping.entries.map { entry in
            if entry.key == owner {
                throw entry.value.keyError("a parameter's condition cannot name the parameter itself")
            }
            let candidates = parameters.map(\.name).filter { $0 != owner }
            guard let spec = parameters.first(where: { $0.name == entry.key }) else {
                var message = "\(what) names '\(entry.key)', which is no parameter of the space"
                if let guess = Spelling.closest(to: entry.key, in: candidates, maxDistance: 2) {
                    message += " (did you mean '\(guess)'?)"
                }
                throw entry.value.keyError(message + "; parameters: \(candidates.joined(separator: ", "))")
            }
            if case .float = spec.domain {
                throw entry.value.keyError(
                    "'\(spec.name)' is a float parameter; \(what) can only name values of int and choice parameters")
            }
            let elements: [YAMLField]
            if case .sequence = entry.value.node {
                elements = try entry.value.list()
                guard !elements.isEmpty else { throw entry.value.expected("a value or a non-empty list of values") }
            } else {
                elements = [entry.value]
            }
            var values: [ParameterValue] = []
            for element in elements {
                let value = try readValue(element, of: spec)
                if !values.contains(value) { values.append(value) }
            }
            return ParameterMatch(name: spec.name, values: values)
        }
    }

    /// One value of an int or choice parameter, exactly as its domain has it.
    private static func readValue(_ field: YAMLField, of spec: ParameterSpec) throws -> ParameterValue {
        switch spec.domain {
        case .int(let low, let high, _):
            let value = try field.int()
            guard value >= low, value <= high else {
                throw field.expected("a value of '\(spec.name)', an integer in [\(low), \(high)]")
            }
            return .int(value)
        case .choice(let values):
            guard case .scalar = field.node, !field.isNull else {
                throw field.expected("a value of '\(spec.name)' (\(describe(values)))")
            }
            let text = try field.string()
            if let value = values.first(where: { $0.description == text }) { return value }
            var message = "'\(text)' is not a value of '\(spec.name)' (\(describe(values)))"
            if let guess = Spelling.closest(to: text, in: values.map(\.description), maxDistance: 2) {
                message += "; did you mean '\(guess)'?"
            }
            throw field.error(message)
        case .float:
            preconditionFailure("conditions and rules on floats are rejected before")
        }
    }

    private static func describe(_ values: [ParameterValue]) -> String {
        "values: " + values.map(\.description).joined(separator: ", ")
    }

    /// A cycle of conditions as the names along it, the first repeated at the end; nil if none.
    private static func firstCycle(_ parameters: [ParameterSpec]) -> [String]? {
        let parents = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.when.map(\.name)) })
        var finished = Set<String>()
        var path: [String] = []
        func visit(_ name: String) -> [String]? {
            if let start = path.firstIndex(of: name) { return Array(path[start...]) + [name] }
            guard !finished.contains(name) else { return nil }
            path.append(name)
            for parent in parents[name] ?? [] {
                if let cycle = visit(parent) { return cycle }
            }
            path.removeLast()
            finished.insert(name)
            return nil
        }
        for spec in parameters {
            if let cycle = visit(spec.name) { return cycle }
        }
        return nil
    }

    /// A command argument's placeholder, `{name}` or `{name?}` (left out with its whole argument
    /// when the parameter is inactive): the parameter it names, and whether it may be absent.
    static func placeholderParameter(_ placeholder: String) -> (name: String, optional: Bool) {
        placeholder.hasSuffix("?") ? (String(placeholder.dropLast()), true) : (placeholder, false)
    }
}
