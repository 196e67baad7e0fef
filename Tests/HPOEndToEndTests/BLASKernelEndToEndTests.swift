import Foundation
import Testing

@testable import HPOTraining

/// The executables choose OpenBLAS's kernels before the library is used: re-executed with
/// OPENBLAS_CORETYPE when OpenBLAS picked less than the CPU can run (simulated here: OpenBLAS
/// recognises this machine's CPU), never against an OPENBLAS_CORETYPE already set.
@Suite struct BLASKernelEndToEndTests {
    /// `hpo bench-trainer --epochs 1` in `environment` (OPENBLAS_CORETYPE removed unless given);
    /// returns the kernel line of its JSON.
    func kernel(_ environment: [String: String]) throws -> String {
        let scratch = try Scratch()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.path("hpo"))
        process.arguments = ["bench-trainer", "--epochs", "1", "--json", scratch.path("bench.json")]
        var merged = ProcessInfo.processInfo.environment
        merged["OPENBLAS_CORETYPE"] = nil
        merged.merge(environment) { $1 }
        process.environment = merged
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: scratch.path("bench.json")))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["openblas_kernel"] as? String)
    }

    @Test("a weak kernel set detected by OpenBLAS is replaced by the best one the CPU runs, by re-execution")
    func reexecutesWithBetterKernels() throws {
        let line = try kernel([BLASKernel.simulateVariable: "Prescott"])
        if let best = BLASKernel.kernel(for: BLASKernel.CPU.this.tier) {
            #expect(line == "\(best) (chosen by swift-hpo; OpenBLAS detected Prescott)")
        } else {
            #expect(line.hasSuffix("(detected by OpenBLAS)"))  // nothing better to run here
        }
    }

    @Test("OPENBLAS_CORETYPE in the environment is kept")
    func keepsTheEnvironmentsChoice() throws {
        let line = try kernel(["OPENBLAS_CORETYPE": "Prescott", BLASKernel.simulateVariable: "Prescott"])
        #expect(line == "Prescott (OPENBLAS_CORETYPE=Prescott)")
    }

    @Test("without a simulation, the kernels in use are as good as the CPU runs (OpenBLAS's choice or ours)")
    func bestKernelsInUse() throws {
        let line = try kernel([:])
        let name = String(line.prefix { $0 != " " })
        let cpu = BLASKernel.CPU.this.tier
        if let used = BLASKernel.tier(ofCore: name), cpu >= .avx2 {
            #expect(used >= cpu, "\(line) on a CPU of tier \(cpu)")
        }
        #expect(line.hasSuffix("(detected by OpenBLAS)") || line.contains("(chosen by swift-hpo; OpenBLAS detected "))
    }
}
