import HPOCore

/// Conditional parameters in the unit cube: imputation plus an indicator (docs/bayes.md,
/// "Conditional parameters"), and forbidden configurations.
///
/// An inactive parameter's coordinates hold the centre of its range, and its indicator is 0: all
/// configurations where it is inactive agree on it, so the kernel's distance between two of them
/// is that of their active parameters alone, and the indicator (with a length scale of its own)
/// lets the model tell "inactive" from "active at the centre".
extension UnitCubeEncoding {
    /// Sets the coordinates of `slot` to the imputed value and its indicator to 0.
    func impute(_ slot: Slot, into point: inout [Double]) {
        switch slot.kind {
        case .continuous, .cells:
            point[slot.offset] = 0.5
        case .oneHot(let count):
            for i in 0..<count { point[slot.offset + i] = 1 / Double(count) }
        }
        if let indicator = slot.indicator { point[indicator] = 0 }
    }

    /// Imputes the inactive parameters of a snapped point and sets every indicator.
    func imputeInactive(_ point: inout [Double]) {
        let active = space.activeNames(in: decodeAll(point))
        for slot in slots {
            guard let indicator = slot.indicator else { continue }
            if active.contains(slot.spec.name) {
                point[indicator] = 1
            } else {
                impute(slot, into: &point)
            }
        }
    }

    /// Whether the configuration of a (snapped) point may run: no `forbid:` rule matches it.
    func allows(_ point: [Double]) -> Bool {
        space.forbidden.isEmpty || !space.isForbidden(decode(point))
    }

    /// The coordinates local optimisation may move at `point`: the continuous ones of its active
    /// parameters (moving an inactive one changes nothing but the model's input).
    func freeCoordinates(at point: [Double]) -> [Int] {
        guard space.isConditional else { return (0..<dimension).filter { continuousMask[$0] } }
        let active = space.activeNames(in: decodeAll(point))
        return slots.filter { $0.width == 1 && active.contains($0.spec.name) }.map(\.offset)
    }
}
