import Foundation
import HPOCoordinator
import HPOCore
import HPOJournal
import HPOSearch
import HPOTrials
import HPOWire
import HPOZeroMQ
import Testing

/// Well-formed messages with hostile values (`HostileMessages`), beside the frame fuzzer's random
/// bytes: first against the state machine (every message through the codec, time simulated),
/// then against a live coordinator process over ZeroMQ with a real worker doing the study.
/// After each batch the study must complete with correct results (each objective is the built-in
/// function at the logged parameters), memory must stay bounded, and no result from a fuzzing
/// connection may be recorded.
///
/// Three kinds of hostile sender, so "nothing foreign is recorded" holds strictly:
/// - impostors say hello with the real worker's name and report its attempts;
/// - registrants register under names of their own, get trials (and hold them), and report
///   other workers' attempts, never those given to any hostile sender;
/// - strangers only send hellos out of bounds, and report anything.
@Suite(.serialized) struct SemanticFuzzTests {
    enum Role: CaseIterable { case impostor, registrant, stranger }

    static func checkObjectives(_ completed: [TrialCompleted], worker: String) {
        for trial in completed {
            #expect(trial.worker == WorkerID(worker), "trial \(trial.trial) recorded from \(trial.worker)")
            let x = [trial.params["x0"]?.doubleValue ?? .nan, trial.params["x1"]?.doubleValue ?? .nan]
            #expect(trial.objective == BuiltinFunction.branin(x), "trial \(trial.trial): \(trial.objective) at \(x)")
        }
    }

    // MARK: The state machine

