import Foundation
import HPOJournal
import Testing

@testable import HPOReport

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects the elements of an XML document.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        elements.append((name, attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        texts.append(string)
    }
}

@Suite struct LRRangeTestPlotTests {
    /// A range test over 1e-6 … 10 whose loss falls between 1e-3 and 1e-1 and explodes after.
    static func rangeTest(points: Int = 100) -> LRRangeTestRan {
        let lrs = (0..<points).map { 1e-6 * pow(1e7, Double($0) / Double(points - 1)) }
        let losses = lrs.enumerated().map { index, lr -> Double in
            let x = log10(lr)
            let noise = 0.03 * sin(Double(index) * 2.7)
            if x < -3 { return 2.3 + noise }
            if x < -1 { return 0.3 + 2.0 * (1 + cos(Double.pi * (x + 3) / 2)) / 2 + noise }
            return 0.3 + 40 * pow(x + 1, 2) + noise
        }
        var smoothed: [Double] = []
        for loss in losses { smoothed.append(smoothed.last.map { 0.9 * $0 + 0.1 * loss } ?? loss) }
        return LRRangeTestRan(
            parameter: "learning_rate", lrs: lrs, losses: losses, smoothed: smoothed, suggestion: 0.01,
            suggestions: [
                "steepest": 0.01, "minimum_over_ten": 0.011, "minimum": 0.11, "cyclical_lower": 0.002,
                "cyclical_upper": 0.05
            ],
            originalLow: nil, originalHigh: nil, low: nil, high: nil)
    }

    @Test(
        """
        hpo lr-find's file is well-formed XML with its own style, an opaque background, the curve, the points, \
        the band and every label
        """
    )
    func standalone() throws {
        let test = Self.rangeTest()
        let svg = try #require(LRRangeTestPlot.standaloneSVG(test, title: "Range test <digits> & more"))
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = ElementCollector()
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        let elements = collector.elements
        #expect(elements.first?.name == "svg")
        #expect(elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        // Readable in a dark viewer: an opaque white background and the light colours, no dark ones.
        #expect(
            elements.contains {
                $0.name == "rect" && $0.attributes["fill"] == "#ffffff" && $0.attributes["width"] == "100%"
            })
        let style = try #require(elements.firstIndex { $0.name == "style" })
        #expect(style < 3)
        let text = collector.texts.joined()
        // Colours written in (no CSS variables: librsvg knows none), the light ones only.
        #expect(text.contains("stroke: #0072b2") && !text.contains("var(--") && !text.contains("prefers-color-scheme"))
        #expect(elements.filter { $0.name == "polyline" && $0.attributes["class"] == "lr-smoothed" }.count == 1)
        let smoothed = try #require(elements.first { $0.attributes["class"] == "lr-smoothed" }?.attributes["points"])
        #expect(smoothed.split(separator: " ").count == test.lrs.count)
        #expect(elements.filter { $0.name == "circle" && $0.attributes["class"] == "lr-raw" }.count == test.lrs.count)
        #expect(elements.filter { $0.attributes["class"] == "lr-band" }.count == 1)
        for label in [
            "Range test <digits> & more", "learning rate (log scale)", "loss", "suggestion", "minimum over ten",
            "cyclical lower", "cyclical upper", "minimum 0.11"
        ] {
            #expect(text.contains(label), "missing '\(label)'")
        }
        // "steepest" is the suggestion itself: drawn once, as the suggestion.
        #expect(!text.contains("steepest"))
    }

    @Test("labels of neighbouring suggestions go to different rows instead of overlapping")
    func labelsDoNotOverlap() throws {
        let frame = PlotFrame(
            id: "t", width: 960, height: 540, title: "", x: Scale.log([1e-6, 10], padding: 0.02), xLabel: "",
            y: Scale.linear([0, 1], padding: 0), yLabel: "")
        let markers = LRRangeTestPlot.markers(Self.rangeTest(), frame: frame)
        let labels = markers.filter { $0.name == "text" }
        #expect(labels.count == 5)
        func value(_ label: Markup, _ key: String) -> Double {
            Double(label.attributes.first { $0.0 == key }?.1 ?? "") ?? .nan
        }
        // 0.01 (suggestion) and 0.011 (minimum over ten) sit a few pixels apart: not on one row.
        let rows = Set(labels.map { value($0, "y") })
        #expect(rows.count >= 2)
    }
}
