import Foundation

/// The loss-vs-learning-rate plot of a range test as a self-contained SVG document: raw losses as
/// light points, the smoothed loss as a line, a log x axis with a tick per decade, and vertical
/// markers for the suggestions. Explicit white background and dark ink, so it reads the same in
/// light and dark viewers.
public enum LRFinderPlot {
    static let width = 960.0
    static let height = 660.0
    static let plot = (left: 84.0, right: 924.0, top: 170.0, bottom: 570.0)
    static let font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"

    public static func svg(_ analysis: LRFinderAnalysis, title: String = "Learning-rate range test", subtitle: String? = nil) -> String {
        let series = analysis.series
        let x = LogAxis(values: series.learningRates, from: plot.left, to: plot.right)
        let y = LossAxis(analysis: analysis, from: plot.bottom, to: plot.top)
        var svg = SVGBuilder()
        svg.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "width": "\(Int(width))", "height": "\(Int(height))",
                         "viewBox": "0 0 \(Int(width)) \(Int(height))", "font-family": font])
        svg.element("title", text: title)
        svg.element("rect", ["x": "0", "y": "0", "width": "\(Int(width))", "height": "\(Int(height))", "fill": "#ffffff"])
        svg.element("text", ["x": "\(plot.left)", "y": "34", "font-size": "20", "font-weight": "600", "fill": "#1a1a1a"], text: title)
        if let subtitle {
            // About 7 px per character at 13 px: keep it within the canvas.
            let fitted = subtitle.count > 118 ? subtitle.prefix(117) + "…" : subtitle
            svg.element("text", ["x": "\(plot.left)", "y": "56", "font-size": "13", "fill": "#555555"], text: String(fitted))
        }
        svg.open("defs")
        svg.open("clipPath", ["id": "plot-area"])
        svg.element("rect", ["x": "\(plot.left)", "y": "\(plot.top)", "width": "\(plot.right - plot.left)", "height": "\(plot.bottom - plot.top)"])
        svg.close("clipPath")
        svg.close("defs")

        grid(&svg, x: x, y: y)
        let suggestions = analysis.suggestions
        svg.element("rect", ["class": "cyclical-range", "x": fmt(x(suggestions.lowerBound)), "y": "\(plot.top)",
                             "width": fmt(max(x(suggestions.upperBound) - x(suggestions.lowerBound), 1)),
                             "height": "\(plot.bottom - plot.top)", "fill": "#f2b134", "fill-opacity": "0.14"])

        svg.open("g", ["class": "raw-loss", "clip-path": "url(#plot-area)", "fill": "#6f9fd8", "fill-opacity": "0.55"])
        for (lr, loss) in zip(series.learningRates, series.losses) {
            svg.element("circle", ["cx": fmt(x(lr)), "cy": fmt(y(loss)), "r": "2.6"])
        }
        svg.close("g")
        let points = zip(series.learningRates, analysis.smoothed).map { "\(fmt(x($0))),\(fmt(y($1)))" }
        svg.element("polyline", ["class": "smoothed-loss", "clip-path": "url(#plot-area)", "points": points.joined(separator: " "),
                                 "fill": "none", "stroke": "#1d4f91", "stroke-width": "2.4", "stroke-linejoin": "round"])
        axes(&svg, x: x, y: y)
        markers(&svg, suggestions, x: x)
        legend(&svg, smoothing: analysis.smoothing)
        svg.close("svg")
        return svg.text
    }

    struct Marker {
        var name: String
        var lr: Double
        var color: String
        /// `stroke-dasharray`, nil for a solid line.
        var dash: String?
        var label: String { "\(name) \(formatLR(lr))" }
    }

    /// The suggestion markers: vertical lines with their labels in rows above the plot, a label
    /// moving up a row when it would overlap one beside it. All lines are drawn before any label,
    /// so no line crosses a label.
    static func markers(_ svg: inout SVGBuilder, _ s: LRSuggestions, x: LogAxis) {
        let markers = [
            Marker(name: "cyclical lower", lr: s.lowerBound, color: "#a66f00", dash: "2 4"),
            Marker(name: "steepest", lr: s.steepest, color: "#c8102e", dash: nil),
            Marker(name: "min/10", lr: s.minimumOverTen, color: "#1b7f3b", dash: "7 4"),
            Marker(name: "cyclical upper", lr: s.upperBound, color: "#a66f00", dash: "2 4"),
            Marker(name: "min loss", lr: s.minimum, color: "#666666", dash: "1 3"),
        ].sorted { $0.lr < $1.lr }
        var rowEnds: [Double] = []
        let boxes = markers.map { marker -> (left: Double, top: Double, width: Double) in
            let width = Double(marker.label.count) * 6.6 + 10
            let left = min(max(x(marker.lr) - width / 2, plot.left - 40), plot.right + 30 - width)
            let row = rowEnds.firstIndex { $0 < left } ?? rowEnds.count
            if row == rowEnds.count { rowEnds.append(0) }
            rowEnds[row] = left + width + 6
            return (left, plot.top - 24 - Double(row) * 20, width)
        }
        svg.open("g", ["class": "suggestions", "font-size": "12"])
        for (marker, box) in zip(markers, boxes) {
            let position = fmt(x(marker.lr))
            var line = ["x1": position, "x2": position, "y1": fmt(box.top + 17), "y2": "\(plot.bottom)",
                        "stroke": marker.color, "stroke-width": marker.dash == nil ? "2" : "1.6"]
            if let dash = marker.dash { line["stroke-dasharray"] = dash }
            svg.element("line", line)
        }
        for (marker, box) in zip(markers, boxes) {
            svg.element("rect", ["x": fmt(box.left), "y": fmt(box.top), "width": fmt(box.width), "height": "17", "rx": "3",
                                 "fill": "#ffffff", "stroke": marker.color, "stroke-width": "0.9"])
            svg.element("text", ["x": fmt(box.left + box.width / 2), "y": fmt(box.top + 12.5), "text-anchor": "middle",
                                 "fill": marker.color], text: marker.label)
        }
        svg.close("g")
    }

    /// In the lower left corner of the plot, which the curve of a range test leaves empty.
    static func legend(_ svg: inout SVGBuilder, smoothing beta: Double) {
        let (left, top) = (plot.left + 12, plot.bottom - 58)
        svg.open("g", ["class": "legend", "font-size": "12", "fill": "#333333"])
        svg.element("rect", ["x": fmt(left), "y": fmt(top), "width": "250", "height": "46", "rx": "4",
                             "fill": "#ffffff", "fill-opacity": "0.9", "stroke": "#cccccc"])
        svg.element("circle", ["cx": fmt(left + 20), "cy": fmt(top + 15), "r": "3", "fill": "#6f9fd8", "fill-opacity": "0.8"])
        svg.element("text", ["x": fmt(left + 38), "y": fmt(top + 19)], text: "loss of each mini-batch")
        svg.element("line", ["x1": fmt(left + 9), "x2": fmt(left + 31), "y1": fmt(top + 33), "y2": fmt(top + 33),
                             "stroke": "#1d4f91", "stroke-width": "2.4"])
        svg.element("text", ["x": fmt(left + 38), "y": fmt(top + 37)],
                    text: "smoothed (moving average, β = \(beta.boundText))")
        svg.close("g")
    }

    static func grid(_ svg: inout SVGBuilder, x: LogAxis, y: LossAxis) {
        svg.open("g", ["class": "grid", "stroke": "#e6e6e6", "stroke-width": "1"])
        for lr in x.minorTicks {
            svg.element("line", ["x1": fmt(x(lr)), "x2": fmt(x(lr)), "y1": "\(plot.top)", "y2": "\(plot.bottom)", "stroke": "#f1f1f1"])
        }
        for lr in x.majorTicks {
            svg.element("line", ["x1": fmt(x(lr)), "x2": fmt(x(lr)), "y1": "\(plot.top)", "y2": "\(plot.bottom)"])
        }
        for loss in y.ticks {
            svg.element("line", ["x1": "\(plot.left)", "x2": "\(plot.right)", "y1": fmt(y(loss)), "y2": fmt(y(loss))])
        }
        svg.close("g")
    }

    static func axes(_ svg: inout SVGBuilder, x: LogAxis, y: LossAxis) {
        svg.open("g", ["class": "axes", "font-size": "13", "fill": "#333333"])
        svg.element("rect", ["x": "\(plot.left)", "y": "\(plot.top)", "width": "\(plot.right - plot.left)",
                             "height": "\(plot.bottom - plot.top)", "fill": "none", "stroke": "#444444", "stroke-width": "1"])
        for lr in x.majorTicks {
            let position = fmt(x(lr))
            svg.element("line", ["x1": position, "x2": position, "y1": "\(plot.bottom)", "y2": "\(plot.bottom + 6)", "stroke": "#444444"])
            svg.raw("<text x=\"\(position)\" y=\"\(plot.bottom + 24)\" text-anchor=\"middle\">10<tspan dy=\"-7\" font-size=\"10\">"
                    + "\(Int(log10(lr).rounded()) < 0 ? "\u{2212}" : "")\(abs(Int(log10(lr).rounded())))</tspan></text>")
        }
        for loss in y.ticks {
            let position = fmt(y(loss))
            svg.element("line", ["x1": "\(plot.left - 6)", "x2": "\(plot.left)", "y1": position, "y2": position, "stroke": "#444444"])
            svg.element("text", ["x": "\(plot.left - 10)", "y": fmt(y(loss) + 4), "text-anchor": "end"], text: y.label(loss))
        }
        svg.element("text", ["x": fmt((plot.left + plot.right) / 2), "y": "\(plot.bottom + 54)", "text-anchor": "middle", "font-size": "14"],
                    text: "learning rate (log scale)")
        svg.element("text", ["x": "24", "y": fmt((plot.top + plot.bottom) / 2), "text-anchor": "middle", "font-size": "14",
                             "transform": "rotate(-90 24 \(fmt((plot.top + plot.bottom) / 2)))"], text: "training loss")
        svg.close("g")
    }

    /// `0.0453`, `1.2e-05`: three significant digits, exponent outside [1e-3, 1e3).
    public static func formatLR(_ value: Double) -> String {
        if value >= 1e-3 && value < 1e3 { return String(format: "%.3g", value) }
        return String(format: "%.2e", value).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+")
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// A log10 axis spanning whole decades around the values.
struct LogAxis {
    let low: Double  // log10 of the left end
    let high: Double
    let from: Double
    let to: Double

    init(values: [Double], from: Double, to: Double) {
        let logs = values.map(log10)
        low = (logs.min() ?? -7).rounded(.down)
        high = max((logs.max() ?? 1).rounded(.up), low + 1)
        self.from = from
        self.to = to
    }

    func callAsFunction(_ value: Double) -> Double { from + (log10(value) - low) / (high - low) * (to - from) }

    /// One tick per decade, or every second decade beyond 10 decades.
    var majorTicks: [Double] {
        let step = high - low > 10 ? 2 : 1
        return stride(from: Int(low), through: Int(high), by: step).map { pow(10, Double($0)) }
    }

    var minorTicks: [Double] {
        (Int(low)..<Int(high)).flatMap { decade in (2...9).map { Double($0) * pow(10, Double(decade)) } }
    }
}

/// A linear loss axis from a little below the lowest loss to a little above the highest smoothed
/// loss before the explosion; what lies above is clipped.
struct LossAxis {
    let low: Double
    let high: Double
    let from: Double
    let to: Double
    let ticks: [Double]
    let step: Double

    init(analysis: LRFinderAnalysis, from: Double, to: Double) {
        let visible = 0...analysis.window.upperBound
        let top = analysis.smoothed[visible].max() ?? 1
        let bottom = min(analysis.series.losses.min() ?? 0, analysis.smoothed.min() ?? 0)
        let span = max(top - bottom, 1e-9)
        let step = Self.niceStep(span / 5)
        low = max(((bottom - 0.05 * span) / step).rounded(.down) * step, bottom >= 0 ? 0 : -Double.infinity)
        high = ((top + 0.08 * span) / step).rounded(.up) * step
        self.step = step
        ticks = stride(from: low, through: high + step / 2, by: step).map { $0 }
        self.from = from
        self.to = to
    }

    func callAsFunction(_ value: Double) -> Double { from + (value - low) / (high - low) * (to - from) }

    func label(_ value: Double) -> String {
        let digits = max(0, -Int(log10(step).rounded(.down)))
        return String(format: "%.\(digits)f", value)
    }

    /// 1, 2 or 5 times a power of ten, near `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, log10(raw).rounded(.down))
        let fraction = raw / magnitude
        return (fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10) * magnitude
    }
}
