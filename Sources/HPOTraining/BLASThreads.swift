import CBLAS
import Foundation

/// OpenBLAS starts one thread per core; on a worker that runs one trial per core that only
/// oversubscribes the machine (see docs/trainer.md). The trainer asks for one BLAS thread, once per
/// process, unless `OPENBLAS_NUM_THREADS` is set, in which case the user's choice stands.
enum BLASThreads {
    private static let configured: Bool = {
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil {
            openblas_set_num_threads(1)
        }
        return true
    }()

    /// Applies the rule above (idempotent, thread-safe: a `static let` runs once).
    static func configure() {
        _ = configured
    }
}
