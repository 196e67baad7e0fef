import Foundation
import HPORuntime

/// Leslie Smith's learning-rate range test ("LR finder", as in fastai and pytorch-lr-finder):
/// train the network for `steps` mini-batches while the learning rate grows from `start` to `end`,
/// record the loss of every step, and stop early once the smoothed loss exceeds `divergeFactor`
/// times the best smoothed loss so far. `LRFinderAnalysis` turns the record into suggestions.
package struct LRRangeTest: Sendable {
    package enum Mode: String, Sendable, CaseIterable {
        /// The learning rate grows by the same factor every step (even on a log axis).
        case exponential = "exp"
        case linear
    }

    package var start = 1e-7
    package var end = 10.0
    package var steps = 100
    package var mode = Mode.exponential
    package var divergeFactor = 4.0
    /// β of the bias-corrected exponential moving average of the loss.
    package var smoothing = LRFinderAnalysis.defaultSmoothing

    package init() {}

    /// Checks the settings; the messages name the option.
    package func validate() throws(LRFinderError) {
        guard start > 0, start.isFinite else { throw LRFinderError("--start must be a positive number, got \(start)") }
        guard end > start, end.isFinite else {
            throw LRFinderError("--end must be larger than --start (\(start)), got \(end)")
        }
        guard (2...100_000).contains(steps) else { throw LRFinderError("--steps must be in [2, 100000], got \(steps)") }
        guard divergeFactor > 1, divergeFactor.isFinite else {
            throw LRFinderError("--diverge-factor must be a number above 1, got \(divergeFactor)")
        }
        guard smoothing >= 0, smoothing < 1 else {
            throw LRFinderError("--smoothing must be in [0, 1), got \(smoothing)")
        }
    }

    /// The learning rate of step `step` (0-based): `start` at 0 and `end` at `steps − 1`.
    package func learningRate(at step: Int) -> Double {
        let fraction = Double(step) / Double(steps - 1)
        switch mode {
        case .exponential: return start * pow(end / start, fraction)
        case .linear: return start + (end - start) * fraction
        }
    }

    /// What the run recorded and why it stopped.
    package struct Result: Sendable {
        package var series: LRSeries
        /// The bias-corrected moving average of the losses, one per step.
        package var smoothed: [Double]
        /// `reached --end`, or what made it stop early.
        package var stopReason: String
    }

    /// Runs the test on the trainer's network built from `hyperparameters` (its architecture,
    /// optimizer, momentum, weight decay, dropout and batch size; its learning rate, schedule and
    /// epochs do not apply), on the training rows of its split, from `seed`.
    package func run(
        _ hyperparameters: TrainerHyperparameters, seed: UInt64 = 0, dataset: DigitsDataset = .bundled
    ) throws(LRFinderError) -> Result {
        try validate()
        do { try hyperparameters.validate() } catch { throw LRFinderError(error.description) }
        BLASThreads.configure()
        let split = dataset.split(seed: UInt64(hyperparameters.splitSeed))
        var run = TrainingRun<Float>(hyperparameters, data: split.training, seed: seed)
        var smoother = LossSmoother(beta: smoothing)
        var series = LRSeries(learningRates: [], losses: [])
        var smoothed: [Double] = []
        var best = Double.infinity
        for step in 0..<steps {
            let lr = learningRate(at: step)
            let loss = run.step(lr: lr, momentum: hyperparameters.momentum).loss
            guard loss.isFinite else {
                return Result(
                    series: series, smoothed: smoothed,
                    stopReason: "the loss was \(MLPTrainer.describe(loss)) at step \(step + 1) (lr \(lr.boundText))")
            }
            let average = smoother.add(loss)
            series.learningRates.append(lr)
            series.losses.append(loss)
            smoothed.append(average)
            best = min(best, average)
            if average > divergeFactor * best {
                return Result(
                    series: series, smoothed: smoothed,
                    stopReason:
                        "smoothed loss \(Self.short(average)) > \(divergeFactor.boundText) × best \(Self.short(best)) "
                        + "at step \(step + 1) (lr \(Self.short(lr)))")
            }
        }
        return Result(series: series, smoothed: smoothed, stopReason: "reached --end after \(steps) steps")
    }

    /// The study step: runs the test on `hyperparameters` (a representative configuration of the
    /// study) and narrows the study's learning-rate range `within` around the suggestions (see
    /// `LRFinderAnalysis.narrowedRange(for:within:)`). Returns the range and the analysis, whose
    /// suggestions and series are worth recording in the results log.
    package func narrowedRange(
        for hyperparameters: TrainerHyperparameters, seed: UInt64 = 0, within original: (low: Double, high: Double)
    ) throws(LRFinderError) -> (low: Double, high: Double, analysis: LRFinderAnalysis) {
        let result = try run(hyperparameters, seed: seed)
        let analysis = try LRFinderAnalysis(result.series, smoothing: smoothing)
        let range = LRFinderAnalysis.narrowedRange(for: analysis.suggestions, within: original)
        return (range.low, range.high, analysis)
    }

    static func short(_ value: Double) -> String {
        String(format: "%.3g", value)
    }
}

/// The bias-corrected exponential moving average fastai uses: `avg ← β·avg + (1−β)·loss`,
/// reported as `avg / (1 − βⁿ)` after n values, so the first values are not pulled towards 0.
struct LossSmoother {
    let beta: Double
    private var average = 0.0
    private var count = 0

    init(beta: Double) {
        self.beta = beta
    }

    mutating func add(_ value: Double) -> Double {
        count += 1
        average = beta * average + (1 - beta) * value
        let correction = 1 - pow(beta, Double(count))
        return correction > 0 ? average / correction : value
    }
}
