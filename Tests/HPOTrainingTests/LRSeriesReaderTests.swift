import HPOTraining
import Testing

@Suite struct LRSeriesReaderTests {
    @Test("JSON Lines of {lr, loss}, other fields ignored, blank lines skipped")
    func jsonLines() throws {
        let text = """
            {"lr": 0.001, "loss": 2.3, "step": 1}

            {"loss": 2.1, "lr": 0.01}
            {"lr": 0.1, "loss": "nan"}
            """
        let series = try LRSeriesReader.read(text)
        #expect(series.learningRates == [0.001, 0.01, 0.1])
        #expect(series.losses.prefix(2) == [2.3, 2.1])
        #expect(series.losses[2].isNaN)
    }

    @Test("CSV lr,loss with or without a header")
    func csv() throws {
        #expect(
            try LRSeriesReader.read("lr,loss\n1e-5, 2.5\n1e-4,2.0\n")
                == LRSeries(learningRates: [1e-5, 1e-4], losses: [2.5, 2.0]))
        #expect(try LRSeriesReader.read("0.1,1\n0.2,0.5") == LRSeries(learningRates: [0.1, 0.2], losses: [1, 0.5]))
    }

    @Test("the JSON that hpo lr-find --json writes")
    func savedReport() throws {
        let analysis = try LRFinderAnalysis(LRFinderAnalysisTests.synthetic())
        let json = String(decoding: try LRFinderReport(analysis, source: "test").json(), as: UTF8.self)
        #expect(try LRSeriesReader.read(json) == analysis.series)
    }

    static let log = """
        {"event":"study_started","time":1.0,"study":"s","config":{}}
        {"event":"trial_dispatched","time":1.1,"trial":1,"attempt":1,"worker":"w","params":{"x":1}}
        {"event":"trial_report","time":1.2,"trial":1,"attempt":1,"step":1,"metrics":{"val_loss":0.5}}
        {"event":"trial_report","time":1.3,"trial":2,"attempt":1,"step":2,"metrics":{"lr":0.02,"loss":1.5}}
        {"event":"trial_report","time":1.4,"trial":2,"attempt":1,"step":1,"metrics":{"lr":0.01,"loss":2.0,"acc":0.1}}
        {"event":"trial_report","time":1.5,"trial":3,"attempt":1,"step":1,"metrics":{"lr":0.5,"loss":"inf"}}
        {"event":"trial_completed","time":1.6,"trial":2,"attempt":1,"objective":1.5,"metrics":{"loss":1.5}}
        """

    @Test("a results log: the first trial whose reports carry lr and loss, in step order, or the one asked for")
    func resultsLog() throws {
        #expect(try LRSeriesReader.read(Self.log) == LRSeries(learningRates: [0.01, 0.02], losses: [2.0, 1.5]))
        let third = try LRSeriesReader.read(Self.log, trial: 3)
        #expect(third.learningRates == [0.5] && third.losses == [.infinity])
        #expect(throws: LRFinderError("the results log has no trial_report of trial 1 with metrics lr and loss")) {
            try LRSeriesReader.read(Self.log, trial: 1)
        }
    }

    @Test(
        "bad input is an error naming the line",
        arguments: [
            ("{\"lr\": 0.1}", "line 1: missing 'loss'"),
            ("{\"lr\": 0.1, \"loss\": true}", "line 1: 'loss' must be a number"),
            ("0.1,1\n{not json", "line 2: not a JSON object"),
            ("0.1,1\n0.2;3", "line 2: expected 'lr,loss' or a JSON object, found '0.2;3'"),
            ("0.1,1\n0.2,abc", "line 2: expected two numbers 'lr,loss', found '0.2,abc'"),
            ("lr,loss\n", "no (lr, loss) points found"),
            ("{\"event\":\"study_started\"}", "the results log has no trial_report with metrics lr and loss")
        ])
    func errors(text: String, message: String) {
        #expect(throws: LRFinderError(message)) { try LRSeriesReader.read(text) }
    }

    @Test("--trial on a file that is not a results log is an error")
    func trialWithoutLog() {
        #expect(throws: LRFinderError("--trial applies to a results log only, and this file is not one")) {
            try LRSeriesReader.read("0.1,1\n0.2,2", trial: 1)
        }
    }
}
