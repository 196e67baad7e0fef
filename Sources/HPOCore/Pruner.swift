/// Which rule stops hopeless trials early (`pruner: {kind: …}`); see `docs/pruning.md`.
public enum PrunerKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// Asynchronous successive halving: rungs at `min_resource × η^k`; past each rung only the
    /// top 1/η of the trials that reached it continue.
    case asha
    /// Median stopping: a trial whose best value so far is worse than the median of the other
    /// trials' values at the same step stops.
    case median
}

/// What a trial has spent so far, as ASHA measures it: the report's `step`, or the value of a
/// reported metric (e.g. `epoch`, `samples`) that grows as the trial runs.
public enum PrunerResource: Hashable, Sendable, Codable, CustomStringConvertible {
    case step
    case metric(String)

    public init(_ name: String) { self = name == "step" ? .step : .metric(name) }

    public var description: String {
        switch self {
        case .step: "step"
        case .metric(let name): name
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The settings of `kind: asha`.
public struct ASHASettings: Hashable, Sendable, Codable {
    public var resource: PrunerResource
    /// The first rung, in units of `resource`.
    public var minResource: Double
    /// η: rungs are `minResource × η^k`, and the top 1/η of a rung continues.
    public var reductionFactor: Int
    /// No rung at or above this (a trial that gets there finishes anyway); nil: no limit.
    public var maxResource: Double?

    public init(resource: PrunerResource = .step, minResource: Double = 1, reductionFactor: Int = 3, maxResource: Double? = nil) {
        self.resource = resource
        self.minResource = minResource
        self.reductionFactor = reductionFactor
        self.maxResource = maxResource
    }

    enum CodingKeys: String, CodingKey {
        case resource
        case minResource = "min_resource"
        case reductionFactor = "reduction_factor"
        case maxResource = "max_resource"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        resource = try container.decodeIfPresent(PrunerResource.self, forKey: .resource) ?? .step
        minResource = try container.decodeIfPresent(Double.self, forKey: .minResource) ?? 1
        reductionFactor = try container.decodeIfPresent(Int.self, forKey: .reductionFactor) ?? 3
        maxResource = try container.decodeIfPresent(Double.self, forKey: .maxResource)
    }
}

/// The settings of `kind: median`.
public struct MedianSettings: Hashable, Sendable, Codable {
    /// Reports at steps up to this one are never judged.
    public var warmupSteps: Int
    /// A step is judged only once this many other trials reported it.
    public var minTrials: Int

    public init(warmupSteps: Int = 0, minTrials: Int = 5) {
        self.warmupSteps = warmupSteps
        self.minTrials = minTrials
    }

    enum CodingKeys: String, CodingKey {
        case warmupSteps = "warmup_steps"
        case minTrials = "min_trials"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        warmupSteps = try container.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? 0
        minTrials = try container.decodeIfPresent(Int.self, forKey: .minTrials) ?? 5
    }
}

/// Early stopping of hopeless trials (`pruner:` in the study file). Absent from a study: no
/// trial is ever stopped early.
///
/// Written flat, as in the study file: `{"kind": "asha", "metric": "val_loss", "min_resource": 1, …}`.
public struct PrunerConfig: Hashable, Sendable, Codable {
    public enum Rule: Hashable, Sendable {
        case asha(ASHASettings)
        case median(MedianSettings)
    }

    /// The reported metric the rule judges; nil: the objective's metric (and always in the
    /// objective's direction).
    public var metric: String?
    public var rule: Rule

    public init(metric: String? = nil, rule: Rule) {
        self.metric = metric
        self.rule = rule
    }

    public var kind: PrunerKind {
        switch rule {
        case .asha: .asha
        case .median: .median
        }
    }

    /// The metric judged in a study with this objective.
    public func metric(for objective: Objective) -> String { metric ?? objective.metric }

    enum CodingKeys: String, CodingKey { case kind, metric }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metric = try container.decodeIfPresent(String.self, forKey: .metric)
        switch try container.decode(PrunerKind.self, forKey: .kind) {
        case .asha: rule = .asha(try ASHASettings(from: decoder))
        case .median: rule = .median(try MedianSettings(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(metric, forKey: .metric)
        switch rule {
        case .asha(let settings): try settings.encode(to: encoder)
        case .median(let settings): try settings.encode(to: encoder)
        }
    }
}
