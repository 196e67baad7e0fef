import Foundation
import HPOCore
import HPOJournal
import Testing

@testable import HPOReport

@Suite struct StudySummaryTests {
    let summary = StudySummary(records: KnownLog.records, top: 3)

    @Test("counts trials by final state and attempts by outcome")
    func counts() {
        let c = summary.counts
        #expect(c.completed == 4)
        #expect(c.failed == 1)
        #expect(c.running == 1)
        #expect(c.queued == 0)
        #expect(c.interrupted == 0)
        #expect(c.done == 5)
        #expect(c.attempts == 8)
        #expect(c.failedAttempts == 2)
        #expect(c.lostAttempts == 1)
        #expect(c.retries == 2)
        #expect(c.resultsDropped == 1)
        #expect(summary.state == .running)
        #expect(summary.finishReason == nil)
        #expect(summary.budget.trials == 6)
        #expect(summary.plannedTrials == 6)
    }

    @Test("the best trial is the lowest objective of a minimised study, and the ranking follows it")
    func bestMinimized() {
        #expect(summary.best?.trial == TrialID(5))
        #expect(summary.best?.objective == 0.125)
        #expect(summary.best?.params == KnownLog.params[5])
        #expect(summary.top.map(\.trial.rawValue) == [5, 1, 2])
        #expect(summary.top.map(\.rank) == [1, 2, 3])
        #expect(summary.top.first?.worker == KnownLog.w2)
        #expect(summary.top.first?.durationSeconds == 3.0)
    }

    @Test("a maximised study's best is its largest objective")
    func bestMaximized() {
        let max = StudySummary(records: KnownLog.maximized)
        #expect(max.best?.trial == TrialID(2))
        #expect(max.best?.objective == 3)
        #expect(max.top.map(\.trial.rawValue) == [2, 3, 1])
        #expect(max.state == .finished)
        #expect(max.finishReason == "budget spent")
        #expect(max.etaSeconds == nil)
        #expect(max.workers.connected == 0)
    }

    @Test("pace, time left, elapsed time and workers come from the log's times")
    func paceAndWorkers() throws {
        #expect(summary.startTime == 1000)
        #expect(summary.asOf == 1009.5)
        #expect(abs(summary.elapsedSeconds - 9.5) < 1e-9)
        let rate = try #require(summary.trialsPerHour)
        #expect(abs(rate - 5 / 9.5 * 3600) < 1e-6)
        // One trial left at 5 trials per 9.5 s.
        let eta = try #require(summary.etaSeconds)
        #expect(abs(eta - 9.5 / 5) < 1e-9)
        #expect(summary.workers.seen == 2)
        #expect(summary.workers.connected == 1)
        #expect(summary.workers.busy == 1)
        // Busy: 2 + 4 + 2.9 + 2 + 4 (lost: dispatch to worker_left) + 3 + 2 + 0 (just dispatched) = 19.9 s.
        // Capacity: w1 1 slot × 6.5 s + w2 2 slots × 8.9 s = 24.3 slot-seconds.
        let utilisation = try #require(summary.workers.utilisation)
        #expect(abs(utilisation - 19.9 / 24.3) < 1e-9)
    }

    @Test("an empty study (only its first line) has no best, no pace and no ETA")
    func emptyStudy() {
        let empty = StudySummary(records: Array(KnownLog.records.prefix(1)))
        #expect(empty.best == nil)
        #expect(empty.counts.done == 0)
        #expect(empty.trialsPerHour == nil)
        #expect(empty.etaSeconds == nil)
        #expect(empty.workers.utilisation == nil)
        #expect(empty.top.isEmpty)
    }

    @Test("a stopped study's open attempts are interrupted; after a resume, downtime is not elapsed time")
    func stoppedAndResumed() {
        let base = Array(KnownLog.timeline.prefix(6))  // started, two workers, trials 1–3 dispatched
        let stop = StudyFinished(
            reason: "interrupted (SIGINT)", completed: 0, failed: 0, bestTrial: nil, bestObjective: nil, bestParams: nil
        )
        let stopped = (base + [(1002.0, JournalEvent.studyStopped(stop))]).map { JournalRecord(event: $1, time: $0) }
        let s1 = StudySummary(records: stopped)
        #expect(s1.state == .stopped)
        #expect(s1.counts.running == 0)
        #expect(s1.counts.interrupted == 3)
        #expect(s1.etaSeconds == nil)

        let resumed = StudyResumed(
            study: "known", software: "0.1.0", host: "box", completed: 0, failed: 0, created: 3,
            queued: [], awaitingWorkers: [1, 2, 3])
        let redispatch = TrialDispatched(
            trial: TrialID(1), attempt: 2, worker: KnownLog.w2, params: KnownLog.params[1] ?? [:])
        let later =
            stopped + [
                JournalRecord(event: .studyResumed(resumed), time: 2000),
                JournalRecord(
                    event: .workerJoined(WorkerJoined(worker: KnownLog.w2, host: "hostB", pid: 22, slots: 2)),
                    time: 2001),
                JournalRecord(event: .trialDispatched(redispatch), time: 2002)
            ]
        let history = StudyHistory(records: later)
        #expect(history.state == .running)
        #expect(history.runs.count == 2)
        #expect(abs(history.elapsedSeconds - (2 + 2)) < 1e-9)
        let trial1 = history.trial(TrialID(1))
        #expect(trial1?.attempts.map(\.outcome) == [.lost, .running])
        // The lost attempt ends when the first coordinator was last heard of.
        #expect(trial1?.attempts.first?.ended == 1002)
        #expect(StudySummary(history: history).workers.connected == 1)
    }
}
