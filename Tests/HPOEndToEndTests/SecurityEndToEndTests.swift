import Foundation
import HPOCore
import HPOJournal
import Testing

/// CURVE with real processes: only authorised workers get trials; everyone else is refused and
/// logged, and a worker that is never welcomed says why.
@Suite(.serialized) struct SecurityEndToEndTests {
    let study = """
        name: secure
        objective: {metric: objective, direction: minimize}
        budget: {trials: 6}
        strategy: random
        space:
          x0: {type: float, low: -5, high: 10}
          x1: {type: float, low: 0, high: 15}
        trial: {builtin: branin, sleep: 0.05}
        """

    /// Keys for the coordinator and one authorised worker, made by `hpo keygen`.
    func makeKeys(_ scratch: Scratch) throws -> String {
        let folder = scratch.path("secrets")
        let keygen = try RunningProcess("hpo", ["keygen", "--out", folder], scratch: scratch, label: "keygen")
        #expect(keygen.waitForExit(within: 10) == 0, "\(keygen.stderr)")
        return folder
    }

    @Test("keygen writes key pairs with private secret files and refuses to overwrite them")
    func keygen() throws {
        let scratch = try Scratch()
        let folder = try makeKeys(scratch)
        for secret in ["\(folder)/coordinator.key", "\(folder)/workers/worker.key"] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: secret)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(secret) is private")
        }
        let pub = try String(contentsOfFile: "\(folder)/coordinator.pub", encoding: .utf8)
        #expect(pub.contains("public-key = ") && !pub.contains("secret"))
        let again = try RunningProcess("hpo", ["keygen", "--out", folder], scratch: scratch, label: "keygen2")
        #expect(again.waitForExit(within: 10) == 1)
        #expect(again.stderr.contains("already exists"))
        let worker = try RunningProcess(
            "hpo", ["keygen", "--out", folder, "--worker", "gpu3"], scratch: scratch, label: "keygen3")
        #expect(worker.waitForExit(within: 10) == 0)
        #expect(FileManager.default.fileExists(atPath: "\(folder)/workers/gpu3.pub"))
    }

    @Test(
        """
        an authorised worker completes the study over CURVE; unknown, wrong-server-key and plain-text workers get \
        nothing
        """
    )
    func onlyAuthorisedWorkers() throws {
        let scratch = try Scratch()
        let folder = try makeKeys(scratch)
        // A second key pair that is NOT in the allow-list, and a stranger's "coordinator" key.
        let others = scratch.path("others")
        let keygen = try RunningProcess("hpo", ["keygen", "--out", others], scratch: scratch, label: "keygen-others")
        #expect(keygen.waitForExit(within: 10) == 0)

        let studyPath = try scratch.write("study.yaml", study)
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [
                studyPath, "--bind", endpoint, "--log", log, "--curve-secret", "\(folder)/coordinator.key",
                "--authorized-keys", "\(folder)/workers", "--log-level", "info"
            ],
            scratch: scratch, label: "coordinator")
        func worker(_ label: String, _ extra: [String]) throws -> RunningProcess {
            try RunningProcess(
                "hpo-worker", ["--connect", endpoint, "--welcome-timeout", "4"] + extra, scratch: scratch, label: label)
        }
        let unknown = try worker(
            "unknown", ["--curve-key", "\(others)/workers/worker.key", "--server-key", "\(folder)/coordinator.pub"])
        let wrongServer = try worker(
            "wrong-server", ["--curve-key", "\(folder)/workers/worker.key", "--server-key", "\(others)/coordinator.pub"]
        )
        let plain = try worker("plain", [])
        // The intruders are all refused before the real worker starts, so they could not have
        // been given a trial that the real worker then took over.
        for intruder in [unknown, wrongServer, plain] {
            #expect(intruder.waitForExit(within: 30) == 2, "\(intruder.stderr)")
            #expect(intruder.stderr.contains("no welcome from the coordinator within 4 s"))
        }
        #expect(wrongServer.stderr.contains("--server-key"))
        #expect(plain.stderr.contains("--curve-key"))

        let good = try worker(
            "good", ["--curve-key", "\(folder)/workers/worker.key", "--server-key", "\(folder)/coordinator.pub"])
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")
        #expect(good.waitForExit(within: 20) == 0, "\(good.stderr)")

        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == 6)
        #expect(
            Set(summary.dispatched.map(\.worker)) == [summary.completed[0].worker],
            "only the authorised worker got trials")
        #expect(summary.completed[0].worker.rawValue.hasSuffix(":\(good.pid)"))
        let refusals = coordinator.stderr
        #expect(refusals.contains("refused a worker: key not authorised"), "the unknown key is logged")
        #expect(refusals.contains("refused a connection"), "the failed handshakes are logged")
        #expect(refusals.contains("address=127.0.0.1"), "with the address")
    }

    @Test("binding beyond loopback without keys is refused with instructions, before anything is written")
    func nonLoopbackRefused() throws {
        let scratch = try Scratch()
        let studyPath = try scratch.write("study.yaml", study)
        let log = scratch.path("results.jsonl")
        let coordinator = try RunningProcess(
            "hpo-coordinator", [studyPath, "--bind", "tcp://0.0.0.0:\(freeLoopbackPort())", "--log", log],
            scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 10) == 1)
        #expect(coordinator.stderr.contains("refusing to listen"))
        #expect(coordinator.stderr.contains("hpo keygen"))
        #expect(!FileManager.default.fileExists(atPath: log))
    }

    @Test("local workers of a CURVE coordinator get a key made for the run")
    func localWorkersWithCurve() throws {
        let scratch = try Scratch()
        let folder = try makeKeys(scratch)
        let studyPath = try scratch.write("study.yaml", study)
        let log = scratch.path("results.jsonl")
        let coordinator = try RunningProcess(
            "hpo-coordinator",
            [
                studyPath, "--log", log, "--local-workers", "2", "--curve-secret", "\(folder)/coordinator.key",
                "--authorized-keys", "\(folder)/workers"
            ],
            scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")
        #expect(try LogSummary(path: log).completed.count == 6)
        #expect(coordinator.stderr.contains("(CURVE)"))
    }
}
