import Foundation

/// `--local-workers N`: hpo-worker processes started beside the coordinator on loopback.
final class LocalWorkerPool {
    private var processes: [Process] = []

    init(count: Int, slots: Int, endpoint: String, extraArguments: [String] = []) throws {
        guard count > 0 else { return }
        let executable = Self.workerExecutable()
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            printErr("error: cannot start local workers: \(executable) not found (build all products with `swift build`)")
            throw CocoaError(.fileNoSuchFile)
        }
        for _ in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["--connect", endpoint, "--slots", String(slots), "--log-level", "warning"] + extraArguments
            try process.run()
            processes.append(process)
        }
    }

    var isEmpty: Bool { processes.isEmpty }
    var anyRunning: Bool { processes.contains { $0.isRunning } }

    /// Workers normally exit on the coordinator's "shutdown"; any still running are terminated.
    func stop() {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        let deadline = Date().addingTimeInterval(5)
        while anyRunning && Date() < deadline { usleep(10_000) }
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// hpo-worker from the same folder as this executable.
    static func workerExecutable() -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("hpo-worker").path
    }
}
