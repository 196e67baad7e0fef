import Foundation
import HPOCore
import HPOJournal
import Testing

/// Real processes for end-to-end tests: the built executables, started and waited on with deadlines.
enum Binaries {
    /// The folder holding the test bundle and the built executables (`.build/debug`).
    static let folder: URL = {
        let me =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: me).deletingLastPathComponent()
        // On Linux the test runner lives directly in the build folder; elsewhere inside a bundle.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("hpo-coordinator").path),
            url.path != "/"
        {
            url.deleteLastPathComponent()
        }
        return url
    }()

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The package's root (for examples/), found from this source file.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}

/// A random search on Branin over its usual domain: the study file most end-to-end tests run.
/// `trial` is the YAML of the study's `trial:` (a flow mapping).
func braninStudy(name: String, trials: Int, seed: Int, trial: String) -> String {
    """
    name: \(name)
    objective: {metric: objective, direction: minimize}
    budget: {trials: \(trials)}
    strategy: random
    seed: \(seed)
    space:
      x0: {type: float, low: -5, high: 10}
      x1: {type: float, low: 0, high: 15}
    trial: \(trial)
    """
}

/// A scratch folder per test, removed at the end.
final class Scratch {
    let url: URL
    init() throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hpo-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }
}

/// A started child process whose output goes to files (no pipe can fill up and stall it).
final class RunningProcess {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String

    /// `environment`: variables set (or replaced) on top of the test's own.
    init(
        _ executable: String, _ arguments: [String], scratch: Scratch, label: String, directory: URL? = nil,
        environment: [String: String] = [:]
    ) throws {
        stdoutPath = scratch.path("\(label).out")
        stderrPath = scratch.path("\(label).err")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Binaries.path(executable))
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.currentDirectoryURL = directory ?? scratch.url
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for the exit, up to `seconds`; kills the process and fails the test past that.
    @discardableResult
    func waitForExit(within seconds: Double, sourceLocation: SourceLocation = #_sourceLocation) -> Int32? {
        let exited = waitUntil(within: seconds) { !self.process.isRunning }
        guard exited else {
            Issue.record(
                """
                process \(process.executableURL?.lastPathComponent ?? "") did not exit within \(seconds) s; \
                stderr:\n\(stderr)
                """,
                sourceLocation: sourceLocation)
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass. Returns whether it held.
func waitUntil(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A free loopback TCP port (bound, read back, released).
func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The events of a results log, by kind.
struct LogSummary {
    let records: [JournalRecord]

    init(path: String) throws {
        records = try JournalReader.read(path: path).records
    }

    var completed: [TrialCompleted] {
        records.compactMap { if case .trialCompleted(let e) = $0.event { e } else { nil } }
    }
    var failed: [TrialFailed] { records.compactMap { if case .trialFailed(let e) = $0.event { e } else { nil } } }
    var dispatched: [TrialDispatched] {
        records.compactMap { if case .trialDispatched(let e) = $0.event { e } else { nil } }
    }
    var workersLeft: [WorkerLeft] { records.compactMap { if case .workerLeft(let e) = $0.event { e } else { nil } } }
    var finished: StudyFinished? {
        records.lazy.compactMap { if case .studyFinished(let e) = $0.event { e } else { nil } }.first
    }
    var started: StudyStarted? {
        records.lazy.compactMap { if case .studyStarted(let e) = $0.event { e } else { nil } }.first
    }
}
