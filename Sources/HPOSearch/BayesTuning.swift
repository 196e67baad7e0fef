import HPOGaussianProcess

/// Knobs of `BayesianSearch` that are not study-file options.
package struct BayesTuning: Sendable {
    /// With at most this many results, every new result gets a full fit (several starts, the
    /// output warping chosen again): cheap at that size, and worth it in asynchronous mode
    /// (see `docs/bayes.md`).
    package var alwaysFullRefitUpTo = 100
    /// Beyond that, refit from scratch once this fraction of the data is new since the last
    /// full fit; in between, warm-started iterations or none (`warmRefitFraction`).
    package var fullRefitFraction = 0.125
    /// Between full fits, warm-start a few iterations once this fraction of the data is new
    /// since the last fit (every result while n < 1/fraction); otherwise keep the
    /// hyperparameters and only recompute the posterior.
    package var warmRefitFraction = 0.02
    /// The most results the model is fitted to; beyond it, a subset (see `ModelSubset`), so that
    /// the cost of a proposal stops growing with the study (O(n³) fits, O(n²) per candidate).
    package var maxModelPoints = 300
    /// Iterations of a warm-started refit.
    package var warmIterations = 12
    package var fullIterations = 60
    package var randomRestarts = 2
    /// The constant liar's lie is kept within this many posterior standard deviations of the
    /// model's mean at the pending point (nil: the bare constant, as Ginsbourger et al.). Measured
    /// through the coordinator (`hpo bench`, 8 workers, 10 seeds, lie min): Hartmann-6 median
    /// log10 regret 0.02 bare, -1.04 with 1 sd, -1.72 with 0.5 sd; Branin -0.68, -5.04, -5.37.
    package var lieBand: Double? = 0.5
    /// Outcome constraints while no result is feasible: a pending point's lie for the constraint
    /// likeliest to break there is its bound pushed this many posterior sds past it (see
    /// `FeasibilityModel.condition(onPending:lieSDs:)`).
    package var feasibilityLieSDs = 1.0
    /// Failed trials (crashes, timeouts, NaN) count as the worst value observed so far, so the
    /// model learns to avoid where they happen (see docs/bayes.md, "Failed trials").
    package var imputeFailures = true
    /// Points closer than this (largest coordinate difference, unit cube) are the same point.
    package var duplicateTolerance = 1e-6
    var acquisition = AcquisitionOptimizer()

    /// Mean and sd of the log noise variance's prior (standardised outputs).
    package var noisePrior = (mean: -9.0, sd: 3.0)
    /// The priors of the log variance of the kernel's additive part that a full fit tries, each
    /// fitted and the one that ranks held-out results best kept (see `docs/bayes.md`); nil in
    /// the list is the plain ARD kernel. A small additive part suits most objectives; a large
    /// one finds the right basin of each parameter of a nearly separable one (Styblinski–Tang)
    /// far sooner.
    package var kernelPriors: [(mean: Double, sd: Double)?] = [(mean: -1.0, sd: 2.0), (mean: 2.0, sd: 2.0)]

    func priors(_ d: Int, kernel: Int = 0) -> GPPriors {
        var priors = GPPriors.standard(dimension: d)
        priors.noiseVariance = NormalPrior(mean: noisePrior.mean, sd: noisePrior.sd)
        let additive = kernelPriors.indices.contains(kernel) ? kernelPriors[kernel] : nil
        priors.additiveVariance = additive.map { NormalPrior(mean: $0.mean, sd: $0.sd) }
        return priors
    }

    package init() {}

    /// Axis-move candidates per proposal (see `AcquisitionOptimizer.axisMoves`).
    package var axisMoves: Int {
        get { acquisition.axisMoves }
        set { acquisition.axisMoves = newValue }
    }

    /// Space-filling candidates per proposal.
    package var candidateCount: Int {
        get { acquisition.spaceFillingCount }
        set { acquisition.spaceFillingCount = newValue }
    }
}
