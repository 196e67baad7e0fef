import Foundation
import HPOCore
import HPOJournal
import Testing

@testable import HPOReport

@Suite struct HTMLReportTests {
    /// The known log written to disk, read back, rendered and parsed as XML.
    static func renderKnown() throws -> (html: String, root: XMLNode) {
        let path = try KnownLog.write()
        defer { unlink(path) }
        let log = try StudyLog.load(path: path)
        let html = HTMLReport.render(log)
        return (html, try XMLNode.parse(html))
    }

    func plot(_ root: XMLNode, _ id: String) -> XMLNode? {
        root.elements("svg").first { $0.attributes["data-plot"] == id }
    }

    @Test("the report is well-formed XML with every plot, each with one mark per item of the known log")
    func plotsAndMarks() throws {
        let (_, root) = try Self.renderKnown()
        #expect(root.name == "html")

        // Convergence: one dot per completed trial; the failed trial as a tick.
        for id in ["convergence-trials", "convergence-time"] {
            let svg = try #require(plot(root, id), "\(id) missing")
            #expect(svg.elements("circle").filter { $0.hasClass("pt") }.count == 4)
            #expect(svg.elements("circle").filter { $0.hasClass("is-best") }.count == 1)
            #expect(svg.elements("path").filter { $0.hasClass("best-line") }.count == 1)
            #expect(svg.elements("path").filter { $0.hasClass("fail-mark") }.count == 1)
        }

        // Objective by parameter: one plot per parameter, a dot per completed trial.
        let parameterPlots = root.elements("svg").filter { ($0.attributes["data-plot"] ?? "").hasPrefix("param-") }
        #expect(parameterPlots.compactMap { $0.attributes["data-param"] } == ["lr", "layers", "opt"])
        for svg in parameterPlots {
            #expect(svg.elements("circle").filter { $0.hasClass("pt") }.count == 4)
        }
        // lr is log-scaled: its axis says so; opt is categorical: its two values are tick labels.
        #expect(parameterPlots[0].allText.contains("lr (log scale)"))
        let optLabels = parameterPlots[2].elements("text").map(\.text)
        #expect(optLabels.contains("sgd") && optLabels.contains("adam, fused"))

        // Parallel coordinates: one line per completed trial (fewer than 20), axes named.
        let parallel = try #require(plot(root, "parallel-coordinates"))
        #expect(parallel.elements("polyline").filter { $0.hasClass("pc-line") }.count == 4)
        #expect(parallel.elements("polyline").filter { $0.hasClass("is-best") }.count == 1)

        // Learning curves: one line per trial with loss reports (1, 2 and 3), the best (1) highlighted.
        let curves = try #require(plot(root, "learning-curves"))
        let lines = curves.elements("polyline").filter { $0.hasClass("curve") }
        #expect(lines.compactMap { $0.attributes["data-trial"] }.sorted() == ["1", "2", "3"])
        #expect(lines.first { $0.hasClass("is-best") }?.attributes["data-trial"] == "1")
        #expect(
            lines.first { $0.attributes["data-trial"] == "1" }?.attributes["points"]?.split(separator: " ").count == 3)
        #expect(curves.attributes["data-metric"] == "loss")

        // The range test: 5 finite points of 6 (one loss is NaN), the smoothed line, the suggestion.
        let range = try #require(plot(root, "lr-range-test-1"))
        #expect(range.elements("circle").filter { $0.hasClass("lr-raw") }.count == 5)
        #expect(range.elements("polyline").filter { $0.hasClass("lr-smoothed") }.count == 1)
        #expect(range.elements("line").filter { $0.hasClass("lr-suggestion") }.count == 1)

