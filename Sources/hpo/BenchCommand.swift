import ArgumentParser
import Foundation
import HPOCore
import HPOSearch
import HPOTrials

/// `hpo bench`: a search strategy on standard test functions, synchronous batches and an
/// asynchronous simulated worker pool, compared with the peers measured in issue 4.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark a search strategy on standard test functions (simple regret, proposal time).",
        discussion: """
            Synchronous mode asks for q proposals, evaluates them and tells the q results. \
            Asynchronous mode simulates q workers whose evaluation times are drawn from a seeded \
            exponential distribution (mean 1): each freed worker gets one proposal with the other \
            q-1 still running. Regret is best found - global minimum; the table shows the median \
            and interquartile range of log10(regret) over the seeds.
            """)

    @Option(help: "bayes or random.") var strategy: String = "bayes"
    @Option(help: "Bayes: constant-liar or kriging-believer.") var batch: String = BatchHeuristic.krigingBeliever.rawValue
    @Option(help: "Bayes: the constant liar's lie, min, mean or max.") var lie: String = LieValue.min.rawValue
    @Option(help: "Bayes: the size of the initial design (default: by dimension and q).") var initial: Int?
    @Option(help: "Bayes: output transform, auto, none, log or rank-gaussian.") var output: String = OutputTransformKind.auto.rawValue
    @Option(help: "Comma-separated: \(BenchProblem.all.map(\.name).joined(separator: ","))")
    var functions: String = BenchProblem.all.map(\.name).joined(separator: ",")
    @Option(help: "Bayes: the most results the model is fitted to (a subset beyond).") var maxModelPoints: Int = BayesTuning().maxModelPoints
    @Option(help: "Workers (batch size).") var q: Int = 8
    @Option(help: "Evaluations per run.") var budget: Int = 80
    @Option(help: "Seeds: a range and/or list, e.g. 0-9 or 0,3,5-7.") var seeds: String = "0-9"
    @Option(help: "sync, async or both.") var mode: String = "both"
    @Option(help: "Write one JSON object per run to this file.") var json: String?
    @Flag(help: "Instead: the median time to propose one point with --finished results and 7 running (Hartmann-6).")
    var proposeTiming = false
    @Option(help: "With --propose-timing: finished trials.") var finished: Int = 200
    @Option(help: "With --propose-timing: timed proposals (each after one more result).") var repeats: Int = 31

    func validate() throws {
        guard ["bayes", "random"].contains(strategy) else { throw ValidationError("--strategy must be bayes or random") }
        guard BatchHeuristic(rawValue: batch) != nil else { throw ValidationError("--batch must be constant-liar or kriging-believer") }
        guard LieValue(rawValue: lie) != nil else { throw ValidationError("--lie must be min, mean or max") }
        guard OutputTransformKind(rawValue: output) != nil else { throw ValidationError("--output must be auto, none, log or rank-gaussian") }
        guard ["sync", "async", "both"].contains(mode) else { throw ValidationError("--mode must be sync, async or both") }
        guard q > 0, budget > 0, finished > 0, repeats > 0, maxModelPoints > 0 else {
            throw ValidationError("--q, --budget, --finished, --repeats, --max-model-points must be positive")
        }
        if let initial, initial < 1 { throw ValidationError("--initial must be positive") }
        _ = try problems()
        _ = try seedList()
    }

    func run() throws {
        BayesianSearch.useSingleThreadedBLAS()
        if proposeTiming { return runProposeTiming() }
        let modes: [BenchMode] = mode == "both" ? [.sync, .async] : [mode == "sync" ? .sync : .async]
        let seeds = try seedList()
        var sink = try json.map(JSONLinesSink.init(path:))
        var rows: [BenchSummary] = []
        for benchMode in modes {
            for problem in try problems() {
                var runs: [BenchRun] = []
                for seed in seeds {
                    let run = runOnce(problem, mode: benchMode, seed: seed)
                    runs.append(run)
                    try sink?.write(run)
                }
                let summary = BenchSummary(problem: problem, mode: benchMode, runs: runs)
                print(summary.progressLine)
                rows.append(summary)
            }
        }
        print("")
        print(BenchSummary.table(rows, title: "\(label), q = \(q), budget = \(budget), seeds \(seeds.map(String.init).joined(separator: ","))"))
    }

    private var label: String {
        strategy == "random" ? "random" : "bayes (\(batch)\(batch == "constant-liar" ? ", lie \(lie)" : ""))"
    }

    private func problems() throws -> [BenchProblem] {
        try functions.split(separator: ",").map { name in
            guard let problem = BenchProblem.named(String(name)) else {
                throw ValidationError("unknown function '\(name)'; known: \(BenchProblem.all.map(\.name).joined(separator: ", "))")
            }
            return problem
        }
    }

    private func seedList() throws -> [UInt64] {
        var result: [UInt64] = []
        for part in seeds.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            guard let first = bounds.first.flatMap({ $0 }), let last = bounds.last.flatMap({ $0 }), first <= last else {
                throw ValidationError("--seeds: cannot read '\(part)' (write 0-9 or 0,3,5-7)")
            }
            result += Array(first...last)
        }
        guard !result.isEmpty else { throw ValidationError("--seeds is empty") }
        return result
    }

    private func makeStrategy(_ problem: BenchProblem, seed: UInt64) -> any SearchStrategy {
        guard strategy == "bayes" else { return RandomSearch(space: problem.space, seed: seed) }
        let options = BayesOptions(
            batch: BatchHeuristic(rawValue: batch) ?? .krigingBeliever, lie: LieValue(rawValue: lie) ?? .min, initial: initial,
            output: OutputTransformKind(rawValue: output) ?? .auto)
        var search = BayesianSearch(space: problem.space, seed: seed, options: options, workers: q)
        search.tuning.maxModelPoints = maxModelPoints
        return search
    }

    private func runOnce(_ problem: BenchProblem, mode: BenchMode, seed: UInt64) -> BenchRun {
        var search = makeStrategy(problem, seed: seed)
        var history = SearchHistory()
        var best = Double.infinity
        var proposeSeconds = 0.0
        var proposals = 0
        let clock = ContinuousClock()
        func propose(_ count: Int) -> [Parameters] {
            let start = clock.now
            let result = search.propose(count, history: history)
            proposeSeconds += (clock.now - start).seconds
            proposals += result.count
            return result
        }
        func evaluate(_ parameters: Parameters) -> Double {
            let value = problem.evaluate(parameters)
            best = min(best, value)
            return value
        }
        switch mode {
        case .sync:
            var evaluated = 0
            while evaluated < budget {
                let batch = propose(min(q, budget - evaluated))
                guard !batch.isEmpty else { break }
                for parameters in batch { history.finished.append((parameters, evaluate(parameters))) }
                evaluated += batch.count
            }
        case .async:
            var random = SplitMix64(seed: seed, stream: 0xA5A5)
            func duration() -> Double { -Foundation.log(1 - random.nextUnit()) }
            var running: [(end: Double, parameters: Parameters)] = []
            var started = 0
            var now = 0.0
            func startOne() {
                guard started < budget, let parameters = propose(1).first else { return }
                started += 1
                running.append((now + duration(), parameters))
                history.running.append(parameters)
            }
            for _ in 0..<q { startOne() }
            while let next = running.indices.min(by: { running[$0].end < running[$1].end }) {
                let (end, parameters) = running.remove(at: next)
                now = end
                if let index = history.running.firstIndex(of: parameters) { history.running.remove(at: index) }
                history.finished.append((parameters, evaluate(parameters)))
                startOne()
            }
        }
        let regret = max(best - problem.minimum, 1e-12)
        return BenchRun(
            strategy: label, function: problem.name, mode: mode, seed: seed, best: best, regret: regret,
            proposeSeconds: proposeSeconds, proposals: proposals, evaluations: history.finished.count)
    }

    /// Proposals on Hartmann-6 with `finished` random results and 7 running; each timed proposal
    /// follows one more result, so it includes the model update it needs (warm refit).
    private func runProposeTiming() {
        let problem = BenchProblem.hartmann6
        var random = SplitMix64(seed: 2026, stream: 1)
        func randomPoint() -> Parameters { problem.space.configuration(atUnit: (0..<6).map { _ in random.nextUnit() }) }
        let results = (0..<(finished + repeats)).map { _ in randomPoint() }.map { ($0, Optional(problem.evaluate($0))) }
        let running = (0..<7).map { _ in randomPoint() }
        var search = BayesianSearch(
            space: problem.space, seed: 1,
            options: BayesOptions(
                batch: BatchHeuristic(rawValue: batch) ?? .krigingBeliever, lie: LieValue(rawValue: lie) ?? .min, initial: initial,
                output: OutputTransformKind(rawValue: output) ?? .auto),
            workers: 8)
        search.tuning.maxModelPoints = maxModelPoints
        let clock = ContinuousClock()
        // The first proposal fits from scratch (several restarts); timed separately.
        var start = clock.now
        _ = search.propose(1, history: SearchHistory(finished: Array(results.prefix(finished - 1)), running: running))
        let coldSeconds = (clock.now - start).seconds
        var wall: [Double] = []
        var cpu: [Double] = []
        for r in 0..<repeats {
            let history = SearchHistory(finished: Array(results.prefix(finished + r)), running: running)
            let cpuStart = threadCPUSeconds()
            start = clock.now
            _ = search.propose(1, history: history)
            wall.append((clock.now - start).seconds * 1000)
            cpu.append((threadCPUSeconds() - cpuStart) * 1000)
        }
        func summary(_ times: [Double]) -> String {
            let sorted = times.sorted()
            return String(
                format: "median %.1f ms   min %.1f ms   max %.1f ms   mean %.1f ms", sorted[sorted.count / 2], sorted[0],
                sorted[sorted.count - 1], times.reduce(0, +) / Double(times.count))
        }
        print("propose timing: Hartmann-6, \(finished)…\(finished + repeats - 1) finished, 7 running, \(repeats) proposals, each after one new result")
        print("  wall clock:  " + summary(wall))
        print("  thread CPU:  " + summary(cpu) + "   (what other processes' load does not inflate)")
        print(String(format: "  first proposal (full fit, no cache, %d finished): %.1f ms", finished - 1, coldSeconds * 1000))
    }

    /// CPU time consumed by the calling thread.
    private func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
}

