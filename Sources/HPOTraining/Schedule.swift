/// How the learning rate (and, for one-cycle with SGD, the momentum) moves during training.
package enum ScheduleKind: String, Sendable, CaseIterable {
    /// `learning_rate` throughout.
    case constant
    /// Cyclical learning rates (Smith 2017, "triangular"): linearly from `lr_min` up to
    /// `learning_rate` and back, every `cycle_epochs` epochs.
    case triangular
    /// The 1cycle policy (Smith 2018): one cycle over the whole run, linearly from `lr_min` up to
    /// `learning_rate` in the first 45% of the steps, back down to `lr_min` in the next 45%, then
    /// down to `lr_min / 100` in the last 10% ("annihilation"). With SGD and `cycle_momentum`,
    /// momentum moves the opposite way: from `momentum` down to `momentum − 0.1` and back.
    case oneCycle = "one-cycle"
}

/// The learning rate and momentum at each optimisation step (mini-batch), from 0.
struct Schedule {
    let kind: ScheduleKind
    let maxRate: Double
    let minRate: Double
    /// Steps in one triangular cycle (up and down).
    let cycleSteps: Int
    let totalSteps: Int
    let momentum: Double
    /// The momentum at the peak of a one-cycle when momentum cycles; `momentum` otherwise.
    let lowMomentum: Double

    func at(step: Int) -> (lr: Double, momentum: Double) {
        switch kind {
        case .constant:
            return (maxRate, momentum)
        case .triangular:
            let half = Double(max(cycleSteps, 2)) / 2
            let position = Double(step).truncatingRemainder(dividingBy: 2 * half) / half  // 0…2
            let height = 1 - abs(position - 1)  // 0 at the ends of a cycle, 1 in its middle
            return (minRate + (maxRate - minRate) * height, momentum)
        case .oneCycle:
            let t = Double(step) / Double(max(totalSteps - 1, 1))  // 0…1
            let (up, down) = (0.45, 0.9)
            if t < up {
                let f = t / up
                return (minRate + (maxRate - minRate) * f, momentum - (momentum - lowMomentum) * f)
            } else if t < down {
                let f = (t - up) / (down - up)
                return (maxRate - (maxRate - minRate) * f, lowMomentum + (momentum - lowMomentum) * f)
            } else {
                let f = (t - down) / (1 - down)
                return (minRate - (minRate - minRate / 100) * f, momentum)
            }
        }
    }
}
