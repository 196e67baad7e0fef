import Foundation
import HPOCore

/// Asynchronous successive halving (Li et al., 2018): rungs at `min_resource × η^k` (k = 0, 1, …,
/// below `max_resource` when set). When a trial first reports at or past a rung, its value there
/// is recorded and the trial is judged with what the rung holds now, itself included.
///
/// - `mode: stop` (early stopping): it continues only if its value is among the best ⌊n/η⌋ of the
///   n values — at least the best one, so while a rung holds fewer than η values a trial continues
///   only if it is the best there so far (the first to arrive always continues). Ties continue.
/// - `mode: promote` (the promotion form, Li et al., 2020): it continues at once only if it is
///   among the best ⌊n/η⌋ (no minimum: the first trials at a rung wait); otherwise it is paused
///   there once a checkpoint at or past that report's step is durable (`checkpointDurable`), and
///   resumed when `promotion` picks it. A trial that reaches the next rung (or `max_resource`)
///   before such a checkpoint cannot be paused: it is judged at the rung by the stop form.
///
/// Asynchronous: each trial is judged once per rung, with what is known when it arrives, and
/// never judged again there (in the stop form a trial that passed a rung early is not stopped
/// later because better ones arrived since). Values are to minimise; `Pruner` flips maximised
/// metrics.
struct ASHARule: Sendable {
    let settings: ASHASettings
    let metric: JudgedMetric
    /// The values recorded at each rung, by trial.
    private(set) var rungs: [[TrialID: Double]] = []
    /// Per trial, the next rung it has not reached yet.
    private var nextRung: [TrialID: Int] = [:]
    /// Promote form: the trials that went on past each rung (at once, or promoted later).
    private(set) var promoted: [Set<TrialID>] = []
    /// Promote form: trials to pause at `rung` once a checkpoint at `step` or later is durable.
    private(set) var pausing: [TrialID: (rung: Int, step: Int)] = [:]

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
        return Self.atLeast(resource, level)
    }

    /// `resource ≥ level`, with a relative tolerance, so that 0.1 × 3² counts as reached at 0.9.
    private static func atLeast(_ resource: Double, _ level: Double) -> Bool {
        level <= resource + 1e-9 * max(1, abs(level))
    }

    /// A trial reports `value` with `resource` spent at `step`. Its reports must come in
    /// increasing resource (`Pruner` sees to it). Every rung it has newly reached is judged,
    /// lowest first; the first that does not keep it stops (or, promote form, pauses) it.
    mutating func judge(trial: TrialID, step: Int, resource: Double, value: Double) -> PruneDecision {
        guard resource.isFinite else { return .continue }
        if let pending = pausing[trial] {
            // Still waiting for its checkpoint, unless it has gone so far that it plainly cannot
            // be paused at that rung: then the stop form judges it there.
            let deadline = min(rung(pending.rung + 1), settings.maxResource ?? .infinity)
            guard Self.atLeast(resource, deadline) else { return .continue }
            pausing[trial] = nil
            let value = rungs[pending.rung][trial] ?? value
            if let reason = keeps(value, at: pending.rung) {
                return .stop(reason: reason + "; \(notCheckpointed(pending.step, deadline))")
            }
            promoted[pending.rung].insert(trial)
        }
        var k = nextRung[trial, default: 0]
        defer { nextRung[trial] = k }
        while reached(k, at: resource) {
            while rungs.count <= k {
                rungs.append([:])
                promoted.append([])
            }
            rungs[k][trial] = value
            let rungIndex = k
            k += 1
            if settings.mode == .promote {
                if isPromotable(trial, at: rungIndex) {
                    promoted[rungIndex].insert(trial)
                    continue
                }
                pausing[trial] = (rungIndex, step)
                return .pause(rung: rungIndex, reason: pauseReason(value, at: rungIndex))
            }
            if let reason = keeps(value, at: rungIndex) { return .stop(reason: reason) }
        }
        return .continue
    }

    /// Promote form: a checkpoint of `trial` at `step` is durable. Returns the rung to pause it
    /// at when it was waiting for one at or before that step.
    mutating func checkpointDurable(trial: TrialID, step: Int) -> Int? {
        guard let pending = pausing[trial], step >= pending.step else { return nil }
        pausing[trial] = nil
        return pending.rung
    }

    /// Promote form: the paused trial to resume next, and the rung it is promoted from: from the
    /// highest rung down, the best of the trials in the top ⌊n/η⌋ of their rung that are not
    /// promoted from it yet and `isPaused` (ties: the lower trial number). `final`: no new trial
    /// will reach any rung (the budget's trials all exist), so the top is at least the best one,
    /// as in the stop form: a finite budget does not strand the rungs that hold fewer than η.
    func promotion(isPaused: (TrialID) -> Bool, final: Bool = false) -> (trial: TrialID, rung: Int)? {
        for k in rungs.indices.reversed() {
            guard let cutoff = cutoff(at: k, atLeastOne: final) else { continue }
            let candidates = rungs[k].filter { $0.value <= cutoff && !promoted[k].contains($0.key) && isPaused($0.key) }
            if let best = candidates.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) { return (best.key, k) }
        }
        return nil
    }

    /// Promote form: `trial` goes on past rung `k`.
    mutating func promote(_ trial: TrialID, from k: Int) {
        guard promoted.indices.contains(k) else { return }
        promoted[k].insert(trial)
        pausing[trial] = nil
    }

    /// The worst value among the best ⌊n/η⌋ (with `atLeastOne`, at least 1) at rung `k` (nil
    /// while that is 0): the promote form's cutoff, ties included.
    private func cutoff(at k: Int, atLeastOne: Bool = false) -> Double? {
        let values = rungs[k].values.sorted()
        guard !values.isEmpty else { return nil }
        let kept = max(values.count / settings.reductionFactor, atLeastOne ? 1 : 0)
        return kept > 0 ? values[kept - 1] : nil
    }

    private func isPromotable(_ trial: TrialID, at k: Int) -> Bool {
        guard let value = rungs[k][trial], let cutoff = cutoff(at: k) else { return false }
        return value <= cutoff
    }

    private func place(_ k: Int) -> String { "\(settings.resource) \(PrunerText.number(rung(k)))" }

    private func pauseReason(_ value: Double, at k: Int) -> String {
        let n = rungs[k].count
        let kept = n / settings.reductionFactor
        let judged = "\(metric.name) \(metric.show(value)) at \(place(k)) (rung \(k))"
        guard kept > 0, let cutoff = cutoff(at: k) else {
            let eta = settings.reductionFactor
            return "asha: \(judged): \(n) of the \(eta) trials a rung needs before it promotes its best 1/\(eta) "
                + "reached it"
        }
        return "asha: \(judged) is not in the top 1/\(settings.reductionFactor) of the \(n) trials that reached it "
            + "(\(kept) promoted, cutoff \(metric.show(cutoff)))"
    }

    private func notCheckpointed(_ step: Int, _ deadline: Double) -> String {
        "not paused: no checkpoint at or past step \(step) before \(settings.resource) \(PrunerText.number(deadline))"
    }

    /// nil when `value` is among the best ⌊n/η⌋ (at least 1) at rung `k`; else the reason.
    private func keeps(_ value: Double, at k: Int) -> String? {
        let values = rungs[k].values.sorted()
        let kept = max(1, values.count / settings.reductionFactor)
        let cutoff = values[kept - 1]
        guard value > cutoff else { return nil }
        let judged = "\(metric.name) \(metric.show(value)) at \(place(k))"
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
