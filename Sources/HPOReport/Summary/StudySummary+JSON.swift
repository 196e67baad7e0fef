import Foundation
import HPOCore

extension StudySummary {
    /// The version of the `hpo status --json` document; bumped only if a key changes meaning or goes.
    package static let jsonSchema = 1

    /// `hpo status --json`: the summary as a JSON object with stable, snake_case keys (sorted), every
    /// key always present (`null` when unknown). docs/report.md documents each one.
    package func json(path: String? = nil, tornTail: Bool = false, unknownEvents: Int = 0) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let document = StatusDocument(summary: self, path: path, tornTail: tornTail, unknownEvents: unknownEvents)
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}

/// The JSON document of `hpo status --json`.
private struct StatusDocument: Encodable {
    var summary: StudySummary
    var path: String?
    var tornTail: Bool
    var unknownEvents: Int

    enum Keys: String, CodingKey {
        case schema, log, study, state, objective, objectives, constraints, budget, counts, best, time, workers, top
        case actions
        case pareto
        case finishReason = "finish_reason"
        case placementWarning = "placement_warning"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(StudySummary.jsonSchema, forKey: .schema)
        try c.encode(
            Object([
                ("path", .string(path)), ("torn_tail", .bool(tornTail)), ("unknown_events", .int(unknownEvents))
            ]), forKey: .log)
        try c.encode(summary.study, forKey: .study)
        try c.encode(summary.state.rawValue, forKey: .state)
        try c.encode(summary.finishReason, forKey: .finishReason)
        try c.encode(summary.placementWarning, forKey: .placementWarning)
        try c.encode(
            summary.actions.map { action in
                Object([
                    ("time", .double(action.time)), ("action", .string(action.action)),
                    ("description", .string(action.description)), ("origin", .string(action.origin))
                ])
            }, forKey: .actions)
        try c.encode(summary.objective, forKey: .objective)
        try c.encode(summary.objectives, forKey: .objectives)
        try c.encode(summary.constraints, forKey: .constraints)
        if let pareto = summary.pareto {
            try c.encode(ParetoDocument(pareto: pareto), forKey: .pareto)
        } else {
            try c.encodeNil(forKey: .pareto)
        }
        try c.encode(
            Object([
                ("trials", .int(summary.budget.trials)), ("wall_time_s", .double(summary.budget.wallTimeSeconds)),
                ("planned_trials", .int(summary.plannedTrials))
            ]), forKey: .budget)
        let counts = summary.counts
        try c.encode(
            Object([
                ("completed", .int(counts.completed)), ("failed", .int(counts.failed)), ("pruned", .int(counts.pruned)),
                ("paused", .int(counts.paused)), ("running", .int(counts.running)),
                ("queued", .int(counts.queued)), ("interrupted", .int(counts.interrupted)), ("done", .int(counts.done)),
                ("attempts", .int(counts.attempts)), ("failed_attempts", .int(counts.failedAttempts)),
                ("lost_attempts", .int(counts.lostAttempts)), ("preempted_attempts", .int(counts.preemptedAttempts)),
                ("retries", .int(counts.retries)),
                ("results_dropped", .int(counts.resultsDropped)), ("from_fallback", .int(counts.fromFallback)),
                ("stale_proposals", .int(counts.staleProposals)), ("infeasible", .int(counts.infeasible))
            ]), forKey: .counts)
        if let best = summary.best {
            try c.encode(
                Object([
                    ("trial", .int(best.trial.rawValue)), ("objective", .double(best.objective)),
                    ("params", .params(best.params))
                ]), forKey: .best)
        } else {
            try c.encodeNil(forKey: .best)
        }
        try c.encode(
            Object([
                ("started", .double(summary.startTime)), ("as_of", .double(summary.asOf)),
                ("elapsed_s", .double(summary.elapsedSeconds)), ("trials_per_hour", .double(summary.trialsPerHour)),
                ("eta_s", .double(summary.etaSeconds))
            ]), forKey: .time)
        try c.encode(
            Object([
                ("seen", .int(summary.workers.seen)), ("connected", .int(summary.workers.connected)),
                ("busy", .int(summary.workers.busy)), ("utilisation", .double(summary.workers.utilisation))
            ]), forKey: .workers)
        try c.encode(
            summary.top.map { ranked in
                Object([
                    ("rank", .int(ranked.rank)), ("trial", .int(ranked.trial.rawValue)),
                    ("attempt", .int(ranked.attempt)),
                    ("objective", .double(ranked.objective)), ("params", .params(ranked.params)),
                    ("metrics", .metrics(ranked.metrics)), ("duration_s", .double(ranked.durationSeconds)),
                    ("worker", .string(ranked.worker.rawValue))
                ])
            }, forKey: .top)
    }
}

/// `pareto` in `hpo status --json`: the front (each trial's objective values by metric), the
/// reference point, the hypervolume, and the hypervolume after each completed trial.
private struct ParetoDocument: Encodable {
    var pareto: ParetoSummary

    enum Keys: String, CodingKey {
        case front, reference, hypervolume
        case hypervolumeHistory = "hypervolume_history"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        let metrics = pareto.objectives.map(\.metric)
        func byMetric(_ values: [Double]) -> [String: Double] {
            Dictionary(zip(metrics, values), uniquingKeysWith: { first, _ in first })
        }
        try c.encode(
            pareto.front.map { point in
                Object([
                    ("trial", .int(point.trial.rawValue)), ("values", .metrics(byMetric(point.values))),
                    ("params", .params(point.params))
                ])
            }, forKey: .front)
        try c.encode(byMetric(pareto.reference), forKey: .reference)
        try c.encode(pareto.hypervolume, forKey: .hypervolume)
        try c.encode(
            pareto.steps.map { step in
                Object([
                    ("completed", .int(step.completed)), ("time", .double(step.time)),
                    ("hypervolume", .double(step.hypervolume))
                ])
            }, forKey: .hypervolumeHistory)
    }
}

/// A JSON object with fixed keys whose values may be null.
private struct Object: Encodable {
    enum Value {
        case int(Int)
        case double(Double?)
        case string(String?)
        case bool(Bool)
        case params(Parameters)
        case metrics([String: Double])
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var fields: [(String, Value)]
    init(_ fields: [(String, Value)]) { self.fields = fields }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (name, value) in fields {
            let key = Key(stringValue: name)
            switch value {
            case .int(let x): try c.encode(x, forKey: key)
            case .double(let x): try c.encode(x, forKey: key)
            case .string(let x): try c.encode(x, forKey: key)
            case .bool(let x): try c.encode(x, forKey: key)
            case .params(let x): try c.encode(x, forKey: key)
            case .metrics(let x): try c.encode(x, forKey: key)
            }
        }
    }
}
