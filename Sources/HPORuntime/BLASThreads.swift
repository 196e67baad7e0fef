import CBLAS
import Foundation

/// How many threads OpenBLAS runs, one rule for every process of the package: one, unless the
/// user set `OPENBLAS_NUM_THREADS` (then their choice stands). OpenBLAS starts a thread per core,
/// and here that only oversubscribes the machine: a worker runs one trial per core, the trainer's
/// and the Gaussian process's matrices are small, and the coordinator's second BLAS thread would
/// compete with its loop (docs/trainer.md). Command trials get `OPENBLAS_NUM_THREADS=1` in their
/// environment by the same rule (`TrialEnvironment`).
///
/// Each executable calls `configure()` first thing in `main`; the trainer calls it too, for
/// programs that use the library directly (tests).
package enum BLASThreads {
    private static let configured: Bool = {
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil {
            openblas_set_num_threads(1)
        }
        return true
    }()

    /// Applies the rule above (idempotent and thread-safe: a `static let` runs once).
    package static func configure() {
        _ = configured
    }
}
