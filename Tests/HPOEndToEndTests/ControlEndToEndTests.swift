import Foundation
import HPOControl
import HPOCore
import HPOJournal
import HPORuntime
import HPOWire
import HPOZeroMQ
import Testing

extension LogSummary {
    var controlActions: [ControlActionTaken] {
        records.compactMap { if case .controlAction(let e) = $0.event { e } else { nil } }
    }
    var enqueued: [TrialEnqueued] {
        records.compactMap { if case .trialEnqueued(let e) = $0.event { e } else { nil } }
    }
}

/// The control address with real processes: `hpo control` against a running coordinator and its
/// workers over ZeroMQ (docs/operations.md, "Control").
@Suite(.serialized) struct ControlEndToEndTests {
    let fastLiveness = ["--heartbeat", "0.2", "--liveness", "4"]

    /// A command trial that reports `loss` every 0.1 s for `steps` steps, then its result.
    func stepsScript(_ scratch: Scratch, steps: Int) throws -> String {
        try scratch.write(
            "steps.sh",
            """
            i=1
            while [ $i -le \(steps) ]; do
              echo "{\\"step\\": $i, \\"loss\\": $1}"
              sleep 0.1
              i=$((i + 1))
            done
            echo "{\\"loss\\": $1}"
            """)
    }

    func study(name: String, trials: Int, script: String, extra: String = "") -> String {
        """
        name: \(name)
        objective: {metric: loss, direction: minimize}
        budget: {trials: \(trials)}
        strategy: random
        seed: 3
        space:
          x: {type: float, low: 0, high: 1}
        trial: {command: ["sh", "\(script)", "{x}"]}
        \(extra)
        """
    }

    func log(_ path: String) -> LogSummary? { try? LogSummary(path: path) }

    /// A study of `trials` trials of `stepsScript(steps:)` with a control address on a free
    /// loopback port: where its log goes, that address, and the coordinator's arguments (to
    /// start it, and again on the same log).
    func controlledStudy(_ scratch: Scratch, name: String, trials: Int, steps: Int, workers: Int) throws -> (
        log: String, endpoint: String, arguments: [String]
    ) {
        let script = try stepsScript(scratch, steps: steps)
        let studyPath = try scratch.write("study.yaml", study(name: name, trials: trials, script: script))
        let path = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        return (path, endpoint, [studyPath, "--log", path, "--local-workers", "\(workers)", "--control", endpoint])
    }

    /// Runs `hpo control` and returns its exit status and output.
    func control(_ arguments: [String], scratch: Scratch, label: String) throws -> (Int32?, String, String) {
        let process = try RunningProcess("hpo", ["control"] + arguments, scratch: scratch, label: label)
        let status = process.waitForExit(within: 30)
        return (status, process.stdout, process.stderr)
    }

