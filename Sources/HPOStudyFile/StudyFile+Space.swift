import HPOCore
import Yams

/// The `space` section: an ordered mapping from parameter name to its definition.
extension StudyFile {
    static func readSpace(_ field: YAMLField) throws -> SearchSpace {
        let mapping = try field.mapping()
        guard !mapping.entries.isEmpty else {
            throw field.expected("a non-empty mapping of parameters")
        }
        let parameters = try mapping.entries.map { try readParameter(name: $0.key, $0.value) }
        return SearchSpace(try readConditions(mapping, parameters: parameters))
    }

    /// The kinds of parameter and the keys each takes.
    enum ParameterType: String, CaseIterable {
        case float, int, choice

        var keys: [String] {
            switch self {
            case .float, .int: ["type", "low", "high", "log", "steps", "values", "when"]
            case .choice: ["type", "values", "when"]
            }
        }

        static let allKeys = ["type", "low", "high", "log", "steps", "values", "when"]
    }

    static func readParameter(name: String, _ field: YAMLField) throws -> ParameterSpec {
        guard isParameterName(name) else {
            throw field.keyError(
                "a parameter name must be letters, digits and underscores, not starting with a digit; found '\(name)'")
        }
        let mapping = try field.mapping()
        try mapping.checkKeys(allowed: ParameterType.allKeys)  // typos first, then a missing `type`
        let type = try mapping.required("type").oneOf(ParameterType.allCases, named: \.rawValue)
        let misplaced = Dictionary(
            uniqueKeysWithValues: ["low", "high", "log", "steps"].map {
                ($0, "'\($0)' applies only to float and int parameters, not to a choice")
            })
        try mapping.checkKeys(allowed: type.keys, misplaced: misplaced)
        switch type {
        case .float: return try readFloat(name: name, mapping)
        case .int: return try readInt(name: name, mapping)
        case .choice:
            return ParameterSpec(name: name, domain: .choice(try readChoiceValues(mapping.required("values"))))
        }
    }

    /// Letters, digits and underscores, not starting with a digit: usable in `{name}` placeholders
    /// and environment variable names.
    static func isParameterName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    private static func readFloat(name: String, _ mapping: YAMLMapping) throws -> ParameterSpec {
        let lowField = try mapping.required("low")
        let highField = try mapping.required("high")
        let low = try lowField.number()
        let high = try highField.number()
        let log = try mapping.optional("log")?.bool() ?? false
        guard high > low else { throw highField.expected("a number greater than low (\(describe(low)))") }
        if log, low <= 0 { throw lowField.expected("a number above 0, as the scale is log") }
        let gridValues = try mapping.optional("values").map { values in
            try distinct(values) { element in
                let value = try element.number()
                guard value >= low, value <= high else {
                    throw element.expected("a number in [\(describe(low)), \(describe(high))]")
                }
                return .double(value)
            }
        }
        return ParameterSpec(
            name: name, domain: .float(low: low, high: high, log: log), gridSteps: try readSteps(mapping),
            gridValues: gridValues)
    }

    private static func readInt(name: String, _ mapping: YAMLMapping) throws -> ParameterSpec {
        let lowField = try mapping.required("low")
        let highField = try mapping.required("high")
        let low = try lowField.int()
        let high = try highField.int()
        let log = try mapping.optional("log")?.bool() ?? false
        guard high >= low else { throw highField.expected("an integer of at least low (\(low))") }
        if log, low < 1 { throw lowField.expected("an integer of at least 1, as the scale is log") }
        let gridValues = try mapping.optional("values").map { values in
            try distinct(values) { element in
                let value = try element.int()
                guard value >= low, value <= high else { throw element.expected("an integer in [\(low), \(high)]") }
                return .int(value)
            }
        }
        return ParameterSpec(
            name: name, domain: .int(low: low, high: high, log: log), gridSteps: try readSteps(mapping),
            gridValues: gridValues)
    }

    /// `steps`: grid points for grid search, an integer from 1; not together with `values`.
    private static func readSteps(_ mapping: YAMLMapping) throws -> Int? {
        guard let field = mapping.optional("steps") else { return nil }
        guard mapping.optional("values") == nil else {
            throw field.keyError("give either 'steps' or 'values' for grid search, not both")
        }
        let steps = try field.int()
        guard steps >= 1 else { throw field.expected("a positive integer") }
        return steps
    }

    /// Choice values: numbers as written (`32` an integer, `0.5` a real), anything else a string.
    private static func readChoiceValues(_ field: YAMLField) throws -> [ParameterValue] {
        try distinct(field) { element in
            guard case .scalar(let scalar) = element.node, !element.isNull else {
                throw element.expected("a number or a string")
            }
            if let text = element.plainText {
                if let int = YAMLField.integer(text) { return .int(int) }
                if let double = YAMLField.number(text) { return .double(double) }
            }
            return .string(scalar.string)
        }
    }

    /// Reads a non-empty list with `read`, rejecting values that are written the same way twice
    /// (`1` and `1.0` are the same value on a command line).
    private static func distinct(
        _ field: YAMLField, _ read: (YAMLField) throws -> ParameterValue
    ) throws -> [ParameterValue] {
        let elements = try field.list()
        guard !elements.isEmpty else { throw field.expected("a non-empty list") }
        var values: [ParameterValue] = []
        var firstIndex: [String: Int] = [:]
        for (index, element) in elements.enumerated() {
            let value = try read(element)
            if let earlier = firstIndex[value.description] {
                throw element.error("duplicate value '\(value)' (the same as values[\(earlier)])")
            }
            firstIndex[value.description] = index
            values.append(value)
        }
        return values
    }

    private static func describe(_ number: Double) -> String {
        ParameterValue.double(number).description
    }
}