enum BenchMode: String, Sendable { case sync, async }

/// A test function on its usual domain, with its global minimum.
struct BenchProblem: Sendable {
    var name: String
    var function: BuiltinFunction
    var bounds: [ClosedRange<Double>]
    var minimum: Double

    var space: SearchSpace {
        SearchSpace(bounds.enumerated().map { ParameterSpec(name: "x\($0.offset)", domain: .float(low: $0.element.lowerBound, high: $0.element.upperBound, log: false)) })
    }

    func evaluate(_ parameters: Parameters) -> Double {
        function((0..<bounds.count).map { parameters["x\($0)"]?.doubleValue ?? .nan })
    }

    static func named(_ name: String) -> BenchProblem? { all.first { $0.name == name } }

    static let hartmann6 = BenchProblem(name: "hartmann6", function: .hartmann6, bounds: Array(repeating: 0...1, count: 6), minimum: -3.32237)
    static let all: [BenchProblem] = [
        BenchProblem(name: "branin", function: .branin, bounds: [-5...10, 0...15], minimum: 0.397887),
        hartmann6,
        BenchProblem(name: "ackley5", function: .ackley, bounds: Array(repeating: -32.768...32.768, count: 5), minimum: 0),
        BenchProblem(name: "rosenbrock4", function: .rosenbrock, bounds: Array(repeating: -5...10, count: 4), minimum: 0),
        BenchProblem(name: "levy6", function: .levy, bounds: Array(repeating: -10...10, count: 6), minimum: 0),
        BenchProblem(name: "styblinski_tang8", function: .styblinskiTang, bounds: Array(repeating: -5...5, count: 8), minimum: -39.16617 * 8),
    ]