    @Test(
        "hostile messages of every kind against the state machine: the study completes correctly",
        arguments: [1, 2] as [UInt64])
    func stateMachine(seed: UInt64) throws {
        let scratch = try Scratch()
        let simulation = try Simulation(seed: seed, budget: 40, log: scratch.path("results.jsonl"))
        for _ in 0..<3 {
            simulation.run(steps: 500, hostile: true)
            #expect(simulation.maxWorkers <= Simulation.hostile.count + 1)
            simulation.run(steps: 200, hostile: false)
        }
        simulation.run(steps: 200_000, hostile: false, untilFinished: true)
        #expect(simulation.machine.isFinished, "the study finished after the fuzzing stopped")
        #expect(simulation.refusedHonest.isEmpty, "the honest worker was refused: \(simulation.refusedHonest)")

        let summary = try LogSummary(path: scratch.path("results.jsonl"))
        #expect(summary.completed.count == 40)
        #expect(Set(summary.completed.map(\.trial)).count == 40)
        #expect(summary.failed.isEmpty, "no attempt failed: \(summary.failed.map(\.reason))")
        Self.checkObjectives(summary.completed, worker: Simulation.honestName)
        #expect(simulation.sentByHostile >= 3000)
        // Every string a peer sent reached the log bounded: the longest line is a failed result
        // with a 64 KiB stderr tail at most, or far less.
        let longest =
            try String(contentsOfFile: scratch.path("results.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(\.utf8.count).max() ?? 0
        #expect(longest < 80_000, "longest log line: \(longest) bytes")
    }

    /// The coordinator's state machine fed through the codec, one honest worker (2 slots, each
    /// trial 0.3 s of simulated time, a heartbeat every 0.5 s) and six hostile senders.
    final class Simulation {
        static let honest = PeerID([0xAA])
        static let honestName = "honest"
        static let hostile: [(PeerID, Role)] = (1...6).map { (PeerID([UInt8($0)]), Role.allCases[($0 - 1) % 3]) }

        var machine: CoordinatorStateMachine
        let journal: JournalWriter
        var fuzz: HostileMessages
        var now = 0.0
        var known: [TrialKey] = []
        var hostileAssigned: Set<TrialKey> = []
        var honestRunning: [(key: TrialKey, parameters: Parameters, endsAt: Double)] = []
        var honestHeld: Set<TrialKey> = []
        var lastHonestSend = 0.0
        var maxWorkers = 0
        var sentByHostile = 0
        var refusedHonest: [String] = []

        init(seed: UInt64, budget: Int, log: String) throws {
            let space = SearchSpace([
                ParameterSpec(name: "x0", domain: .float(low: -5, high: 10, log: false)),
                ParameterSpec(name: "x1", domain: .float(low: 0, high: 15, log: false))
            ])
            let config = StudyConfig(
                name: "fuzzed", objective: Objective(metric: "objective", direction: .minimize),
                budget: Budget(trials: budget), strategy: StrategyConfig(kind: .random), seed: seed, space: space,
                trial: TrialSpec(program: .builtin("branin"), retries: 0))
            machine = CoordinatorStateMachine(
                config: config, liveness: LivenessSettings(heartbeatIntervalSeconds: 1, liveness: 3), software: "t",
                host: "t")
            journal = try JournalWriter(path: log)
            fuzz = HostileMessages(seed: seed)
            try journal.append(machine.start(now: 0).journal)
            deliver(.hello(helloHonest()), from: Self.honest)
        }

        func helloHonest() -> Hello {
            Hello(
                name: Self.honestName, host: "h", pid: 1, slots: 2, software: "t",
                running: honestHeld.sorted { $0.trial < $1.trial })
        }

        /// Encodes, decodes (where the bounds apply), feeds the machine, journals, routes replies.
        func deliver(_ message: WorkerMessage, from peer: PeerID) {
            let frames = WireCodec.encode(message)
            let actions: CoordinatorActions
            do {
                actions = machine.received(try WireCodec.decodeWorkerMessage(frames), from: peer, now: now)
            } catch {
                actions = machine.receivedUndecodable(error, from: peer)
            }
            apply(actions)
        }

        func apply(_ actions: CoordinatorActions) {
            events += actions.journal
            for (peer, message) in actions.messages {
                switch message {
                case .assign(let assignment):
                    known.append(assignment.key)
                    if peer == Self.honest {
                        honestHeld.insert(assignment.key)
                        honestRunning.append((assignment.key, assignment.parameters, now + 0.3))
                    } else {
                        hostileAssigned.insert(assignment.key)
                    }
                case .reregister where peer == Self.honest:
                    pendingHonestHello = true
                case .refuse(let reason) where peer == Self.honest:
                    refusedHonest.append(reason)
                case .ack(let key) where peer == Self.honest:
                    honestHeld.remove(key)
                default:
                    break
                }
            }
        }

        var pendingHonestHello = false
        /// Journal events of this step, written with one append (one fsync) like the real loop.
        var events: [JournalEvent] = []

        func stepHonest() {
            if pendingHonestHello {
                pendingHonestHello = false
                lastHonestSend = now
                deliver(.hello(helloHonest()), from: Self.honest)
            }
            let due = honestRunning.filter { $0.endsAt <= now }
            honestRunning.removeAll { $0.endsAt <= now }
            for trial in due {
                let x = [trial.parameters["x0"]?.doubleValue ?? .nan, trial.parameters["x1"]?.doubleValue ?? .nan]
                let result = TrialResult(
                    status: .completed, metrics: ["objective": BuiltinFunction.branin(x)], durationSeconds: 0.3)
                lastHonestSend = now
                deliver(.result(ResultMessage(key: trial.key, result: result)), from: Self.honest)
            }
            if now - lastHonestSend >= 0.5 {
                lastHonestSend = now
                deliver(.heartbeat, from: Self.honest)
            }
        }

        func stepHostile() {
            let (peer, role) = fuzz.pick(Self.hostile)
            let names: [String]
            switch role {
            case .impostor: names = [Self.honestName]
            case .registrant: names = ["fuzz-\(peer)-a", "fuzz-\(peer)-b"]
            case .stranger: names = ["stranger"]
            }
            // Never the attempts given to a hostile sender: those are its own to report.
            // Strangers never register, so they may try any key.
            var resultKeys = Array(known.suffix(12)) + [fuzz.key(known: [])]
            if role != .stranger { resultKeys.removeAll { hostileAssigned.contains($0) } }
            let message = fuzz.message(
                names: names, validHello: role != .stranger, known: known, resultKeys: Array(resultKeys))
            sentByHostile += 1
            deliver(message, from: peer)
        }

        func run(steps: Int, hostile: Bool, untilFinished: Bool = false) {
            for _ in 0..<steps {
                if untilFinished && machine.isFinished { return }
                now += 0.005
                if hostile {
                    stepHostile()
                    stepHostile()
                }
                stepHonest()
                apply(machine.tick(now: now))
                maxWorkers = max(maxWorkers, machine.connectedWorkers)
                do { try journal.append(events) } catch { Issue.record("journal: \(error)") }
                events.removeAll()
            }
        }
    }

    // MARK: A live coordinator

    @Test(
        """
        hostile messages over ZeroMQ to a live coordinator: it keeps serving in bounded memory, the study \
        completes correctly
        """
    )
    func liveCoordinator() throws {
        // Enough trials (at least 18 s on the real worker's 2 slots) that the study is still
        // running after the first batch of fuzzing even on an idle machine, so the coordinator's
        // memory is measured while it serves the fuzzer (with 40, a fast run finished first).
        let budget = 120
        let scratch = try Scratch()
        let study = try scratch.write(
            "study.yaml",
            """
            name: fuzzed-semantics
            objective: {metric: objective, direction: minimize}
            budget: {trials: \(budget)}
            strategy: random
            space:
              x0: {type: float, low: -5, high: 10}
              x1: {type: float, low: 0, high: 15}
            trial: {builtin: branin, sleep: 0.3}
            """)
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--bind", endpoint, "--log", log], scratch: scratch, label: "coordinator")
        let realName = "real-worker"
        let worker = try RunningProcess(
            "hpo-worker", ["--connect", endpoint, "--name", realName, "--slots", "2", "--log-level", "warning"],
            scratch: scratch, label: "worker")
        var realKeys: [TrialKey] = []
        func readRealKeys() {
            let dispatched = (try? LogSummary(path: log))?.dispatched ?? []
            realKeys = dispatched.filter { $0.worker == WorkerID(realName) }.map {
                TrialKey(trial: $0.trial, attempt: $0.attempt)
            }
        }
        #expect(
            waitUntil(within: 60) {
                readRealKeys()
                return !realKeys.isEmpty
            }, "the real worker got work")

        var fuzzer = try LiveFuzzer(endpoint: endpoint, seed: 15, realName: realName)
        var peakKiB = 0
        for _ in 0..<3 {
            readRealKeys()
            // A batch stops at 1500 messages or after 30 s: a loaded machine (CI beside other
            // builds) sent 3,982 in three batches of 15 s, so the time is generous.
            try fuzzer.batch(messages: 1500, seconds: 30, realKeys: realKeys)
            // Serving, or already done with the study (a clean exit).
            let serving = coordinator.process.isRunning
            #expect(
                serving || coordinator.process.terminationStatus == 0,
                "the coordinator survived: \(coordinator.stderr.suffix(2000))")
            guard serving, let rss = residentKiB(pid: coordinator.pid) else { continue }
            peakKiB = max(peakKiB, rss)
            #expect(rss < 400_000, "coordinator VmRSS \(rss) KiB")
        }
        fuzzer.close()
        // Registrants' trials come back when they are declared lost (5 s of silence by default).
        #expect(coordinator.waitForExit(within: 120) == 0, "\(coordinator.stderr.suffix(2000))")
        #expect(worker.waitForExit(within: 30) == 0, "\(worker.stderr.suffix(2000))")
        #expect(fuzzer.sent >= 3000, "thousands of hostile messages went out, not a handful")
        #expect(peakKiB > 0, "memory was measured while the coordinator served the fuzzer")
        #expect(fuzzer.assignedToFuzzers > 0, "registrants were given trials and held them")

        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == budget)
        #expect(Set(summary.completed.map(\.trial)).count == budget)
        #expect(summary.failed.isEmpty, "\(summary.failed.map(\.reason))")
        Self.checkObjectives(summary.completed, worker: realName)
        #expect(!summary.workersLeft.contains { $0.worker == WorkerID(realName) }, "the real worker was never evicted")
        #expect(coordinator.stderr.contains("out of bounds"), "out-of-bounds messages are logged")
        print("semantic fuzz: \(fuzzer.sent) messages, coordinator peak VmRSS \(peakKiB) KiB")
    }
}

