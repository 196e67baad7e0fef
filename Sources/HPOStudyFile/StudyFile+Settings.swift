import HPOCore
import Yams

/// The small top-level sections: `objective`, `budget`, `strategy`, `seed`.
extension StudyFile {
    /// `{metric: val_loss, direction: minimize}`; the direction defaults to `minimize`.
    static func readObjective(_ field: YAMLField) throws -> Objective {
        let mapping = try field.mapping()
        try mapping.checkKeys(allowed: ["metric", "direction"])
        let metric = try mapping.required("metric").nonEmptyString()
        var direction = Direction.minimize
        if let directionField = mapping.optional("direction") {
            direction = try directionField.oneOf([Direction.minimize, .maximize], named: \.rawValue)
        }
        return Objective(metric: metric, direction: direction)
    }

    /// `{trials: 30, wall_time: 2h}`.
    static func readBudget(_ field: YAMLField) throws -> Budget {
        let mapping = try field.mapping()
        try mapping.checkKeys(allowed: ["trials", "wall_time"])
        let trialsField = try mapping.required("trials")
        let trials = try trialsField.int()
        guard trials > 0 else { throw trialsField.expected("a positive integer") }
        let wallTime = try mapping.optional("wall_time")?.duration(positive: true)
        return Budget(trials: trials, wallTimeSeconds: wallTime)
    }

    /// `random`, `{kind: grid}`, or `{kind: bayes, batch: constant-liar, lie: min, initial: 8, output: auto}`.
    static func readStrategy(_ field: YAMLField) throws -> StrategyConfig {
        if case .scalar = field.node {
            return StrategyConfig(kind: try field.oneOf(StrategyKind.allCases, named: \.rawValue))
        }
        guard case .mapping = field.node else { throw field.expected("a strategy name or a mapping with 'kind'") }
        let mapping = try field.mapping()
        guard mapping.optional("kind").map(isBayes) == true else {
            try mapping.checkKeys(allowed: strategyKeys)
            return StrategyConfig(kind: try mapping.required("kind").oneOf(StrategyKind.allCases, named: \.rawValue))
        }
        try mapping.checkKeys(allowed: strategyKeys + bayesKeys, context: "for a bayes strategy")
        return StrategyConfig(kind: .bayes, bayes: try readBayesOptions(mapping))
    }

    static let strategyKeys = ["kind"]
    static let bayesKeys = ["batch", "lie", "initial", "output"]

    private static func isBayes(_ field: YAMLField) -> Bool {
        if case .scalar(let scalar) = field.node { return scalar.string == StrategyKind.bayes.rawValue }
        return false
    }

    /// The settings of `kind: bayes`; each has a default (see `docs/bayes.md`).
    static func readBayesOptions(_ mapping: YAMLMapping) throws -> BayesOptions {
        var options = BayesOptions()
        if let batch = mapping.optional("batch") {
            options.batch = try batch.oneOf(BatchHeuristic.allCases, named: \.rawValue)
        }
        if let lie = mapping.optional("lie") {
            options.lie = try lie.oneOf(LieValue.allCases, named: \.rawValue)
            guard options.batch == .constantLiar else {
                throw lie.keyError(
                    """
                    'lie' applies only to batch: constant-liar (the kriging believer's lie is the model's own \
                    prediction)
                    """
                )
            }
        }
        if let initial = mapping.optional("initial") {
            let value = try initial.int()
            guard value >= 1 else { throw initial.expected("a positive integer") }
            options.initial = value
        }
        if let output = mapping.optional("output") {
            options.output = try output.oneOf(OutputTransformKind.allCases, named: \.rawValue)
        }
        return options
    }

    /// A non-negative integer.
    static func readSeed(_ field: YAMLField) throws -> UInt64 {
        guard let text = field.plainText, let seed = UInt64(text) else {
            throw field.expected("a non-negative integer")
        }
        return seed
    }
}

extension YAMLField {
    /// One of a fixed set of words; the error lists them all.
    func oneOf<Value>(_ values: [Value], named name: (Value) -> String) throws -> Value {
        let names = values.map(name)
        guard case .scalar(let scalar) = node, !isNull, let index = names.firstIndex(of: scalar.string) else {
            throw expected("one of \(names.joined(separator: ", "))")
        }
        return values[index]
    }
}
