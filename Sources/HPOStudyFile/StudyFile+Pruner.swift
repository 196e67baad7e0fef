import HPOCore
import Yams

/// The `pruner` section: early stopping of hopeless trials (docs/pruning.md).
extension StudyFile {
    /// `asha`, `median`, `{kind: asha, min_resource: 1, reduction_factor: 3}` or
    /// `{kind: median, warmup_steps: 5, min_trials: 5}`; every setting but `kind` has a default.
    ///
    /// `mode: promote` (pause and promote) needs trials that checkpoint: a command, or the
    /// built-in trainer `mlp`; `trial` is the study's, to say so.
    static func readPruner(_ field: YAMLField, trial: TrialSpec) throws -> PrunerConfig {
        if case .scalar = field.node {
            let kind = try field.oneOf(PrunerKind.allCases, named: \.rawValue)
            return PrunerConfig(rule: kind == .asha ? .asha(ASHASettings()) : .median(MedianSettings()))
        }
        guard case .mapping = field.node else { throw field.expected("a pruner name or a mapping with 'kind'") }
        let mapping = try field.mapping()
        guard let kindField = mapping.optional("kind") else {
            try mapping.checkKeys(allowed: prunerCommonKeys + ashaKeys + medianKeys)
            throw field.missingKey("kind")
        }
        let kind = try kindField.oneOf(PrunerKind.allCases, named: \.rawValue)
        func metric() throws -> String? { try mapping.optional("metric")?.nonEmptyString() }
        switch kind {
        case .asha:
            try mapping.checkKeys(
                allowed: prunerCommonKeys + ashaKeys, context: "for an asha pruner",
                misplaced: Dictionary(
                    uniqueKeysWithValues: medianKeys.map { ($0, "'\($0)' applies only to kind: median") }))
            return PrunerConfig(metric: try metric(), rule: .asha(try readASHA(mapping, trial: trial)))
        case .median:
            try mapping.checkKeys(
                allowed: prunerCommonKeys + medianKeys, context: "for a median pruner",
                misplaced: Dictionary(uniqueKeysWithValues: ashaKeys.map { ($0, "'\($0)' applies only to kind: asha") })
            )
            return PrunerConfig(metric: try metric(), rule: .median(try readMedian(mapping)))
        }
    }

    static let prunerCommonKeys = ["kind", "metric"]
    static let ashaKeys = ["resource", "min_resource", "reduction_factor", "max_resource", "mode"]
    static let medianKeys = ["warmup_steps", "min_trials"]

    private static func readASHA(_ mapping: YAMLMapping, trial: TrialSpec) throws -> ASHASettings {
        var settings = ASHASettings()
        if let mode = mapping.optional("mode") {
            settings.mode = try mode.oneOf(ASHAMode.allCases, named: \.rawValue)
            if settings.mode == .promote, case .builtin(let name) = trial.program, !trial.program.checkpoints {
                throw mode.error(
                    "mode: promote pauses trials at a checkpoint and resumes them from it, but the built-in "
                        + "function '\(name)' does not checkpoint; use a command trial or the built-in trainer 'mlp', "
                        + "or mode: stop")
            }
        }
        if let resource = mapping.optional("resource") {
            settings.resource = PrunerResource(try resource.nonEmptyString())
        }
        if let minResource = mapping.optional("min_resource") {
            settings.minResource = try minResource.number()
            guard settings.minResource > 0 else { throw minResource.expected("a number greater than 0") }
        }
        if let factor = mapping.optional("reduction_factor") {
            settings.reductionFactor = try factor.int()
            guard settings.reductionFactor >= 2 else { throw factor.expected("an integer of at least 2") }
        }
        if let maxResource = mapping.optional("max_resource") {
            let value = try maxResource.number()
            guard value > settings.minResource else {
                throw maxResource.expected("a number greater than min_resource (\(formatted(settings.minResource)))")
            }
            settings.maxResource = value
        }
        return settings
    }

    private static func readMedian(_ mapping: YAMLMapping) throws -> MedianSettings {
        var settings = MedianSettings()
        if let warmup = mapping.optional("warmup_steps") {
            settings.warmupSteps = try warmup.int()
            guard settings.warmupSteps >= 0 else { throw warmup.expected("a non-negative integer") }
        }
        if let minTrials = mapping.optional("min_trials") {
            settings.minTrials = try minTrials.int()
            guard settings.minTrials >= 1 else { throw minTrials.expected("a positive integer") }
        }
        return settings
    }

    /// `1` rather than `1.0` in messages.
    private static func formatted(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
