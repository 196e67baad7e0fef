import Foundation
import HPOTestSupport
import Testing

/// The screenshots in docs/serve.md, from a real run: two finished studies (random and Bayesian
/// search on Branin) and a running one, served by `hpo serve` and captured by headless Chromium.
/// Run on purpose only: `HPO_SERVE_SCREENSHOTS=$PWD/docs swift test --skip-build --filter ServeScreenshots`.
@Suite(.serialized) struct ServeScreenshots {
    static let folder = ProcessInfo.processInfo.environment["HPO_SERVE_SCREENSHOTS"]

    @Test(
        "screenshots of the live page: a running study (light, and dark on a phone) and a comparison (dark)",
        .enabled(if: folder != nil))
    func capture() throws {
        let folder = try #require(Self.folder)
        let scratch = try Scratch()
        let runs = scratch.path("runs")
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        for (name, strategy) in [("branin-random", "random"), ("branin-bayes", "bayes")] {
            let study = try scratch.write(
                "\(name).yaml",
                braninStudy(name: name, trials: 40, seed: 4, trial: "{builtin: branin}")
                    .replacingOccurrences(of: "strategy: random", with: "strategy: \(strategy)"))
            let coordinator = try RunningProcess(
                "hpo-coordinator", [study, "--local-workers", "2", "--log", runs + "/\(name).jsonl"], scratch: scratch,
                label: name)
            #expect(coordinator.waitForExit(within: 300) == 0)
        }
        let control = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let serve = try ServeProcess(
            [runs], scratch: scratch, extra: ["--control", runs + "/branin-live.jsonl=\(control)"])
        let live = try scratch.write(
            "live.yaml",
            braninStudy(name: "branin-live", trials: 1500, seed: 8, trial: "{builtin: branin, sleep: 0.4}")
                .replacingOccurrences(of: "strategy: random", with: "strategy: bayes"))
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [live, "--local-workers", "2", "--log", runs + "/branin-live.jsonl", "--control", control],
            scratch: scratch,
            label: "live")
        defer {
            kill(coordinator.pid, SIGTERM)
            _ = waitUntil(within: 120) { !coordinator.process.isRunning }
        }
        let count =
            "Number(document.querySelector('#study-list li[data-study=\"branin-live\"]')?.dataset.completed ?? -1)"

        let light = try HeadlessChromium(scratch: scratch, width: 1280, height: 1500)
        let page = try light.open("http://\(serve.address)/#/study/branin-live")
        #expect(page.waitFor("\(count) >= 40", within: 300))
        #expect(page.waitFor("document.querySelector('#view svg#convergence-trials') !== null", within: 60))
        usleep(700_000)  // the panel of the latest version in place
        try page.screenshot(to: folder + "/serve-running-light.png")

        let darkScratch = try Scratch()
        let phone = try HeadlessChromium(scratch: darkScratch, width: 500, height: 1500, dark: true)
        let small = try phone.open("http://\(serve.address)/#/study/branin-live")
        try small.emulatePhone(width: 390, height: 1500)
        #expect(small.waitFor("document.querySelector('#view svg#convergence-trials') !== null", within: 60))
        usleep(700_000)
        try small.screenshot(to: folder + "/serve-running-dark-phone.png")
        #expect(try small.evaluate("innerWidth") as? Int == 390, "laid out as a phone")
        #expect(
            try small.evaluate("document.documentElement.scrollWidth <= innerWidth") as? Bool == true,
            "nothing wider than the phone's screen")

        let compareScratch = try Scratch()
        let dark = try HeadlessChromium(scratch: compareScratch, width: 1280, height: 820, dark: true)
        let compare = try dark.open("http://\(serve.address)/#/compare/branin-random,branin-bayes,branin-live")
        #expect(compare.waitFor("document.querySelector('#view svg#comparison') !== null", within: 60))
        try compare.evaluate(
            "for (const box of document.querySelectorAll('#study-list input')) { box.checked = true; "
                + "box.dispatchEvent(new Event('change')); } true")
        usleep(700_000)
        try compare.screenshot(to: folder + "/serve-compare-dark.png")
    }
}
