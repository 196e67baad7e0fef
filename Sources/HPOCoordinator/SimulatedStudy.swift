import Foundation
import HPOCore
import HPOJournal
import HPOSearch
import HPOWire

/// A study run through the coordinator's own state machine (the same dispatch, proposal queue,
/// lies, prefetch, patience and fallback as `hpo-coordinator`) with simulated workers on a
/// simulated clock: what `hpo bench` measures, so that its figures are what users get.
///
/// Trials take durations drawn from a seeded distribution. Background work (proposals, refits)
/// runs for real, at once, and its result reaches the state machine when its lane would have
/// finished it: the request's start (or when the lane frees) plus the compute time measured, or
/// plus nothing with `computeTime: .zero` (a reproducible run: what the equivalence test uses).
package struct SimulatedStudy {
    package enum Durations: Sendable, Equatable {
        case fixed(Double)
        case exponential(mean: Double)
        /// Pareto with shape 2 (a heavy tail: a few trials take many times the mean), scaled to `mean`.
        case heavyTailed(mean: Double)
    }

    package enum ComputeTime: Sendable, Equatable {
        /// The wall time the work took here.
        case measured
        /// None: background work completes the moment it is asked for.
        case zero
    }

    package struct Settings: Sendable {
        package var workers: Int
        package var slotsPerWorker = 1
        /// Assignments each worker queues beyond its slots (as `hpo-worker --prefetch`, default 1).
        package var prefetch = 1
        package var durations: Durations
        /// Seeds the durations.
        package var seed: UInt64
        package var computeTime: ComputeTime = .measured
        /// How often the state machine is ticked (the coordinator's loop: 10 ms).
        package var tickSeconds = 0.01
        /// `ModelPacing.patienceSeconds`.
        package var modelPatienceSeconds: Double?
        /// False: every proposal refits the model inline first (for comparison).
        package var backgroundRefits = true

        package init(workers: Int, durations: Durations, seed: UInt64) {
            self.workers = workers
            self.durations = durations
            self.seed = seed
        }
    }

    /// One trial as dispatched: in dispatch order.
    package struct Dispatch: Sendable, Equatable {
        package var trial: TrialID
        package var parameters: Parameters
        package var fromFallback: Bool
        /// Results the proposal was computed without (0: it saw every result in).
        package var proposalLag: Int
    }

    package struct Outcome: Sendable {
        package var dispatches: [Dispatch] = []
        /// Trials in the order their results reached the coordinator.
        package var resultOrder: [TrialID] = []
        /// The best value reached (minimised), nil when no trial completed.
        package var best: Double?
        /// Simulated seconds from the first dispatch to the last result.
        package var span = 0.0
        /// Worker time in trials over workers × slots × span (the tail, when the budget is spent
        /// and slots run dry, included).
        package var busyShare = 0.0
        /// Time in trials over time in trials plus the gaps a slot stood idle between one trial
        /// ending and its next starting (`benchmarks/utilisation.sh`'s measure: the tail left out).
        package var busyBetweenTrials = 0.0
        /// Wall seconds spent in proposals and in refits, and how many of each.
        package var proposeSeconds = 0.0
        package var proposeRequests = 0
        package var refitSeconds = 0.0
        package var refitRequests = 0
        package var fallbackCount: Int { dispatches.count { $0.fromFallback } }
        package var staleCount: Int { dispatches.count { $0.proposalLag > 0 } }
    }

    /// Runs the study to its end. `evaluate` gives a configuration's objective (nil: the trial fails).
    package static func run(
        config: StudyConfig, search: any SearchStrategy, settings: Settings, evaluate: (Parameters) -> Double?
    ) -> Outcome {
        var simulation = Simulation(config: config, search: search, settings: settings)
        return simulation.run(evaluate: evaluate)
    }
}

/// The event loop behind `SimulatedStudy.run`.
private struct Simulation {
    struct Worker {
        var peer: PeerID
        /// Attempts running: when each ends.
        var running: [(key: TrialKey, end: Double, duration: Double)] = []
        var queued: [Assignment] = []
        /// When each slot with nothing queued fell idle, oldest first.
        var idleSince: [Double] = []
    }

    struct Pending {
        var time: Double
        var order: Int
        var result: ProposalResult
    }

    var machine: CoordinatorStateMachine
    let settings: SimulatedStudy.Settings
    var workers: [Worker]
    var background: [Pending] = []
    var proposalLaneFree = 0.0
    var refitLaneFree = 0.0
    var order = 0
    var now = 0.0
    var random: SplitMix64
    var outcome = SimulatedStudy.Outcome()
    var busySeconds = 0.0
    var idleGapSeconds = 0.0
    var firstDispatch: Double?
    var lastResult = 0.0
    var lag: [TrialID: Int] = [:]

    init(config: StudyConfig, search: any SearchStrategy, settings: SimulatedStudy.Settings) {
        // Workers never fall silent here: liveness is out of the picture.
        machine = CoordinatorStateMachine(
            config: config, search: search, liveness: LivenessSettings(heartbeatIntervalSeconds: 3600, liveness: 1000),
            software: "simulation", host: "simulation", backgroundRefits: settings.backgroundRefits)
        if let patience = settings.modelPatienceSeconds { machine.pacing.patienceSeconds = patience }
        self.settings = settings
        workers = (0..<settings.workers).map { Worker(peer: PeerID(Array("w\($0)".utf8))) }
        random = SplitMix64(seed: settings.seed, stream: 0xD0_2A71)
    }

