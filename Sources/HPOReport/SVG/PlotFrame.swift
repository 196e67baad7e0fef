import Foundation

/// The frame of one x–y plot: its size, margins sized to the tick labels, the two scales placed on
/// the plotting area, gridlines, ticks, axis labels and a title. Plots add their marks inside.
///
/// Every SVG it makes carries `data-plot="<id>"` (and `id="<id>"`), which the tests look for.
package struct PlotFrame: Sendable {
    package var id: String
    package var width: Double
    package var height: Double
    package var title: String
    package var xLabel: String
    package var yLabel: String
    /// The scales, placed on the plotting area.
    package private(set) var x: Scale
    package private(set) var y: Scale
    package private(set) var xTicks: [Tick]
    package private(set) var yTicks: [Tick]
    package let top: Double
    package let bottom: Double
    package let left: Double
    package let right: Double

    /// Font sizes (px) and the width of an average character, to size margins and avoid overlaps.
    static let tickFont = 11.0
    static let charWidth = 6.4

    package init(
        id: String, width: Double, height: Double, title: String, x: Scale, xLabel: String, y: Scale, yLabel: String,
        rightMargin: Double = 18
    ) {
        self.id = id
        self.width = width
        self.height = height
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        top = title.isEmpty ? 12 : 34
        bottom = xLabel.isEmpty ? 26 : 46
        right = rightMargin
        let plotHeight = height - top - bottom
        yTicks = y.ticks(maxCount: max(2, Int(plotHeight / 34)))
        let widest = yTicks.map { Self.textWidth($0.label) }.max() ?? 0
        left = (yLabel.isEmpty ? 8 : 26) + widest + 8
        self.y = y.placed(from: height - bottom, to: top)
        let xScale = x.placed(from: left, to: width - right)
        self.x = xScale
        xTicks = Self.fittingTicks(xScale, length: width - right - left)
    }

    package var plotLeft: Double { left }
    package var plotRight: Double { width - right }
    package var plotTop: Double { top }
    package var plotBottom: Double { height - bottom }

    /// Estimated width of `text` in tick-label font.
    static func textWidth(_ text: String) -> Double { Double(text.count) * charWidth }

    /// As many x ticks as fit without their labels touching.
    static func fittingTicks(_ scale: Scale, length: Double) -> [Tick] {
        var count = max(2, Int(length / 48))
        while true {
            let ticks = scale.ticks(maxCount: count)
            let labelled = ticks.filter(\.isMajor)
            let positions = labelled.map { scale.position($0.value) }
            var fits = true
            for i in labelled.indices.dropFirst() {
                let gap = positions[i] - positions[i - 1]
                let needed = (textWidth(labelled[i].label) + textWidth(labelled[i - 1].label)) / 2 + 8
                if abs(gap) < needed { fits = false }
            }
            if fits || count <= 2 { return ticks }
            count -= 1
        }
    }

    /// Gridlines, axes, ticks with labels, axis titles and the plot title.
    package func background() -> Markup {
        var group = Markup("g", [("class", "frame")])
        group.append(
            Markup(
                "rect",
                [
                    ("class", "plot-bg"), ("x", px(plotLeft)), ("y", px(plotTop)),
                    ("width", px(plotRight - plotLeft)), ("height", px(plotBottom - plotTop))
                ]))
        var grid = Markup("g", [("class", "grid")])
        var labels = Markup("g", [("class", "tick-labels")])
        for tick in yTicks where y.contains(tick.value) {
            let py = y.position(tick.value)
            grid.append(line(plotLeft, py, plotRight, py, tick.isMajor ? "major" : "minor"))
            if tick.isMajor {
                labels.append(
                    Markup(
                        "text", [("x", px(plotLeft - 6)), ("y", px(py + 3.5)), ("text-anchor", "end")], text: tick.label
                    ))
            }
        }
        let categorical = if case .categorical = x.kind { true } else { false }
        for tick in xTicks where x.contains(tick.value) {
            let tx = x.position(tick.value)
            if !categorical { grid.append(line(tx, plotTop, tx, plotBottom, tick.isMajor ? "major" : "minor")) }
            if tick.isMajor {
                grid.append(line(tx, plotBottom, tx, plotBottom + 4, "tick"))
                var label = tick.label
                if categorical {
                    label = Self.truncate(label, toWidth: max(x.bandWidth - 4, Self.charWidth * 3))
                }
                labels.append(
                    Markup("text", [("x", px(tx)), ("y", px(plotBottom + 16)), ("text-anchor", "middle")], text: label))
            }
        }
        group.append(grid)
        group.append(
            Markup(
                "path", [("class", "axis"), ("d", "M\(px(plotLeft)),\(px(plotTop))V\(px(plotBottom))H\(px(plotRight))")]
            ))
        group.append(labels)
        if !xLabel.isEmpty {
            group.append(
                Markup(
                    "text",
                    [
                        ("class", "axis-label"), ("x", px((plotLeft + plotRight) / 2)), ("y", px(height - 8)),
                        ("text-anchor", "middle")
                    ], text: xLabel))
        }
        if !yLabel.isEmpty {
            let cy = (plotTop + plotBottom) / 2
            group.append(
                Markup(
                    "text",
                    [
                        ("class", "axis-label"), ("x", "14"), ("y", px(cy)), ("text-anchor", "middle"),
                        ("transform", "rotate(-90 14 \(px(cy)))")
                    ], text: yLabel))
        }
        if !title.isEmpty {
            group.append(Markup("text", [("class", "plot-title"), ("x", px(plotLeft)), ("y", "20")], text: title))
        }
        return group
    }

    /// The whole SVG: background, then `marks` clipped to the plotting area, then `overlay`
    /// (unclipped: annotations that may reach into the margins).
    package func svg(_ marks: [Markup], overlay: [Markup] = [], attributes: [(String, String)] = []) -> Markup {
        let clip = "clip-\(id)"
        var svg = Self.root(id: id, width: width, height: height, title: title, attributes: attributes)
        svg.append(
            Markup(
                "defs", [],
                [
                    .element(
                        Markup(
                            "clipPath", [("id", clip)],
                            [
                                .element(
                                    Markup(
                                        "rect",
                                        [
                                            ("x", px(plotLeft - 6)), ("y", px(plotTop - 6)),
                                            ("width", px(plotRight - plotLeft + 12)),
                                            ("height", px(plotBottom - plotTop + 12))
                                        ]))
                            ]))
                ]))
        svg.append(background())
        svg.append(Markup("g", [("class", "marks"), ("clip-path", "url(#\(clip))")], marks.map { .element($0) }))
        if !overlay.isEmpty { svg.append(Markup("g", [("class", "overlay")], overlay.map { .element($0) })) }
        return svg
    }

    /// An empty `<svg>` with the report's conventions: `id`, `data-plot`, a viewBox and an
    /// accessible `<title>`.
    package static func root(
        id: String, width: Double, height: Double, title: String, attributes: [(String, String)] = []
    )
        -> Markup
    {
        var svg = Markup(
            "svg",
            [
                ("xmlns", "http://www.w3.org/2000/svg"), ("id", id), ("data-plot", id), ("class", "plot"),
                ("viewBox", "0 0 \(px(width)) \(px(height))"), ("width", px(width)), ("height", px(height)),
                ("role", "img")
            ] + attributes)
        svg.append(Markup("title", text: title))
        return svg
    }

    /// Shortens `text` with an ellipsis to fit `width` pixels of tick-label font.
    static func truncate(_ text: String, toWidth width: Double) -> String {
        let fit = max(1, Int(width / charWidth))
        guard text.count > fit else { return text }
        return String(text.prefix(max(1, fit - 1))) + "…"
    }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ cls: String) -> Markup {
        Markup("line", [("class", cls), ("x1", px(x1)), ("y1", px(y1)), ("x2", px(x2)), ("y2", px(y2))])
    }
}

/// A coordinate for SVG: at most two decimals, no trailing zeros.
func px(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let rounded = (value * 100).rounded() / 100
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
    return String(format: "%.2f", rounded).replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
}