/// The coordinator's resident memory in KiB, from /proc.
func residentKiB(pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
}

/// Hostile senders on DEALER sockets of their own (see `SemanticFuzzTests` for the roles).
struct LiveFuzzer {
    let context: ZeroMQContext
    var senders: [(socket: ZeroMQSocket, role: SemanticFuzzTests.Role, names: [String])] = []
    var fuzz: HostileMessages
    /// Every attempt given to a fuzzing sender: never reported by any of them.
    var hostileAssigned: Set<TrialKey> = []
    var assignedToFuzzers: Int { hostileAssigned.count }
    var sent = 0

    init(endpoint: String, seed: UInt64, realName: String) throws {
        context = try ZeroMQContext()
        fuzz = HostileMessages(seed: seed)
        for index in 0..<6 {
            let socket = try ZeroMQSocket(context: context, type: .dealer)
            try socket.set(.linger(milliseconds: 0))
            try socket.connect(endpoint)
            let role = SemanticFuzzTests.Role.allCases[index % 3]
            let names: [String] =
                switch role {
                case .impostor: [realName]
                case .registrant: ["fuzz-\(index)-a", "fuzz-\(index)-b"]
                case .stranger: ["stranger"]
                }
            senders.append((socket, role, names))
        }
    }

    mutating func batch(messages: Int, seconds: Double, realKeys: [TrialKey]) throws {
        let deadline = Date().addingTimeInterval(seconds)
        var count = 0
        while count < messages, Date() < deadline {
            let index = fuzz.below(senders.count)
            let sender = senders[index]
            drain(sender.socket)
            // A registrant may have an assignment in flight that it has not read yet: it reports
            // only the real worker's attempts (from the log), never an invented key.
            var resultKeys = Array(realKeys.suffix(8))
            switch sender.role {
            case .stranger: resultKeys += [fuzz.key(known: [])] + hostileAssigned.prefix(4)
            case .impostor: resultKeys.append(fuzz.key(known: []))
            case .registrant: resultKeys.removeAll { hostileAssigned.contains($0) }
            }
            let message = fuzz.message(
                names: sender.names, validHello: sender.role != .stranger, known: realKeys,
                resultKeys: Array(resultKeys))
            if try sender.socket.send(frames: WireCodec.encode(message), dontWait: true) {
                count += 1
                sent += 1
            }
            // Let the replies (assignments to registrants) arrive before the next message.
            if count % 50 == 0 { usleep(2_000) }
        }
        for sender in senders { drain(sender.socket) }
    }

    /// Reads every reply waiting, noting the attempts given to this sender.
    mutating func drain(_ socket: ZeroMQSocket) {
        while let frames = try? socket.receive(dontWait: true) {
            if case .assign(let assignment)? = try? WireCodec.decodeCoordinatorMessage(frames) {
                hostileAssigned.insert(assignment.key)
            }
        }
    }

    mutating func close() { senders.removeAll() }
}
