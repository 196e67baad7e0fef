import Foundation
import HPOCore
import HPOJournal
import Testing

@testable import HPOReport

@Suite struct ExportAndStatusTests {
    let table = TrialTable(history: StudyHistory(records: KnownLog.records))

    /// Splits CSV text (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) into rows.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.append("\"")
                    } else {
                        quoted = false
                        pending = next
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }

    @Test("CSV: a header, one row per trial with its final state, commas quoted")
    func csv() throws {
        let text = TrialExport.csv(table)
        let rows = Self.parseCSV(text)
        let header = try #require(rows.first)
        #expect(
            header == [
                "trial", "attempt", "status", "objective", "duration_s", "worker", "param_lr", "param_layers",
                "param_opt",
                "metric_acc", "metric_val_loss", "reason"
            ])
        #expect(rows.count == 7)
        #expect(rows.allSatisfy { $0.count == header.count })
        let byTrial = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0) })
        #expect(byTrial["2"]?[2] == "completed")
        #expect(byTrial["2"]?[8] == "adam, fused")
        #expect(text.contains("\"adam, fused\""))
        #expect(byTrial["3"]?[2] == "failed")
        #expect(byTrial["3"]?[1] == "2")
        #expect(byTrial["3"]?[3] == "")
        #expect(byTrial["3"]?[11] == "timeout after 2 s")
        #expect(byTrial["4"]?[1] == "2")
        #expect(byTrial["4"]?[5] == KnownLog.w2.rawValue)
        #expect(byTrial["5"]?[3] == "0.125")
        #expect(byTrial["5"]?[6] == "0.0001")
        #expect(byTrial["5"]?[7] == "1")
        #expect(byTrial["6"]?[2] == "running")
        #expect(byTrial["6"]?[4] == "")
    }

    @Test("CSV fields with quotes, commas, line breaks or edge spaces are quoted; others are not")
    func csvQuoting() {
        #expect(TrialExport.csvField("plain") == "plain")
        #expect(TrialExport.csvField("a,b") == "\"a,b\"")
        #expect(TrialExport.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(TrialExport.csvField("two\nlines") == "\"two\nlines\"")
        #expect(TrialExport.csvField(" padded") == "\" padded\"")
    }

    @Test("JSON Lines: one object per trial with the same keys, params and metrics as objects")
    func jsonLines() throws {
        let lines = TrialExport.jsonLines(table).split(separator: "\n")
        #expect(lines.count == 6)
        let objects = try lines.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let keys = Set([
            "trial", "attempt", "status", "objective", "duration_s", "worker", "params", "metrics", "reason"
        ])
        #expect(objects.allSatisfy { Set($0.keys) == keys })
        #expect(objects[1]["params"].flatMap { ($0 as? [String: Any])?["opt"] as? String } == "adam, fused")
        #expect(objects[5]["status"] as? String == "running")
        #expect(objects[5]["objective"] is NSNull)
        #expect(objects[4]["objective"] as? Double == 0.125)
    }

    @Test("status --json matches the log: counts, best, workers, pace and the top trials")
    func statusJSON() throws {
        let path = try KnownLog.write()
        defer { unlink(path) }
        let log = try StudyLog.load(path: path)
        let summary = StudySummary(records: log.records, top: 2)
        let text = try summary.json(path: path, tornTail: log.tornTail, unknownEvents: log.unknownEvents)
        let json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(
            Set(json.keys) == [
                "schema", "log", "study", "state", "finish_reason", "objective", "budget", "counts", "best", "time",
                "workers", "top",
                "placement_warning", "objectives", "constraints", "pareto", "actions"
            ])
        #expect(json["pareto"] is NSNull, "one objective: no front")
        #expect((json["constraints"] as? [Any])?.isEmpty == true)
        #expect(json["placement_warning"] is NSNull)
        #expect((json["actions"] as? [Any])?.isEmpty == true)
        #expect(json["schema"] as? Int == 1)
        #expect(json["study"] as? String == "known <study>")
        #expect(json["state"] as? String == "running")
        #expect(json["finish_reason"] is NSNull)
        let logInfo = try #require(json["log"] as? [String: Any])
        #expect(logInfo["path"] as? String == path)
        #expect(
            logInfo["unknown_events"] as? Int == 1, "lr_range_test is a journal event; one line is of an unknown kind")
        #expect(logInfo["torn_tail"] as? Bool == false)
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(
            counts == [
                "completed": 4, "failed": 1, "pruned": 0, "paused": 0, "running": 1, "queued": 0, "interrupted": 0,
                "done": 5, "attempts": 8, "failed_attempts": 2, "lost_attempts": 1, "preempted_attempts": 0,
                "retries": 2, "results_dropped": 1, "from_fallback": 0, "stale_proposals": 0, "infeasible": 0
            ])
        let best = try #require(json["best"] as? [String: Any])
        #expect(best["trial"] as? Int == 5)
        #expect(best["objective"] as? Double == 0.125)
        #expect((best["params"] as? [String: Any])?["opt"] as? String == "sgd")
        #expect((best["params"] as? [String: Any])?["layers"] as? Int == 1)
        let workers = try #require(json["workers"] as? [String: Any])
        #expect(workers["seen"] as? Int == 2)
        #expect(workers["connected"] as? Int == 1)
        #expect(workers["busy"] as? Int == 1)
        let time = try #require(json["time"] as? [String: Any])
        #expect(time["started"] as? Double == 1000)
        #expect(time["as_of"] as? Double == 1009.6, "the last known line is the lr_range_test")
        #expect((time["elapsed_s"] as? Double).map { abs($0 - 9.6) < 1e-9 } == true)
        let budget = try #require(json["budget"] as? [String: Any])
        #expect(budget["trials"] as? Int == 6)
        #expect(budget["wall_time_s"] is NSNull)
        let top = try #require(json["top"] as? [[String: Any]])
        #expect(top.map { $0["trial"] as? Int } == [5, 1])
        #expect(top.first?["worker"] as? String == KnownLog.w2.rawValue)
        #expect((top.first?["metrics"] as? [String: Double])?["val_loss"] == 0.125)
    }

    @Test("the status text names the state, the counts, the best trial and lists the top trials")
    func statusText() {
        let text = StatusText.render(StudySummary(records: KnownLog.records, top: 3), path: "known.jsonl")
        #expect(text.hasPrefix("study known <study>: running\n"))
        #expect(text.contains("5 of 6 done: 4 completed, 1 failed; 1 running"))
        #expect(text.contains("best       val_loss 0.125 at trial #5"))
        #expect(text.contains("lr=1e-4  layers=1  opt=sgd"))
        #expect(text.contains("1 busy of 1 connected (2 seen)"))
        let table = text.split(separator: "\n").drop { !$0.hasPrefix("top 3") }
        #expect(table.count == 5)  // title, header, three rows
        #expect(table.dropFirst().first?.contains("rank  trial  val_loss") == true)
    }

    @Test("trials configured by the quasi-random fallback are counted once each and shown in the status")
    func fallbackCount() {
        func dispatch(_ trial: Int, _ attempt: Int, fallback: Bool?) -> JournalRecord {
            JournalRecord(
                event: .trialDispatched(
                    TrialDispatched(
                        trial: TrialID(trial), attempt: attempt, worker: KnownLog.w1, params: [:], fallback: fallback)),
                time: 1001 + Double(trial))
        }
        let started = JournalRecord(
            event: .studyStarted(StudyStarted(study: "s", config: KnownLog.config(), software: "0.1.0", host: "box")),
            time: 1000)
        // Trial 1 came from the fallback (and was dispatched again: still one trial), trial 2 from the model.
        let records = [
            started, dispatch(1, 1, fallback: true), dispatch(2, 1, fallback: nil), dispatch(1, 2, fallback: true)
        ]
        let summary = StudySummary(records: records, top: 1)
        #expect(summary.counts.fromFallback == 1)
        #expect(StatusText.render(summary).contains("search     1 of the trials quasi-random"))
        #expect(!StatusText.render(StudySummary(records: KnownLog.records, top: 1)).contains("quasi-random"))
    }
}

