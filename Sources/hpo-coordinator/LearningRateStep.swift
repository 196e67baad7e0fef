import HPOCore
import HPOJournal
import HPOTraining

/// `--lr-find`: before a study of the built-in trainer starts, a learning-rate range test on the
/// trainer's defaults narrows the study's `learning_rate` range around the rates where the loss
/// falls (docs/lr-finder.md says when this helps). The test and the range go into the log, and a
/// resumed study takes the range from there instead of testing again.
enum LearningRateStep {
    static let parameter = "learning_rate"

    /// The study with a narrowed range, and the event recording why.
    static func narrow(_ config: StudyConfig) throws -> (StudyConfig, JournalEvent) {
        let (index, low, high, log) = try learningRateParameter(of: config)
        let test = LRRangeTest()
        let hyperparameters = TrainerHyperparameters()
        let found: (low: Double, high: Double, analysis: LRFinderAnalysis)
        do {
            found = try test.narrowedRange(for: hyperparameters, seed: config.seed, within: (low, high))
        } catch {
            throw SetupFailure("--lr-find: the range test failed: \(error)")
        }
        var narrowed = config
        narrowed.space.parameters[index].domain = .float(low: found.low, high: found.high, log: log)
        let suggestions = found.analysis.suggestions
        let event = LRRangeTestRan(
            parameter: parameter, lrs: found.analysis.series.learningRates, losses: found.analysis.series.losses,
            smoothed: found.analysis.smoothed, suggestion: suggestions.steepest, suggestions: suggestions.named,
            originalLow: low, originalHigh: high, low: found.low, high: found.high)
        return (narrowed, .lrRangeTest(event))
    }

    /// The study file's config with the range a logged range test chose (for a resume).
    static func applyLogged(_ records: [JournalRecord], to config: StudyConfig) -> StudyConfig {
        guard let test = records.lazy.compactMap({ if case .lrRangeTest(let e) = $0.event { e } else { nil } }).first,
            let low = test.low, let high = test.high,
            let (index, _, _, log) = try? learningRateParameter(of: config)
        else { return config }
        var narrowed = config
        narrowed.space.parameters[index].domain = .float(low: low, high: high, log: log)
        return narrowed
    }

    private static func learningRateParameter(of config: StudyConfig) throws -> (Int, Double, Double, Bool) {
        guard config.trial.program == .builtin("mlp") else {
            throw SetupFailure("--lr-find works with the built-in trainer (trial: {builtin: mlp})")
        }
        guard let index = config.space.parameters.firstIndex(where: { $0.name == parameter }),
            case .float(let low, let high, let log) = config.space.parameters[index].domain
        else {
            throw SetupFailure("--lr-find needs a float parameter '\(parameter)' in the space to narrow")
        }
        return (index, low, high, log)
    }
}
