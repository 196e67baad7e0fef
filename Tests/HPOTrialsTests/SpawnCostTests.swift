import Foundation
import HPOCore
import HPOTrials
import Testing

@Suite struct SpawnCostTests {
    /// The figure itself (about 2 ms, 5 ms beside the test suite) is measured by this test's
    /// printout and by benchmarks/dispatch.sh; the bound only catches a regression that waits on
    /// every trial (the 0.5 s linger for leftover processes, the 2 s SIGTERM grace), so it holds
    /// on a machine loaded by parallel builds.
    @Test("a trivial command trial does not wait on anything: well under the 0.5 s linger")
    func trivialTrialCost() async {
        var durations: [Double] = []
        for _ in 0..<50 {
            let run = await runTrial(.command(["/bin/echo", #"{{"val_loss": 1}}"#]))
            #expect(run.result.status == .completed)
            durations.append(run.result.durationSeconds)
        }
        let median = durations.sorted()[durations.count / 2]
        print(
            "trivial command trial: median \(String(format: "%.2f", median * 1000)) ms over 50 runs, "
                + "max \(String(format: "%.2f", (durations.max() ?? 0) * 1000)) ms"
        )
        #expect(median < 0.4, "median \(median) s")
    }
}
