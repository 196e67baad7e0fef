import Foundation
import HPOTestSupport
import Testing

/// `hpo serve` on a real study's log, watched by headless Chromium over the DevTools protocol.
@Suite(.serialized) struct ServeBrowserEndToEndTests {
    @Test("the page shows the completed-trial count rising while the study runs, without a reload")
    func liveCountRises() throws {
        let scratch = try Scratch()
        let runs = scratch.path("runs")
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        let serve = try ServeProcess([runs], scratch: scratch)
        let browser = try HeadlessChromium(scratch: scratch)
        let page = try browser.open("http://\(serve.address)/")
        #expect(page.waitFor("document.getElementById('connection').dataset.state === 'live'", within: 60))
        #expect(page.waitFor("!document.getElementById('no-studies').hidden", within: 30), "an empty folder says so")

        // 240 trials of 0.25 s on 2 workers: 30 s of study at least (stopped once seen), far more than the page needs.
        let study = try scratch.write(
            "live.yaml", braninStudy(name: "live", trials: 240, seed: 3, trial: "{builtin: branin, sleep: 0.25}"))
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--local-workers", "2", "--log", runs + "/live.jsonl"], scratch: scratch,
            label: "coordinator")
        let count = "Number(document.querySelector('#study-list li[data-study=\"live\"]')?.dataset.completed ?? -1)"
        #expect(page.waitFor("\(count) >= 1", within: 90), "serve stderr:\n\(serve.running.stderr)")
        // A mark in the page's JavaScript state: a reload would lose it.
        try page.evaluate("window.hpoTestMark = 'kept'; true")
        let first = try #require(page.evaluate(count) as? Int)
        #expect(page.waitFor("\(count) > \(first)", within: 90), "the count did not rise past \(first)")
        #expect(try page.evaluate("window.hpoTestMark") as? String == "kept", "the page reloaded")
        // The study's panel (every plot of hpo report) follows too.
        #expect(page.waitFor("document.querySelector('#view svg#convergence-trials') !== null", within: 60))
        #expect(coordinator.process.isRunning, "the study should still be running: the check was live")
        kill(coordinator.pid, SIGTERM)
        coordinator.waitForExit(within: 60)
    }
}
