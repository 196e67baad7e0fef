import CBLAS
import CCPUFeatures
import Foundation

/// Which of OpenBLAS's kernel sets this process uses, and choosing a better one at start-up.
///
/// Debian's OpenBLAS is one library with kernels for many CPUs (`DYNAMIC_ARCH`); a constructor
/// picks one from the CPU model when the library loads, before `main`. OpenBLAS 0.3.21 does not
/// know the newer CPU models and falls back to *Prescott* (SSE3) kernels on them, 2–4× slower
/// than its AVX2 or AVX-512 ones (docs/performance.md). The only way to choose is
/// `OPENBLAS_CORETYPE` in the environment when the library loads, and in a dynamically linked
/// executable the library loads before any of the executable's code runs (a C constructor in the
/// executable runs after the library's: measured, see docs/performance.md). So
/// `selectAtStartup()`, called first thing in `main`, compares the kernels OpenBLAS chose with what
/// the CPU and OS can run, and when the CPU can run a better set it sets `OPENBLAS_CORETYPE` and
/// executes the same program again (`execv` of `/proc/self/exe`, same pid, arguments and file
/// descriptors). It never picks a set the CPU lacks (CPUID and XCR0, see `cpu_features.h`),
/// never lowers OpenBLAS's own choice, leaves kernel names it does not know alone (a newer
/// OpenBLAS knows better), and never overrides an `OPENBLAS_CORETYPE` already set: an operator
/// may pin the kernels, for instance so that every host of a cluster rounds the same way.
package enum BLASKernel {
    /// Set by `selectAtStartup()` before it re-executes: the kernel set OpenBLAS had detected.
    static let detectedVariable = "HPO_OPENBLAS_DETECTED"
    /// For tests: act as if OpenBLAS had detected this kernel set (there is no other way to see
    /// the re-execution on a CPU that OpenBLAS recognises).
    static let simulateVariable = "HPO_BLAS_SIMULATE_DETECTED_CORE"

    /// The kernel set OpenBLAS uses in this process, as it names it ("Haswell", "SkylakeX", …).
    package static var current: String { String(cString: openblas_get_corename()) }

    /// `current` and who chose it, for reports: "SkylakeX (chosen by swift-hpo; OpenBLAS detected
    /// Prescott)", "Haswell (OPENBLAS_CORETYPE=Haswell)" or "Cooperlake (detected by OpenBLAS)".
    package static var description: String {
        let environment = ProcessInfo.processInfo.environment
        let core = current
        if let detected = environment[detectedVariable], environment["OPENBLAS_CORETYPE"] != nil {
            return "\(core) (chosen by swift-hpo; OpenBLAS detected \(detected))"
        }
        if let forced = environment["OPENBLAS_CORETYPE"] { return "\(core) (OPENBLAS_CORETYPE=\(forced))" }
        return "\(core) (detected by OpenBLAS)"
    }

    /// Vector instruction sets, weakest first.
    enum Tier: Int, Comparable, Sendable {
        case sse, avx, avx2, avx512
        static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
    }

    /// What the CPU and OS can run (`hpo_read_cpu_features`).
    struct CPU: Equatable, Sendable {
        var avx = false, avx2 = false, fma = false, avx512 = false

        static var this: CPU {
            let f = hpo_read_cpu_features()
            return CPU(avx: f.avx != 0, avx2: f.avx2 != 0, fma: f.fma != 0, avx512: f.avx512 != 0)
        }

        /// The best tier whose OpenBLAS kernels can run here. OpenBLAS's Haswell kernels use AVX2
        /// and FMA3; its SkylakeX kernels AVX-512 F/CD/BW/DQ/VL (and AVX2/FMA3 for the rest).
        var tier: Tier {
            if avx512 && avx2 && fma { return .avx512 }
            if avx2 && fma { return .avx2 }
            if avx { return .avx }
            return .sse
        }
    }

    /// The tier of an OpenBLAS kernel set by its name (0.3.x names, any case), or nil for a name
    /// not in these lists.
    static func tier(ofCore name: String) -> Tier? {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": .avx512
        case "haswell", "zen", "excavator": .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller": .avx
        case "unknown", "prescott", "core2", "nehalem", "penryn", "dunnington", "atom", "nano", "barcelona",
            "opteron", "opteron_sse3", "bobcat", "athlon", "katmai", "coppermine", "northwood", "banias":
            .sse
        default: nil
        }
    }

    /// The kernel set to name in `OPENBLAS_CORETYPE` for a tier (nil: none better than the
    /// generic ones worth a re-execution).
    static func kernel(for tier: Tier) -> String? {
        switch tier {
        case .avx512: "SkylakeX"
        case .avx2: "Haswell"
        case .avx, .sse: nil
        }
    }

    /// The kernel set to switch to, or nil to keep the one loaded: only when
    /// `OPENBLAS_CORETYPE` is unset, the loaded set is one we know, and the CPU can run a better
    /// one.
    static func upgrade(loaded: String, cpu: CPU, environment: [String: String]) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, let loadedTier = tier(ofCore: loaded) else { return nil }
        let best = cpu.tier
        guard best > loadedTier else { return nil }
        return kernel(for: best)
    }

    /// Call first thing in `main` of every executable that may train, before any thread or file
    /// is opened: when a better kernel set is safe, re-executes the program with
    /// `OPENBLAS_CORETYPE` set (it does not return then). Otherwise returns at once (a CPUID
    /// read); if `execv` fails the program carries on with the kernels it has.
    package static func selectAtStartup() {
        let environment = ProcessInfo.processInfo.environment
        let loaded = environment[simulateVariable] ?? current
        guard let choice = upgrade(loaded: loaded, cpu: .this, environment: environment) else { return }
        setenv("OPENBLAS_CORETYPE", choice, 1)
        setenv(detectedVariable, loaded, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Still here: the re-execution failed. Do not pass a choice this process did not apply
        // on to its children.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(detectedVariable)
    }
}
