import ArgumentParser
import Foundation
import HPOCoordinator
import HPOCore
import HPOSearch
import HPOTrials

/// `hpo bench`: a search strategy on standard test functions, run through the coordinator's own
/// state machine with simulated workers (what users get), or as synchronous batches of the
/// strategy alone.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark a search strategy on standard test functions (simple regret, proposal time).",
        discussion: """
            Product mode (the default) runs each study through the coordinator's state machine, \
            the one hpo-coordinator runs: q simulated workers (one slot, prefetch as hpo-worker's \
            default), trial durations drawn from a seeded distribution, and the proposals and \
            model refits computed for real, their results arriving when the measured compute time \
            has passed on the simulated clock; so the ready queue, the lies, the patience and the \
            fallback all act as they do for users. Sync mode asks the strategy alone for q \
            proposals, evaluates them and tells the q results. Regret is best found - global \
            minimum; the table shows the median and interquartile range of log10(regret) over the \
            seeds. Peers are measured by benchmarks/bo-product.sh, never quoted here.
            """)

    enum Strategy: String, ExpressibleByArgument, CaseIterable { case bayes, random }
    enum Mode: String, ExpressibleByArgument, CaseIterable { case product, sync }
    enum DurationKind: String, ExpressibleByArgument, CaseIterable {
        case fixed, exponential
        case heavyTailed = "heavy-tailed"
    }
    enum ComputeTime: String, ExpressibleByArgument, CaseIterable { case measured, zero }

    @Option(help: "The strategy.") var strategy: Strategy = .bayes
    @Option(help: "Bayes: the batch heuristic.") var batch: BatchHeuristic = .krigingBeliever
    @Option(help: "Bayes: the constant liar's lie.") var lie: LieValue = .min
    @Option(
        help:
            """
            Bayes: the constant liar's lie is kept within this many posterior sds of the model's mean (0: the \
            bare constant).
            """
    )
    var lieBand: Double = BayesTuning().lieBand ?? 0
    @Option(help: "Bayes: the size of the initial design (default: by dimension and q).") var initial: Int?
    @Option(help: "Bayes: output transform.") var output: OutputTransformKind = .auto
    @Option(help: "Comma-separated: \(BenchProblem.all.map(\.name).joined(separator: ","))")
    var functions: String = BenchProblem.all.map(\.name).joined(separator: ",")
    @Option(help: "Bayes: the most results the model is fitted to (a subset beyond).") var maxModelPoints: Int =
        BayesTuning().maxModelPoints
    @Option(help: "Workers (batch size in sync mode).") var q: Int = 8
    @Option(help: "Evaluations per run.") var budget: Int = 80
    @Option(help: "Seeds: a range and/or list, e.g. 0-9 or 0,3,5-7.") var seeds: String = "0-9"
    @Option(help: "product (through the coordinator's state machine) or sync (the strategy alone).") var mode: Mode =
        .product
    @Option(help: "Product mode: the distribution of trial durations.") var durations: DurationKind = .exponential
    @Option(help: "Product mode: the mean trial duration, seconds.") var meanDuration: Double = 1
    @Option(help: "Product mode: trials each worker queues beyond its slot (hpo-worker --prefetch).") var prefetch:
        Int = 1
    @Option(help: "Product mode: background work takes the time measured, or none (reproducible).")
    var computeTime: ComputeTime = .measured
    @Option(help: "Product mode: --model-patience of hpo-coordinator (default: its default).") var modelPatience:
        Double?
    @Flag(help: "Product mode: refit the model inside each proposal instead of in the background (for comparison).")
    var inlineRefits = false
    @Option(help: "Write one JSON object per run to this file.") var json: String?
    @Flag(help: "Instead: the median time to propose one point with --finished results and 8 running (Hartmann-6).")
    var proposeTiming = false
    @Option(help: "With --propose-timing: finished trials.") var finished: Int = 500
    @Option(help: "With --propose-timing: timed proposals (each after one more result).") var repeats: Int = 31

    func validate() throws {
        guard q > 0, budget > 0, finished > 0, repeats > 0, maxModelPoints > 0, meanDuration > 0, prefetch >= 0 else {
            throw ValidationError(
                "--q, --budget, --finished, --repeats, --max-model-points, --mean-duration must be positive")
        }
        if let initial, initial < 1 { throw ValidationError("--initial must be positive") }
        _ = try problems()
        _ = try seedList()
    }

    func run() throws {
        if proposeTiming { return runProposeTiming() }
        let seeds = try seedList()
        var sink = try json.map(JSONLinesSink.init(path:))
        var rows: [BenchSummary] = []
        for problem in try problems() {
            var runs: [BenchRun] = []
            for seed in seeds {
                let run =
                    mode == .product ? runThroughCoordinator(problem, seed: seed) : runSynchronous(problem, seed: seed)
                runs.append(run)
                try sink?.write(run)
            }
            let summary = BenchSummary(problem: problem, mode: mode, runs: runs)
            print(summary.progressLine)
            rows.append(summary)
        }
        print("")
        print(
            BenchSummary.table(
                rows,
                title:
                    """
                    \(label), \(mode.rawValue) mode, \(settingsText), seeds \
                    \(seeds.map(String.init).joined(separator: ","))
                    """
            ))
    }

    private var label: String {
        strategy == .random
            ? "random" : "bayes (\(batch.rawValue)\(batch == .constantLiar ? ", lie \(lie.rawValue)" : ""))"
    }

    private var settingsText: String {
        switch mode {
        case .sync: "q = \(q), budget = \(budget)"
        case .product:
            "\(q) workers, prefetch \(prefetch), \(durations.rawValue) durations (mean \(meanDuration) s), "
                + "budget = \(budget), compute time \(computeTime.rawValue)"
        }
    }

    private func problems() throws -> [BenchProblem] {
        try functions.split(separator: ",").map { name in
            guard let problem = BenchProblem.named(String(name)) else {
                throw ValidationError(
                    "unknown function '\(name)'; known: \(BenchProblem.all.map(\.name).joined(separator: ", "))")
            }
            return problem
        }
    }

    private func seedList() throws -> [UInt64] {
        var result: [UInt64] = []
        for part in seeds.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).map {
                UInt64($0.trimmingCharacters(in: .whitespaces))
            }
            guard let first = bounds.first.flatMap({ $0 }), let last = bounds.last.flatMap({ $0 }), first <= last else {
                throw ValidationError("--seeds: cannot read '\(part)' (write 0-9 or 0,3,5-7)")
            }
            result += Array(first...last)
        }
        guard !result.isEmpty else { throw ValidationError("--seeds is empty") }
        return result
    }

    private var bayesOptions: BayesOptions { BayesOptions(batch: batch, lie: lie, initial: initial, output: output) }

    /// The study a user would write for `problem`.
    private func studyConfig(_ problem: BenchProblem, seed: UInt64) -> StudyConfig {
        StudyConfig(
            name: "bench-\(problem.name)", objective: Objective(metric: "objective", direction: .minimize),
            budget: Budget(trials: budget),
            strategy: StrategyConfig(kind: strategy == .bayes ? .bayes : .random, bayes: bayesOptions),
            seed: seed, space: problem.space, trial: TrialSpec(program: .builtin(problem.function.name)))
    }

    private func makeStrategy(_ config: StudyConfig) -> any SearchStrategy {
        var search = makeSearchStrategy(for: config, expectedSlots: q)
        if var bayes = search as? BayesianSearch {
            bayes.tuning.maxModelPoints = maxModelPoints
            bayes.tuning.lieBand = lieBand > 0 ? lieBand : nil
            search = bayes
        }
        return search
    }

    private func runThroughCoordinator(_ problem: BenchProblem, seed: UInt64) -> BenchRun {
        let config = studyConfig(problem, seed: seed)
        let distribution: SimulatedStudy.Durations =
            switch durations {
            case .fixed: .fixed(meanDuration)
            case .exponential: .exponential(mean: meanDuration)
            case .heavyTailed: .heavyTailed(mean: meanDuration)
            }
        var settings = SimulatedStudy.Settings(workers: q, durations: distribution, seed: seed)
        settings.prefetch = prefetch
        settings.computeTime = computeTime == .measured ? .measured : .zero
        settings.modelPatienceSeconds = modelPatience
        settings.backgroundRefits = !inlineRefits
        let outcome = SimulatedStudy.run(config: config, search: makeStrategy(config), settings: settings) {
            problem.evaluate($0)
        }
        let best = outcome.best ?? .infinity
        return BenchRun(
            strategy: label, function: problem.name, mode: .product, seed: seed, best: best,
            regret: max(best - problem.minimum, 1e-12), proposeSeconds: outcome.proposeSeconds + outcome.refitSeconds,
            proposals: outcome.dispatches.count, evaluations: outcome.resultOrder.count,
            fallbackShare: Double(outcome.fallbackCount) / Double(max(outcome.dispatches.count, 1)),
            staleShare: Double(outcome.staleCount) / Double(max(outcome.dispatches.count, 1)),
            busyShare: outcome.busyBetweenTrials)
    }

    private func runSynchronous(_ problem: BenchProblem, seed: UInt64) -> BenchRun {
        var search = makeStrategy(studyConfig(problem, seed: seed))
        var history = SearchHistory()
        var best = Double.infinity
        var proposeSeconds = 0.0
        var proposals = 0
        let clock = ContinuousClock()
        while history.finished.count < budget {
            let start = clock.now
            let batch = search.propose(min(q, budget - history.finished.count), history: history)
            proposeSeconds += (clock.now - start).seconds
            proposals += batch.count
            guard !batch.isEmpty else { break }
            for parameters in batch {
                let value = problem.evaluate(parameters)
                best = min(best, value)
                history.finished.append((parameters, value))
            }
        }
        return BenchRun(
            strategy: label, function: problem.name, mode: .sync, seed: seed, best: best,
            regret: max(best - problem.minimum, 1e-12),
            proposeSeconds: proposeSeconds, proposals: proposals, evaluations: history.finished.count)
    }

    /// Proposals on Hartmann-6 with `finished` random results and 8 running, as the coordinator
    /// makes them: each timed proposal follows one more result and conditions the model on it
    /// (no refit; refits run apart, timed separately).
    private func runProposeTiming() {
        let problem = BenchProblem.hartmann6
        var random = SplitMix64(seed: 2026, stream: 1)
        func randomPoint() -> Parameters { problem.space.configuration(atUnit: (0..<6).map { _ in random.nextUnit() }) }
        let results = (0..<(finished + repeats)).map { _ in randomPoint() }.map { ($0, Optional(problem.evaluate($0))) }
        let running = (0..<8).map { _ in randomPoint() }
        var search = BayesianSearch(space: problem.space, seed: 1, options: bayesOptions, workers: 8)
        search.tuning.maxModelPoints = maxModelPoints
        search.tuning.lieBand = lieBand > 0 ? lieBand : nil
        search.refitsInBackground = true
        let clock = ContinuousClock()
        // The first proposal fits from scratch (several restarts); timed separately, as is a
        // refit of the kind the coordinator runs in the background.
        var start = clock.now
        let first = SearchHistory(finished: Array(results.prefix(finished - 1)), running: running)
        _ = search.propose(1, history: first)
        let coldSeconds = (clock.now - start).seconds
        var wall: [Double] = []
        var cpu: [Double] = []
        var refits: [Double] = []
        for r in 0..<repeats {
            let history = SearchHistory(finished: Array(results.prefix(finished + r)), running: running)
            let cpuStart = threadCPUSeconds()
            start = clock.now
            _ = search.propose(1, history: history)
            wall.append((clock.now - start).seconds * 1000)
            cpu.append((threadCPUSeconds() - cpuStart) * 1000)
            if search.refitDue(history: history) {
                var copy = search
                start = clock.now
                copy.refitModel(history: history)
                refits.append((clock.now - start).seconds * 1000)
                search.adoptModel(from: copy)
            }
        }
        func summary(_ times: [Double]) -> String {
            guard !times.isEmpty else { return "none" }
            let sorted = times.sorted()
            return String(
                format: "median %.1f ms   min %.1f ms   max %.1f ms   mean %.1f ms", sorted[sorted.count / 2],
                sorted[0],
                sorted[sorted.count - 1], times.reduce(0, +) / Double(times.count))
        }
        print(
            "propose timing: Hartmann-6, \(finished)…\(finished + repeats - 1) finished, 8 running, "
                + "\(repeats) proposals, each after one new result (conditioned on it, no refit)")
        print("  wall clock:  " + summary(wall))
        print("  thread CPU:  " + summary(cpu) + "   (what other processes' load does not inflate)")
        print("  background refits (\(refits.count) due): " + summary(refits))
        print(
            String(
                format: "  first proposal (full fit, no cache, %d finished): %.1f ms", finished - 1, coldSeconds * 1000)
        )
    }

    /// CPU time consumed by the calling thread.
    private func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
}

