import ArgumentParser
import Foundation
import HPOCore
import HPORuntime
import HPOTrials
import HPOWire
import HPOWorker
import HPOZeroMQ

/// `hpo loadgen`: many simulated workers in one process, for scale benchmarks.
///
/// Each connection is a real DEALER socket driven by the real `WorkerStateMachine` (hello,
/// heartbeats, results kept until acked), so the coordinator cannot tell it from `hpo-worker`.
/// Trials are built-in functions evaluated inline; their `sleep` is simulated with a timer
/// instead of a thread, so one process can hold hundreds of busy workers.
struct LoadGenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Open many simulated worker connections to a coordinator (benchmarks only).")

    @Option(help: "The coordinator's address.")
    var connect: String

    @Option(help: "Worker connections to open from this process.")
    var connections = 100

    @Option(help: "Stop after this many seconds even if the study goes on.")
    var seconds = 600.0

    func validate() throws {
        guard connections >= 1, connections <= 2000 else { throw ValidationError("--connections must be 1...2000") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        let context = try ZeroMQContext()
        let host = ProcessInfo.processInfo.hostName
        var workers = try (0..<connections).map { index in
            try SimulatedWorker(
                context: context, endpoint: connect,
                identity: WorkerIdentity(
                    name: "\(host):\(getpid())/\(index)", host: host, pid: getpid(), slots: 1,
                    software: HPOVersion.current))
        }
        let deadline = monotonicSeconds() + seconds
        for index in workers.indices { try workers[index].start(now: monotonicSeconds()) }
        var trialsRun = 0
        var gaps: [Double] = []
        while monotonicSeconds() < deadline, workers.contains(where: { !$0.exited }) {
            _ = try ZeroMQ.poll(workers.map { .socket($0.socket) }, timeoutMilliseconds: 20)
            let now = monotonicSeconds()
            for index in workers.indices where !workers[index].exited {
                trialsRun += try workers[index].serve(now: now)
                gaps += workers[index].gaps
                workers[index].gaps.removeAll()
            }
        }
        let lost = workers.filter { !$0.exited }.count
        gaps.sort()
        func percentile(_ p: Double) -> String {
            gaps.isEmpty ? "-" : String(format: "%.2f", gaps[min(gaps.count - 1, Int(p * Double(gaps.count)))] * 1000)
        }
        print(
            "loadgen: \(connections) connections, \(trialsRun) trials run, "
                + "\(connections - lost) shut down by the coordinator; result-to-next-trial gap ms "
                + "p50 \(percentile(0.5)) p99 \(percentile(0.99)) max \(percentile(1))")
    }
}

/// One simulated worker: a socket, a state machine, and at most one trial "running" until its time.
struct SimulatedWorker {
    let socket: ZeroMQSocket
    var machine: WorkerStateMachine
    var running: (assignment: Assignment, endsAt: Double, result: TrialResult)?
    var exited = false
    /// Seconds from sending a result to receiving the next assignment, as this worker saw them.
    var gaps: [Double] = []
    private var resultSentAt: Double?

    init(context: ZeroMQContext, endpoint: String, identity: WorkerIdentity) throws {
        socket = try ZeroMQSocket(context: context, type: .dealer)
        try socket.set([.linger(milliseconds: 0), .reconnectInterval(milliseconds: 100), .immediate(false)])
        try socket.connect(endpoint)
        machine = WorkerStateMachine(identity: identity)
    }

    mutating func start(now: Double) throws { try apply(machine.start(now: now), now: now) }

    /// Reads what arrived, finishes a trial whose time came, ticks. Returns trials finished.
    mutating func serve(now: Double) throws -> Int {
        while let frames = try socket.receive(dontWait: true) {
            guard let message = try? WireCodec.decodeCoordinatorMessage(frames) else { continue }
            try apply(machine.received(message, now: now), now: now)
        }
        var finished = 0
        if let trial = running, now >= trial.endsAt {
            running = nil
            finished = 1
            try apply(machine.trialFinished(trial.assignment.key, trial.result, now: now), now: now)
        }
        try apply(machine.tick(now: now), now: now)
        return finished
    }

    private mutating func apply(_ actions: [WorkerAction], now: Double) throws {
        for action in actions {
            switch action {
            case .send(let message):
                _ = try socket.send(frames: WireCodec.encode(message), dontWait: true)
                if case .result = message { resultSentAt = monotonicSeconds() }
            case .startTrial(let assignment):
                if let sent = resultSentAt { gaps.append(monotonicSeconds() - sent) }
                resultSentAt = nil
                running = (assignment, now + (assignment.spec.sleepSeconds ?? 0), Self.evaluate(assignment))
            case .cancelTrial:
                running = nil
            case .exit:
                exited = true
            case .resumeTrial, .awaitCheckpoint, .preemptTrial, .killTrial, .checkpoint:
                break  // built-in functions only: no checkpoints, no preemption
            }
        }
    }

    /// The built-in function's value, computed now (the sleep is simulated by the timer).
    static func evaluate(_ assignment: Assignment) -> TrialResult {
        guard case .builtin(let name) = assignment.spec.program, let function = BuiltinFunction.named(name) else {
            return TrialResult(
                status: .failed, metrics: [:], reason: "loadgen runs built-in functions only", durationSeconds: 0)
        }
        let inputs = (0..<assignment.parameters.count).compactMap { assignment.parameters["x\($0)"]?.doubleValue }
        return TrialResult(
            status: .completed, metrics: ["objective": function(inputs)],
            durationSeconds: assignment.spec.sleepSeconds ?? 0)
    }
}
