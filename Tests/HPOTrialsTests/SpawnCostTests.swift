import Foundation
import HPOCore
import HPOTrials
import Testing

@Suite struct SpawnCostTests {
    @Test("a trivial command trial costs milliseconds, not tens of them")
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
        #expect(median < 0.05, "median \(median) s")
    }
}