/// A test function on its usual domain, with its global minimum.
struct BenchProblem: Sendable {
    var name: String
    var function: BuiltinFunction
    var bounds: [ClosedRange<Double>]
    var minimum: Double

    var space: SearchSpace {
        SearchSpace(
            bounds.enumerated().map {
                ParameterSpec(
                    name: "x\($0.offset)",
                    domain: .float(low: $0.element.lowerBound, high: $0.element.upperBound, log: false))
            })
    }

    func evaluate(_ parameters: Parameters) -> Double {
        function((0..<bounds.count).map { parameters["x\($0)"]?.doubleValue ?? .nan })
    }

    static func named(_ name: String) -> BenchProblem? { all.first { $0.name == name } }

    static let hartmann6 = BenchProblem(
        name: "hartmann6", function: .hartmann6, bounds: Array(repeating: 0...1, count: 6), minimum: -3.32237)
    static let all: [BenchProblem] = [
        BenchProblem(name: "branin", function: .branin, bounds: [-5...10, 0...15], minimum: 0.397887),
        hartmann6,
        BenchProblem(
            name: "ackley5", function: .ackley, bounds: Array(repeating: -32.768...32.768, count: 5), minimum: 0),
        BenchProblem(
            name: "rosenbrock4", function: .rosenbrock, bounds: Array(repeating: -5...10, count: 4), minimum: 0),
        BenchProblem(name: "levy6", function: .levy, bounds: Array(repeating: -10...10, count: 6), minimum: 0),
        BenchProblem(
            name: "styblinski_tang8", function: .styblinskiTang, bounds: Array(repeating: -5...5, count: 8),
            minimum: -39.16617 * 8)
    ]
}

