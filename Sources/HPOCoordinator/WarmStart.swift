import HPOCore
import HPOJournal

/// Reads the earlier studies' logs of `warm_start:` into results for Bayesian optimisation
/// (docs/study-file.md, "Warm start").
///
/// The rules: an earlier study must have the same parameter names, each of the same type (float,
/// int or choice); ranges, values, conditions and rules may differ. Each of its completed trials
/// is kept if its configuration is a valid, allowed one of this space (exactly the active
/// parameters, each in range, no `forbid:` rule matching) and it has this study's objective
/// metric; the others are dropped and counted.
package enum WarmStart {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// The results, as values to minimise, and the sources with their counts filled in.
    package static func load(for config: StudyConfig) throws(Failure) -> (
        results: [(parameters: Parameters, objective: Double)], sources: [WarmStartSource]
    ) {
        var results: [(parameters: Parameters, objective: Double)] = []
        var sources: [WarmStartSource] = []
        for var source in config.warmStart ?? [] {
            let contents: JournalReader.Contents
            do {
                contents = try JournalReader.read(path: source.file)
            } catch {
                throw Failure(description: "warm_start: cannot read \(source.file): \(error)")
            }
            let started = contents.records.lazy.compactMap { record -> StudyStarted? in
                if case .studyStarted(let e) = record.event { e } else { nil }
            }.first
            guard let earlier = started?.config else {
                throw Failure(description: "warm_start: \(source.file) has no study_started line: not a results log")
            }
            if let problem = incompatibility(earlier.space, config.space) {
                throw Failure(description: "warm_start: \(source.file) searched another space: \(problem)")
            }
            var used = 0
            var dropped = 0
            for record in contents.records {
                guard case .trialCompleted(let e) = record.event else { continue }
                let value =
                    e.metrics[config.objective.metric]
                    ?? (earlier.objective.metric == config.objective.metric ? e.objective : nil)
                guard let value, value.isFinite, config.space.contains(e.params), !config.space.isForbidden(e.params)
                else {
                    dropped += 1
                    continue
                }
                results.append((e.params, config.objective.direction == .maximize ? -value : value))
                used += 1
            }
            source.used = used
            source.dropped = dropped
            sources.append(source)
        }
        return (results, sources)
    }

    /// Why an earlier space is not compatible with this one, or nil when it is.
    static func incompatibility(_ earlier: SearchSpace, _ space: SearchSpace) -> String? {
        let names = Set(space.names)
        let earlierNames = Set(earlier.names)
        if names != earlierNames {
            let missing = names.subtracting(earlierNames).sorted()
            let extra = earlierNames.subtracting(names).sorted()
            var text = "the parameters differ"
            if !missing.isEmpty { text += "; not in it: \(missing.joined(separator: ", "))" }
            if !extra.isEmpty { text += "; not in this study: \(extra.joined(separator: ", "))" }
            return text
        }
        for spec in space.parameters {
            guard let other = earlier.parameters.first(where: { $0.name == spec.name }) else { continue }
            if kind(other.domain) != kind(spec.domain) {
                return "'\(spec.name)' is \(kind(other.domain)) there and \(kind(spec.domain)) here"
            }
        }
        return nil
    }

    private static func kind(_ domain: ParameterDomain) -> String {
        switch domain {
        case .float: "float"
        case .int: "int"
        case .choice: "choice"
        }
    }
}
