import Foundation
import HPOCore
import HPOJournal
import HPOZeroMQ
import Testing

/// The worker side of docs/security.md with real processes: a worker takes commands only from
/// its coordinator, and local workers start whatever their key looks like.
@Suite(.serialized) struct WorkerTrustEndToEndTests {
    func study(name: String, trials: Int, trial: String = "{builtin: branin, sleep: 0.3}") -> String {
        braninStudy(name: name, trials: trials, seed: 3, trial: trial)
    }

    @Test("plain text to a non-loopback address is refused at start-up unless --insecure")
    func plainTextBeyondLoopback() throws {
        let scratch = try Scratch()
        // 192.0.2.1 is TEST-NET-1: nothing answers there.
        let refused = try RunningProcess(
            "hpo-worker", ["--connect", "tcp://192.0.2.1:5555"], scratch: scratch, label: "refused")
        #expect(refused.waitForExit(within: 20) == 2)
        #expect(
            refused.stderr.contains("error: refusing to connect to tcp://192.0.2.1:5555 in plain text"),
            "\(refused.stderr)")
        #expect(refused.stderr.contains("--server-key"))

        let insecure = try RunningProcess(
            "hpo-worker", ["--connect", "tcp://192.0.2.1:5555", "--insecure", "--welcome-timeout", "1"],
            scratch: scratch,
            label: "insecure")
        #expect(insecure.waitForExit(within: 20) == 2)
        #expect(
            insecure.stderr.contains("warning: connecting to tcp://192.0.2.1:5555 WITHOUT encryption"),
            "\(insecure.stderr)")
        #expect(insecure.stderr.contains("no welcome from the coordinator within 1 s"), "it went on and tried")
    }

    @Test("--study: a worker refuses a coordinator of another study and runs none of its trials")
    func wrongStudy() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write(
            "study.yaml", study(name: "right", trials: 4, trial: "{builtin: branin, sleep: 0.05}"))
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [studyPath, "--bind", endpoint, "--log", log], scratch: scratch, label: "coordinator")
        let stranger = try RunningProcess(
            "hpo-worker", ["--connect", endpoint, "--study", "other"], scratch: scratch, label: "stranger")
        #expect(stranger.waitForExit(within: 30) == 2)
        #expect(
            stranger.stderr.contains("the coordinator runs study 'right', not 'other' (--study)"), "\(stranger.stderr)")

        let good = try RunningProcess(
            "hpo-worker", ["--connect", endpoint, "--study=right"], scratch: scratch, label: "good")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")
        #expect(good.waitForExit(within: 20) == 0, "\(good.stderr)")
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 4)
        #expect(
            summary.completed.allSatisfy { $0.worker.rawValue.hasSuffix(":\(good.pid)") },
            "nothing completed by the stranger")
    }

    @Test(
        """
        a coordinator killed, another process on its port: the worker refuses it, and gives up a lost coordinator \
        after --reconnect-timeout
        """
    )
    func takeoverAfterCoordinatorDies() throws {
        let scratch = try Scratch()
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let first = try scratch.write("one.yaml", study(name: "one", trials: 50))
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [first, "--bind", endpoint, "--log", scratch.path("one.jsonl"), "--heartbeat", "0.2", "--liveness", "4"],
            scratch: scratch, label: "coordinator")
        let patient = try RunningProcess("hpo-worker", ["--connect", endpoint], scratch: scratch, label: "patient")
        let brief = try RunningProcess(
            "hpo-worker", ["--connect", endpoint, "--reconnect-timeout", "2"], scratch: scratch, label: "brief")
        #expect(
            waitUntil(within: 60) { ((try? LogSummary(path: scratch.path("one.jsonl")))?.completed.count ?? 0) >= 2 })
        kill(coordinator.pid, SIGKILL)
        coordinator.waitForExit(within: 10)

        #expect(brief.waitForExit(within: 30) == 2)
        #expect(
            brief.stderr.contains("lost the coordinator: nothing heard from it for 2 s (--reconnect-timeout)"),
            "\(brief.stderr)")
        #expect(patient.process.isRunning, "the default window is longer: a restarted coordinator finds its workers")

        // Someone binds the port with a study whose trial would leave a mark.
        let marker = scratch.path("taken-over")
        let hijack = try scratch.write(
            "two.yaml",
            study(
                name: "two", trials: 5,
                trial: #"{command: ["sh", "-c", "touch \#(marker); echo '{{\"objective\": 1}}'"]}"#))
        let impostor = try RunningProcess(
            "hpo-coordinator", [hijack, "--bind", endpoint, "--log", scratch.path("two.jsonl")], scratch: scratch,
            label: "impostor")
        #expect(patient.waitForExit(within: 40) == 2)
        #expect(patient.stderr.contains("runs study 'two', not 'one' that this worker joined"), "\(patient.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the impostor's command never ran")
        kill(impostor.pid, SIGTERM)
        impostor.waitForExit(within: 20)
    }

    @Test("local workers of a CURVE coordinator whose public key starts with '-' start and finish the study")
    func serverKeyStartingWithDash() throws {
        let scratch = try Scratch()
        // About one key in 85 starts with '-': make keys until one does (argument-parser would
        // read "--server-key -…" as a missing value).
        var pair = try CurveKeyPair.generate()
        var tries = 1
        while !pair.publicKey.hasPrefix("-"), tries < 100_000 {
            pair = try CurveKeyPair.generate()
            tries += 1
        }
        try #require(pair.publicKey.hasPrefix("-"))
        let secrets = scratch.path("secrets")
        try CurveKeyFile.write(pair, directory: secrets, name: "coordinator", overwrite: false)
        try FileManager.default.createDirectory(atPath: "\(secrets)/workers", withIntermediateDirectories: true)

        let studyPath = try scratch.write(
            "study.yaml", study(name: "-dash", trials: 4, trial: "{builtin: branin, sleep: 0.05}"))
        let log = scratch.path("results.jsonl")
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [
                studyPath, "--log", log, "--local-workers", "2", "--curve-secret", "\(secrets)/coordinator.key",
                "--authorized-keys", "\(secrets)/workers"
            ],
            scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")
        #expect(try LogSummary(path: log).completed.count == 4)
        #expect(coordinator.stderr.contains("(CURVE)"))
        #expect(!coordinator.stderr.contains("Missing value"), "\(coordinator.stderr)")
    }

    @Test("a local worker that fails at start-up stops the coordinator with the worker's error")
    func localWorkerFailsAtStartup() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study(name: "doomed", trials: 4))
        let log = scratch.path("results.jsonl")
        // The workers cannot make their scratch folder in a temporary directory that does not exist.
        let coordinator = try RunningProcess(
            "hpo-coordinator", [studyPath, "--log", log, "--local-workers", "2"], scratch: scratch,
            label: "coordinator",
            environment: ["TMPDIR": "/nonexistent/hpo-tmp"])
        #expect(coordinator.waitForExit(within: 30) == 2, "it did not wait for ever")
        let stderr = coordinator.stderr
        #expect(stderr.contains("error: local worker"), "\(stderr)")
        #expect(stderr.contains("exited with status 2"))
        #expect(
            stderr.contains("  | error: cannot create a private folder in '/nonexistent/hpo-tmp"),
            "the worker's own words")
        #expect(try LogSummary(path: log).records.last?.event.name == "study_stopped", "the log says the study stopped")
    }

    @Test(
        """
        a worker's scratch root is private (0700), made inside --scratch, and removed at exit without the folder \
        around it
        """
    )
    func privateScratchRoot() throws {
        let scratch = try Scratch()
        let parent = scratch.path("scratch-parent")
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: false)
        let probe =
            #"r=$(dirname "$(dirname "$HPO_PARAMS_FILE")"); case "$r" in \#(parent)/hpo-worker-??????) in=1;; *) in=0;; esac; echo "{{\"objective\": 1, \"root\": $(stat -c %a "$r"), \"inside\": $in}}""#
        let studyPath = try scratch.write(
            "study.yaml", study(name: "scratch", trials: 2, trial: "{command: [\"sh\", \"-c\", \(jsonString(probe))]}"))
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [studyPath, "--bind", endpoint, "--log", log], scratch: scratch, label: "coordinator")
        let worker = try RunningProcess(
            "hpo-worker", ["--connect", endpoint, "--scratch", parent], scratch: scratch, label: "worker")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")
        #expect(worker.waitForExit(within: 20) == 0, "\(worker.stderr)")
        let summary = try LogSummary(path: log)
        let completed = summary.completed
        #expect(completed.count == 2, "\(summary.failed.map(\.reason))")
        for trial in completed {
            #expect(trial.metrics["root"] == 700)
            #expect(trial.metrics["inside"] == 1)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty, "the worker removed its folder")
        #expect(FileManager.default.fileExists(atPath: parent), "and left --scratch itself alone")
    }

    func jsonString(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        return String(String(decoding: data ?? Data(), as: UTF8.self).dropFirst().dropLast())
    }
}
