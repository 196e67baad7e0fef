import Foundation
import HPOCore

/// Asynchronous successive halving (Li et al., 2018), as an early-stopping rule: rungs at
/// `min_resource × η^k` (k = 0, 1, …, below `max_resource` when set). When a trial first reports
/// at or past a rung, its value there is recorded, and it continues only if that value is among
/// the best ⌊n/η⌋ of the n values the rung holds now, itself included — at least the best one, so
/// while a rung holds fewer than η values a trial continues only if it is the best there so far
/// (the first to arrive always continues). Ties continue.
///
/// Asynchronous: each trial is judged once per rung, with what is known when it arrives, and
/// never judged again there (a trial that passed a rung early is not stopped later because
/// better ones arrived since). Values are to minimise; `Pruner` flips maximised metrics.
struct ASHARule: Sendable {
    let settings: ASHASettings
    let metric: JudgedMetric
    /// The values recorded at each rung, by trial.
    private(set) var rungs: [[TrialID: Double]] = []
    /// Per trial, the next rung it has not reached yet.
    private var nextRung: [TrialID: Int] = [:]

    init(settings: ASHASettings, metric: JudgedMetric) {
        self.settings = settings
        self.metric = metric
    }

    /// The resource at rung `k`.
    func rung(_ k: Int) -> Double {
        settings.minResource * pow(Double(settings.reductionFactor), Double(k))
    }

    /// Whether rung `k` exists and `resource` has reached it.
    private func reached(_ k: Int, at resource: Double) -> Bool {
        let level = rung(k)
        if let maximum = settings.maxResource, level >= maximum { return false }
        // A relative tolerance, so that 0.1 × 3² counts as reached at 0.9.
        return level <= resource + 1e-9 * max(1, abs(level))
    }

    /// A trial reports `value` with `resource` spent. Its reports must come in increasing
    /// resource (`Pruner` sees to it). Every rung it has newly reached is judged, lowest first;
    /// the first that does not keep it stops it.
    mutating func judge(trial: TrialID, resource: Double, value: Double) -> PruneDecision {
        guard resource.isFinite else { return .continue }
        var k = nextRung[trial, default: 0]
        defer { nextRung[trial] = k }
        while reached(k, at: resource) {
            while rungs.count <= k { rungs.append([:]) }
            rungs[k][trial] = value
            let verdict = keeps(value, at: k)
            k += 1
            if let reason = verdict { return .stop(reason: reason) }
        }
        return .continue
    }

    /// nil when `value` is among the best ⌊n/η⌋ (at least 1) at rung `k`; else the reason.
    private func keeps(_ value: Double, at k: Int) -> String? {
        let values = rungs[k].values.sorted()
        let kept = max(1, values.count / settings.reductionFactor)
        let cutoff = values[kept - 1]
        guard value > cutoff else { return nil }
        let place = "\(settings.resource) \(PrunerText.number(rung(k)))"
        let judged = "\(metric.name) \(metric.show(value)) at \(place)"
        if values.count < settings.reductionFactor {
            return
                """
                asha: \(judged) is not the best of the \(values.count) trials that reached it (best \
                \(metric.show(cutoff)))
                """
        }
        return
            "asha: \(judged) is not in the top 1/\(settings.reductionFactor) of the \(values.count) trials "
            + "that reached it (\(kept) kept, cutoff \(metric.show(cutoff)))"
    }
}
