import Foundation

/// Where the lines of a log's bytes are: one pass with `memchr`, no copies.
struct JournalLines {
    /// A line that is not blank: its number (from 1) and its bytes, without the newline.
    struct Line {
        var number: Int
        var bytes: Range<Int>
    }

    /// The lines that are not blank (empty, or only spaces and carriage returns), in order.
    var lines: [Line] = []
    /// The number of the last line if the bytes do not end with a newline: a write may have been
    /// cut short there.
    var unterminatedLine: Int?

    init(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var start = 0
        var number = 1
        while start < bytes.count {
            let end: Int
            if let newline = memchr(base + start, 0x0A, bytes.count - start) {
                end = base.distance(to: UnsafeRawPointer(newline))
            } else {
                end = bytes.count
                unterminatedLine = number
            }
            if !Self.isBlank(bytes[start..<end]) { lines.append(Line(number: number, bytes: start..<end)) }
            start = end + 1
            number += 1
        }
    }

    private static func isBlank(_ line: Slice<UnsafeRawBufferPointer>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x0D }
    }
}
