import Foundation

/// A Prometheus histogram of durations in seconds with fixed bucket bounds, safe to record into
/// from any thread (one lock, held for a few additions): the coordinator's loop and background
/// threads record, the metrics server's thread reads.
package final class LockedHistogram: @unchecked Sendable {
    /// The upper bounds of the finite buckets, ascending; `+Inf` is implied.
    package let bounds: [Double]
    private let lock = NSLock()
    private var counts: [UInt64]
    private var sum = 0.0
    private var count: UInt64 = 0

    /// Latencies from 100 µs to 10 s: dispatch waits, fsyncs, proposals.
    package static let latencyBounds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
    ]

    package init(bounds: [Double] = LockedHistogram.latencyBounds) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must ascend")
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    /// Records one value. NaN is ignored (it would poison the sum); negatives count as 0.
    package func observe(_ value: Double) {
        guard !value.isNaN else { return }
        let value = max(value, 0)
        // Few buckets: a linear scan beats a binary search's branches.
        let index = bounds.firstIndex { value <= $0 }
        lock.lock()
        if let index { counts[index] += 1 }
        sum += value
        count += 1
        lock.unlock()
    }

    /// A consistent copy: per-bucket (not cumulative) counts, the sum and the total count.
    package func snapshot() -> HistogramSnapshot {
        lock.lock()
        defer { lock.unlock() }
        return HistogramSnapshot(bounds: bounds, counts: counts, sum: sum, count: count)
    }
}

/// A histogram's state at one moment.
package struct HistogramSnapshot: Sendable, Equatable {
    package var bounds: [Double]
    /// Observations per finite bucket, not cumulative; those above the last bound are only in `count`.
    package var counts: [UInt64]
    package var sum: Double
    package var count: UInt64

    package init(bounds: [Double], counts: [UInt64], sum: Double, count: UInt64) {
        self.bounds = bounds
        self.counts = counts
        self.sum = sum
        self.count = count
    }

    /// Cumulative counts per finite bound, as the exposition format wants them.
    package var cumulative: [UInt64] {
        var running: UInt64 = 0
        return counts.map {
            running += $0
            return running
        }
    }
}
