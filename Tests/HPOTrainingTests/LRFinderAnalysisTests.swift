import Foundation
import HPOTraining
import Testing

@Suite struct LRFinderAnalysisTests {
    /// A textbook curve: flat at 2.3 below 1e-3, falling smoothly (in log lr) to 0.3 between 1e-3
    /// and 1e-1, then exploding; with a little deterministic noise.
    static func synthetic(points: Int = 100) -> LRSeries {
        let lrs = (0..<points).map { 1e-6 * pow(1e7, Double($0) / Double(points - 1)) }
        let losses = lrs.enumerated().map { index, lr -> Double in
            let x = log10(lr)
            let noise = 0.03 * sin(Double(index) * 2.7)
            if x < -3 { return 2.3 + noise }
            if x < -1 { return 0.3 + 2.0 * (1 + cos(Double.pi * (x + 3) / 2)) / 2 + noise }
            return 0.3 + 40 * pow(x + 1, 2) + noise
        }
        return LRSeries(learningRates: lrs, losses: losses)
    }

    @Test("on a synthetic curve the suggestions fall where the loss falls")
    func synthetic() throws {
        let analysis = try LRFinderAnalysis(Self.synthetic())
        let s = analysis.suggestions
        #expect(s.steepest > 1e-3 && s.steepest < 1e-1, "steepest \(s.steepest)")
        #expect(s.lowerBound >= 1e-3 && s.lowerBound < s.steepest, "lower \(s.lowerBound)")
        #expect(s.upperBound > s.steepest && s.upperBound < 3e-1, "upper \(s.upperBound)")
        #expect(s.minimum > 5e-2 && s.minimum < 3e-1, "minimum \(s.minimum)")
        #expect(abs(s.minimumOverTen - s.minimum / 10) < 1e-15)
        #expect(analysis.warnings.isEmpty)
        let range = LRFinderAnalysis.narrowedRange(for: s)
        #expect(range.low == s.lowerBound && range.high == s.upperBound)
    }

    @Test("without smoothing the steepest point is exactly the curve's steepest")
    func unsmoothed() throws {
        let lrs = (0..<60).map { pow(10, -5 + Double($0) / 10) }
        // Loss falls fastest at lr = 1e-2 (index 30): a logistic in log10 lr.
        let losses = lrs.map { 1 + 2 / (1 + exp(4 * (log10($0) + 2))) }
        let analysis = try LRFinderAnalysis(LRSeries(learningRates: lrs, losses: losses), smoothing: 0)
        #expect(abs(log10(analysis.suggestions.steepest) + 2) < 1e-9)
    }

    @Test("a non-finite loss cuts the series, with a warning; a flat series warns that the loss never fell")
    func cutAndWarnings() throws {
        var series = Self.synthetic()
        series.losses[80] = .nan
        let cut = try LRFinderAnalysis(series)
        #expect(cut.series.count == 80)
        #expect(cut.warnings == ["the series was cut at point 81, whose loss is not finite"])

        let flat = LRSeries(learningRates: (1...30).map { Double($0) * 1e-3 }, losses: Array(repeating: 2, count: 30))
        #expect(try LRFinderAnalysis(flat).warnings.contains { $0.contains("never fell") })
    }

    @Test("bad series are errors that say what is wrong")
    func badSeries() {
        #expect(throws: LRFinderError("too few points to analyse: 4 usable (at least 5 needed)")) {
            try LRFinderAnalysis(LRSeries(learningRates: [1, 2, 3, 4], losses: [1, 1, 1, 1]))
        }
        #expect(throws: LRFinderError("point 3: the learning rates must increase along the series (0.5 after 2.0)")) {
            try LRFinderAnalysis(LRSeries(learningRates: [1, 2, 0.5, 4, 5, 6], losses: [1, 1, 1, 1, 1, 1]))
        }
        #expect(throws: LRFinderError("point 1: the learning rate must be positive, got 0.0")) {
            try LRFinderAnalysis(LRSeries(learningRates: [0, 2, 3, 4, 5, 6], losses: [1, 1, 1, 1, 1, 1]))
        }
    }

    @Test("the narrowed range is at least a decade wide and stays inside the study's range")
    func narrowed() {
        let s = LRSuggestions(steepest: 0.02, minimumOverTen: 0.03, minimum: 0.3, lowerBound: 0.01, upperBound: 0.04)
        let wide = LRFinderAnalysis.narrowedRange(for: s)
        #expect(abs(wide.high / wide.low - 10) < 1e-9)
        #expect(abs(wide.low * wide.high - 0.01 * 0.04) < 1e-12)  // same geometric middle
        let clipped = LRFinderAnalysis.narrowedRange(for: s, within: (low: 0.01, high: 1))
        #expect(clipped.low == 0.01 && abs(clipped.high - wide.high) < 1e-15)
        let disjoint = LRFinderAnalysis.narrowedRange(for: s, within: (low: 1, high: 10))
        #expect(disjoint.low == 1 && disjoint.high == 10)
    }
}

