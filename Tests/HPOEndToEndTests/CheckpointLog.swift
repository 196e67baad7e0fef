import Foundation
import HPOJournal
import Testing

/// What the checkpoint end-to-end tests read from a results log.
extension LogSummary {
    var checkpoints: [TrialCheckpointed] {
        records.compactMap { if case .trialCheckpoint(let e) = $0.event { e } else { nil } }
    }

    var resumed: [TrialResumed] {
        records.compactMap { if case .trialResumed(let e) = $0.event { e } else { nil } }
    }

    var preempted: [TrialPreempted] {
        records.compactMap { if case .trialPreempted(let e) = $0.event { e } else { nil } }
    }
}

/// The checkpoints stored so far in the log at `log` (none while it cannot be read).
func checkpointsIn(_ log: String) -> [TrialCheckpointed] {
    (try? LogSummary(path: log))?.checkpoints ?? []
}

/// How many trial_report lines the log at `log` holds so far.
func reportCount(_ log: String) -> Int {
    (try? LogSummary(path: log))?.records.count { $0.event.name == "trial_report" } ?? 0
}

/// Heartbeats every 0.2 s, lost after 5 silent intervals: a killed worker's trial goes back to
/// the queue in about a second.
let checkpointTestLiveness = ["--heartbeat", "0.2", "--liveness", "5"]

/// A worker for the checkpoint scenarios, logging at info.
func checkpointTestWorker(_ endpoint: String, _ label: String, scratch: Scratch, extra: [String] = []) throws
    -> RunningProcess
{
    try RunningProcess(
        "hpo-worker", ["--connect", endpoint, "--log-level", "info"] + extra, scratch: scratch, label: label)
}

/// The killed-worker scenario: a coordinator on `studyPath` and a first worker; once a
/// checkpoint at `step` or later is stored, a second worker joins (so the trial started on the
/// first) and the first is SIGKILLed; the coordinator and the second worker must then finish
/// with exit 0. Returns the log and the second worker (for messages). `coordinatorArguments`:
/// more options for the coordinator (`--checkpoints shared:FOLDER`).
func runKilledWorkerScenario(
    studyPath: String, log: String, scratch: Scratch, checkpointAtLeast step: Int, coordinatorArguments: [String] = []
) throws -> (summary: LogSummary, second: RunningProcess) {
    let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
    let coordinator = try RunningProcess(
        "hpo-coordinator",
        [studyPath, "--bind", endpoint, "--log", log] + checkpointTestLiveness + coordinatorArguments,
        scratch: scratch, label: "coordinator")
    let first = try checkpointTestWorker(endpoint, "worker1", scratch: scratch)
    #expect(
        waitUntil(within: 60) { checkpointsIn(log).contains { $0.step >= step } },
        "checkpoints arrive: \(coordinator.stderr)")
    let second = try checkpointTestWorker(endpoint, "worker2", scratch: scratch)
    kill(first.pid, SIGKILL)
    first.waitForExit(within: 10)
    #expect(
        coordinator.waitForExit(within: 120) == 0, "coordinator:\n\(coordinator.stderr)\nworker2:\n\(second.stderr)")
    #expect(second.waitForExit(within: 20) == 0)
    return (try LogSummary(path: log), second)
}

/// The preemption scenario: a coordinator on `studyPath` and a first worker with a 20 s grace;
/// once the trial has sent `reports` reports, a second worker joins and the first gets SIGTERM,
/// which it must survive with exit 0 (its trial handed back); the coordinator and the second
/// worker must then finish with exit 0. Returns the log and the first worker (for messages).
func runPreemptedWorkerScenario(
    studyPath: String, log: String, scratch: Scratch, reportsAtLeast reports: Int
) throws -> (summary: LogSummary, first: RunningProcess) {
    let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
    let coordinator = try RunningProcess(
        "hpo-coordinator", [studyPath, "--bind", endpoint, "--log", log] + checkpointTestLiveness, scratch: scratch,
        label: "coordinator")
    let first = try checkpointTestWorker(endpoint, "worker1", scratch: scratch, extra: ["--grace", "20"])
    #expect(waitUntil(within: 60) { reportCount(log) >= reports }, "the trial runs: \(coordinator.stderr)")
    let second = try checkpointTestWorker(endpoint, "worker2", scratch: scratch)
    kill(first.pid, SIGTERM)
    #expect(first.waitForExit(within: 30) == 0, "the preempted worker leaves cleanly: \(first.stderr)")
    #expect(
        coordinator.waitForExit(within: 120) == 0, "coordinator:\n\(coordinator.stderr)\nworker2:\n\(second.stderr)")
    #expect(second.waitForExit(within: 20) == 0)
    return (try LogSummary(path: log), first)
}

/// The lost-host scenario: a coordinator on `studyPath` and its worker; once a checkpoint at step
/// 5 or later is stored, both are SIGKILLed; a second coordinator on the same log and a second
/// worker must then finish with exit 0. Returns the log, the checkpoint the log named at the
/// crash, and the second coordinator (for messages). `coordinatorArguments`: more options for
/// both coordinators (`--checkpoints shared:FOLDER`).
func runRestartedCoordinatorScenario(
    studyPath: String, log: String, scratch: Scratch, coordinatorArguments: [String] = []
) throws -> (summary: LogSummary, stored: TrialCheckpointed, coordinator: RunningProcess) {
    let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
    let arguments = [studyPath, "--bind", endpoint, "--log", log] + checkpointTestLiveness + coordinatorArguments
    let firstCoordinator = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator1")
    let first = try checkpointTestWorker(endpoint, "worker1", scratch: scratch)
    #expect(
        waitUntil(within: 60) { checkpointsIn(log).contains { $0.step >= 5 } },
        "checkpoints arrive: \(firstCoordinator.stderr)")
    // The host is gone: coordinator and worker at once.
    kill(firstCoordinator.pid, SIGKILL)
    kill(first.pid, SIGKILL)
    firstCoordinator.waitForExit(within: 10)
    first.waitForExit(within: 10)
    let stored = try #require((try LogSummary(path: log)).checkpoints.last)

    let secondCoordinator = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator2")
    let second = try checkpointTestWorker(endpoint, "worker2", scratch: scratch)
    #expect(
        secondCoordinator.waitForExit(within: 120) == 0,
        "coordinator:\n\(secondCoordinator.stderr)\nworker2:\n\(second.stderr)")
    #expect(second.waitForExit(within: 20) == 0)
    return (try LogSummary(path: log), stored, secondCoordinator)
}
