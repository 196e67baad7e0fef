import Foundation
import HPOCore
import HPOTrials
import Testing

/// examples/train.py, run the way examples/command-study.yaml runs it.
@Suite struct ExampleScriptTests {
    private let command = ["python3", "examples/train.py", "--lr={lr}", "--momentum={momentum}"]

    @Test("train.py reports every epoch and a final val_loss, the same for the same parameters")
    func trainScript() async {
        let parameters: Parameters = ["lr": .double(0.1), "momentum": .double(0.5)]
        let first = await runTrial(
            .command(command),
            parameters: parameters,
            timeout: 60,
            workingDirectory: packageRoot
        )
        #expect(first.result.status == .completed, "\(first.result)")
        #expect(first.reports.map(\.step) == Array(1...20))
        #expect(first.reports.allSatisfy { $0.metrics["loss"] != nil })
        let valLoss = first.result.metrics["val_loss"] ?? .nan
        #expect(valLoss > 0 && valLoss < 0.1)
        #expect(first.result.metrics["epochs"] == 20)

        let second = await runTrial(
            .command(command),
            parameters: parameters,
            timeout: 60,
            workingDirectory: packageRoot
        )
        #expect(second.result.metrics == first.result.metrics)
    }

    @Test("train.py falls back to the parameters file, and a diverging run fails as NaN")
    func paramsFileAndDivergence() async {
        let fromFile = await runTrial(
            .command(["python3", "examples/train.py", "--epochs", "3"]),
            parameters: ["lr": .double(0.1), "momentum": .double(0.5)],
            workingDirectory: packageRoot
        )
        #expect(fromFile.result.status == .completed, "\(fromFile.result)")
        #expect(fromFile.reports.count == 3)

        let diverging = await runTrial(
            .command(command),
            parameters: ["lr": .double(1.0), "momentum": .double(0)],
            workingDirectory: packageRoot
        )
        #expect(diverging.result.status == .failed)
        #expect(diverging.result.reason == "objective metric 'val_loss' is NaN")
        #expect(diverging.result.stderrTail?.hasPrefix("diverged at epoch") == true)
    }
}
