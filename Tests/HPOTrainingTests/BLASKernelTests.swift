import Foundation
import Testing

@testable import HPOTraining

/// The choice of OpenBLAS kernels at start-up (`BLASKernel`); the re-execution itself is tested
/// end to end (HPOEndToEndTests/BLASKernelEndToEndTests).
@Suite struct BLASKernelTests {
    typealias CPU = BLASKernel.CPU
    static let avx512 = CPU(avx: true, avx2: true, fma: true, avx512: true)
    static let avx2 = CPU(avx: true, avx2: true, fma: true, avx512: false)

    @Test("a CPU that OpenBLAS 0.3.21 does not know (Prescott) gets the best kernels it can run")
    func upgradesUnknownCPUs() {
        #expect(BLASKernel.upgrade(loaded: "Prescott", cpu: Self.avx512, environment: [:]) == "SkylakeX")
        #expect(BLASKernel.upgrade(loaded: "Prescott", cpu: Self.avx2, environment: [:]) == "Haswell")
        #expect(BLASKernel.upgrade(loaded: "Nehalem", cpu: Self.avx2, environment: [:]) == "Haswell")
        #expect(BLASKernel.upgrade(loaded: "Sandybridge", cpu: Self.avx512, environment: [:]) == "SkylakeX")
        #expect(BLASKernel.upgrade(loaded: "Haswell", cpu: Self.avx512, environment: [:]) == "SkylakeX")
        #expect(BLASKernel.upgrade(loaded: "prescott", cpu: Self.avx512, environment: [:]) == "SkylakeX")
    }

    @Test("never a kernel set the CPU (or its OS) cannot run")
    func neverBeyondTheCPU() {
        // AVX2 without FMA3, AVX only, nothing: OpenBLAS's Haswell kernels need both.
        #expect(
            BLASKernel.upgrade(loaded: "Prescott", cpu: CPU(avx: true, avx2: true, fma: false), environment: [:]) == nil
        )
        #expect(BLASKernel.upgrade(loaded: "Prescott", cpu: CPU(avx: true), environment: [:]) == nil)
        #expect(BLASKernel.upgrade(loaded: "Prescott", cpu: CPU(), environment: [:]) == nil)
        // AVX-512 flags without AVX2/FMA (not a real CPU) still only gets what it can run.
        #expect(BLASKernel.CPU(avx: true, avx2: false, fma: false, avx512: true).tier == .avx)
    }

    @Test("never lowers OpenBLAS's own choice, nor touches names it does not know")
    func keepsGoodOrUnknownChoices() {
        for core in ["SkylakeX", "Cooperlake", "SapphireRapids"] {
            #expect(BLASKernel.upgrade(loaded: core, cpu: Self.avx512, environment: [:]) == nil)
        }
        #expect(BLASKernel.upgrade(loaded: "Haswell", cpu: Self.avx2, environment: [:]) == nil)
        #expect(BLASKernel.upgrade(loaded: "Zen", cpu: Self.avx2, environment: [:]) == nil)
        #expect(BLASKernel.upgrade(loaded: "Zen6", cpu: Self.avx512, environment: [:]) == nil)
        #expect(BLASKernel.upgrade(loaded: "", cpu: Self.avx512, environment: [:]) == nil)
    }

    @Test("OPENBLAS_CORETYPE, when set, always wins")
    func environmentWins() {
        #expect(
            BLASKernel.upgrade(loaded: "Prescott", cpu: Self.avx512, environment: ["OPENBLAS_CORETYPE": "Prescott"])
                == nil)
        #expect(
            BLASKernel.upgrade(loaded: "Haswell", cpu: Self.avx512, environment: ["OPENBLAS_CORETYPE": "Haswell"])
                == nil)
    }

    @Test("the CPU features read with CPUID agree with the kernel's /proc/cpuinfo flags")
    func featuresMatchCPUInfo() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let line = try #require(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") })
        let flags = Set(line.split(separator: ":")[1].split(separator: " ").map(String.init))
        let cpu = CPU.this
        #expect(cpu.avx == flags.contains("avx"))
        #expect(cpu.avx2 == flags.contains("avx2"))
        #expect(cpu.fma == flags.contains("fma"))
        let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        #expect(cpu.avx512 == avx512)
    }

    @Test("OpenBLAS reports the kernel set it uses, and it is one this code knows")
    func currentIsKnown() {
        #expect(BLASKernel.tier(ofCore: BLASKernel.current) != nil, "\(BLASKernel.current)")
        #expect(BLASKernel.description.hasPrefix(BLASKernel.current))
    }
}
