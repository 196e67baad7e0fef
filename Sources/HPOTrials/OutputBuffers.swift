/// Cuts a byte stream into lines as chunks arrive. A line longer than `maximumLineLength` is
/// dropped whole (no metrics line is that long), so a program that never prints a newline cannot
/// make the worker's memory grow.
struct LineSplitter {
    var maximumLineLength = 1 << 20
    private var pending: [UInt8] = []
    private var overflowed = false

    /// Feeds a chunk and calls `line` for each line it completes, without the `\n` (or `\r\n`).
    mutating func append(_ chunk: UnsafeRawBufferPointer, line: (String) -> Void) {
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
            pending.append(contentsOf: chunk[start..<newline])
            emit(line)
            start = newline + 1
        }
        pending.append(contentsOf: chunk[start...])
        if pending.count > maximumLineLength {
            pending.removeAll(keepingCapacity: true)
            overflowed = true
        }
    }

    /// Calls `line` for the last line if it had no newline.
    mutating func finish(line: (String) -> Void) {
        if !pending.isEmpty || overflowed { emit(line) }
    }

    private mutating func emit(_ line: (String) -> Void) {
        if !overflowed {
            if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
            line(String(decoding: pending, as: UTF8.self))
        }
        pending.removeAll(keepingCapacity: true)
        overflowed = false
    }
}

/// The last bytes of a stream, for `stderrTail`: shown as at most `maximumLines` lines and
/// `maximumBytes` bytes, each line as a terminal would show it (the text after its last `\r`,
/// so progress bars collapse to their final state).
struct OutputTail {
    var maximumBytes = 4096
    var maximumLines = 20
    private var bytes: [UInt8] = []

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: chunk)
        // Keep twice what is shown, so that `\r` rewrites and a last partial line still leave
        // enough text; trim in amortised batches.
        let keep = 2 * maximumBytes
        if bytes.count > 2 * keep { bytes.removeFirst(bytes.count - keep) }
    }

    var isEmpty: Bool { text.isEmpty }

    /// The tail as text, without a trailing newline.
    var text: String {
        var lines = String(decoding: bytes.suffix(2 * maximumBytes), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                line.split(separator: "\r", omittingEmptySubsequences: false).last(where: { !$0.isEmpty }) ?? ""
            }
        while lines.last?.isEmpty == true { lines.removeLast() }
        var shown = lines.suffix(maximumLines).joined(separator: "\n")
        if shown.utf8.count > maximumBytes {
            shown = String(decoding: shown.utf8.suffix(maximumBytes), as: UTF8.self)
        }
        return shown
    }
}