    mutating func run(evaluate: (Parameters) -> Double?) -> SimulatedStudy.Outcome {
        apply(machine.start(now: 0))
        for (index, worker) in workers.enumerated() {
            let hello = Hello(
                name: "sim/\(index)", host: "simulation", pid: Int32(index), slots: settings.slotsPerWorker,
                software: "simulation", prefetch: settings.prefetch)
            apply(machine.received(.hello(hello), from: worker.peer, now: 0))
        }
        var nextTick = settings.tickSeconds
        // Bounded: every trial ends, and background work is finite; the tick count guards the rest.
        var ticksLeft = 100_000_000
        while !machine.isFinished && ticksLeft > 0 {
            let trialEnd = workers.indices.flatMap { w in
                workers[w].running.indices.map { (w, $0, workers[w].running[$0].end) }
            }
            .min { $0.2 < $1.2 }
            let work = background.indices.min {
                (background[$0].time, background[$0].order) < (background[$1].time, background[$1].order)
            }
            let workTime = work.map { background[$0].time } ?? .infinity
            let endTime = trialEnd?.2 ?? .infinity
            let next = min(workTime, endTime, nextTick)
            now = next
            if let work, workTime == next {
                let pending = background.remove(at: work)
                apply(machine.receivedProposals(pending.result, now: now))
            } else if let (w, r, end) = trialEnd, end == next {
                finish(worker: w, running: r, evaluate: evaluate)
            } else {
                apply(machine.tick(now: now))
                nextTick = now + settings.tickSeconds
                ticksLeft -= 1
            }
        }
        let slots = Double(settings.workers * settings.slotsPerWorker)
        outcome.span = lastResult - (firstDispatch ?? 0)
        outcome.busyShare = outcome.span > 0 ? busySeconds / (slots * outcome.span) : 0
        outcome.busyBetweenTrials = busySeconds > 0 ? busySeconds / (busySeconds + idleGapSeconds) : 0
        return outcome
    }

    private mutating func finish(worker w: Int, running r: Int, evaluate: (Parameters) -> Double?) {
        let attempt = workers[w].running.remove(at: r)
        busySeconds += attempt.duration
        lastResult = now
        let parameters = machine.parameters(of: attempt.key.trial) ?? [:]
        let value = evaluate(parameters)
        let result: TrialResult
        if let value, value.isFinite {
            let loss = machine.config.objective.direction == .minimize ? value : -value
            outcome.best = min(outcome.best ?? .infinity, loss)
            result = TrialResult(
                status: .completed, metrics: [machine.config.objective.metric: value], durationSeconds: attempt.duration
            )
        } else {
            result = TrialResult(status: .failed, metrics: [:], reason: "no value", durationSeconds: attempt.duration)
        }
        outcome.resultOrder.append(attempt.key.trial)
        // The worker starts its queued trial the moment the slot frees, then reports.
        if workers[w].queued.isEmpty {
            workers[w].idleSince.append(now)
        } else {
            start(workers[w].queued.removeFirst(), on: w)
        }
        apply(
            machine.received(.result(ResultMessage(key: attempt.key, result: result)), from: workers[w].peer, now: now))
    }

    private mutating func apply(_ actions: CoordinatorActions) {
        for event in actions.journal {
            guard case .trialDispatched(let dispatched) = event, dispatched.attempt == 1 else { continue }
            outcome.dispatches.append(
                SimulatedStudy.Dispatch(
                    trial: dispatched.trial, parameters: dispatched.params, fromFallback: dispatched.fallback == true,
                    proposalLag: dispatched.proposalLag ?? 0))
        }
        for (peer, message) in actions.messages {
            guard case .assign(let assignment) = message, let w = workers.firstIndex(where: { $0.peer == peer }) else {
                continue
            }
            if workers[w].running.count < settings.slotsPerWorker {
                start(assignment, on: w)
            } else {
                workers[w].queued.append(assignment)
            }
        }
        if let request = actions.proposalRequest { schedule(request, lane: \.proposalLaneFree) }
        if let request = actions.refitRequest { schedule(request, lane: \.refitLaneFree) }
    }

    private mutating func schedule(_ request: ProposalRequest, lane: WritableKeyPath<Simulation, Double>) {
        let clock = ContinuousClock()
        let started = clock.now
        let result = request.run()
        let elapsed = started.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        if request.kind == .refit {
            outcome.refitSeconds += seconds
            outcome.refitRequests += 1
        } else {
            outcome.proposeSeconds += seconds
            outcome.proposeRequests += 1
        }
        let begin = max(now, self[keyPath: lane])
        let done = begin + (settings.computeTime == .measured ? seconds : 0)
        self[keyPath: lane] = done
        order += 1
        background.append(Pending(time: done, order: order, result: result))
    }

    private mutating func start(_ assignment: Assignment, on w: Int) {
        let duration = drawDuration()
        if firstDispatch == nil { firstDispatch = now }
        if !workers[w].idleSince.isEmpty { idleGapSeconds += now - workers[w].idleSince.removeFirst() }
        workers[w].running.append((assignment.key, now + duration, duration))
    }

    private mutating func drawDuration() -> Double {
        switch settings.durations {
        case .fixed(let seconds): return seconds
        case .exponential(let mean): return -mean * log(1 - random.nextUnit())
        case .heavyTailed(let mean):
            // Pareto, shape 2, minimum mean/2: mean = shape·min/(shape−1).
            return (mean / 2) / (1 - random.nextUnit()).squareRoot()
        }
    }
}
