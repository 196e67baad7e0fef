import HPOCore
import Yams

/// `objective:` as one mapping or a list of them (several objectives), and `constraints:`.
extension StudyFile {
    /// One objective (`{metric: val_loss, direction: minimize}`) or a list of them: the first
    /// objective, and all of them when there are several (nil for one).
    static func readObjectives(_ field: YAMLField) throws -> (first: Objective, all: [Objective]?) {
        guard case .sequence = field.node else {
            return (try readObjective(field, allowsReference: false), nil)
        }
        let elements = try field.list()
        guard !elements.isEmpty else { throw field.expected("a non-empty list of objectives") }
        var objectives: [Objective] = []
        for element in elements {
            let objective = try readObjective(element, allowsReference: true)
            if objectives.contains(where: { $0.metric == objective.metric }) {
                throw element.error("metric '\(objective.metric)' is already an objective")
            }
            objectives.append(objective)
        }
        return (objectives[0], objectives.count > 1 ? objectives : nil)
    }

    /// `{metric: val_loss, direction: minimize}`, with `reference` in a list of several.
    static func readObjective(_ field: YAMLField, allowsReference: Bool) throws -> Objective {
        guard case .mapping = field.node else {
            throw field.expected("a mapping with 'metric' (and 'direction'), or a list of them")
        }
        var objective = try readObjective(field, extraKeys: allowsReference ? ["reference"] : [])
        if let reference = try field.mapping().optional("reference") {
            let value = try reference.number()
            guard value.isFinite else { throw reference.expected("a finite number") }
            objective.reference = value
        }
        return objective
    }

    /// `[{metric: memory_gb, max: 16}, {metric: accuracy, min: 0.9}]`: `min`, `max` or both.
    static func readConstraints(_ field: YAMLField) throws -> [OutcomeConstraint]? {
        guard case .sequence = field.node else { throw field.expected("a list of {metric, min, max} mappings") }
        var constraints: [OutcomeConstraint] = []
        for element in try field.list() {
            guard case .mapping = element.node else {
                throw element.expected("a mapping with 'metric' and 'min'/'max'")
            }
            let mapping = try element.mapping()
            try mapping.checkKeys(allowed: ["metric", "min", "max"])
            let metric = try mapping.required("metric").nonEmptyString()
            func bound(_ key: String) throws -> Double? {
                guard let field = mapping.optional(key) else { return nil }
                let value = try field.number()
                guard value.isFinite else { throw field.expected("a finite number") }
                return value
            }
            let low = try bound("min")
            let high = try bound("max")
            guard low != nil || high != nil else { throw element.error("expected 'min', 'max' or both") }
            if let low, let high, low > high, let field = mapping.optional("max") {
                throw field.expected("a number >= min (\(low))")
            }
            constraints.append(OutcomeConstraint(metric: metric, min: low, max: high))
        }
        return constraints.isEmpty ? nil : constraints
    }
}
