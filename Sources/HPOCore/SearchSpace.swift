import Foundation

/// The set of values one parameter may take.
package enum ParameterDomain: Hashable, Sendable {
    /// A real number in `[low, high]`, sampled uniformly in `log` space when `log` is set.
    case float(low: Double, high: Double, log: Bool)
    /// An integer in `[low, high]` (both included), sampled uniformly in log space when `log` is set.
    case int(low: Int, high: Int, log: Bool)
    /// One of a fixed list of values (strings or numbers).
    case choice([ParameterValue])
}

/// One named parameter of the search space, with how grid search walks it.
package struct ParameterSpec: Hashable, Sendable {
    package var name: String
    package var domain: ParameterDomain
    /// Grid search: the number of evenly spaced points (in log space if `log`) for a numeric domain.
    package var gridSteps: Int?
    /// Grid search: explicit values for a numeric domain (take precedence over `gridSteps`).
    package var gridValues: [ParameterValue]?
    /// `when:` in the study file: the parameter exists only when every named parameter is active
    /// and has one of the listed values; empty for a parameter that always exists
    /// (SearchSpace+Conditions.swift).
    package var when: [ParameterMatch]

    package init(
        name: String, domain: ParameterDomain, gridSteps: Int? = nil, gridValues: [ParameterValue]? = nil,
        when: [ParameterMatch] = []
    ) {
        self.name = name
        self.domain = domain
        self.gridSteps = gridSteps
        self.gridValues = gridValues
        self.when = when
    }

    /// Maps `u` in `[0, 1)` onto the domain: uniform (or log-uniform) for numbers, equal shares for choices.
    package func value(atUnit u: Double) -> ParameterValue {
        let u = min(max(u, 0), 1)
        switch domain {
        case .float(let low, let high, let log):
            let value =
                log
                ? Foundation.exp(Foundation.log(low) + u * (Foundation.log(high) - Foundation.log(low)))
                : low + u * (high - low)
            return .double(min(max(value, low), high))
        case .int(let low, let high, let log):
            let value: Double
            if log {
                let a = Foundation.log(Double(low))
                let b = Foundation.log(Double(high) + 1)
                value = Foundation.exp(a + u * (b - a))
            } else {
                value = Double(low) + u * Double(high - low + 1)
            }
            return .int(min(max(Int(value.rounded(.down)), low), high))
        case .choice(let values):
            return values[min(Int(u * Double(values.count)), values.count - 1)]
        }
    }

    /// Whether `value` is a valid value of this parameter.
    package func contains(_ value: ParameterValue) -> Bool {
        switch (domain, value) {
        case (.float(let low, let high, _), _):
            guard let x = value.doubleValue else { return false }
            return x >= low && x <= high
        case (.int(let low, let high, _), .int(let x)):
            return x >= low && x <= high
        case (.int, _):
            return false
        case (.choice(let values), _):
            return values.contains(value)
        }
    }

    /// The values grid search visits for this parameter, in order.
    package var gridPoints: [ParameterValue] {
        if let gridValues { return gridValues }
        switch domain {
        case .choice(let values):
            return values
        case .float(let low, let high, let log):
            let steps = gridSteps ?? ParameterSpec.defaultGridSteps
            guard steps > 1 else { return [.double(low)] }
            return (0..<steps).map { i in
                let t = Double(i) / Double(steps - 1)
                let x =
                    log
                    ? Foundation.exp(Foundation.log(low) + t * (Foundation.log(high) - Foundation.log(low)))
                    : low + t * (high - low)
                return .double(i == steps - 1 ? high : x)
            }
        case .int(let low, let high, let log):
            guard let steps = gridSteps, steps < high - low + 1 else { return (low...high).map { .int($0) } }
            guard steps > 1 else { return [.int(low)] }
            var seen = Set<Int>()
            return (0..<steps).compactMap { i in
                let t = Double(i) / Double(steps - 1)
                let x =
                    log
                    ? Foundation.exp(
                        Foundation.log(Double(low)) + t * (Foundation.log(Double(high)) - Foundation.log(Double(low))))
                    : Double(low) + t * Double(high - low)
                let value = min(max(Int(x.rounded()), low), high)
                return seen.insert(value).inserted ? .int(value) : nil
            }
        }
    }

    /// Points per continuous parameter when the study file gives neither `steps` nor `values`.
    package static let defaultGridSteps = 5
}

/// The parameters a study searches over, in the order the study file lists them, with the
/// combinations that must never run (conditions and rules: SearchSpace+Conditions.swift).
package struct SearchSpace: Hashable, Sendable {
    package var parameters: [ParameterSpec]
    /// `forbid:` in the study file: a configuration matching any rule never runs.
    package var forbidden: [ForbiddenCombination]

    package init(_ parameters: [ParameterSpec], forbidden: [ForbiddenCombination] = []) {
        self.parameters = parameters
        self.forbidden = forbidden
    }

    package var names: [String] { parameters.map(\.name) }

    /// Maps a point of the unit cube (one coordinate per parameter) to a configuration: its
    /// active parameters only (the coordinates of inactive ones are ignored).
    package func configuration(atUnit point: [Double]) -> Parameters {
        precondition(
            point.count == parameters.count, "unit point has \(point.count) coordinates, space has \(parameters.count)")
        var result = Parameters()
        for (spec, u) in zip(parameters, point) { result[spec.name] = spec.value(atUnit: u) }
        return activeOnly(result)
    }

    /// Whether `parameters` names exactly this space's parameters that are active in it, each
    /// with a valid value.
    package func contains(_ configuration: Parameters) -> Bool {
        let active = activeNames(in: configuration)
        return configuration.count == active.count
            && parameters.allSatisfy { spec in
                guard active.contains(spec.name) else { return true }
                return configuration[spec.name].map(spec.contains) ?? false
            }
    }

    /// The number of grid points (the product over parameters), saturating at `Int.max`.
    package var gridSize: Int {
        parameters.reduce(1) { size, spec in
            let (product, overflow) = size.multipliedReportingOverflow(by: spec.gridPoints.count)
            return overflow ? Int.max : product
        }
    }

    /// The grid point with the given index (mixed radix, the last parameter varying fastest).
    package func gridConfiguration(at index: Int) -> Parameters {
        var remainder = index
        var result = Parameters()
        for spec in parameters.reversed() {
            let points = spec.gridPoints
            result[spec.name] = points[remainder % points.count]
            remainder /= points.count
        }
        return result
    }
}
