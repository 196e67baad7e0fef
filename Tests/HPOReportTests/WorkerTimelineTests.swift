import HPOCore
import Testing

@testable import HPOReport

@Suite struct WorkerTimelineTests {
    private func attempt(_ trial: Int, dispatched: Double, ended: Double, duration: Double) -> AttemptRecord {
        AttemptRecord(
            trial: TrialID(trial), attempt: 1, worker: WorkerID("w"), params: [:], dispatched: dispatched, ended: ended,
            outcome: .completed, durationSeconds: duration, willRetry: false, metrics: [:])
    }

    @Test("a trial queued on its worker (prefetch) starts when the one ahead ends: one lane, not two")
    func queuedAttemptSharesTheLane() {
        // Both dispatched at 0 to a one-slot worker; the second ran from 1 to 2.
        let first = attempt(1, dispatched: 0, ended: 1, duration: 1)
        let second = attempt(2, dispatched: 0, ended: 2, duration: 1)
        #expect(second.started == 1)
        let placed = WorkerTimelinePlot.assignLanes([first, second], workers: [WorkerID("w")], asOf: 2)
        #expect(placed.map(\.lane) == [0, 0])
    }

    @Test("two attempts that really overlap (two slots) get two lanes")
    func overlappingAttemptsTwoLanes() {
        let placed = WorkerTimelinePlot.assignLanes(
            [attempt(1, dispatched: 0, ended: 2, duration: 2), attempt(2, dispatched: 0.5, ended: 1.5, duration: 1)],
            workers: [WorkerID("w")], asOf: 2)
        #expect(Set(placed.map(\.lane)) == [0, 1])
    }
}
