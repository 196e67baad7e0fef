import Foundation
import HPOJournal

/// A learning-rate range test (`lr-range-test-<i>`): the loss against the learning rate on a log
/// axis, raw as dots and smoothed as a line, with the suggested learning rates as labelled
/// vertical lines. The loss axis stops a little above the loss at the start, so the explosion at
/// the end does not squash the interesting part.
public enum LRRangeTestPlot {
    public static func make(_ test: LRRangeTestRan, index: Int, width: Double = 1080, height: Double = 360) -> Markup? {
        let pairs = zip(test.lrs, test.losses).filter { $0.0 > 0 && $0.0.isFinite && $0.1.isFinite }
        guard pairs.count >= 2 else { return nil }
        let smoothed = zip(test.lrs, test.smoothed).filter { $0.0 > 0 && $0.0.isFinite && $0.1.isFinite }
        let losses = pairs.map(\.1)
        let reference = smoothed.isEmpty ? losses : smoothed.map(\.1)
        let head = reference.prefix(max(1, reference.count / 10))
        let low = min(losses.min() ?? 0, reference.min() ?? 0)
        let startLevel = head.max() ?? low
        let ceiling = min(losses.max() ?? startLevel, startLevel + max(0.25 * (startLevel - low), 0.05 * abs(startLevel)))
        let yScale = Scale.linear([low, max(ceiling, low + 1e-9)], padding: 0.04)
        let xScale = Scale.log(pairs.map(\.0), padding: 0.02)
        var title = "Learning-rate range test"
        if let trial = test.trial { title += " (trial #\(trial))" }
        let frame = PlotFrame(
            id: "lr-range-test-\(index)", width: width, height: height, title: title, x: xScale,
            xLabel: "learning rate (log scale)", y: yScale, yLabel: "loss")

        var marks: [Markup] = []
        for (lr, loss) in pairs {
            marks.append(Markup("circle", [("class", "lr-raw"), ("cx", px(frame.x.position(lr))),
                                           ("cy", px(frame.y.position(min(loss, yScale.high)))), ("r", "2")]))
        }
        if smoothed.count >= 2 {
            let points = smoothed.map { "\(px(frame.x.position($0.0))),\(px(frame.y.position(min($0.1, yScale.high * 4))))" }
            marks.append(Markup("polyline", [("class", "lr-smoothed"), ("points", points.joined(separator: " "))]))
        }
        var overlay: [Markup] = []
        var markers: [(name: String, lr: Double, main: Bool)] = []
        if let suggestion = test.suggestion { markers.append(("suggestion", suggestion, true)) }
        for (name, lr) in test.suggestions.sorted(by: { $0.value < $1.value })
        where !(test.suggestion.map { abs($0 - lr) <= 1e-12 * lr } ?? false) {
            markers.append((name.replacingOccurrences(of: "_", with: " "), lr, false))
        }
        // Labels take turns on four rows so that neighbours do not overlap.
        for (i, marker) in markers.enumerated() where marker.lr > 0 && xScale.contains(marker.lr) {
            let x = frame.x.position(marker.lr)
            overlay.append(Markup("line", [("class", marker.main ? "lr-suggestion" : "lr-marker"), ("x1", px(x)),
                                           ("y1", px(frame.plotTop)), ("x2", px(x)), ("y2", px(frame.plotBottom))]))
            let y = frame.plotTop + 12 + Double(i % 4) * 13
            let anchor = x > frame.plotRight - 140 ? "end" : "start"
            let dx = anchor == "end" ? -4.0 : 4.0
            overlay.append(Markup("text", [("class", marker.main ? "lr-label main" : "lr-label"), ("x", px(x + dx)),
                                           ("y", px(y)), ("text-anchor", anchor)],
                                  text: "\(marker.name) \(HumanFormat.number(marker.lr, significant: 2))"))
        }
        return frame.svg(marks, overlay: overlay, attributes: [("data-points", String(pairs.count))])
    }
}
