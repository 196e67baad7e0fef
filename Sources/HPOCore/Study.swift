/// Which way the objective metric is better.
package enum Direction: String, Hashable, Sendable, Codable {
    case minimize, maximize
}

/// The metric a study optimises and which way.
package struct Objective: Hashable, Sendable, Codable {
    package var metric: String
    package var direction: Direction

    package init(metric: String, direction: Direction) {
        self.metric = metric
        self.direction = direction
    }

    /// Whether `value` is strictly better than `other` for this objective.
    package func isBetter(_ value: Double, than other: Double) -> Bool {
        direction == .minimize ? value < other : value > other
    }
}

/// When a study stops proposing new trials.
package struct Budget: Hashable, Sendable, Codable {
    /// The number of trials to run (retries of a trial do not count again).
    package var trials: Int
    /// Wall-clock seconds after which no new trial starts; running trials finish.
    package var wallTimeSeconds: Double?

    package init(trials: Int, wallTimeSeconds: Double? = nil) {
        self.trials = trials
        self.wallTimeSeconds = wallTimeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case trials
        case wallTimeSeconds = "wall_time_s"
    }
}

/// How the study chooses configurations.
package enum StrategyKind: String, Hashable, Sendable, Codable, CaseIterable {
    case grid, random, bayes
}

package struct StrategyConfig: Hashable, Sendable, Codable {
    package var kind: StrategyKind
    /// Settings of the `bayes` strategy (ignored by the others).
    package var bayes: BayesOptions

    package init(kind: StrategyKind, bayes: BayesOptions = BayesOptions()) {
        self.kind = kind
        self.bayes = bayes
    }

    enum CodingKeys: String, CodingKey { case kind, bayes }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(StrategyKind.self, forKey: .kind)
        bayes = try container.decodeIfPresent(BayesOptions.self, forKey: .bayes) ?? BayesOptions()
    }
}

/// How a batch (or the slots of running trials) is filled with distinct proposals.
package enum BatchHeuristic: String, Hashable, Sendable, Codable, CaseIterable {
    /// Every pending point is assumed to have returned a constant value (`LieValue`).
    case constantLiar = "constant-liar"
    /// Every pending point is assumed to have returned the model's posterior mean there.
    case krigingBeliever = "kriging-believer"
}

/// The constant a constant liar pretends pending points returned, from the observed values.
package enum LieValue: String, Hashable, Sendable, Codable, CaseIterable {
    case min, mean, max
}

/// How observed objective values are transformed before the Gaussian process sees them.
package enum OutputTransformKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// `none` or `log`, whichever explains the results better (marginal likelihood with the
    /// transform's Jacobian), chosen again at every full refit.
    case auto
    /// Standardised only.
    case none
    /// A shifted logarithm: compresses heavy upper tails.
    case log
    /// Normal scores of the ranks (a Gaussian copula).
    case rankGaussian = "rank-gaussian"
}

/// Settings of Bayesian optimisation (`strategy: {kind: bayes, ...}`); see `docs/bayes.md`.
package struct BayesOptions: Hashable, Sendable, Codable {
    package var batch: BatchHeuristic
    /// The constant liar's lie (ignored by the kriging believer).
    package var lie: LieValue
    /// Points of the space-filling initial design; nil for the default that depends on the
    /// dimension and the number of workers.
    package var initial: Int?
    /// How the objective values are transformed for the model.
    package var output: OutputTransformKind

    package init(
        batch: BatchHeuristic = .krigingBeliever, lie: LieValue = .min, initial: Int? = nil,
        output: OutputTransformKind = .auto
    ) {
        self.batch = batch
        self.lie = lie
        self.initial = initial
        self.output = output
    }

    enum CodingKeys: String, CodingKey { case batch, lie, initial, output }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        batch = try container.decodeIfPresent(BatchHeuristic.self, forKey: .batch) ?? .krigingBeliever
        lie = try container.decodeIfPresent(LieValue.self, forKey: .lie) ?? .min
        initial = try container.decodeIfPresent(Int.self, forKey: .initial)
        output = try container.decodeIfPresent(OutputTransformKind.self, forKey: .output) ?? .auto
    }
}

