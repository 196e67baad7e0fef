import Foundation
import HPOJournal

/// A learning-rate range test (`lr-range-test-<i>`): the loss against the learning rate on a log
/// axis, raw as dots and smoothed as a line, the cyclical range (when the test names
/// `cyclical_lower` and `cyclical_upper`) as a band, and the suggested learning rates as labelled
/// vertical lines. The loss axis stops a little above the loss at the start, so the explosion at
/// the end does not squash the interesting part.
///
/// The report draws it inside the page; `hpo lr-find` writes the same drawing as a file
/// (`standaloneSVG`).
package enum LRRangeTestPlot {
    package static func make(
        _ test: LRRangeTestRan, index: Int, title: String? = nil, width: Double = 1080, height: Double = 360
    ) -> Markup? {
        let pairs = zip(test.lrs, test.losses).filter { $0.0 > 0 && $0.0.isFinite && $0.1.isFinite }
        guard pairs.count >= 2 else { return nil }
        let smoothed = zip(test.lrs, test.smoothed).filter { $0.0 > 0 && $0.0.isFinite && $0.1.isFinite }
        let losses = pairs.map(\.1)
        let reference = smoothed.isEmpty ? losses : smoothed.map(\.1)
        let head = reference.prefix(max(1, reference.count / 10))
        let low = min(losses.min() ?? 0, reference.min() ?? 0)
        let startLevel = head.max() ?? low
        let ceiling = min(
            losses.max() ?? startLevel, startLevel + max(0.25 * (startLevel - low), 0.05 * abs(startLevel)))
        let yScale = Scale.linear([low, max(ceiling, low + 1e-9)], padding: 0.04)
        let xScale = Scale.log(pairs.map(\.0), padding: 0.02)
        var defaultTitle = "Learning-rate range test"
        if let trial = test.trial { defaultTitle += " (trial #\(trial))" }
        let frame = PlotFrame(
            id: "lr-range-test-\(index)", width: width, height: height, title: title ?? defaultTitle, x: xScale,
            xLabel: "learning rate (log scale)", y: yScale, yLabel: "loss")

        var marks: [Markup] = []
        if let lower = test.suggestions["cyclical_lower"], let upper = test.suggestions["cyclical_upper"], lower > 0,
            upper > lower
        {
            let left = frame.x.position(lower)
            let right = frame.x.position(upper)
            marks.append(
                Markup(
                    "rect",
                    [
                        ("class", "lr-band"), ("x", px(left)), ("y", px(frame.plotTop)),
                        ("width", px(max(right - left, 1))), ("height", px(frame.plotBottom - frame.plotTop))
                    ]))
        }
        for (lr, loss) in pairs {
            marks.append(
                Markup(
                    "circle",
                    [
                        ("class", "lr-raw"), ("cx", px(frame.x.position(lr))),
                        ("cy", px(frame.y.position(min(loss, yScale.high)))), ("r", "2")
                    ]))
        }
        if smoothed.count >= 2 {
            let points = smoothed.map {
                "\(px(frame.x.position($0.0))),\(px(frame.y.position(min($0.1, yScale.high * 4))))"
            }
            marks.append(Markup("polyline", [("class", "lr-smoothed"), ("points", points.joined(separator: " "))]))
        }
        return frame.svg(
            marks, overlay: markers(test, frame: frame), attributes: [("data-points", String(pairs.count))])
    }

    /// The suggestion (solid) and the other named learning rates (dashed), each a vertical line
    /// with its label near the top of the plot; a label moves down a row when it would overlap
    /// one beside it. Lines first, so that no line crosses a label.
    static func markers(_ test: LRRangeTestRan, frame: PlotFrame) -> [Markup] {
        var markers: [(name: String, lr: Double, main: Bool)] = []
        if let suggestion = test.suggestion { markers.append(("suggestion", suggestion, true)) }
        for (name, lr) in test.suggestions where !(test.suggestion.map { abs($0 - lr) <= 1e-12 * lr } ?? false) {
            markers.append((name.replacingOccurrences(of: "_", with: " "), lr, false))
        }
        markers = markers.filter { $0.lr > 0 && frame.x.contains($0.lr) }.sorted { $0.lr < $1.lr }
        var lines: [Markup] = []
        var labels: [Markup] = []
        var rowEnds: [Double] = []
        for marker in markers {
            let x = frame.x.position(marker.lr)
            lines.append(
                Markup(
                    "line",
                    [
                        ("class", marker.main ? "lr-suggestion" : "lr-marker"), ("x1", px(x)),
                        ("y1", px(frame.plotTop)), ("x2", px(x)), ("y2", px(frame.plotBottom))
                    ]))
            let text = "\(marker.name) \(HumanFormat.number(marker.lr, significant: 2))"
            let width = PlotFrame.textWidth(text) + 8
            let anchor = x > frame.plotRight - width ? "end" : "start"
            let left = anchor == "end" ? x - width : x
            let row = rowEnds.firstIndex { $0 < left } ?? rowEnds.count
            if row == rowEnds.count { rowEnds.append(0) }
            rowEnds[row] = left + width
            labels.append(
                Markup(
                    "text",
                    [
                        ("class", marker.main ? "lr-label main" : "lr-label"),
                        ("x", px(anchor == "end" ? x - 4 : x + 4)),
                        ("y", px(frame.plotTop + 12 + Double(row) * 13)), ("text-anchor", anchor)
                    ], text: text))
        }
        return lines + labels
    }

    /// The plot as a self-contained SVG document, for `hpo lr-find`: its own style (the report's
    /// light colours) on an opaque white background, so it reads the same in every viewer.
    package static func standaloneSVG(_ test: LRRangeTestRan, title: String) -> String? {
        // The title's bold 13 px runs about 7.6 px a character: keep it on the canvas.
        let fitted = title.count > 120 ? title.prefix(119) + "…" : title
        guard var svg = make(test, index: 1, title: String(fitted), width: 960, height: 540) else { return nil }
        // After the accessible <title>: the style, then the background.
        svg.children.insert(.element(Markup("style", text: ReportStyle.standalonePlotCSS)), at: 1)
        svg.children.insert(
            .element(Markup("rect", [("width", "100%"), ("height", "100%"), ("fill", "#ffffff")])), at: 2)
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg.render() + "\n"
    }
}
