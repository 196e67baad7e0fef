/// Which rule stops hopeless trials early (`pruner: {kind: …}`); see `docs/pruning.md`.
package enum PrunerKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// Asynchronous successive halving: rungs at `min_resource × η^k`; past each rung only the
    /// top 1/η of the trials that reached it continue.
    case asha
    /// Median stopping: a trial whose best value so far is worse than the median of the other
    /// trials' values at the same step stops.
    case median
}

/// What a trial has spent so far, as ASHA measures it: the report's `step`, or the value of a
/// reported metric (e.g. `epoch`, `samples`) that grows as the trial runs.
package enum PrunerResource: Hashable, Sendable, Codable, CustomStringConvertible {
    case step
    case metric(String)

    package init(_ name: String) { self = name == "step" ? .step : .metric(name) }

    package var description: String {
        switch self {
        case .step: "step"
        case .metric(let name): name
        }
    }

    package init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// What ASHA does with a trial that is not in the top 1/η of a rung (`mode:`; docs/pruning.md).
package enum ASHAMode: String, Hashable, Sendable, Codable, CaseIterable {
    /// It stops for good (pruned): the early-stopping form, as Optuna and Ray Tune run ASHA.
    case stop
    /// It is paused once a checkpoint at or past the rung is durable, and resumed from that
    /// checkpoint if it is later promoted: the promotion form of Li et al.'s ASHA (2020).
    case promote
}

/// The settings of `kind: asha`.
package struct ASHASettings: Hashable, Sendable, Codable {
    package var resource: PrunerResource
    /// The first rung, in units of `resource`.
    package var minResource: Double
    /// η: rungs are `minResource × η^k`, and the top 1/η of a rung continues.
    package var reductionFactor: Int
    /// No rung at or above this (a trial that gets there finishes anyway); nil: no limit.
    package var maxResource: Double?
    /// Stop (the default) or pause and promote.
    package var mode: ASHAMode

    package init(
        resource: PrunerResource = .step, minResource: Double = 1, reductionFactor: Int = 3, maxResource: Double? = nil,
        mode: ASHAMode = .stop
    ) {
        self.resource = resource
        self.minResource = minResource
        self.reductionFactor = reductionFactor
        self.maxResource = maxResource
        self.mode = mode
    }

    enum CodingKeys: String, CodingKey {
        case resource
        case minResource = "min_resource"
        case reductionFactor = "reduction_factor"
        case maxResource = "max_resource"
        case mode
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        resource = try container.decodeIfPresent(PrunerResource.self, forKey: .resource) ?? .step
        minResource = try container.decodeIfPresent(Double.self, forKey: .minResource) ?? 1
        reductionFactor = try container.decodeIfPresent(Int.self, forKey: .reductionFactor) ?? 3
        maxResource = try container.decodeIfPresent(Double.self, forKey: .maxResource)
        mode = try container.decodeIfPresent(ASHAMode.self, forKey: .mode) ?? .stop
    }

    /// `mode` is written only when it is `promote`, so logs of stop-form studies read as before.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(resource, forKey: .resource)
        try container.encode(minResource, forKey: .minResource)
        try container.encode(reductionFactor, forKey: .reductionFactor)
        try container.encodeIfPresent(maxResource, forKey: .maxResource)
        if mode != .stop { try container.encode(mode, forKey: .mode) }
    }
}

/// The settings of `kind: median`.
package struct MedianSettings: Hashable, Sendable, Codable {
    /// Reports at steps up to this one are never judged.
    package var warmupSteps: Int
    /// A step is judged only once this many other trials reported it.
    package var minTrials: Int

    package init(warmupSteps: Int = 0, minTrials: Int = 5) {
        self.warmupSteps = warmupSteps
        self.minTrials = minTrials
    }

    enum CodingKeys: String, CodingKey {
        case warmupSteps = "warmup_steps"
        case minTrials = "min_trials"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        warmupSteps = try container.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? 0
        minTrials = try container.decodeIfPresent(Int.self, forKey: .minTrials) ?? 5
    }
}

/// Early stopping of hopeless trials (`pruner:` in the study file). Absent from a study: no
/// trial is ever stopped early.
///
/// Written flat, as in the study file: `{"kind": "asha", "metric": "val_loss", "min_resource": 1, …}`.
package struct PrunerConfig: Hashable, Sendable, Codable {
    package enum Rule: Hashable, Sendable {
        case asha(ASHASettings)
        case median(MedianSettings)
    }

    /// The reported metric the rule judges; nil: the objective's metric (and always in the
    /// objective's direction).
    package var metric: String?
    package var rule: Rule

    package init(metric: String? = nil, rule: Rule) {
        self.metric = metric
        self.rule = rule
    }

    package var kind: PrunerKind {
        switch rule {
        case .asha: .asha
        case .median: .median
        }
    }

    /// The metric judged in a study with this objective.
    package func metric(for objective: Objective) -> String { metric ?? objective.metric }

    enum CodingKeys: String, CodingKey { case kind, metric }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metric = try container.decodeIfPresent(String.self, forKey: .metric)
        switch try container.decode(PrunerKind.self, forKey: .kind) {
        case .asha: rule = .asha(try ASHASettings(from: decoder))
        case .median: rule = .median(try MedianSettings(from: decoder))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(metric, forKey: .metric)
        switch rule {
        case .asha(let settings): try settings.encode(to: encoder)
        case .median(let settings): try settings.encode(to: encoder)
        }
    }
}
