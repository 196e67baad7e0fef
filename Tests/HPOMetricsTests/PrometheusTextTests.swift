import HPOMetrics
import Testing

@Suite struct PrometheusTextTests {
    @Test("a histogram is written with cumulative buckets ending at +Inf = _count, and reads back")
    func histogramRoundTrip() throws {
        let histogram = LockedHistogram(bounds: [0.01, 0.1, 1])
        for value in [0.005, 0.005, 0.05, 0.5, 5, 7, -1, .nan] { histogram.observe(value) }
        let snapshot = histogram.snapshot()
        #expect(snapshot.counts == [3, 1, 1], "-1 counts as 0; NaN is ignored")
        #expect(snapshot.count == 7)
        #expect(snapshot.cumulative == [3, 4, 5])
        var text = PrometheusText()
        text.histogram("hpo_test_seconds", help: "A test.", labels: [("kind", "a")], snapshot)
        let parsed = try PrometheusExposition(parsing: text.text)
        #expect(parsed.families["hpo_test_seconds"]?.type == "histogram")
        #expect(parsed.value("hpo_test_seconds_bucket", ["le": "0.01", "kind": "a"]) == 3)
        #expect(parsed.value("hpo_test_seconds_bucket", ["le": "1"]) == 5)
        #expect(parsed.value("hpo_test_seconds_bucket", ["le": "+Inf"]) == 7)
        #expect(parsed.value("hpo_test_seconds_count") == 7)
        #expect(abs((parsed.value("hpo_test_seconds_sum") ?? 0) - 12.56) < 1e-9)
    }

    @Test("label values are escaped and read back intact; integers have no fraction")
    func escaping() throws {
        var text = PrometheusText()
        let study = "a \"quoted\" back\\slash\nnew line"
        text.family(
            "hpo_study_info", .gauge, help: "Help with a \\ and\na newline.", samples: [([("study", study)], 1)])
        text.single("hpo_x_total", .counter, help: "x", 12)
        #expect(text.text.contains("hpo_x_total 12\n"))
        #expect(text.text.contains(#"study="a \"quoted\" back\\slash\nnew line""#))
        #expect(text.text.contains("# HELP hpo_study_info Help with a \\\\ and\\na newline.\n"))
        let parsed = try PrometheusExposition(parsing: text.text)
        #expect(parsed.samples.first?.labels["study"] == study)
        #expect(PrometheusText.format(0.25) == "0.25")
        #expect(PrometheusText.format(.infinity) == "+Inf")
    }

    @Test(
        "the checker refuses what Prometheus would refuse",
        arguments: [
            "hpo_x 1\n",  // no TYPE
            "# TYPE hpo_x gauge\nhpo_x one\n",  // not a number
            "# TYPE hpo_x gauge\nhpo_x{a=\"1} 1\n",  // unterminated label
            "# TYPE hpo_x gauge\n9x 1\n",  // bad name
            "# TYPE hpo_x gauge\nhpo_x 1",  // no final newline
            // not cumulative
            """
            # TYPE hpo_h histogram\nhpo_h_bucket{le=\"1\"} 3\nhpo_h_bucket{le=\"+Inf\"} 2\nhpo_h_sum \
            1\nhpo_h_count 2\n
            """,
            // +Inf != count
            """
            # TYPE hpo_h histogram\nhpo_h_bucket{le=\"1\"} 3\nhpo_h_bucket{le=\"+Inf\"} 3\nhpo_h_sum \
            1\nhpo_h_count 4\n
            """,
            "# TYPE hpo_h histogram\nhpo_h_bucket{le=\"1\"} 3\nhpo_h_sum 1\nhpo_h_count 3\n"  // no +Inf
        ])
    func checkerRefuses(_ text: String) {
        #expect(throws: PrometheusExposition.Invalid.self) { try PrometheusExposition(parsing: text) }
    }

    @Test("metric names: letters, digits, _ and :, not starting with a digit")
    func names() {
        #expect(PrometheusText.isValidName("hpo_trials_dispatched_total"))
        #expect(!PrometheusText.isValidName("9lives"))
        #expect(!PrometheusText.isValidName("hpo-trials"))
        #expect(!PrometheusText.isValidName(""))
    }
}
