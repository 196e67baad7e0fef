import Foundation
import HPOCore
import HPOJournal
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
        // Without a control address the page says it is read-only and offers no action.
        #expect(page.waitFor("document.getElementById('mode').textContent.startsWith('read-only')", within: 30))

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
        #expect(try page.evaluate("document.getElementById('controls').hidden") as? Bool == true)
        kill(coordinator.pid, SIGTERM)
        coordinator.waitForExit(within: 60)
    }

    @Test("with --control, a trial stopped from the page ends, and the log journals the action with the page's address")
    func stopTrialFromThePage() throws {
        let scratch = try Scratch()
        let runs = scratch.path("runs")
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        let log = runs + "/live.jsonl"
        let control = "tcp://127.0.0.1:\(freeLoopbackPort())"
        // Trials of 60 s: the trial whose button is pressed is still running when the request arrives, however
        // late a loaded machine renders the page (3 s trials once completed first: "Refused: ... already completed").
        // The coordinator's SIGTERM at the end cancels them.
        let study = try scratch.write(
            "live.yaml", braninStudy(name: "live", trials: 60, seed: 5, trial: "{builtin: branin, sleep: 60}"))
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--local-workers", "2", "--log", log, "--control", control], scratch: scratch,
            label: "coordinator")
        defer {
            kill(coordinator.pid, SIGTERM)
            coordinator.waitForExit(within: 60)
        }
        let serve = try ServeProcess([runs], scratch: scratch, extra: ["--control", "\(log)=\(control)"])
        let browser = try HeadlessChromium(scratch: scratch)
        let page = try browser.open("http://\(serve.address)/#/study/live")
        #expect(page.waitFor("document.getElementById('mode').dataset.control === 'on'", within: 60))
        let button = "document.querySelector('#running-trials button[data-action=\"stop_trial\"]:not(:disabled)')"
        #expect(page.waitFor("\(button) !== null", within: 120), "serve stderr:\n\(serve.running.stderr)")
        let trial = try #require(
            page.evaluate("(() => { const b = \(button); b.click(); return Number(b.dataset.trial); })()") as? Int)
        #expect(
            page.waitFor("document.getElementById('action-result').textContent.startsWith('Done')", within: 60),
            "result: \(String(describing: try? page.evaluate("document.getElementById('action-result').textContent")))")

        // In the log: the action with the page's address as its origin, then the trial's end.
        var taken: (action: String, origin: String)?
        var pruned = false
        _ = waitUntil(within: 60) {
            guard let records = try? LogSummary(path: log).records else { return false }
            for record in records {
                if case .controlAction(let e) = record.event, e.trial?.rawValue == trial {
                    taken = (e.action, e.origin)
                }
                if case .trialPruned(let e) = record.event, e.trial.rawValue == trial { pruned = true }
            }
            return taken != nil && pruned
        }
        #expect(taken?.action == "stop_trial")
        #expect(
            taken?.origin.hasPrefix("hpo serve: page at 127.0.0.1:") == true, "origin: \(String(describing: taken))")
        #expect(pruned, "trial \(trial) did not end after its stop")
        // And the page shows the journaled action.
        #expect(page.waitFor("document.querySelector('#actions tr[data-action=\"stop\"]') !== null", within: 60))

        // Action requests that are not the page's: refused, and nothing journaled.
        let address = serve.address
        let body = #"{"action":"stop_study"}"#
        let forged = [
            "POST /api/studies/live/actions HTTP/1.1\r\nHost: \(address)\r\nOrigin: http://\(address)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
            "POST /api/studies/live/actions HTTP/1.1\r\nHost: \(address)\r\nOrigin: http://evil.example\r\n"
                + "X-HPO-CSRF: guess\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        ]
        for request in forged {
            #expect(try RawHTTPClient.exchange(address, request).status == 403)
        }
        let stops = try LogSummary(path: log).records.filter {
            if case .controlAction(let e) = $0.event { e.action == "stop_study" } else { false }
        }
        #expect(stops.isEmpty)
        #expect(coordinator.process.isRunning)
    }
}
