import Foundation
import HPOMetrics

/// What `hpo-coordinator --metrics` serves (docs/operations.md, "Metrics"). The loop publishes
/// its `ProgressSnapshot` each tick and adds up its dispatches each turn; it and the background
/// threads record into the histograms; the metrics server's thread renders from the latest of all
/// that. Every operation is one short lock, so a scrape never holds up the loop.
package final class CoordinatorMetrics: @unchecked Sendable {
    package let study: String
    package let strategy: String
    /// From a slot (or queue place) becoming free to its assignment being sent (`slot_idle_s`).
    package let dispatchLatency = LockedHistogram()
    /// One `fsync` of the results log's group commit.
    package let journalFsync = LockedHistogram()
    /// One background proposal computation (strategies that fit a model).
    package let proposal = LockedHistogram()
    /// One background refit of the model's hyperparameters.
    package let refit = LockedHistogram()

    private let lock = NSLock()
    private var snapshot: ProgressSnapshot?
    private var dispatched: UInt64 = 0
    private var fallback: UInt64 = 0

    package init(study: String, strategy: String) {
        self.study = study
        self.strategy = strategy
    }

    package func publish(_ snapshot: ProgressSnapshot) {
        lock.lock()
        self.snapshot = snapshot
        lock.unlock()
    }

    /// Adds one turn's dispatches: attempts sent, and of those, configurations from the fallback.
    package func recordDispatches(_ count: Int, fallback: Int) {
        guard count > 0 else { return }
        lock.lock()
        dispatched += UInt64(count)
        self.fallback += UInt64(fallback)
        lock.unlock()
    }

    /// The exposition text (Prometheus 0.0.4).
    package func render() -> String {
        lock.lock()
        let snapshot = snapshot
        let dispatched = dispatched
        let fallback = fallback
        lock.unlock()

        var out = PrometheusText()
        out.family(
            "hpo_study_info", .gauge, help: "The study this coordinator runs (always 1).",
            samples: [([("study", study), ("strategy", strategy)], 1)])
        if let snapshot {
            out.family(
                "hpo_trials", .gauge,
                help:
                    """
                    Trials by state: queued (on a worker, not started), running, completed, failed (for good), \
                    pruned.
                    """,
                samples: [
                    ([("state", "queued")], Double(snapshot.queued)),
                    ([("state", "running")], Double(snapshot.running - snapshot.queued)),
                    ([("state", "completed")], Double(snapshot.completed)),
                    ([("state", "failed")], Double(snapshot.failed)),
                    ([("state", "pruned")], Double(snapshot.pruned))
                ])
            out.single("hpo_trials_budget", .gauge, help: "The study's budget of trials.", Double(snapshot.budget))
            out.single(
                "hpo_study_finished", .gauge, help: "1 once the study has finished (budget spent, stopped), else 0.",
                snapshot.finishReason == nil ? 0 : 1)
            out.single("hpo_workers_connected", .gauge, help: "Workers registered and alive.", Double(snapshot.workers))
            out.single(
                "hpo_workers_busy", .gauge, help: "Workers with at least one trial running or queued.",
                Double(snapshot.busyWorkers))
            if let best = snapshot.bestObjective {
                out.single(
                    "hpo_best_objective", .gauge, help: "The best objective value so far (in the study's direction).",
                    best)
            }
            out.single(
                "hpo_proposals_stale_total", .counter,
                help: "Trials whose configuration the model proposed before the latest results arrived.",
                Double(snapshot.staleProposals))
        }
        out.single(
            "hpo_trials_dispatched_total", .counter,
            help: "Attempts dispatched to workers by this process (retries included).",
            Double(dispatched))
        out.single(
            "hpo_dispatch_fallback_total", .counter,
            help: "Attempts whose configuration came from the quasi-random fallback (the model had none ready).",
            Double(fallback))
        out.single(
            "hpo_fallback_ratio", .gauge,
            help: "hpo_dispatch_fallback_total / hpo_trials_dispatched_total (0 before any dispatch).",
            dispatched == 0 ? 0 : Double(fallback) / Double(dispatched))
        out.histogram(
            "hpo_dispatch_latency_seconds",
            help: "From a worker's slot or queue place becoming free to its next assignment being sent.",
            dispatchLatency.snapshot())
        out.histogram(
            "hpo_journal_fsync_seconds", help: "One fsync of the results log (one per group commit).",
            journalFsync.snapshot())
        out.histogram(
            "hpo_proposal_seconds", help: "One background proposal computation of the search's model.",
            proposal.snapshot())
        out.histogram(
            "hpo_model_refit_seconds", help: "One background refit of the model's hyperparameters.", refit.snapshot())
        return out.text
    }
}
