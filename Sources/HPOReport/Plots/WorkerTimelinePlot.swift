import Foundation
import HPOCore

/// Which worker ran which attempt when (`worker-timeline`): one row per worker (a lane per slot it
/// used at once), a bar per attempt from its dispatch to its outcome, coloured by outcome (pruned
/// attempts have their own colour and say at which step they stopped), over a
/// thin line for the time the worker was connected. Gaps in a row are idle time; shaded bands are
/// times the coordinator was down between runs.
package enum WorkerTimelinePlot {
    package static func make(_ context: PlotContext, width: Double = 1080) -> Markup? {
        let history = context.history
        let attempts = history.attempts
        guard !attempts.isEmpty, !history.workers.isEmpty else { return nil }
        let start = history.startTime
        let span = max(history.asOf - start, 1e-3)
        let unit = PlotContext.timeUnit(span: span)
        let workerIDs = history.workers.map(\.id)
        let lanes = assignLanes(attempts, workers: workerIDs, asOf: history.asOf)
        let laneCounts = workerIDs.map { id in (lanes.filter { $0.worker == id }.map(\.lane).max() ?? 0) + 1 }
        // Rows are equally spaced bands; a worker with more lanes gets thinner bars.
        let rowHeight = max(24, 6 + 9 * Double(laneCounts.max() ?? 1))
        let height = 34 + 46 + rowHeight * Double(workerIDs.count) + 6
        let names = workerIDs.map { PlotFrame.truncate($0.rawValue, toWidth: 170) }
        let frame = PlotFrame(
            id: "worker-timeline", width: width, height: height,
            title: "Worker timeline: \(attempts.count) attempts on \(workerIDs.count) workers",
            x: .linear([0, span / unit.seconds], padding: 0.01), xLabel: "wall time since start (\(unit.name))",
            // Categories run bottom-up; reversed, the first worker is the top row.
            y: .categorical(names.reversed()), yLabel: "")

        /// The top of a worker's row (rows run from the top, in order of first appearance).
        func rowTop(_ index: Int) -> Double {
            frame.plotTop + (frame.plotBottom - frame.plotTop) * Double(index) / Double(workerIDs.count)
        }
        let band = (frame.plotBottom - frame.plotTop) / Double(workerIDs.count)
        let x = { (time: Double) in frame.x.position((time - start) / unit.seconds) }

        var marks: [Markup] = []
        for (gapStart, gapEnd) in zip(
            history.runs.dropLast().map(\.upperBound), history.runs.dropFirst().map(\.lowerBound))
        {
            marks.append(
                Markup(
                    "rect",
                    [
                        ("class", "downtime"), ("x", px(x(gapStart))), ("y", px(frame.plotTop)),
                        ("width", px(max(1, x(gapEnd) - x(gapStart)))), ("height", px(frame.plotBottom - frame.plotTop))
                    ],
                    [.element(Markup("title", text: "coordinator down"))]))
        }
        for (index, worker) in history.workers.enumerated() {
            let middle = rowTop(index) + band / 2
            for connection in worker.connections {
                marks.append(
                    Markup(
                        "line",
                        [
                            ("class", "conn"), ("x1", px(x(connection.joined))), ("y1", px(middle)),
                            ("x2", px(x(connection.left ?? history.asOf))), ("y2", px(middle))
                        ]))
            }
        }
        let rowIndex = Dictionary(uniqueKeysWithValues: workerIDs.enumerated().map { ($1, $0) })
        for placed in lanes {
            guard let row = rowIndex[placed.worker] else { continue }
            let attempt = placed.attempt
            let laneCount = Double(laneCounts[row])
            let inner = band - 6
            let laneHeight = inner / laneCount
            let y = rowTop(row) + 3 + laneHeight * Double(placed.lane)
            let x0 = x(attempt.started)
            let x1 = x(attempt.ended ?? history.asOf)
            var text =
                "trial \(attempt.trial) attempt \(attempt.attempt) on \(attempt.worker): \(attempt.outcome.rawValue)"
            if let step = attempt.stopStep { text += " at step \(step)" }
            text += ", \(HumanFormat.duration((attempt.ended ?? history.asOf) - attempt.started))"
            if let reason = attempt.reason { text += " (\(reason))" }
            marks.append(
                Markup(
                    "rect",
                    [
                        ("class", "bar outcome-\(attempt.outcome.rawValue)"),
                        ("data-trial", String(attempt.trial.rawValue)),
                        ("x", px(x0)), ("y", px(y)), ("width", px(max(1.2, x1 - x0))),
                        ("height", px(max(1, laneHeight - 1)))
                    ], [.element(Markup("title", text: text))]))
        }
        return frame.svg(marks, attributes: [("data-bars", String(attempts.count))])
    }

    /// An attempt placed in a lane of its worker's row.
    struct Placed {
        var attempt: AttemptRecord
        var worker: WorkerID
        var lane: Int
    }

    /// Puts each attempt in the first lane of its worker that is free when it starts (a trial
    /// queued on its worker starts when the one ahead of it ends, not when it was dispatched).
    static func assignLanes(_ attempts: [AttemptRecord], workers: [WorkerID], asOf: Double) -> [Placed] {
        var laneEnds: [WorkerID: [Double]] = [:]
        var placed: [Placed] = []
        for attempt in attempts.sorted(by: { ($0.started, $0.trial, $0.attempt) < ($1.started, $1.trial, $1.attempt) })
        {
            var ends = laneEnds[attempt.worker] ?? []
            let end = attempt.ended ?? asOf
            if let lane = ends.firstIndex(where: { $0 <= attempt.started + 1e-6 }) {
                ends[lane] = end
                placed.append(Placed(attempt: attempt, worker: attempt.worker, lane: lane))
            } else {
                ends.append(end)
                placed.append(Placed(attempt: attempt, worker: attempt.worker, lane: ends.count - 1))
            }
            laneEnds[attempt.worker] = ends
        }
        return placed
    }
}