        // Worker timeline: a bar per attempt, and the outcomes of the known log.
        let timeline = try #require(plot(root, "worker-timeline"))
        let bars = timeline.elements("rect").filter { $0.hasClass("bar") }
        #expect(bars.count == 8)
        #expect(bars.filter { $0.hasClass("outcome-completed") }.count == 4)
        #expect(bars.filter { $0.hasClass("outcome-failed") }.count == 2)
        #expect(bars.filter { $0.hasClass("outcome-lost") }.count == 1)
        #expect(bars.filter { $0.hasClass("outcome-running") }.count == 1)
    }

    @Test("tables: the top trials, the failed attempts with their escaped stderr, the study configuration")
    func tables() throws {
        let (html, root) = try Self.renderKnown()
        let top = try #require(root.all.first { $0.attributes["id"] == "top-trials" })
        #expect(top.elements("tbody").first?.elements("tr").count == 4)
        let failed = try #require(root.all.first { $0.attributes["id"] == "failed-trials" })
        let rows = failed.elements("tbody").first?.elements("tr") ?? []
        #expect(rows.compactMap { $0.attributes["data-trial"] } == ["3", "4", "3"])
        // The stderr tail survives escaping: parsed back, it is the original text.
        #expect(failed.elements("pre").first?.text == KnownLog.stderrTail)
        #expect(!html.contains("<bad>"))
        #expect(html.contains("&lt;bad&gt; &amp;"))
        #expect(rows.first?.allText.contains("exit code 1") == true)
        #expect(rows.last?.allText.contains("timeout after 2 s") == true)
        // The study's name is escaped in the title and the header.
        #expect(root.elements("title").first?.text == "known <study> · hpo report")
        let config = try #require(root.all.first { $0.attributes["id"] == "study-config" })
        let object = try JSONSerialization.jsonObject(with: Data(config.text.utf8)) as? [String: Any]
        #expect(object?["name"] as? String == "known <study>")
    }

    @Test("the page is self-contained: no scripts, no links, no external URLs; light and dark styles")
    func selfContained() throws {
        let (html, root) = try Self.renderKnown()
        #expect(root.elements("script").isEmpty)
        #expect(root.elements("link").isEmpty)
        #expect(root.elements("img").isEmpty)
        #expect(!html.contains("@import"))
        #expect(!html.contains("src="))
        // The only URLs are XML namespace names, and url() only points inside the page.
        let urls = html.ranges(of: "http").count
        let namespaces = html.ranges(of: "xmlns=\"http://www.w3.org/").count
        #expect(urls == namespaces)
        #expect(!html.contains("url(http"))
        let style = try #require(root.elements("style").first?.text)
        #expect(style.contains("prefers-color-scheme: dark"))
        #expect(!ReportStyle.css.contains("<") && !ReportStyle.css.contains("&"))
    }

    @Test("a log without results yet still renders, with the empty sections said so")
    func emptyReport() throws {
        let log = StudyLog(path: "x.jsonl", records: Array(KnownLog.records.prefix(2)))
        let root = try XMLNode.parse(HTMLReport.render(log))
        #expect(root.elements("svg").isEmpty)
        #expect(root.elements("p").contains { $0.hasClass("empty") && $0.text == "No completed trial yet." })
    }

    @Test("a runaway objective is drawn at the axis' edge, hollow, and the others keep their room")
    func clippedOutlier() throws {
        var timeline = KnownLog.timeline
        // Trial 2 diverged to 1e199 but completed.
        timeline = timeline.map { time, event in
            guard case .trialCompleted(var e) = event, e.trial == TrialID(2) else { return (time, event) }
            e.objective = 1e199
            return (time, .trialCompleted(e))
        }
        let log = StudyLog(path: "x.jsonl", records: timeline.map { JournalRecord(event: $1, time: $0) })
        let root = try XMLNode.parse(HTMLReport.render(log))
        let svg = try #require(plot(root, "convergence-trials"))
        let points = svg.elements("circle").filter { $0.hasClass("pt") }
        #expect(points.count == 4)
        #expect(points.filter { $0.hasClass("clipped") }.count == 1)
        #expect(svg.elements("text").contains { $0.hasClass("clip-note") })
    }
}
