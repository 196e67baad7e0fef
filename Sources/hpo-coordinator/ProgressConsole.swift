import Foundation
import HPOCoordinator

/// Shows progress on stderr: redrawn in place on a terminal, a plain line every 10 s otherwise.
final class ProgressConsole {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastPlainLine = -Double.infinity
    private var drewLine = false

    func show(_ snapshot: ProgressSnapshot) {
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(snapshot.line)".utf8))
            drewLine = true
        } else if snapshot.elapsedSeconds - lastPlainLine >= 10 || snapshot.finishReason != nil {
            FileHandle.standardError.write(Data("\(snapshot.line)\n".utf8))
            lastPlainLine = snapshot.elapsedSeconds
        }
    }

    func finish() {
        if drewLine { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