@Suite struct PlacementStatusTests {
    @Test("hpo status shows a placement warning until a trial is dispatched again")
    func placementWarning() {
        let started = JournalRecord(
            event: .studyStarted(StudyStarted(study: "s", config: KnownLog.config(), software: "0.1.0", host: "box")),
            time: 1000)
        let warning = JournalRecord(
            event: .placementWarning(
                PlacementWarning(
                    reason:
                        """
                        no connected worker can run this study's trials (each needs 2 GPUs); w1: has 1 GPU, a \
                        trial needs 2
                        """,
                    gpus: 2, labels: [], workers: [.init(worker: KnownLog.w1, reason: "has 1 GPU, a trial needs 2")])),
            time: 1001)
        let waiting = StudySummary(records: [started, warning], top: 1)
        #expect(waiting.placementWarning?.contains("each needs 2 GPUs") == true)
        #expect(StatusText.render(waiting).contains("\n  warning    no connected worker can run this study's trials"))
        let dispatched = JournalRecord(
            event: .trialDispatched(TrialDispatched(trial: TrialID(1), attempt: 1, worker: KnownLog.w1, params: [:])),
            time: 1002)
        #expect(StudySummary(records: [started, warning, dispatched], top: 1).placementWarning == nil)
        #expect(!StatusText.render(StudySummary(records: KnownLog.records, top: 1)).contains("warning"))
    }
}

