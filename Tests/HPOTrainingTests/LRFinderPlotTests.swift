import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HPOTraining
import Testing

/// Collects the elements of an XML document.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        texts.append(string)
    }
}

@Suite struct LRFinderPlotTests {
    @Test("the SVG is well-formed XML with the curve, the points, the markers and the labels")
    func wellFormed() throws {
        let analysis = try LRFinderAnalysis(LRFinderAnalysisTests.synthetic())
        let svg = LRFinderPlot.svg(analysis, title: "Range test <digits> & more", subtitle: "2×128 relu")
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = ElementCollector()
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        let elements = collector.elements
        #expect(elements.first?.name == "svg")
        #expect(elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        // A white background covering the canvas, for dark viewers.
        #expect(elements.contains { $0.name == "rect" && $0.attributes["fill"] == "#ffffff" && $0.attributes["width"] == "960" })
        #expect(elements.filter { $0.name == "polyline" && $0.attributes["class"] == "smoothed-loss" }.count == 1)
        let smoothed = try #require(elements.first { $0.attributes["class"] == "smoothed-loss" }?.attributes["points"])
        #expect(smoothed.split(separator: " ").count == analysis.series.count)
        // One point per step, plus the legend's.
        #expect(elements.filter { $0.name == "circle" }.count == analysis.series.count + 1)
        let text = collector.texts.joined()
        for label in ["Range test <digits> & more", "learning rate (log scale)", "training loss", "steepest", "min/10",
                      "cyclical lower", "cyclical upper", "min loss", LRFinderPlot.formatLR(analysis.suggestions.steepest)] {
            #expect(text.contains(label), "missing '\(label)'")
        }
        // Decade ticks 10^-6 … 10^1 on the x axis.
        #expect(text.contains("10−6") && text.contains("101"))
    }

    @Test("learning rates are printed short")
    func formatting() {
        #expect(LRFinderPlot.formatLR(0.0453) == "0.0453")
        #expect(LRFinderPlot.formatLR(1.2e-5) == "1.20e-5")
        #expect(LRFinderPlot.formatLR(3) == "3")
    }
}