    /// The best peer's median log10 regret in issue 4 (q = 8, 80 evaluations, seeds 0-9).
    func bestPeer(_ mode: BenchMode) -> (value: Double, who: String)? {
        switch (name, mode) {
        case ("branin", .sync): (-3.47, "skopt cl_min")
        case ("hartmann6", .sync): (-1.42, "skopt cl_min")
        case ("ackley5", .sync): (0.80, "skopt cl_max")
        case ("rosenbrock4", .sync): (2.00, "Optuna TPE")
        case ("levy6", .sync): (0.01, "skopt cl_mean")
        case ("styblinski_tang8", .sync): (1.51, "grid")
        case ("branin", .async): (-2.77, "skopt cl_min")
        case ("hartmann6", .async): (-0.67, "skopt cl_mean")
        case ("ackley5", .async): (0.88, "Optuna TPE cl")
        case ("levy6", .async): (0.21, "Optuna TPE cl")
        default: nil
        }
    }
}

struct BenchRun: Sendable {
    var strategy: String
    var function: String
    var mode: BenchMode
    var seed: UInt64
    var best: Double
    var regret: Double
    var proposeSeconds: Double
    var proposals: Int
    var evaluations: Int
    var log10Regret: Double { Foundation.log10(regret) }
}

struct BenchSummary {
    var problem: BenchProblem
    var mode: BenchMode
    var runs: [BenchRun]

    var median: Double { quantile(0.5) }

    func quantile(_ p: Double) -> Double {
        let values = runs.map(\.log10Regret).sorted()
        let position = p * Double(values.count - 1)
        let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
        return values[low] + (values[high] - values[low]) * (position - Double(low))
    }

    var proposeSeconds: Double { runs.reduce(0) { $0 + $1.proposeSeconds } }
    var proposals: Int { runs.reduce(0) { $0 + $1.proposals } }

    var progressLine: String {
        String(format: "%@ %@: median log10 regret %.2f (IQR %.2f…%.2f), proposing %.1f s", mode.rawValue, problem.name, median, quantile(0.25), quantile(0.75), proposeSeconds)
    }

    static func table(_ rows: [BenchSummary], title: String) -> String {
        var lines = [
            title, "",
            "| mode | function | median log10 regret | IQR | best peer | beats it | proposing total | per proposal |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in rows {
            let peer = row.problem.bestPeer(row.mode)
            let peerText = peer.map { String(format: "%.2f (%@)", $0.value, $0.who) } ?? "—"
            let beats = peer.map { row.median < $0.value ? "yes" : "no" } ?? "—"
            lines.append(
                String(
                    format: "| %@ | %@ | %.2f | %.2f … %.2f | %@ | %@ | %.1f s | %.1f ms |", row.mode.rawValue, row.problem.name, row.median,
                    row.quantile(0.25), row.quantile(0.75), peerText, beats, row.proposeSeconds,
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
        let object: [String: Any] = [
            "strategy": run.strategy, "function": run.function, "mode": run.mode.rawValue, "seed": run.seed,
            "best": run.best, "regret": run.regret, "log10_regret": run.log10Regret, "propose_s": run.proposeSeconds,
            "proposals": run.proposals, "evaluations": run.evaluations,
        ]
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