@Suite struct ActionStatusTests {
    static func record(_ event: JournalEvent, at time: Double) -> JournalRecord {
        JournalRecord(event: event, time: time)
    }

    static let records: [JournalRecord] = [
        record(
            .studyStarted(StudyStarted(study: "s", config: KnownLog.config(), software: "0.1.0", host: "box")),
            at: 1000),
        record(
            .trialEnqueued(TrialEnqueued(enqueueID: 1, params: ["x0": .double(1)], origin: "study file s.yaml:9")),
            at: 1000),
        record(
            .controlAction(
                ControlActionTaken(action: "stop_trial", origin: "hpo serve: page at 127.0.0.1:8080", trial: TrialID(3))
            ),
            at: 1010),
        record(
            .controlAction(
                ControlActionTaken(action: "add_budget", origin: "hpo control (uid 7)", trials: 10, budget: 40)),
            at: 1020)
    ]

    @Test("hpo status lists what people asked (control actions, enqueued configurations), oldest first, with origins")
    func statusLines() {
        let summary = StudySummary(records: Self.records, top: 1)
        #expect(summary.actions.map(\.action) == ["enqueue", "stop_trial", "add_budget"])
        let text = StatusText.render(summary)
        let lines = text.split(separator: "\n").filter { $0.contains("enqueue #1") || $0.contains("stop trial #3") }
        #expect(lines.count == 2, "\(text)")
        #expect(lines.first?.hasPrefix("  actions    ") == true, "\(text)")
        #expect(text.contains("stop trial #3  (hpo serve: page at 127.0.0.1:8080)"))
        #expect(text.contains("add budget +10 (budget 40)  (hpo control (uid 7))"))
        #expect(!StatusText.render(StudySummary(records: KnownLog.records, top: 1)).contains("actions"))
    }

    @Test("past five actions, status says how many came before the last five")
    func manyActions() {
        let many = (1...8).map { i in
            Self.record(
                .controlAction(ControlActionTaken(action: "add_budget", origin: "u", trials: i, budget: 10 + i)),
                at: 1000 + Double(i))
        }
        let text = StatusText.render(StudySummary(records: [Self.records[0]] + many, top: 1))
        #expect(text.contains("  actions    3 earlier, then:"), "\(text)")
        #expect(text.contains("add budget +8 (budget 18)") && !text.contains("add budget +3 "))
    }

    @Test("status --json has every action with its time, kind, description and origin")
    func json() throws {
        let text = try StudySummary(records: Self.records, top: 1).json()
        let json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let actions = try #require(json["actions"] as? [[String: Any]])
        #expect(actions.count == 3)
        #expect(actions[1]["action"] as? String == "stop_trial")
        #expect(actions[1]["description"] as? String == "stop trial #3")
        #expect(actions[1]["origin"] as? String == "hpo serve: page at 127.0.0.1:8080")
        #expect(actions[1]["time"] as? Double == 1010)
    }
}