@Suite struct LRRangeTestTests {
    @Test("the learning rate grows from start to end, exponentially or linearly")
    func rates() {
        var test = LRRangeTest()
        test.start = 1e-4
        test.end = 1
        test.steps = 5
        #expect(abs(test.learningRate(at: 0) - 1e-4) < 1e-18)
        #expect(abs(test.learningRate(at: 2) - 1e-2) < 1e-15)
        #expect(abs(test.learningRate(at: 4) - 1) < 1e-12)
        test.mode = .linear
        #expect(abs(test.learningRate(at: 2) - (1e-4 + (1 - 1e-4) / 2)) < 1e-15)
    }

    @Test("bad settings are errors naming the option")
    func settings() {
        var test = LRRangeTest()
        test.end = 1e-8
        #expect(throws: LRFinderError("--end must be larger than --start (1e-07), got 1e-08")) { try test.validate() }
        test = LRRangeTest()
        test.divergeFactor = 1
        #expect(throws: LRFinderError("--diverge-factor must be a number above 1, got 1.0")) { try test.validate() }
        test = LRRangeTest()
        test.steps = 1
        #expect(throws: LRFinderError("--steps must be in [2, 100000], got 1")) { try test.validate() }
    }

    @Test(
        """
        on the trainer: it stops once the smoothed loss passes 4× its best, and the suggestion lies where the \
        loss falls
        """
    )
    func realTrainer() throws {
        let test = LRRangeTest()
        let result = try test.run(TrainerHyperparameters(), seed: 0)
        let n = result.series.count
        #expect(n > 50 && n < test.steps, "stopped after \(n) steps: \(result.stopReason)")
        #expect(result.stopReason.hasPrefix("smoothed loss "))
        // The stop rule: only the last point exceeds 4 × the best smoothed loss before it.
        var best = Double.infinity
        for (index, value) in result.smoothed.enumerated() {
            best = min(best, value)
            #expect((value > test.divergeFactor * best) == (index == n - 1))
        }
        let analysis = try LRFinderAnalysis(result.series)
        // Where the loss starts dropping: the smoothed loss first 5% below the plateau of the
        // first 20 steps; where it is minimal: the minimum of the smoothed loss.
        let plateau = result.series.losses.prefix(20).reduce(0, +) / 20
        let dropping = try #require(result.smoothed.firstIndex { $0 < 0.95 * plateau })
        let minimal = try #require(result.smoothed.indices.min { result.smoothed[$0] < result.smoothed[$1] })
        let steepest = analysis.suggestions.steepest
        #expect(
            steepest >= result.series.learningRates[dropping] && steepest <= result.series.learningRates[minimal],
            """
            steepest \(steepest) outside [\(result.series.learningRates[dropping]), \
            \(result.series.learningRates[minimal])]
            """
        )
        #expect(analysis.suggestions.lowerBound < analysis.suggestions.upperBound)
    }

    @Test("the study step narrows a study's range around the suggestions")
    func studyStep() throws {
        var test = LRRangeTest()
        test.steps = 60
        let narrowed = try test.narrowedRange(for: TrainerHyperparameters(), within: (low: 1e-5, high: 1))
        #expect(narrowed.low > 1e-5 && narrowed.high < 1 && narrowed.high / narrowed.low >= 10 - 1e-9)
        #expect(
            narrowed.low <= narrowed.analysis.suggestions.steepest
                && narrowed.analysis.suggestions.steepest <= narrowed.high)
    }

    @Test("a range that never diverges runs every step")
    func noDivergence() throws {
        var test = LRRangeTest()
        test.end = 1e-4
        test.steps = 30
        var h = TrainerHyperparameters()
        h.layers = 1
        h.units = 16
        let result = try test.run(h)
        #expect(result.series.count == 30)
        #expect(result.stopReason == "reached --end after 30 steps")
        #expect(abs((result.series.learningRates.last ?? 0) - 1e-4) < 1e-15)
    }

    @Test("learning rates are printed short")
    func formatting() {
        #expect(LRSuggestions.format(0.0453) == "0.0453")
        #expect(LRSuggestions.format(1.2e-5) == "1.20e-5")
        #expect(LRSuggestions.format(3) == "3")
    }
}
