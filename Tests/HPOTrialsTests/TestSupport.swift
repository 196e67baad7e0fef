import Foundation
import HPOCore
import HPOTrials

/// What one run of `TrialRunner` produced.
struct TrialRun: Sendable {
    var result: TrialResult
    var reports: [TrialReport]
}

/// Collects reports from the runner's thread.
final class ReportLog: @unchecked Sendable {
    // @unchecked: `reports` is only touched under `lock`.
    private let lock = NSLock()
    private var reports: [TrialReport] = []

    func append(_ report: TrialReport) { lock.withLock { reports.append(report) } }
    var all: [TrialReport] { lock.withLock { reports } }
}

/// A fresh path under the system's temporary directory (not created).
func temporaryPath() -> String {
    NSTemporaryDirectory() + "hpo-trials-tests-" + UUID().uuidString
}

/// A folder for one test, created; the test removes it with `removeTemporaryDirectory`.
func makeTemporaryDirectory() -> String {
    let path = temporaryPath()
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// The package root, for running `examples/train.py` as a study would.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A `/bin/sh -c` command running `script` as it is: its braces (the JSON it prints) are doubled
/// so that the runner's substitution gives them back unchanged.
func shellScript(_ script: String) -> TrialProgram {
    let literal = script.replacingOccurrences(of: "{", with: "{{").replacingOccurrences(of: "}", with: "}}")
    return .command(["/bin/sh", "-c", literal])
}

/// Runs one attempt on a thread of its own, as a worker does (the runner blocks), and waits for it
/// without holding a thread of Swift's cooperative pool.
func runTrial(
    _ program: TrialProgram,
    parameters: Parameters = [:],
    objective: String = "val_loss",
    timeout: Double? = nil,
    sleep: Double? = nil,
    environment: [String: String] = [:],
    workingDirectory: String? = nil,
    scratchDirectory: String? = nil,
    cancellation: TrialCancellation = TrialCancellation(),
    onReport: @escaping @Sendable (TrialReport) -> Void = { _ in }
) async -> TrialRun {
    let context = TrialContext(
        trial: TrialID(7),
        attempt: 2,
        parameters: parameters,
        spec: TrialSpec(
            program: program,
            timeoutSeconds: timeout,
            sleepSeconds: sleep,
            environment: environment,
            workingDirectory: workingDirectory
        ),
        objectiveMetric: objective,
        scratchDirectory: scratchDirectory ?? temporaryPath()  // the runner creates and removes it
    )
    let log = ReportLog()
    return await withCheckedContinuation { continuation in
        let thread = Thread {
            let result = TrialRunner.run(context, cancellation: cancellation) { report in
                log.append(report)
                onReport(report)
            }
            continuation.resume(returning: TrialRun(result: result, reports: log.all))
        }
        thread.start()
    }
}

/// Whether process `pid` is gone: no such process, or only a zombie waiting for its new parent
/// (init in this container) to reap it.
func processIsGone(_ pid: Int32) -> Bool {
    if kill(pid, 0) != 0 { return errno == ESRCH }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(close, offsetBy: 2)] == "Z"
}

/// Writes an executable file with close-on-exec set while it is open: a child spawned meanwhile
/// by a test running in parallel would otherwise inherit the writable fd, and executing the file
/// would fail with "Text file busy" until that child exits.
func writeExecutable(_ text: String, to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard fd >= 0 else { return }
    _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}
