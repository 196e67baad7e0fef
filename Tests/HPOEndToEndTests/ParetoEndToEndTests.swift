import Foundation
import HPOCore
import HPOJournal
import Testing

/// A two-objective study with an outcome constraint, with real processes: the coordinator, four
/// workers running the built-in ZDT1, then `hpo status --json`, `hpo export` and `hpo report`.
@Suite(.serialized) struct ParetoEndToEndTests {
    @Test(
        """
        a two-objective bayes study with a constraint completes; the log marks feasibility, and status, \
        export and report carry the front, which holds no infeasible trial
        """
    )
    func paretoStudyWithConstraint() throws {
        let scratch = try Scratch()
        let study = try scratch.write(
            "study.yaml",
            """
            name: pareto
            objective:
              - {metric: f1, direction: minimize, reference: 11}
              - {metric: f2, direction: minimize, reference: 11}
            constraints: [{metric: f1, max: 0.5}]
            budget: {trials: 24}
            strategy: {kind: bayes, initial: 8}
            seed: 4
            space:
              x0: {type: float, low: 0, high: 1}
              x1: {type: float, low: 0, high: 1}
              x2: {type: float, low: 0, high: 1}
            trial: {builtin: zdt1, sleep: 0.05}
            """)
        let log = scratch.path("results.jsonl")
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--log", log, "--local-workers", "4"], scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 120) == 0, "\(coordinator.stderr)")

        // The log: every trial completed, `feasible` exactly when f1 <= 0.5, no configuration twice.
        let summary = try LogSummary(path: log)
        let completed = summary.completed
        #expect(completed.count == 24 && summary.failed.isEmpty)
        for event in completed {
            let f1 = try #require(event.metrics["f1"])
            #expect(event.metrics["f2"] != nil)
            #expect(
                event.feasible == (f1 <= 0.5),
                "trial \(event.trial): f1 \(f1), feasible \(String(describing: event.feasible))")
        }
        #expect(Set(completed.map(\.params)).count == 24)
        #expect(summary.finished?.bestTrial == nil, "several objectives: a front, not a best trial")
        let infeasible = completed.filter { $0.feasible == false }.count
        #expect(infeasible > 0, "the design puts some trials beyond the bound, so the test sees both kinds")

        // The front, computed here from the log.
        let feasible = completed.filter { $0.feasible == true }
        let losses = feasible.map { [$0.metrics["f1"]!, $0.metrics["f2"]!] }
        let front = Set(ParetoFront.nonDominated(losses).map { feasible[$0].trial.rawValue })
        let volume = ParetoFront.hypervolume(losses, reference: [11, 11])
        #expect(!front.isEmpty && volume > 0)

        // hpo status --json.
        let status = try RunningProcess("hpo", ["status", "--json", log], scratch: scratch, label: "status")
        #expect(status.waitForExit(within: 30) == 0, "\(status.stderr)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(document["best"] is NSNull)
        let pareto = try #require(document["pareto"] as? [String: Any])
        let statusFront = try #require(pareto["front"] as? [[String: Any]])
        #expect(Set(statusFront.compactMap { $0["trial"] as? Int }) == front)
        let hypervolume = try #require(pareto["hypervolume"] as? Double)
        #expect(abs(hypervolume - volume) <= 1e-9 * volume, "status \(hypervolume), log \(volume)")
        let history = try #require(pareto["hypervolume_history"] as? [[String: Any]])
        #expect(history.count == 24 && (history.last?["hypervolume"] as? Double) == hypervolume)
        let counts = try #require(document["counts"] as? [String: Any])
        #expect(counts["infeasible"] as? Int == infeasible)

        // hpo export: `pareto` true exactly on the front, `feasible` as in the log.
        let export = try RunningProcess(
            "hpo", ["export", log, "--format", "jsonl"], scratch: scratch, label: "export")
        #expect(export.waitForExit(within: 30) == 0, "\(export.stderr)")
        let rows = export.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(rows.count == 24)
        #expect(Set(rows.filter { $0["pareto"] as? Bool == true }.compactMap { $0["trial"] as? Int }) == front)
        #expect(rows.filter { $0["feasible"] as? Bool == false }.count == infeasible)

        // hpo report: the front plot with every trial and the front's size, and the hypervolume plot.
        let page = scratch.path("report.html")
        let report = try RunningProcess("hpo", ["report", log, "-o", page], scratch: scratch, label: "report")
        #expect(report.waitForExit(within: 60) == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("data-plot=\"pareto-front\""))
        #expect(html.contains("data-front=\"\(front.count)\"") && html.contains("data-points=\"24\""))
        #expect(html.contains("data-plot=\"hypervolume\""))
    }
}
