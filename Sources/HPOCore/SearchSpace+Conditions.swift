/// Conditional parameters (`when:`) and forbidden combinations (`forbid:`): which parameters a
/// configuration has, and which configurations may run. See docs/study-file.md, "Conditional
/// parameters and forbidden combinations".
///
/// Conditions and rules name only int and choice parameters (the study file checks it, and that
/// conditions have no cycle), so a value matches exactly as the domain spells it.

/// One parameter and the values it must have: a term of a `when:` or of a `forbid:` rule.
package struct ParameterMatch: Hashable, Sendable, Codable {
    package var name: String
    /// Any of these (a single value in the study file is a list of one).
    package var values: [ParameterValue]

    package init(name: String, values: [ParameterValue]) {
        self.name = name
        self.values = values
    }

    /// Whether `configuration` has this parameter with one of the values.
    package func matches(_ configuration: Parameters) -> Bool {
        configuration[name].map(values.contains) ?? false
    }
}

/// A `forbid:` rule: a configuration that matches every term never runs.
package struct ForbiddenCombination: Hashable, Sendable, Codable {
    package var terms: [ParameterMatch]

    package init(_ terms: [ParameterMatch]) { self.terms = terms }

    /// Whether every term matches (a term on a parameter that is inactive, so absent, does not).
    package func matches(_ configuration: Parameters) -> Bool {
        terms.allSatisfy { $0.matches(configuration) }
    }
}

extension SearchSpace {
    /// Whether some parameter exists only under a condition.
    package var isConditional: Bool { parameters.contains { !$0.when.isEmpty } }

    /// Whether some configurations of the plain box are not valid ones (conditions or rules).
    package var hasRestrictions: Bool { isConditional || !forbidden.isEmpty }

    /// The parameters that exist in `configuration`: a parameter without condition always; one with
    /// a `when` if every parameter it names is active and has one of the listed values. The values
    /// of inactive parameters in `configuration`, if any, are ignored.
    package func activeNames(in configuration: Parameters) -> Set<String> {
        guard isConditional else { return Set(names) }
        var active = Set<String>()
        var decided = Set<String>()
        var remaining = parameters
        // Rounds in dependency order; the study file rejects cycles, whose members would stay out.
        while !remaining.isEmpty {
            var undecided: [ParameterSpec] = []
            for spec in remaining {
                guard spec.when.allSatisfy({ decided.contains($0.name) }) else {
                    undecided.append(spec)
                    continue
                }
                decided.insert(spec.name)
                if spec.when.allSatisfy({ active.contains($0.name) && $0.matches(configuration) }) {
                    active.insert(spec.name)
                }
            }
            if undecided.count == remaining.count { break }
            remaining = undecided
        }
        return active
    }

    /// `configuration` without its inactive parameters.
    package func activeOnly(_ configuration: Parameters) -> Parameters {
        guard isConditional else { return configuration }
        let active = activeNames(in: configuration)
        return configuration.filter { active.contains($0.key) }
    }

    /// Whether a `forbid:` rule matches `configuration` (its active parameters only).
    package func isForbidden(_ configuration: Parameters) -> Bool {
        !forbidden.isEmpty && forbidden.contains { $0.matches(configuration) }
    }

    /// The configuration grid search visits at `index` of the plain grid, or nil when that point
    /// is not one to visit: a forbidden one, or a duplicate (an inactive parameter not at its first
    /// grid point: the same configuration as the point where it is). So the grid visits every
    /// valid combination exactly once.
    package func validGridConfiguration(at index: Int) -> Parameters? {
        guard hasRestrictions else { return gridConfiguration(at: index) }
        var remainder = index
        var full = Parameters()
        var pointIndex: [String: Int] = [:]
        for spec in parameters.reversed() {
            let points = spec.gridPoints
            pointIndex[spec.name] = remainder % points.count
            full[spec.name] = points[remainder % points.count]
            remainder /= points.count
        }
        let active = activeNames(in: full)
        for spec in parameters where !active.contains(spec.name) && pointIndex[spec.name] != 0 { return nil }
        let configuration = full.filter { active.contains($0.key) }
        return isForbidden(configuration) ? nil : configuration
    }

    /// Whether any configuration may run, decided over the parameters that conditions and rules
    /// name (the others never change whether a rule matches); nil when they have more than `limit`
    /// combinations of values.
    package func hasAllowedConfiguration(limit: Int = 1_000_000) -> Bool? {
        guard !forbidden.isEmpty else { return true }
        let named = Set(forbidden.flatMap { $0.terms.map(\.name) } + parameters.flatMap { $0.when.map(\.name) })
        var domains: [(name: String, values: [ParameterValue])] = []
        var combinations = 1
        for spec in parameters where named.contains(spec.name) {
            let values: [ParameterValue]
            switch spec.domain {
            case .choice(let choices): values = choices
            case .int(let low, let high, _):
                guard high - low < limit else { return nil }
                values = (low...high).map { .int($0) }
            case .float: return true  // rules never name floats; a condition on one cannot forbid all
            }
            let (product, overflow) = combinations.multipliedReportingOverflow(by: values.count)
            guard !overflow, product <= limit else { return nil }
            combinations = product
            domains.append((spec.name, values))
        }
        for index in 0..<combinations {
            var remainder = index
            var configuration = Parameters()
            for domain in domains.reversed() {
                configuration[domain.name] = domain.values[remainder % domain.values.count]
                remainder /= domain.values.count
            }
            if !isForbidden(activeOnly(configuration)) { return true }
        }
        return false
    }
}
