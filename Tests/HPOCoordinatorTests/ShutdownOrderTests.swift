import Foundation
import HPOCoordinator
import HPOCore
import HPOJournal
import HPORuntime
import HPOSearch
import HPOWire
import Logging
import Testing

/// A strategy whose proposals and refits take a while, and that counts how many are running.
struct SlowModelStrategy: SearchStrategy {
    let work: ActiveWork
    var proposedCount = 0
    var isExhausted: Bool { false }
    var computesAhead: Bool { true }

    mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters] {
        work.run(seconds: 0.3)
        return (0..<count).map { _ in
            proposedCount += 1
            return ["x0": .double(Double(proposedCount) / 100), "x1": .double(1)]
        }
    }

    func refitDue(history: SearchHistory) -> Bool { !history.finished.isEmpty }
    mutating func refitModel(history: SearchHistory) { work.run(seconds: 0.3) }
}

/// Counts jobs in progress and remembers whether one was ever seen running.
final class ActiveWork: @unchecked Sendable {
    private let lock = NSLock()
    private var active = 0
    private var started = 0
    func run(seconds: Double) {
        lock.withLock {
            active += 1
            started += 1
        }
        Thread.sleep(forTimeInterval: seconds)
        lock.withLock { active -= 1 }
    }
    var inProgress: Int { lock.withLock { active } }
    var everStarted: Int { lock.withLock { started } }
}

@Suite struct ShutdownOrderTests {
    /// The exit crash of issue 15: a proposal thread still inside BLAS while the main thread ran
    /// the process's exit path. `run` must not return while background work runs.
    @Test("the service returns only once its background proposals and refits have finished")
    func backgroundWorkJoinedBeforeReturn() throws {
        let work = ActiveWork()
        let config = StudyConfig(
            name: "shutdown", objective: Objective(metric: "objective", direction: .minimize),
            budget: Budget(trials: 50),
            strategy: StrategyConfig(kind: .bayes), seed: 1,
            space: SearchSpace([
                ParameterSpec(name: "x0", domain: .float(low: 0, high: 1, log: false)),
                ParameterSpec(name: "x1", domain: .float(low: 0, high: 1, log: false))
            ]), trial: TrialSpec(program: .builtin("branin")))
        let machine = CoordinatorStateMachine(
            config: config, search: SlowModelStrategy(work: work), software: "t", host: "t")
        let waker = Waker()
        let hub = InMemoryHub(serverWaker: waker)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("shutdown-\(UUID().uuidString).jsonl")
            .path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let service = CoordinatorService(
            machine: machine, journal: try JournalWriter(path: log), waker: waker, logger: Logger(label: "shutdown"))
        let worker = hub.makeClient()
        try worker.send(WireCodec.encode(.hello(Hello(name: "w", host: "h", pid: 1, slots: 1, software: "t"))))
        let stop = StopSwitch()
        let box = ServiceBox(service: service, server: hub.makeServer())
        let returned = DispatchSemaphore(value: 0)
        let inProgressAtReturn = LockedValue(-1)
        let thread = Thread {
            _ = try? box.service.run(transport: box.server, stopRequested: { stop.reason })
            inProgressAtReturn.set(work.inProgress)
            returned.signal()
        }
        thread.start()
        // Report the first trial, so a proposal and a refit are both under way, then stop.
        let deadline = monotonicSeconds() + 30
        var reported = false
        while !reported && monotonicSeconds() < deadline {
            for frames in try worker.receive(timeoutMilliseconds: 50, limit: 16) {
                guard case .assign(let assignment) = try WireCodec.decodeCoordinatorMessage(frames) else { continue }
                let result = TrialResult(status: .completed, metrics: ["objective": 1], durationSeconds: 0.01)
                try worker.send(WireCodec.encode(.result(ResultMessage(key: assignment.key, result: result))))
                reported = true
            }
        }
        #expect(reported)
        while work.inProgress == 0 && monotonicSeconds() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(work.inProgress > 0, "background work is running when the stop comes")
        stop.reason = "test stop"
        #expect(returned.wait(timeout: .now() + 30) == .success)
        #expect(inProgressAtReturn.value == 0, "no background work may outlive run()")
        #expect(work.everStarted >= 2)
    }
}

final class StopSwitch: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    var reason: String? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

final class LockedValue: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int
    init(_ value: Int) { stored = value }
    func set(_ value: Int) { lock.withLock { stored = value } }
    var value: Int { lock.withLock { stored } }
}