struct BenchRun: Sendable {
    var strategy: String
    var function: String
    var mode: BenchCommand.Mode
    var seed: UInt64
    var best: Double
    var regret: Double
    /// Wall seconds in proposals and model refits.
    var proposeSeconds: Double
    var proposals: Int
    var evaluations: Int
    /// Product mode: configurations from the quasi-random fallback, and from proposals made
    /// before the latest results, over all; the workers' busy share between trials (time in
    /// trials over that plus the gaps a slot stood idle between two trials).
    var fallbackShare: Double?
    var staleShare: Double?
    var busyShare: Double?
    var log10Regret: Double { Foundation.log10(regret) }
}

struct BenchSummary {
    var problem: BenchProblem
    var mode: BenchCommand.Mode
    var runs: [BenchRun]

    var median: Double { quantile(0.5) }

    func quantile(_ p: Double) -> Double {
        let values = runs.map(\.log10Regret).sorted()
        let position = p * Double(values.count - 1)
        let low = Int(position.rounded(.down))
        let high = Int(position.rounded(.up))
        return values[low] + (values[high] - values[low]) * (position - Double(low))
    }

    var proposeSeconds: Double { runs.reduce(0) { $0 + $1.proposeSeconds } }
    var proposals: Int { runs.reduce(0) { $0 + $1.proposals } }

