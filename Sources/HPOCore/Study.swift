/// Which way the objective metric is better.
public enum Direction: String, Hashable, Sendable, Codable {
    case minimize, maximize
}

/// The metric a study optimises and which way.
public struct Objective: Hashable, Sendable, Codable {
    public var metric: String
    public var direction: Direction

    public init(metric: String, direction: Direction) {
        self.metric = metric
        self.direction = direction
    }

    /// Whether `value` is strictly better than `other` for this objective.
    public func isBetter(_ value: Double, than other: Double) -> Bool {
        direction == .minimize ? value < other : value > other
    }
}

/// When a study stops proposing new trials.
public struct Budget: Hashable, Sendable, Codable {
    /// The number of trials to run (retries of a trial do not count again).
    public var trials: Int
    /// Wall-clock seconds after which no new trial starts; running trials finish.
    public var wallTimeSeconds: Double?

    public init(trials: Int, wallTimeSeconds: Double? = nil) {
        self.trials = trials
        self.wallTimeSeconds = wallTimeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case trials
        case wallTimeSeconds = "wall_time_s"
    }
}

/// How the study chooses configurations.
public enum StrategyKind: String, Hashable, Sendable, Codable, CaseIterable {
    case grid, random
}

public struct StrategyConfig: Hashable, Sendable, Codable {
    public var kind: StrategyKind
    public init(kind: StrategyKind) { self.kind = kind }
}

/// What a worker runs for one trial.
public enum TrialProgram: Hashable, Sendable, Codable {
    /// A child process: arguments with `{name}` placeholders for parameters.
    case command([String])
    /// A function evaluated in the worker process (`branin`, `hartmann6`, ...).
    case builtin(String)

    enum CodingKeys: String, CodingKey { case command, builtin }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let arguments = try container.decodeIfPresent([String].self, forKey: .command) {
            self = .command(arguments)
        } else {
            self = .builtin(try container.decode(String.self, forKey: .builtin))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .command(let arguments): try container.encode(arguments, forKey: .command)
        case .builtin(let name): try container.encode(name, forKey: .builtin)
        }
    }
}

/// How to run each trial of a study: sent to workers with every assignment, so a worker needs
/// nothing but the coordinator's address.
public struct TrialSpec: Hashable, Sendable, Codable {
    public var program: TrialProgram
    /// Seconds after which the trial (its whole process group) is killed and recorded as failed.
    public var timeoutSeconds: Double?
    /// How many more attempts a failed trial gets.
    public var retries: Int
    /// Built-in functions only: seconds to sleep, to imitate training time.
    public var sleepSeconds: Double?
    /// Command trials only: extra environment variables.
    public var environment: [String: String]
    /// Command trials only: the working directory (default: the worker's).
    public var workingDirectory: String?

    public init(
        program: TrialProgram, timeoutSeconds: Double? = nil, retries: Int = 0, sleepSeconds: Double? = nil,
        environment: [String: String] = [:], workingDirectory: String? = nil
    ) {
        self.program = program
        self.timeoutSeconds = timeoutSeconds
        self.retries = retries
        self.sleepSeconds = sleepSeconds
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    enum CodingKeys: String, CodingKey {
        case program
        case timeoutSeconds = "timeout_s"
        case retries
        case sleepSeconds = "sleep_s"
        case environment = "env"
        case workingDirectory = "workdir"
    }
}

/// A whole study, as validated from its study file.
public struct StudyConfig: Hashable, Sendable, Codable {
    public var name: String
    public var objective: Objective
    public var budget: Budget
    public var strategy: StrategyConfig
    public var seed: UInt64
    public var space: SearchSpace
    public var trial: TrialSpec

    public init(
        name: String, objective: Objective, budget: Budget, strategy: StrategyConfig, seed: UInt64,
        space: SearchSpace, trial: TrialSpec
    ) {
        self.name = name
        self.objective = objective
        self.budget = budget
        self.strategy = strategy
        self.seed = seed
        self.space = space
        self.trial = trial
    }
}
