import HPOCoordinator
import HPOCore
import Testing

@Suite struct ProgressSnapshotTests {
    func snapshot(completed: Int, failed: Int = 0, elapsed: Double, finished: String? = nil) -> ProgressSnapshot {
        ProgressSnapshot(
            study: "s", completed: completed, failed: failed, running: 2, budget: 40, bestTrial: TrialID(7),
            bestObjective: 0.41234, bestParameters: ["x0": .double(1)], workers: 4, busyWorkers: 3,
            elapsedSeconds: elapsed, finishReason: finished)
    }

    @Test("the progress line has counts, best, workers, pace and time left")
    func line() {
        let line = snapshot(completed: 9, failed: 1, elapsed: 20).line
        #expect(
            line
                == """
                s  done 10/40  running 2  failed 1  best 0.41234 (#7)  workers 3/4 busy  1800 trials/h  0:20  \
                ~1:00 left
                """
        )
    }

    @Test("trials waiting in workers' queues are shown apart from those running")
    func queued() {
        var snapshot = snapshot(completed: 9, failed: 1, elapsed: 20)
        snapshot.running = 6
        snapshot.queued = 4
        #expect(snapshot.line.hasPrefix("s  done 10/40  running 2  +4 queued  failed 1  "))
    }

    @Test("a study stopping at a user's request says so and shows no time left")
    func stopping() {
        var snapshot = snapshot(completed: 9, failed: 1, elapsed: 20)
        snapshot.stopping = "stopped by the user: ann"
        #expect(snapshot.line.hasPrefix("s  stopping (stopped by the user: ann)  done 10/40  running 2  "))
        #expect(!snapshot.line.contains("left"))
    }

    @Test("a study with several objectives shows its front's size where others show the best")
    func front() {
        var pareto = ProgressSnapshot(
            study: "s", completed: 9, failed: 0, running: 2, budget: 40, bestTrial: nil, bestObjective: nil,
            bestParameters: nil, workers: 4, busyWorkers: 3, elapsedSeconds: 20, finishReason: nil)
        pareto.paretoFront = 4
        #expect(pareto.line.contains("  failed 0  front 4  workers 3/4 busy"), "\(pareto.line)")
        pareto.finishReason = "budget spent"
        #expect(pareto.summary.contains("  front: 4 trials (`hpo status` lists them)"), "\(pareto.summary)")
    }

    @Test("a finished study shows no time left, and its summary names the best parameters")
    func finished() {
        let done = snapshot(completed: 40, elapsed: 100, finished: "budget spent")
        #expect(!done.line.contains("left"))
        #expect(done.summary.contains("study s finished: budget spent"))
        #expect(done.summary.contains("best: trial #7 objective 0.41234"))
        #expect(done.summary.contains("x0 = 1"))
        #expect(!done.summary.contains("quasi-random"))
        var hurried = done
        hurried.fromFallback = 12
        hurried.staleProposals = 3
        #expect(hurried.summary.contains("12 configurations quasi-random"))
        #expect(hurried.summary.contains("3 proposed before the latest results"))
    }
}
