import Foundation
import HPOMetrics
import HPOTestSupport
import Testing

/// `hpo-coordinator --metrics` with real local workers: scraped over HTTP while the study runs.
@Suite(.serialized) struct MetricsEndToEndTests {
    /// Every family that must be there once a trial has completed (docs/operations.md, "Metrics").
    static let names = [
        "hpo_study_info", "hpo_trials", "hpo_trials_budget", "hpo_study_finished", "hpo_workers_connected",
        "hpo_workers_busy",
        "hpo_best_objective", "hpo_proposals_stale_total", "hpo_trials_dispatched_total", "hpo_dispatch_fallback_total",
        "hpo_fallback_ratio", "hpo_dispatch_latency_seconds", "hpo_journal_fsync_seconds", "hpo_proposal_seconds",
        "hpo_model_refit_seconds"
    ]

    @Test("a running study's /metrics is valid Prometheus text with the documented names and live values")
    func scrapeWhileRunning() throws {
        let scratch = try Scratch()
        // Long enough (80 trials of 0.2 s on 2 workers: 8 s) to be scraped mid-study; stopped once seen.
        let study = try scratch.write(
            "study.yaml", braninStudy(name: "e2e-metrics", trials: 80, seed: 5, trial: "{builtin: branin, sleep: 0.2}"))
        let address = "127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [study, "--local-workers", "2", "--log", scratch.path("results.jsonl"), "--metrics", address],
            scratch: scratch, label: "coordinator")

        // Scrape until the study is seen mid-run: both workers in, trials dispatched and one completed.
        var last: PrometheusExposition?
        var lastError = ""
        let seen = waitUntil(within: 60) {
            guard coordinator.process.isRunning else { return false }
            do {
                let answer = try RawHTTPClient.exchange(
                    address, "GET /metrics HTTP/1.1\r\nHost: \(address)\r\n\r\n", within: 5)
                guard answer.status == 200 else { return false }
                #expect(answer.headers.contains("Content-Type: text/plain; version=0.0.4"))
                let parsed = try PrometheusExposition(parsing: answer.body)
                last = parsed
                return parsed.value("hpo_workers_connected") == 2
                    && (parsed.value("hpo_trials", ["state": "completed"]) ?? 0) >= 1
                    && (parsed.value("hpo_trials_dispatched_total") ?? 0) > 0
            } catch {
                lastError = "\(error)"  // not listening yet, or (a failure) text that does not parse
                return false
            }
        }
        #expect(seen, "last error: \(lastError); coordinator stderr:\n\(coordinator.stderr)")
        let metrics = try #require(last)
        #expect(Set(metrics.families.keys) == Set(Self.names))
        #expect(metrics.value("hpo_study_info", ["study": "e2e-metrics", "strategy": "random"]) == 1)
        #expect(metrics.value("hpo_trials_budget") == 80)
        #expect(metrics.value("hpo_study_finished") == 0)
        #expect((metrics.value("hpo_workers_busy") ?? -1) >= 0 && (metrics.value("hpo_workers_busy") ?? 3) <= 2)
        let dispatched = metrics.value("hpo_trials_dispatched_total") ?? 0
        #expect(dispatched >= 1 && dispatched <= 80)
        #expect(metrics.value("hpo_fallback_ratio") == 0, "random search has no fallback")
        #expect((metrics.value("hpo_dispatch_latency_seconds_count") ?? 0) >= 1)
        #expect((metrics.value("hpo_journal_fsync_seconds_count") ?? 0) >= 1)
        #expect((metrics.value("hpo_journal_fsync_seconds_sum") ?? -1) >= 0)
        #expect(coordinator.stderr.contains("metrics on http://\(address)/metrics"))

        // A bad request on the live coordinator: a 4xx, and the study goes on.
        #expect(try RawHTTPClient.exchange(address, "BREW /metrics HTTP/1.1\r\n\r\n").status == 405)
        #expect(try RawHTTPClient.exchange(address, "nonsense\r\n\r\n").status == 400)
        #expect(try RawHTTPClient.exchange(address, "GET /metrics HTTP/1.1\r\n\r\n").status == 200)

        kill(coordinator.pid, SIGTERM)
        #expect(coordinator.waitForExit(within: 30) == 130, "stderr:\n\(coordinator.stderr)")
        #expect(throws: (any Error).self, "the metrics port is closed with the coordinator") {
            try RawHTTPClient(address)
        }
    }

    @Test("a metrics address that is taken stops the coordinator at once with exit 2")
    func addressTaken() throws {
        let scratch = try Scratch()
        let study = try scratch.write(
            "study.yaml", braninStudy(name: "e2e-metrics-taken", trials: 2, seed: 1, trial: "{builtin: branin}"))
        let holder = try MetricsHTTPServer(listen: "127.0.0.1:0") { "" }
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [study, "--local-workers", "1", "--log", scratch.path("results.jsonl"), "--metrics", holder.boundAddress],
            scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 30) == 2)
        #expect(
            coordinator.stderr.contains("cannot serve metrics on \(holder.boundAddress)"),
            "stderr:\n\(coordinator.stderr)")
    }
}