    @Test("hpo control stop-trial stops a running trial: control_action with its origin, then trial_pruned by the user")
    func stopTrial() throws {
        let scratch = try Scratch()
        let script = try stepsScript(scratch, steps: 300)
        let studyPath = try scratch.write("study.yaml", study(name: "stop-trial", trials: 1, script: script))
        let path = scratch.path("results.jsonl")
        let controlFile = scratch.path("control.txt")
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [
                studyPath, "--log", path, "--local-workers", "1", "--control", "tcp://127.0.0.1:*",
                "--control-endpoint-file", controlFile
            ],
            scratch: scratch, label: "coordinator")
        #expect(
            waitUntil(within: 60) { log(path)?.records.contains { $0.event.name == "trial_report" } ?? false },
            "trial 1 reports")
        let endpoint = try String(contentsOfFile: controlFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let (status, out, err) = try control([endpoint, "stop-trial", "1"], scratch: scratch, label: "control")
        #expect(status == 0, "\(out)\(err)")
        #expect(out.hasPrefix("accepted: trial 1: stop sent"), "\(out)")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")

        let summary = try LogSummary(path: path)
        let action = try #require(summary.controlActions.first)
        #expect(action.action == "stop_trial" && action.trial == TrialID(1))
        #expect(action.origin.hasPrefix("hpo control (uid \(getuid()))"), "\(action.origin)")
        let pruned = try #require(summary.pruned.first)
        #expect(pruned.trial == TrialID(1) && pruned.reason.hasPrefix("stopped by the user: hpo control"))
        #expect((pruned.step ?? 0) < 300, "stopped mid-run")
        let actionLine = summary.records.firstIndex { $0.event.name == "control_action" } ?? .max
        let prunedLine = summary.records.firstIndex { $0.event.name == "trial_pruned" } ?? -1
        #expect(actionLine < prunedLine, "journaled before it took effect")
        #expect(summary.failed.isEmpty && summary.finished?.pruned == 1)
        let listening = summary.records.compactMap { if case .controlListening(let e) = $0.event { e } else { nil } }
        #expect(listening == [ControlListening(endpoint: endpoint, curve: false)], "the log says where to send actions")
    }

    @Test("hpo control add-budget raises the budget of a running study, which runs the extra trials")
    func addBudget() throws {
        let scratch = try Scratch()
        // Two trials of 4 s on two workers: the request arrives while they run (it takes a few
        // milliseconds, a loaded machine's process start included; were the study over first, the
        // test would fail, not pass).
        let (path, endpoint, arguments) = try controlledStudy(
            scratch, name: "add-budget", trials: 2, steps: 40, workers: 2)
        let coordinator = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator")
        #expect(waitUntil(within: 60) { !(log(path)?.dispatched.isEmpty ?? true) }, "the study runs")
        let (status, out, err) = try control([endpoint, "add-budget", "2"], scratch: scratch, label: "control")
        #expect(status == 0, "\(out)\(err)")
        #expect(out.contains("budget raised by 2 to 4 trials"), "\(out)")
        #expect(coordinator.waitForExit(within: 90) == 0, "\(coordinator.stderr)")
        let summary = try LogSummary(path: path)
        #expect(summary.completed.count == 4)
        #expect(summary.finished?.reason == "budget spent")
        let action = try #require(summary.controlActions.first)
        #expect(action.action == "add_budget" && action.trials == 2 && action.budget == 4)
    }

    @Test("a budget raised through hpo control is kept when the coordinator is stopped and started again on its log")
    func budgetSurvivesRestart() throws {
        let scratch = try Scratch()
        // Two trials of 2.5 s, one after the other: the request and the SIGINT both land while they run.
        let (path, endpoint, arguments) = try controlledStudy(
            scratch, name: "budget-restart", trials: 2, steps: 25, workers: 1)
        let first = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator1")
        #expect(waitUntil(within: 60) { !(log(path)?.dispatched.isEmpty ?? true) }, "the study runs")
        let (status, out, err) = try control([endpoint, "add-budget", "2"], scratch: scratch, label: "control")
        #expect(status == 0, "\(out)\(err)")
        kill(first.pid, SIGINT)
        #expect(first.waitForExit(within: 30) == 130, "\(first.stderr)")
        #expect((try LogSummary(path: path)).completed.count < 4)

        let second = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator2")
        #expect(second.waitForExit(within: 90) == 0, "\(second.stderr)")
        #expect(second.stderr.contains("of 4 trials created"), "\(second.stderr)")
        let summary = try LogSummary(path: path)
        #expect(summary.completed.count == 4 && Set(summary.completed.map(\.trial)).count == 4)
        #expect(summary.finished?.reason == "budget spent")
    }

    @Test("hpo control stop-study: the running trials finish and are recorded, nothing new starts, the study ends")
    func stopStudy() throws {
        let scratch = try Scratch()
        let (path, endpoint, arguments) = try controlledStudy(
            scratch, name: "stop-study", trials: 20, steps: 15, workers: 2)
        let coordinator = try RunningProcess(
            "hpo-coordinator", arguments + ["--worker-prefetch", "0"], scratch: scratch, label: "coordinator")
        #expect(waitUntil(within: 60) { (log(path)?.dispatched.count ?? 0) >= 2 }, "both workers busy")
        let (status, out, err) = try control([endpoint, "stop-study"], scratch: scratch, label: "control")
        #expect(status == 0 && out.contains("the study is stopping"), "\(out)\(err)")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")

        let summary = try LogSummary(path: path)
        let actionLine = try #require(summary.records.firstIndex { $0.event.name == "control_action" })
        let dispatchedAfter = summary.records[actionLine...].filter { $0.event.name == "trial_dispatched" }
        #expect(dispatchedAfter.isEmpty, "nothing dispatched after the stop")
        let dispatched = Set(summary.dispatched.map(\.trial))
        #expect(Set(summary.completed.map(\.trial)) == dispatched, "every trial that started finished")
        #expect(summary.finished?.reason.hasPrefix("stopped by the user: hpo control") == true)
        #expect(dispatched.count < 20)
    }

    @Test(
        "enqueued configurations (study file, --enqueue, hpo control) run once across 4 workers and a SIGKILL restart"
    )
    func enqueueExactlyOnce() throws {
        let scratch = try Scratch()
        // The enqueued configurations are told apart from the search's by x1 = 1 exactly (a random
        // x1 is never exactly 1): 3 in the study file, 3 in --enqueue FILE, 3 through hpo control,
        // and one more line added to the --enqueue file before the restart.
        let values = (1...10).map { Double($0) / 100 }
        func line(_ value: Double) -> String { "{\"x0\": \(value), \"x1\": 1}" }
        let studyEnqueue = values.prefix(3).map { "  - {x0: \($0), x1: 1}" }.joined(separator: "\n")
        let enqueueFile = try scratch.write("more.jsonl", values[3..<6].map(line).joined(separator: "\n") + "\n")
        let studyPath = try scratch.write(
            "study.yaml",
            braninStudy(name: "enqueue-once", trials: 24, seed: 9, trial: "{builtin: branin, sleep: 0.3}")
                + "\nenqueue:\n" + studyEnqueue + "\n")
        let path = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let controlEndpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let arguments =
            [studyPath, "--bind", endpoint, "--log", path, "--enqueue", enqueueFile, "--control", controlEndpoint]
            + fastLiveness
        let first = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator1")
        let workers = try (0..<4).map {
            try RunningProcess(
                "hpo-worker", ["--connect", endpoint, "--log-level", "warning"], scratch: scratch, label: "worker\($0)")
        }
        #expect(waitUntil(within: 60) { (log(path)?.completed.count ?? 0) >= 4 }, "four trials completed")
        for (index, value) in values[6..<9].enumerated() {
            let (status, out, err) = try control(
                [controlEndpoint, "enqueue", line(value)], scratch: scratch, label: "control\(index)")
            #expect(status == 0, "\(out)\(err)")
        }
        // Accepted means journaled: killed now, the restart finds all nine in the log.
        kill(first.pid, SIGKILL)
        first.waitForExit(within: 10)
        let before = try LogSummary(path: path)
        try (try String(contentsOfFile: enqueueFile, encoding: .utf8) + line(values[9]) + "\n")
            .write(toFile: enqueueFile, atomically: true, encoding: .utf8)

        let second = try RunningProcess("hpo-coordinator", arguments, scratch: scratch, label: "coordinator2")
        #expect(second.waitForExit(within: 120) == 0, "\(second.stderr)")
        for worker in workers { worker.waitForExit(within: 20) }

        let summary = try LogSummary(path: path)
        #expect(before.enqueued.count == 9)
        #expect(summary.completed.count == 24)
        #expect(Set(summary.completed.map(\.trial)).count == 24, "no trial counted twice")
        #expect(summary.enqueued.count == 10, "each journaled once: \(summary.enqueued.map(\.origin))")
        #expect(Set(summary.enqueued.map(\.enqueueID)) == Set(1...10))
        for value in values {
            let runs = summary.completed.filter {
                $0.params["x1"]?.doubleValue == 1 && $0.params["x0"]?.doubleValue == value
            }
            #expect(runs.count == 1, "x0 = \(value) ran \(runs.count) times")
        }
        let trialsPerEnqueue = Dictionary(grouping: summary.dispatched.filter { $0.enqueued != nil }, by: \.enqueued!)
            .mapValues { Set($0.map(\.trial)) }
        #expect(trialsPerEnqueue.count == 10 && trialsPerEnqueue.values.allSatisfy { $0.count == 1 })
        #expect(summary.enqueued.filter { $0.origin.hasPrefix("--enqueue ") }.count == 4)
        #expect(summary.enqueued.filter { $0.origin.hasPrefix("study file ") }.count == 3)
        #expect(summary.enqueued.filter { $0.origin.hasPrefix("hpo control ") }.count == 3)
    }

    @Test(
        "hostile control requests (wrong types, huge numbers, unknown trial, NaN, garbage frames) never stop the study")
    func hostileRequests() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write(
            "study.yaml",
            braninStudy(name: "hostile-control", trials: 12, seed: 4, trial: "{builtin: branin, sleep: 0.2}"))
        let path = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [studyPath, "--log", path, "--local-workers", "2", "--control", endpoint],
            scratch: scratch, label: "coordinator")
        #expect(waitUntil(within: 60) { !(log(path)?.dispatched.isEmpty ?? true) }, "the study runs")

        let context = try ZeroMQContext()
        let waker = Waker()
        var options = ZeroMQTransportOptions()
        options.lingerMilliseconds = 0
        let raw = try ZeroMQClientTransport(context: context, connect: endpoint, waker: waker, options: options)
        let tag = ControlCodec.tag
        let hostile: [[[UInt8]]] = [
            [tag, Array(#"{"id":"1","action":"stop_trial","trial":"one"}"#.utf8)],
            [tag, Array(#"{"id":"2","action":"stop_trial","trial":1e308}"#.utf8)],
            [tag, Array(#"{"id":"3","action":"stop_trial","trial":999999}"#.utf8)],
            [tag, Array(#"{"id":"4","action":"enqueue","params":{"x0":"nan","x1":1}}"#.utf8)],
            [tag, Array(#"{"id":"5","action":"enqueue","params":{"x0":1e999,"x1":1}}"#.utf8)],
            [tag, Array(#"{"id":"6","action":"add_budget","trials":-1}"#.utf8)],
            [tag, Array(#"{"id":"7","action":"add_budget","trials":{"a":1}}"#.utf8)],
            [tag, Array(#"{"id":"8","action":"format_disk"}"#.utf8)],
            [tag, Array("\u{0}\u{1}garbage".utf8)],
            [Array("hpo/1".utf8), Array(#"{"type":"hello"}"#.utf8)],
            [tag, Array(repeating: UInt8(ascii: "["), count: 60_000)],
            [tag]
        ]
        for frames in hostile { try raw.send(frames) }
        var replies: [ControlReply] = []
        let deadline = Date().addingTimeInterval(30)
        while replies.count < hostile.count && Date() < deadline {
            for frames in try raw.receive(timeoutMilliseconds: 200, limit: 64) {
                if let reply = try? ControlCodec.decodeReply(frames) { replies.append(reply.reply) }
            }
        }
        #expect(replies.count == hostile.count, "each answered: \(replies)")
        #expect(replies.allSatisfy { !$0.accepted }, "\(replies.filter(\.accepted))")
        // A request far beyond the size limit: libzmq drops the connection; the coordinator goes on.
        try raw.send([tag, Array(repeating: UInt8(ascii: " "), count: ControlLimits.maxMessageBytes * 4)])

        #expect(coordinator.waitForExit(within: 90) == 0, "\(coordinator.stderr)")
        let summary = try LogSummary(path: path)
        #expect(summary.completed.count == 12 && summary.controlActions.isEmpty && summary.enqueued.isEmpty)
        #expect(coordinator.stderr.contains("refused a malformed control request"))
    }

    @Test("a control address beyond loopback without CURVE is refused at start-up with the reason")
    func beyondLoopbackRefused() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write(
            "study.yaml", braninStudy(name: "refuse", trials: 1, seed: 1, trial: "{builtin: branin}"))
        let coordinator = try RunningProcess(
            "hpo-coordinator", [studyPath, "--log", scratch.path("r.jsonl"), "--control", "tcp://0.0.0.0:0"],
            scratch: scratch, label: "coordinator")
        let status = coordinator.waitForExit(within: 30)
        #expect(status != nil && status != 0)
        #expect(
            coordinator.stderr.contains("refusing a control address beyond loopback without CURVE"),
            "\(coordinator.stderr)")
        let (clientStatus, _, err) = try control(["tcp://10.1.2.3:5556", "stop-study"], scratch: scratch, label: "c")
        #expect(clientStatus == 2 && err.contains("in plain text"), "\(err)")
    }

    @Test(
        "with CURVE only authorised keys control the study (the key journaled); others get no answer"
    )
    func curveControl() throws {
        let scratch = try Scratch()
        let secrets = scratch.path("secrets")
        let strangers = scratch.path("strangers")
        for folder in [secrets, strangers] {
            let keygen = try RunningProcess("hpo", ["keygen", "--out", folder], scratch: scratch, label: "keygen")
            #expect(keygen.waitForExit(within: 10) == 0, "\(keygen.stderr)")
        }
        let script = try stepsScript(scratch, steps: 300)
        let studyPath = try scratch.write("study.yaml", study(name: "curve-control", trials: 1, script: script))
        let path = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [
                studyPath, "--log", path, "--local-workers", "1", "--control", endpoint, "--curve-secret",
                "\(secrets)/coordinator.key", "--authorized-keys", "\(secrets)/workers", "--log-level", "info"
            ],
            scratch: scratch, label: "coordinator")
        #expect(waitUntil(within: 60) { !(log(path)?.dispatched.isEmpty ?? true) }, "the study runs")
        let serverKey = "--server-key=\(secrets)/coordinator.pub"

        let (strangerStatus, _, strangerErr) = try control(
            [endpoint, "stop-study", "--curve-key", "\(strangers)/workers/worker.key", serverKey, "--timeout", "2"],
            scratch: scratch, label: "stranger")
        #expect(strangerStatus == 2 && strangerErr.contains("no reply"), "\(strangerErr)")
        let (plainStatus, _, plainErr) = try control(
            [endpoint, "stop-study", "--timeout", "2"], scratch: scratch, label: "plain")
        #expect(plainStatus == 2 && plainErr.contains("no reply"), "\(plainErr)")

        let (status, out, err) = try control(
            [endpoint, "stop-trial", "1", "--curve-key", "\(secrets)/workers/worker.key", serverKey],
            scratch: scratch, label: "authorised")
        #expect(status == 0, "\(out)\(err)")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")
        let summary = try LogSummary(path: path)
        #expect(summary.controlActions.count == 1, "only the authorised client's action")
        let publicKey = try String(contentsOfFile: "\(secrets)/workers/worker.pub", encoding: .utf8)
        #expect(summary.controlActions.first?.clientKey.map { publicKey.contains($0) } == true)
        #expect(coordinator.stderr.contains("refused a control client: key not authorised"))
    }
}
