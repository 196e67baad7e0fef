import Foundation
import HPOCoordinator
import HPOCore
import HPOJournal
import HPORuntime
import HPOSearch
import HPOWire
import Logging
import Testing

/// `hpo bench` measures what users get only if it runs the coordinator's own code: the same
/// study through `SimulatedStudy` (what the benchmark drives) and through `CoordinatorService`
/// over a transport, with results reported in the same order, must dispatch exactly the same
/// configurations.
@Suite struct BenchEquivalenceTests {
    static func branin(_ p: Parameters) -> Double {
        let x = p["x0"]?.doubleValue ?? .nan
        let y = p["x1"]?.doubleValue ?? .nan
        let b = 5.1 / (4 * Double.pi * Double.pi)
        let c = 5 / Double.pi
        let t = 1 / (8 * Double.pi)
        return (y - b * x * x + c * x - 6) * (y - b * x * x + c * x - 6) + 10 * (1 - t) * cos(x) + 10
    }

    static let slots = 4
    static let budget = 16

    static func config(_ batch: BatchHeuristic) -> StudyConfig {
        StudyConfig(
            name: "equivalence", objective: Objective(metric: "objective", direction: .minimize),
            budget: Budget(trials: budget),
            strategy: StrategyConfig(kind: .bayes, bayes: BayesOptions(batch: batch, lie: .min)), seed: 7,
            space: SearchSpace([
                ParameterSpec(name: "x0", domain: .float(low: -5, high: 10, log: false)),
                ParameterSpec(name: "x1", domain: .float(low: 0, high: 15, log: false))
            ]), trial: TrialSpec(program: .builtin("branin")))
    }

    /// The benchmark's run: one simulated worker with `slots` slots and trials of exactly one
    /// second, so results come back oldest first, each proposal before the next result.
    static func simulated(_ config: StudyConfig) -> [Parameters] {
        var settings = SimulatedStudy.Settings(workers: 1, durations: .fixed(1), seed: 0)
        settings.slotsPerWorker = slots
        settings.prefetch = 0
        settings.computeTime = .zero
        settings.modelPatienceSeconds = 1000
        let outcome = SimulatedStudy.run(
            config: config, search: makeSearchStrategy(for: config, expectedSlots: slots), settings: settings,
            evaluate: branin)
        return outcome.dispatches.map(\.parameters)
    }

    /// The product's run: `CoordinatorService` on its own thread over the in-memory transport,
    /// a scripted worker that reports its oldest running trial each time and waits for the trial
    /// that replaces it.
    static func throughService(_ config: StudyConfig) throws -> [Parameters] {
        let waker = Waker()
        let hub = InMemoryHub(serverWaker: waker)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "equivalence-\(UUID().uuidString).jsonl"
        ).path
        defer { try? FileManager.default.removeItem(atPath: log) }
        var machine = CoordinatorStateMachine(
            config: config, search: makeSearchStrategy(for: config, expectedSlots: slots), software: "t", host: "t")
        machine.pacing.patienceSeconds = 1000
        let service = CoordinatorService(
            machine: machine, journal: try JournalWriter(path: log), waker: waker, logger: Logger(label: "equivalence"))
        service.runsBackgroundWorkInline = true
        let server = hub.makeServer()
        let finished = DispatchSemaphore(value: 0)
        let box = ServiceBox(service: service, server: server)
        let thread = Thread {
            _ = try? box.service.run(transport: box.server, stopRequested: { () -> String? in nil })
            finished.signal()
        }
        thread.start()
        defer { _ = finished.wait(timeout: .now() + 30) }

        let worker = hub.makeClient()
        var dispatched: [Parameters] = []
        var running: [Assignment] = []
        // Only against a hang: a debug build refits inline here, slow on a loaded machine.
        let deadline = monotonicSeconds() + 300
        /// Waits for `count` assignments (other messages are skipped).
        func awaitAssignments(_ count: Int) throws {
            var received = 0
            while received < count {
                guard monotonicSeconds() < deadline else { throw EquivalenceTimeout() }
                for frames in try worker.receive(timeoutMilliseconds: 50, limit: 64) {
                    guard case .assign(let assignment) = try WireCodec.decodeCoordinatorMessage(frames) else {
                        continue
                    }
                    running.append(assignment)
                    dispatched.append(assignment.parameters)
                    received += 1
                }
            }
        }
        try worker.send(WireCodec.encode(.hello(Hello(name: "w", host: "h", pid: 1, slots: slots, software: "t"))))
        try awaitAssignments(slots)
        while !running.isEmpty {
            let oldest = running.removeFirst()
            let value = branin(oldest.parameters)
            let result = TrialResult(status: .completed, metrics: ["objective": value], durationSeconds: 1)
            try worker.send(WireCodec.encode(.result(ResultMessage(key: oldest.key, result: result))))
            if dispatched.count < budget { try awaitAssignments(1) }
        }
        return dispatched
    }

    @Test(
        "the benchmark's simulated study and the coordinator service dispatch the same configurations",
        arguments: [
            BatchHeuristic.krigingBeliever, .constantLiar
        ])
    func sameProposals(batch: BatchHeuristic) throws {
        let config = Self.config(batch)
        let simulated = Self.simulated(config)
        let served = try Self.throughService(config)
        #expect(simulated.count == Self.budget)
        #expect(served.count == Self.budget)
        // Compared as numbers: a float that happens to be whole (15.0) crosses the wire as an integer.
        func numbers(_ p: Parameters) -> [String: Double] { p.compactMapValues(\.doubleValue) }
        for (index, (a, b)) in zip(simulated, served).enumerated() {
            #expect(numbers(a) == numbers(b), "trial \(index + 1) differs")
            if numbers(a) != numbers(b) { break }
        }
    }
}

struct EquivalenceTimeout: Error {}

/// Hands the service and its transport to the service's thread.
final class ServiceBox: @unchecked Sendable {
    let service: CoordinatorService
    let server: InMemoryServerTransport
    init(service: CoordinatorService, server: InMemoryServerTransport) {
        self.service = service
        self.server = server
    }
}
