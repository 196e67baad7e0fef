import Foundation
import HPOCoordinator
import HPOCore
import HPOMetrics
import Testing

@Suite struct CoordinatorMetricsTests {
    /// Every family `--metrics` serves, as docs/operations.md's table lists them.
    static let documented = [
        "hpo_study_info", "hpo_trials", "hpo_trials_budget", "hpo_study_finished", "hpo_workers_connected",
        "hpo_workers_busy",
        "hpo_best_objective", "hpo_proposals_stale_total", "hpo_trials_dispatched_total", "hpo_dispatch_fallback_total",
        "hpo_fallback_ratio", "hpo_dispatch_latency_seconds", "hpo_journal_fsync_seconds", "hpo_proposal_seconds",
        "hpo_model_refit_seconds"
    ]

    func metrics() -> CoordinatorMetrics {
        let metrics = CoordinatorMetrics(study: "digits \"mlp\"", strategy: "bayes")
        var snapshot = ProgressSnapshot(
            study: "digits", completed: 7, failed: 1, pruned: 2, running: 5, queued: 2, budget: 24,
            bestTrial: TrialID(3),
            bestObjective: 0.125, bestParameters: nil, workers: 3, busyWorkers: 2, elapsedSeconds: 12, finishReason: nil
        )
        snapshot.staleProposals = 4
        metrics.publish(snapshot)
        metrics.recordDispatches(10, fallback: 1)
        metrics.recordDispatches(6, fallback: 3)
        for value in [0.0002, 0.003, 0.003, 2.0] { metrics.dispatchLatency.observe(value) }
        metrics.journalFsync.observe(0.004)
        metrics.proposal.observe(0.2)
        return metrics
    }

    @Test("the exposition parses, has HELP and TYPE for every documented family, and the snapshot's numbers")
    func exposition() throws {
        let text = metrics().render()
        let parsed = try PrometheusExposition(parsing: text)
        #expect(Set(parsed.families.keys) == Set(Self.documented))
        for (name, family) in parsed.families {
            #expect(family.help?.isEmpty == false, "\(name) has help")
            #expect(name.hasPrefix("hpo_"))
            #expect(name.hasSuffix("_total") == (family.type == "counter"), "\(name): _total exactly for counters")
        }
        #expect(parsed.value("hpo_study_info", ["study": "digits \"mlp\"", "strategy": "bayes"]) == 1)
        #expect(parsed.value("hpo_trials", ["state": "running"]) == 3, "running excludes the queued")
        #expect(parsed.value("hpo_trials", ["state": "queued"]) == 2)
        #expect(parsed.value("hpo_trials", ["state": "completed"]) == 7)
        #expect(parsed.value("hpo_trials", ["state": "failed"]) == 1)
        #expect(parsed.value("hpo_trials", ["state": "pruned"]) == 2)
        #expect(parsed.value("hpo_workers_connected") == 3)
        #expect(parsed.value("hpo_workers_busy") == 2)
        #expect(parsed.value("hpo_best_objective") == 0.125)
        #expect(parsed.value("hpo_trials_dispatched_total") == 16)
        #expect(parsed.value("hpo_dispatch_fallback_total") == 4)
        #expect(parsed.value("hpo_fallback_ratio") == 0.25)
        #expect(parsed.value("hpo_proposals_stale_total") == 4)
        #expect(parsed.value("hpo_dispatch_latency_seconds_count") == 4)
        #expect(parsed.value("hpo_dispatch_latency_seconds_bucket", ["le": "0.0025"]) == 1)
        #expect(parsed.value("hpo_dispatch_latency_seconds_bucket", ["le": "0.005"]) == 3)
        #expect(parsed.value("hpo_dispatch_latency_seconds_bucket", ["le": "+Inf"]) == 4)
        #expect(parsed.value("hpo_journal_fsync_seconds_count") == 1)
        #expect(parsed.value("hpo_proposal_seconds_sum") == 0.2)
        #expect(parsed.value("hpo_model_refit_seconds_count") == 0)
    }

    @Test("before the first snapshot: the counters and histograms alone, still valid")
    func beforeFirstSnapshot() throws {
        let parsed = try PrometheusExposition(parsing: CoordinatorMetrics(study: "s", strategy: "random").render())
        #expect(parsed.value("hpo_trials_dispatched_total") == 0)
        #expect(parsed.value("hpo_fallback_ratio") == 0)
        #expect(parsed.families["hpo_trials"] == nil)
    }

    @Test("docs/operations.md lists every family in its metrics table")
    func documentedInOperations() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let docs = try String(contentsOf: root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        for name in Self.documented {
            #expect(docs.contains("| `\(name)"), "\(name) in the table of docs/operations.md")
        }
    }

    @Test("recording from several threads while rendering loses nothing")
    func concurrentRecording() throws {
        let metrics = CoordinatorMetrics(study: "s", strategy: "random")
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            for _ in 0..<1000 {
                if index % 2 == 0 {
                    metrics.dispatchLatency.observe(0.001)
                } else {
                    metrics.recordDispatches(1, fallback: 0)
                }
                if index == 0 { _ = metrics.render() }
            }
        }
        let parsed = try PrometheusExposition(parsing: metrics.render())
        #expect(parsed.value("hpo_dispatch_latency_seconds_count") == 4000)
        #expect(parsed.value("hpo_trials_dispatched_total") == 4000)
    }
}
