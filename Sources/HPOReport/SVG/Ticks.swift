import Foundation

/// A tick on an axis: where, and its label (empty for a minor tick).
package struct Tick: Hashable, Sendable {
    package var value: Double
    package var label: String
    package var isMajor: Bool { !label.isEmpty }
}

extension Scale {
    /// Ticks at "nice" values: 1, 2 or 5 times a power of ten for a linear scale (at most about
    /// `maxCount`), powers of ten for a log scale (with 2 and 5 between them on short spans, and
    /// unlabelled minor ticks), and every category (thinned to `maxCount`) on a categorical scale.
    package func ticks(maxCount: Int) -> [Tick] {
        let count = max(2, maxCount)
        switch kind {
        case .linear:
            return Self.linearTicks(
                low: min(low, high), high: max(low, high), maxCount: count, minimumStep: integerTicks ? 1 : 0)
        case .log: return Self.logTicks(low: min(low, high), high: max(low, high), maxCount: count)
        case .categorical(let categories):
            let stride = max(1, Int((Double(categories.count) / Double(count)).rounded(.up)))
            return categories.enumerated().map { index, name in
                Tick(value: Double(index), label: index % stride == 0 ? name : "")
            }
        }
    }

    /// The step of nice linear ticks: the smallest of 1, 2, 5 × 10^k giving at most `maxCount` ticks.
    static func niceStep(span: Double, maxCount: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let rough = span / Double(max(1, maxCount - 1))
        let power = pow(10, floor(log10(rough)))
        for multiple in [1.0, 2, 5, 10] where multiple * power >= rough * (1 - 1e-9) {
            return multiple * power
        }
        return 10 * power
    }

    static func linearTicks(low: Double, high: Double, maxCount: Int, minimumStep: Double = 0) -> [Tick] {
        let step = max(niceStep(span: high - low, maxCount: maxCount), minimumStep)
        let first = (low / step).rounded(.up)
        let last = (high / step).rounded(.down)
        guard first <= last, last - first < 1000 else { return [] }
        let values = stride(from: first, through: last, by: 1).map { $0 * step }
        let labels = linearLabels(values, step: step)
        return zip(values, labels).map { Tick(value: $0 == 0 ? 0 : $0, label: $1) }
    }

    /// Labels with as many decimals as the step needs (`0.05` → two), or scientific notation when
    /// the numbers are very small or very large.
    static func linearLabels(_ values: [Double], step: Double) -> [String] {
        let largest = values.map(abs).max() ?? 0
        if largest >= 1e5 || (step < 1e-3 && largest < 1e-2) {
            let stepDigits = max(1, Int(floor(log10(max(largest, step)))) - Int(floor(log10(step))) + 1)
            return values.map {
                abs($0) < step * 1e-6 ? "0" : HumanFormat.scientific($0, significant: min(stepDigits, 4))
            }
        }
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        return values.map { value in
            let v = abs(value) < step * 1e-6 ? 0 : value
            return HumanFormat.grouped(String(format: "%.\(decimals)f", v))
        }
    }

    static func logTicks(low: Double, high: Double, maxCount: Int) -> [Tick] {
        let lowDecade = Int(floor(log10(low) + 1e-9))
        let highDecade = Int(ceil(log10(high) - 1e-9))
        let inRange = { (v: Double) in v >= low * (1 - 1e-9) && v <= high * (1 + 1e-9) }
        let powers = (lowDecade...highDecade).map { pow(10, Double($0)) }.filter(inRange)
        var ticks: [Tick] = []
        if powers.count >= 2 {
            let stride = max(1, Int((Double(powers.count) / Double(maxCount)).rounded(.up)))
            let firstDecade = Int(log10(powers[0]).rounded())
            // Few decades in view: 2 and 5 times the powers are labelled too.
            let labelTwosAndFives = powers.count * 3 <= maxCount
            for decade in lowDecade...highDecade {
                let base = pow(10, Double(decade))
                if inRange(base) {
                    let labelled = (decade - firstDecade) % stride == 0
                    ticks.append(Tick(value: base, label: labelled ? HumanFormat.number(base) : ""))
                }
                if highDecade - lowDecade <= 8 {
                    for m in 2...9 where inRange(Double(m) * base) {
                        let v = Double(m) * base
                        let labelled = labelTwosAndFives && (m == 2 || m == 5)
                        ticks.append(Tick(value: v, label: labelled ? HumanFormat.number(v, significant: 2) : ""))
                    }
                }
            }
            return ticks
        }
        // Less than two decades in view: 1, 2 and 5 times the powers of ten, all labelled.
        for decade in lowDecade...highDecade {
            for m in [1.0, 2, 5] where inRange(m * pow(10, Double(decade))) {
                let v = m * pow(10, Double(decade))
                ticks.append(Tick(value: v, label: HumanFormat.number(v, significant: 2)))
            }
        }
        if ticks.count >= 2 && ticks.count <= maxCount { return ticks }
        // Still too few (or too many): plain nice ticks within the range.
        return linearTicks(low: low, high: high, maxCount: maxCount).filter { $0.value > 0 }
    }
}
