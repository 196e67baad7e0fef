import Foundation
import HPOCore

/// How the study is going, for the console.
package struct ProgressSnapshot: Sendable {
    package var study: String
    package var completed: Int
    package var failed: Int
    /// Trials stopped early by the pruner (neither completed nor failed).
    package var pruned: Int
    /// Attempts dispatched and not finished, queued ones included.
    package var running: Int
    /// Of `running`, the attempts waiting in a worker's queue (prefetch), not started yet.
    package var queued: Int
    package var budget: Int
    package var bestTrial: TrialID?
    package var bestObjective: Double?
    package var bestParameters: Parameters?
    package var workers: Int
    package var busyWorkers: Int
    package var elapsedSeconds: Double
    package var finishReason: String?
    /// Trials whose configuration came from the quasi-random fallback because the search's model
    /// had none ready (see `CoordinatorStateMachine.dispatchFallback`).
    package var fromFallback = 0
    /// Trials whose configuration the model computed before the latest results arrived.
    package var staleProposals = 0
    /// Trials paused at a rung by ASHA's promotion form, waiting for a promotion (not done).
    package var paused = 0
    /// Set while the study stops at a user's request (`stop_study`): why. No trial starts; the
    /// running ones finish.
    package var stopping: String?
    /// A study with several objectives: the trials on its Pareto front (it has no best trial).
    package var paretoFront: Int?

    package init(
        study: String, completed: Int, failed: Int, pruned: Int = 0, running: Int, queued: Int = 0, budget: Int,
        bestTrial: TrialID?,
        bestObjective: Double?, bestParameters: Parameters?, workers: Int, busyWorkers: Int, elapsedSeconds: Double,
        finishReason: String?
    ) {
        self.study = study
        self.completed = completed
        self.failed = failed
        self.pruned = pruned
        self.running = running
        self.queued = queued
        self.budget = budget
        self.bestTrial = bestTrial
        self.bestObjective = bestObjective
        self.bestParameters = bestParameters
        self.workers = workers
        self.busyWorkers = busyWorkers
        self.elapsedSeconds = elapsedSeconds
        self.finishReason = finishReason
    }

    /// Trials that ended: completed, failed for good, or pruned.
    package var done: Int { completed + failed + pruned }

    /// One line, for example
    /// `branin  done 12/30  running 4  failed 0  best 0.4123 (#7)  workers 4/4 busy  12.3 trials/s  0:05  ~0:08 left`
    /// (with `+N queued` after the running count while workers hold prefetched trials, `paused N`
    /// after it while trials wait at a rung, `pruned N` after `failed` once a trial was pruned, and
    /// `stopping (REASON)` after the name while a user's stop lets the running trials finish).
    package var line: String {
        var parts = ["\(study)"]
        if let stopping { parts.append("stopping (\(stopping))") }
        parts += ["done \(done)/\(budget)", "running \(running - queued)"]
        if queued > 0 { parts.append("+\(queued) queued") }
        if paused > 0 { parts.append("paused \(paused)") }
        parts.append("failed \(failed)")
        if pruned > 0 { parts.append("pruned \(pruned)") }
        if let bestObjective, let bestTrial {
            parts.append("best \(Self.format(bestObjective)) (\(bestTrial))")
        } else if let paretoFront {
            parts.append("front \(paretoFront)")
        } else {
            parts.append("best -")
        }
        parts.append("workers \(busyWorkers)/\(workers) busy")
        if elapsedSeconds > 0 {
            let rate = Double(done) / elapsedSeconds
            parts.append(
                rate >= 1 ? String(format: "%.1f trials/s", rate) : String(format: "%.0f trials/h", rate * 3600))
        }
        parts.append(Self.formatDuration(elapsedSeconds))
        if finishReason == nil, stopping == nil, done > 0, done < budget {
            // At the pace so far; a study with a wall-time budget may end sooner.
            parts.append("~\(Self.formatDuration(elapsedSeconds / Double(done) * Double(budget - done))) left")
        }
        return parts.joined(separator: "  ")
    }

    /// The closing summary: why it ended, the counts and the best parameters.
    package var summary: String {
        var lines = ["study \(study) finished: \(finishReason ?? "stopped")"]
        let pruning = (pruned > 0 ? ", \(pruned) pruned" : "") + (paused > 0 ? ", \(paused) paused" : "")
        lines.append(
            "  trials: \(completed) completed, \(failed) failed\(pruning), in \(Self.formatDuration(elapsedSeconds))")
        if fromFallback > 0 || staleProposals > 0 {
            lines.append(
                "  search: \(fromFallback) configurations quasi-random (the model had none ready), "
                    + "\(staleProposals) proposed before the latest results (see docs/bayes.md)")
        }
        if let bestTrial, let bestObjective {
            lines.append("  best: trial \(bestTrial) objective \(Self.format(bestObjective))")
            for (name, value) in (bestParameters ?? [:]).sorted(by: { $0.key < $1.key }) {
                lines.append("    \(name) = \(value)")
            }
        } else if let paretoFront {
            lines.append("  front: \(paretoFront) trial\(paretoFront == 1 ? "" : "s") (`hpo status` lists them)")
        } else if completed > 0 {
            // Constraints none of the trials met.
            lines.append("  best: none (no completed trial meets the constraints)")
        } else {
            lines.append("  best: none (no trial completed)")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e6) { return String(format: "%.4g", value) }
        return String(format: "%.6g", value)
    }

    static func formatDuration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
