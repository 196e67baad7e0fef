import Foundation
import HPOCore

/// The search space as the unit cube the Gaussian process works in.
///
/// - float: one coordinate, linear in the value (in its logarithm with `log: true`);
/// - int: one coordinate; a value is encoded at the centre of its cell, and any coordinate decodes
///   to the cell it falls in (so the integer grid is a partition of [0, 1], in log space if `log`);
/// - choice of numbers listed in increasing or decreasing order: one ordinal coordinate, cells like
///   an int;
/// - any other choice: one-hot, one coordinate per value, decoded by the largest coordinate.
///
/// `snap` moves any point of the cube to the encoding of the configuration it decodes to, so the
/// model only ever scores valid configurations, and duplicates are exact.
///
/// A conditional parameter (`when:`) has one more coordinate, at the end of the point: 1 when it
/// is active, 0 when not; when not, its own coordinates hold a fixed value, the centre of its
/// range (for a one-hot block, 1/k in each). See UnitCubeEncoding+Conditions.swift and
/// docs/bayes.md, "Conditional parameters".
struct UnitCubeEncoding: Sendable {
    enum Kind: Sendable, Equatable {
        case continuous
        case cells(count: Int)
        case oneHot(count: Int)
    }

    struct Slot: Sendable {
        var spec: ParameterSpec
        var kind: Kind
        /// The first coordinate of this parameter.
        var offset: Int
        /// The coordinate of the activity indicator of a conditional parameter.
        var indicator: Int? = nil
        var width: Int { if case .oneHot(let count) = kind { count } else { 1 } }
    }

    let space: SearchSpace
    let slots: [Slot]
    /// The number of coordinates.
    let dimension: Int
    /// Whether each coordinate may move continuously in local optimisation (not one-hot).
    let continuousMask: [Bool]

    init(space: SearchSpace) {
        self.space = space
        var slots: [Slot] = []
        var offset = 0
        for spec in space.parameters {
            let kind: Kind
            switch spec.domain {
            case .float: kind = .continuous
            case .int(let low, let high, _): kind = .cells(count: high - low + 1)
            case .choice(let values):
                kind = Self.isOrdered(values) ? .cells(count: values.count) : .oneHot(count: values.count)
            }
            let slot = Slot(spec: spec, kind: kind, offset: offset)
            slots.append(slot)
            offset += slot.width
        }
        for index in slots.indices where !slots[index].spec.when.isEmpty {
            slots[index].indicator = offset
            offset += 1
        }
        self.slots = slots
        dimension = offset
        continuousMask =
            slots.flatMap { slot in [Bool](repeating: slot.width == 1, count: slot.width) }
            + [Bool](repeating: false, count: slots.count { $0.indicator != nil })
    }

    /// Numeric values in strictly increasing or decreasing order (at least three) are ordinal.
    static func isOrdered(_ values: [ParameterValue]) -> Bool {
        let numbers = values.compactMap(\.doubleValue)
        guard numbers.count == values.count, numbers.count >= 3 else { return false }
        let steps = zip(numbers, numbers.dropFirst()).map { $1 - $0 }
        return steps.allSatisfy { $0 > 0 } || steps.allSatisfy { $0 < 0 }
    }

    /// The point of the cube for a configuration (values missing or out of range are clamped).
    func encode(_ configuration: Parameters) -> [Double] {
        var point = [Double](repeating: 0, count: dimension)
        for slot in slots {
            if slot.indicator != nil, configuration[slot.spec.name] == nil {
                impute(slot, into: &point)
            } else {
                encode(configuration[slot.spec.name], slot: slot, into: &point)
                if let indicator = slot.indicator { point[indicator] = 1 }
            }
        }
        return point
    }

    func encode(_ value: ParameterValue?, slot: Slot, into point: inout [Double]) {
        switch slot.spec.domain {
        case .float(let low, let high, let log):
            let x = min(max(value?.doubleValue ?? low, low), high)
            point[slot.offset] = log ? Foundation.log(x / low) / Foundation.log(high / low) : (x - low) / (high - low)
        case .int(let low, let high, let log):
            let v = Double(min(max(Int((value?.doubleValue ?? Double(low)).rounded()), low), high))
            if log {
                let a = Foundation.log(Double(low))
                let b = Foundation.log(Double(high) + 1)
                let centre = 0.5 * (Foundation.log(v) + Foundation.log(v + 1))
                point[slot.offset] = (centre - a) / (b - a)
            } else {
                point[slot.offset] = (v - Double(low) + 0.5) / Double(high - low + 1)
            }
        case .choice(let values):
            let index = value.flatMap { values.firstIndex(of: $0) } ?? 0
            if case .oneHot = slot.kind {
                point[slot.offset + index] = 1
            } else {
                point[slot.offset] = (Double(index) + 0.5) / Double(values.count)
            }
        }
    }

    /// The configuration a point of the cube stands for: always a valid one, with its active
    /// parameters only.
    func decode(_ point: [Double]) -> Parameters {
        space.activeOnly(decodeAll(point))
    }

    /// A value for every parameter, active or not.
    func decodeAll(_ point: [Double]) -> Parameters {
        var configuration = Parameters()
        for slot in slots {
            if case .oneHot = slot.kind, case .choice(let values) = slot.spec.domain {
                configuration[slot.spec.name] = values[argmax(point, slot)]
            } else {
                configuration[slot.spec.name] = slot.spec.value(atUnit: point[slot.offset])
            }
        }
        return configuration
    }

    /// The encoding of the configuration `point` decodes to.
    func snap(_ point: [Double]) -> [Double] {
        var snapped = point
        for slot in slots {
            switch slot.kind {
            case .continuous:
                snapped[slot.offset] = min(max(point[slot.offset], 0), 1)
            case .cells(let count):
                let cell = min(max(Int(point[slot.offset] * Double(count)), 0), count - 1)
                if case .int(_, _, true) = slot.spec.domain {
                    // Log cells are not of equal width: go through the value.
                    encode(slot.spec.value(atUnit: point[slot.offset]), slot: slot, into: &snapped)
                } else {
                    snapped[slot.offset] = (Double(cell) + 0.5) / Double(count)
                }
            case .oneHot(let count):
                let best = argmax(point, slot)
                for i in 0..<count { snapped[slot.offset + i] = i == best ? 1 : 0 }
            }
        }
        if space.isConditional { imputeInactive(&snapped) }
        return snapped
    }

    func argmax(_ point: [Double], _ slot: Slot) -> Int {
        var best = 0
        for i in 1..<slot.width where point[slot.offset + i] > point[slot.offset + best] { best = i }
        return best
    }

    /// A point of the cube for a point of the parameter cube (one coordinate per parameter, as
    /// `SearchSpace.configuration(atUnit:)` reads it): the design's points become encodings.
    func encode(parameterUnit u: [Double]) -> [Double] {
        encode(space.configuration(atUnit: u))
    }
}
