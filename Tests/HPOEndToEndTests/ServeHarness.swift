import Foundation
import HPOTestSupport
import Testing

/// `hpo serve` as a child process, and the address it printed once listening.
final class ServeProcess {
    let running: RunningProcess
    /// `127.0.0.1:PORT`.
    let address: String

    init(_ paths: [String], scratch: Scratch, extra: [String] = [], label: String = "serve") throws {
        running = try RunningProcess(
            "hpo", ["serve"] + paths + ["--bind", "127.0.0.1:0"] + extra, scratch: scratch, label: label)
        var found: String?
        let running = running
        _ = waitUntil(within: 60) {
            guard let range = running.stdout.range(of: "hpo serve: http://") else { return !running.process.isRunning }
            found = running.stdout[range.upperBound...].split(separator: "/").first.map(String.init)
            return true
        }
        guard let found else {
            throw WebSocketClient.Failure(description: "hpo serve did not start: \(running.stderr)")
        }
        address = found
    }

    /// Resident memory of the server process, in KiB (VmRSS).
    var residentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(running.pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    func get(_ path: String, within seconds: Double = 20) throws -> (status: Int?, headers: String, body: String) {
        try RawHTTPClient.exchange(
            address, "GET \(path) HTTP/1.1\r\nHost: \(address)\r\nConnection: close\r\n\r\n", within: seconds)
    }
}

/// A study run to its end with local workers (a finished log to serve beside a running one).
func runFinishedStudy(_ scratch: Scratch, name: String, trials: Int, seed: Int, log: String) throws {
    let study = try scratch.write(
        "\(name).yaml", braninStudy(name: name, trials: trials, seed: seed, trial: "{builtin: branin}"))
    let coordinator = try RunningProcess(
        "hpo-coordinator", [study, "--local-workers", "2", "--log", log], scratch: scratch, label: "coordinator-\(name)"
    )
    #expect(coordinator.waitForExit(within: 120) == 0, "stderr:\n\(coordinator.stderr)")
}
