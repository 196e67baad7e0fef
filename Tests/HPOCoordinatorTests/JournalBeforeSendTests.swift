import Foundation
import HPOCoordinator
import HPOCore
import HPOJournal
import HPORuntime
import HPOWire
import Logging
import Testing

/// The server end of the in-memory transport, checking at every send that the results log on
/// disk already holds what the message announces: an assignment its `trial_dispatched` line, an
/// ack its `trial_completed` line. Sending first and journaling after would break "a result is
/// durable before it is acknowledged" (docs/architecture.md, "One turn of the coordinator's loop").
final class JournalCheckingTransport: ServerTransport, @unchecked Sendable {
    let inner: InMemoryServerTransport
    let logPath: String
    private let lock = NSLock()
    private var checked = (assignments: 0, acks: 0)
    private var violations: [String] = []

    init(_ inner: InMemoryServerTransport, logPath: String) {
        self.inner = inner
        self.logPath = logPath
    }

    func receive(timeoutMilliseconds: Int32, limit: Int) throws -> [InboundMessage] {
        try inner.receive(timeoutMilliseconds: timeoutMilliseconds, limit: limit)
    }

    func send(_ frames: Frames, to peer: PeerID) throws {
        let message = try WireCodec.decodeCoordinatorMessage(frames)
        let expected: (event: String, key: TrialKey)? =
            switch message {
            case .assign(let assignment): ("trial_dispatched", assignment.key)
            case .ack(let key): ("trial_completed", key)
            default: nil
            }
        if let expected {
            let logged = Self.logged(
                expected.event, expected.key, in: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
            lock.withLock {
                if expected.event == "trial_dispatched" { checked.assignments += 1 } else { checked.acks += 1 }
                if !logged {
                    violations.append("\(expected.event) of \(expected.key) not in the log when its message went out")
                }
            }
        }
        try inner.send(frames, to: peer)
    }

    var report: (assignments: Int, acks: Int, violations: [String]) {
        lock.withLock { (checked.assignments, checked.acks, violations) }
    }

    static func logged(_ event: String, _ key: TrialKey, in log: String) -> Bool {
        log.split(separator: "\n").contains { (line: Substring) -> Bool in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return false
            }
            return object["event"] as? String == event && object["trial"] as? Int == key.trial.rawValue
                && object["attempt"] as? Int == key.attempt
        }
    }
}

@Suite struct JournalBeforeSendTests {
    @Test("CoordinatorService journals each dispatch and each result before the message that announces it goes out")
    func journalBeforeSend() throws {
        let config = StudyConfig(
            name: "order", objective: Objective(metric: "objective", direction: .minimize), budget: Budget(trials: 6),
            strategy: StrategyConfig(kind: .random), seed: 3,
            space: SearchSpace([ParameterSpec(name: "x", domain: .float(low: 0, high: 1, log: false))]),
            trial: TrialSpec(program: .builtin("branin")))
        let machine = CoordinatorStateMachine(config: config, software: "t", host: "t")
        let waker = Waker()
        let hub = InMemoryHub(serverWaker: waker)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("order-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let service = CoordinatorService(
            machine: machine, journal: try JournalWriter(path: log), waker: waker, logger: Logger(label: "order"))
        let transport = JournalCheckingTransport(hub.makeServer(), logPath: log)
        let worker = hub.makeClient()
        try worker.send(WireCodec.encode(.hello(Hello(name: "w", host: "h", pid: 1, slots: 2, software: "t"))))
        let returned = DispatchSemaphore(value: 0)
        let box = CheckedServiceBox(service: service, transport: transport)
        Thread {
            _ = try? box.service.run(transport: box.transport, stopRequested: { nil })
            returned.signal()
        }.start()

        // The worker: every assignment gets a result at once, until the budget is spent.
        var results = 0
        let deadline = monotonicSeconds() + 60
        while results < 6 && monotonicSeconds() < deadline {
            for frames in try worker.receive(timeoutMilliseconds: 50, limit: 16) {
                guard case .assign(let assignment) = try WireCodec.decodeCoordinatorMessage(frames) else { continue }
                let result = TrialResult(
                    status: .completed, metrics: ["objective": Double(results)], durationSeconds: 0.01)
                try worker.send(WireCodec.encode(.result(ResultMessage(key: assignment.key, result: result))))
                results += 1
            }
        }
        #expect(results == 6)
        #expect(returned.wait(timeout: .now() + 60) == .success, "the study ends when its budget is spent")
        let report = transport.report
        #expect(report.assignments == 6 && report.acks == 6, "every assignment and ack was checked: \(report)")
        #expect(report.violations.isEmpty, "\(report.violations)")
    }
}

final class CheckedServiceBox: @unchecked Sendable {
    let service: CoordinatorService
    let transport: JournalCheckingTransport
    init(service: CoordinatorService, transport: JournalCheckingTransport) {
        self.service = service
        self.transport = transport
    }
}