    /// The mean of a product-mode share over the runs, as a percentage ("—" in sync mode).
    func share(_ value: KeyPath<BenchRun, Double?>) -> String {
        let values = runs.compactMap { $0[keyPath: value] }
        guard !values.isEmpty else { return "—" }
        return String(format: "%.1f %%", 100 * values.reduce(0, +) / Double(values.count))
    }

    var progressLine: String {
        String(
            format: "%@ %@: median log10 regret %.2f (IQR %.2f…%.2f), fallback %@, stale %@, busy %@, computing %.1f s",
            mode.rawValue, problem.name, median, quantile(0.25), quantile(0.75), share(\.fallbackShare),
            share(\.staleShare),
            share(\.busyShare), proposeSeconds)
    }

    static func table(_ rows: [BenchSummary], title: String) -> String {
        var lines = [
            title, "",
            "| function | median log10 regret | IQR | fallback | stale | busy | computing total | per trial |",
            "|---|---|---|---|---|---|---|---|"
        ]
        for row in rows {
            lines.append(
                String(
                    format: "| %@ | %.2f | %.2f … %.2f | %@ | %@ | %@ | %.1f s | %.1f ms |", row.problem.name,
                    row.median,
                    row.quantile(0.25), row.quantile(0.75), row.share(\.fallbackShare), row.share(\.staleShare),
                    row.share(\.busyShare), row.proposeSeconds,
                    1000 * row.proposeSeconds / Double(max(row.proposals, 1))))
        }
        return lines.joined(separator: "\n")
    }
}

/// One JSON object per line, flushed as it goes.
struct JSONLinesSink {
    let handle: FileHandle

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw ValidationError("--json: cannot create \(path)")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    mutating func write(_ run: BenchRun) throws {
        var object: [String: Any] = [
            "strategy": run.strategy, "function": run.function, "mode": run.mode.rawValue, "seed": run.seed,
            "best": run.best, "regret": run.regret, "log10_regret": run.log10Regret, "propose_s": run.proposeSeconds,
            "proposals": run.proposals, "evaluations": run.evaluations
        ]
        if let share = run.fallbackShare { object["fallback_share"] = share }
        if let share = run.staleShare { object["stale_share"] = share }
        if let share = run.busyShare { object["busy_share"] = share }
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        data.append(0x0A)
        try handle.write(contentsOf: data)
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}

extension BatchHeuristic: ExpressibleByArgument {}
extension LieValue: ExpressibleByArgument {}
extension OutputTransformKind: ExpressibleByArgument {}