/// What a worker runs for one trial.
package enum TrialProgram: Hashable, Sendable, Codable {
    /// A child process: arguments with `{name}` placeholders for parameters.
    case command([String])
    /// A function evaluated in the worker process (`branin`, `hartmann6`, ...).
    case builtin(String)

    enum CodingKeys: String, CodingKey { case command, builtin }

    /// Whether attempts write checkpoints and resume from them (docs/trials.md, "Checkpoints and
    /// resume"): command trials (their `{"checkpoint": STEP}` lines) and the built-in trainer
    /// `mlp`; not the built-in test functions, which have no state.
    package var checkpoints: Bool {
        switch self {
        case .command: true
        case .builtin(let name): name == "mlp"
        }
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let arguments = try container.decodeIfPresent([String].self, forKey: .command) {
            self = .command(arguments)
        } else {
            self = .builtin(try container.decode(String.self, forKey: .builtin))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .command(let arguments): try container.encode(arguments, forKey: .command)
        case .builtin(let name): try container.encode(name, forKey: .builtin)
        }
    }
}

/// How to run each trial of a study: sent to workers with every assignment, so a worker needs
/// nothing but the coordinator's address.
package struct TrialSpec: Hashable, Sendable, Codable {
    package var program: TrialProgram
    /// Seconds after which the trial (its whole process group) is killed and recorded as failed.
    package var timeoutSeconds: Double?
    /// How many more attempts a failed trial gets.
    package var retries: Int
    /// Built-in functions only: seconds to sleep, to imitate training time.
    package var sleepSeconds: Double?
    /// Command trials only: extra environment variables.
    package var environment: [String: String]
    /// Command trials only: the working directory (default: the worker's).
    package var workingDirectory: String?
    /// GPUs and labels each trial needs from its worker (`ResourceRequest`); nil, and absent from
    /// the JSON, when the study asks for nothing.
    package var resources: ResourceRequest?

    package init(
        program: TrialProgram, timeoutSeconds: Double? = nil, retries: Int = 0, sleepSeconds: Double? = nil,
        environment: [String: String] = [:], workingDirectory: String? = nil, resources: ResourceRequest? = nil
    ) {
        self.program = program
        self.timeoutSeconds = timeoutSeconds
        self.retries = retries
        self.sleepSeconds = sleepSeconds
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.resources = resources
    }

    enum CodingKeys: String, CodingKey {
        case program
        case resources
        case timeoutSeconds = "timeout_s"
        case retries
        case sleepSeconds = "sleep_s"
        case environment = "env"
        case workingDirectory = "workdir"
    }
}

/// A whole study, as validated from its study file.
package struct StudyConfig: Hashable, Sendable, Codable {
    package var name: String
    package var objective: Objective
    package var budget: Budget
    package var strategy: StrategyConfig
    package var seed: UInt64
    package var space: SearchSpace
    package var trial: TrialSpec
    /// Early stopping of hopeless trials; nil (the default, and every log written before it
    /// existed): none. Left out of the JSON when nil.
    package var pruner: PrunerConfig?
    /// Earlier studies' logs the model starts from (bayes only); nil, and absent from the JSON,
    /// without `warm_start:`.
    package var warmStart: [WarmStartSource]?

    enum CodingKeys: String, CodingKey {
        case name, objective, budget, strategy, seed, space, trial, pruner
        case warmStart = "warm_start"
    }

    package init(
        name: String, objective: Objective, budget: Budget, strategy: StrategyConfig, seed: UInt64,
        space: SearchSpace, trial: TrialSpec, pruner: PrunerConfig? = nil
    ) {
        self.name = name
        self.objective = objective
        self.budget = budget
        self.strategy = strategy
        self.seed = seed
        self.space = space
        self.trial = trial
        self.pruner = pruner
    }
}
