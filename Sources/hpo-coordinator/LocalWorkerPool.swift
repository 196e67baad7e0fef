import Foundation

/// `--local-workers N`: hpo-worker processes started beside the coordinator on loopback.
///
/// Every value goes as one `--option=value` argument: a value that starts with `-` (a Z85 key
/// does about once in 85, a study may be named so) would otherwise be read as an option.
/// Each worker's stderr is copied to the coordinator's as it comes, and its last lines are kept:
/// a worker that exits with an error of its own (bad arguments, a scratch folder it cannot make)
/// makes `failure` say so, and the coordinator stops the study with it instead of waiting for ever.
final class LocalWorkerPool {
    private var workers: [(process: Process, stderr: StderrRelay)] = []

    /// The arguments of every local worker: all `--option=value`.
    static func arguments(
        endpoint: String, slots: Int, prefetch: Int, study: String, curve: (keyFile: String, serverKey: String)?
    ) -> [String] {
        var arguments = [
            "--connect=\(endpoint)", "--slots=\(slots)", "--prefetch=\(prefetch)", "--study=\(study)",
            "--log-level=warning"
        ]
        if let curve { arguments += ["--curve-key=\(curve.keyFile)", "--server-key=\(curve.serverKey)"] }
        return arguments
    }

    /// `init`'s `arguments` plus, per worker, `gpus[i]` (see `gpuArguments`).
    init(count: Int, arguments: [String], gpus: [[String]] = []) throws {
        guard count > 0 else { return }
        let executable = Self.workerExecutable()
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw SetupFailure(
                "cannot start local workers: \(executable) not found (build all products with `swift build`)")
        }
        for _ in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments + (workers.count < gpus.count ? gpus[workers.count] : [])
            let relay = StderrRelay()
            process.standardError = relay.pipe
            try process.run()
            relay.start()
            workers.append((process, relay))
        }
    }

    var isEmpty: Bool { workers.isEmpty }
    var anyRunning: Bool { workers.contains { $0.process.isRunning } }

    /// The first local worker that exited with a non-zero status of its own, as a sentence; nil
    /// while none has. One killed by a signal is not counted: the coordinator treats it like any
    /// lost worker and hands its trials to the others.
    var failure: String? {
        for (index, worker) in workers.enumerated() where !worker.process.isRunning {
            let process = worker.process
            guard process.terminationReason == .exit, process.terminationStatus != 0 else { continue }
            return
                """
                local worker \(index + 1) (pid \(process.processIdentifier)) exited with status \
                \(process.terminationStatus)
                """
        }
        return nil
    }

    /// The last lines the failed worker wrote to stderr (after its output has ended, up to 2 s).
    func failureDetails() -> String {
        guard
            let worker = workers.first(where: {
                !$0.process.isRunning && $0.process.terminationReason == .exit && $0.process.terminationStatus != 0
            })
        else { return "" }
        _ = worker.stderr.waitForEnd(seconds: 2)
        return worker.stderr.tail
    }

    /// Workers normally exit on the coordinator's "shutdown"; any still running are terminated.
    func stop() {
        for worker in workers where worker.process.isRunning {
            kill(worker.process.processIdentifier, SIGTERM)
        }
        let deadline = Date().addingTimeInterval(5)
        while anyRunning && Date() < deadline { usleep(10_000) }
        for worker in workers where worker.process.isRunning {
            kill(worker.process.processIdentifier, SIGKILL)
        }
    }

    /// hpo-worker from the same folder as this executable.
    static func workerExecutable() -> String {
        let me =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("hpo-worker").path
    }
}

/// Copies a child's stderr to ours on a thread of its own, keeping its last 20 lines.
final class StderrRelay: @unchecked Sendable {
    // @unchecked: `lines` is only touched under `lock`; `pipe` is only read by the relay thread.
    let pipe = Pipe()
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = Data()
    private let ended = DispatchSemaphore(value: 0)
    private static let keptLines = 20

    func start() {
        // `Process.run` has closed our copy of the write end: the read ends with the child's stderr.
        let thread = Thread { [self] in
            let input = pipe.fileHandleForReading
            while true {
                let data = input.availableData
                if data.isEmpty { break }
                FileHandle.standardError.write(data)
                keep(data)
            }
            keep(Data("\n".utf8))
            ended.signal()
        }
        thread.name = "local worker stderr"
        thread.start()
    }

    private func keep(_ data: Data) {
        lock.withLock {
            partial.append(data)
            while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: partial[partial.startIndex..<newline], as: UTF8.self)
                partial.removeSubrange(partial.startIndex...newline)
                if !line.isEmpty { lines.append(line) }
                if lines.count > Self.keptLines { lines.removeFirst(lines.count - Self.keptLines) }
            }
        }
    }

    /// Waits for the child's stderr to end; false after `seconds`.
    func waitForEnd(seconds: Double) -> Bool { ended.wait(timeout: .now() + seconds) == .success }

    /// The kept lines, each indented.
    var tail: String { lock.withLock { lines.map { "  | \($0)" }.joined(separator: "\n") } }
}
