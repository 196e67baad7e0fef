import CBLAS

/// OpenBLAS starts one thread per core; for the small matrices of a GP one thread is faster, and
/// several processes on one machine otherwise oversubscribe it.
public enum BLASThreads {
    /// Makes every later BLAS call single-threaded (process-wide).
    public static func useOne() { openblas_set_num_threads(1) }
}
